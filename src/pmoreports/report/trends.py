"""Trends across reporting periods and the "Changed since last report" findings.

The reporting history (:mod:`pmoreports.pipeline.history`) keeps, per project and
period, what that period's report said. This module is what the reports make of it:

- :func:`flat_metrics` turns one ``metrics.json`` (and the run's ``checks.json``) into
  the tidy ``(group, metric, value, text)`` records the history stores: every number and
  every RAG status, plus the counts of data-quality warnings and restatements;
- :func:`trend_row` gives the one-row summary of a report that trends are drawn from
  (:data:`TREND_FIELDS`), the same from a ``metrics.json`` as from the history;
- :class:`TrendData` is what the pipeline hands a report: the rows of earlier periods,
  the cumulative PV/EV/AC curves for portfolio roll-ups, and completed projects;
- :class:`ProjectHistory` is one project's earlier rows and the restatements found
  against its previous workbook;
- the ``*_html`` and ``*_chart`` functions are the report sections
  (:class:`~pmoreports.report.project.ProjectReport` and
  :class:`~pmoreports.report.portfolio.PortfolioReport` call them).

Conventions. A period is a reporting month ``YYYY-MM``. Values are *as reported* in
that period (a later restatement does not change them). Trends cover at most
:data:`TREND_WINDOW` periods, the current one included. Portfolio money is converted to
the reporting currency at today's rates of ``_portfolio.yaml`` for every period
(constant currency: exchange-rate moves do not show as performance).

Success measures (per period, over the projects completed in that period or before):
a project is **completed** in the first period whose report shows 100 % complete
(EV = BAC); its completion month is the first month of its series at 100 %. It was
**on time** when that month is not after its baseline finish month (Project sheet), and
**on budget** when its actual cost at completion is at most its BAC plus the cost impact
of its approved changes. **Portfolio health** is the share of reporting projects whose
overall RAG is not red.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import altair as alt
import pandas as pd

from ..metrics import glossary as g
from ..metrics.evm import finite_float, portfolio_evm
from ..workbook import columns as C
from ..workbook.restatement import MAJOR, Restatement
from ._format import NA, esc, fmt_date, fmt_index, fmt_money, fmt_pct, html_table, rag_badge

__all__ = [
    "CHANGED_ROWS",
    "EAC_BACKTEST_TOLERANCE",
    "EAC_GROWTH_PERIODS",
    "EAC_GROWTH_ROWS",
    "PERIOD",
    "SPARKLINE_PROJECTS",
    "TREND_FIELDS",
    "TREND_WINDOW",
    "ProjectHistory",
    "TrendData",
    "before",
    "completed_month",
    "completions",
    "flat_metrics",
    "trend_row",
    "trend_rows",
    "window",
    "with_current",
]

PERIOD: Final = "period"
TREND_WINDOW: Final = 12
"""Periods a trend shows at most, the current one included."""
EAC_BACKTEST_TOLERANCE: Final = 0.05
"""The back-test of forecasting: the first period from which every reported EAC was
within this fraction of the current EAC."""
EAC_GROWTH_PERIODS: Final = 3
"""Portfolio: EAC growth is measured over this many periods."""
EAC_GROWTH_ROWS: Final = 5
"""Portfolio: the projects whose EAC grew most, at most this many."""
SPARKLINE_PROJECTS: Final = 24
"""Portfolio: small multiples for at most this many projects (red first, then amber...)."""
CHANGED_ROWS: Final = 25
"""Project report: "Changed since last report" lists at most this many findings (major
first, then the largest money changes); the rest are counted and summed in one row."""

TREND_FIELDS: Final[Mapping[str, tuple[str, str]]] = {
    g.CPI: ("status", g.CPI),
    g.SPI: ("status", g.SPI),
    g.SPI_T: ("status", g.SPI_T),
    g.EAC: ("status", g.EAC),
    g.EAC_BOTTOM_UP: ("status", g.EAC_BOTTOM_UP),
    g.BAC: ("status", g.BAC),
    g.AC: ("status", g.AC),
    g.EV: ("status", g.EV),
    g.PV: ("status", g.PV),
    g.VAC: ("status", g.VAC),
    g.VAC_PCT: ("status", g.VAC_PCT),
    g.PCT_COMPLETE: ("status", g.PCT_COMPLETE),
    "approved_changes": ("costs", g.APPROVED_CHANGES_COST),
    "rag_overall": ("rag", "overall"),
    "rag_cost": ("rag", "cost"),
    "rag_schedule": ("rag", "schedule"),
    "rag_forecast": ("rag", "forecast"),
    "forecast_finish": ("dates", "forecast_finish"),
    "data_quality_warnings": ("checks", "data_quality_warnings"),
    "restatements_major": ("checks", "restatements_major"),
    "restatements_minor": ("checks", "restatements_minor"),
}
"""Columns of a trend row beyond its identity, each from a ``(group, metric)`` record of
:func:`flat_metrics`: numbers, RAG statuses (text) and the forecast finish (ISO date)."""
IDENTITY: Final = (
    PERIOD,
    C.PROJECT,
    "name",
    C.PROGRAMME,
    "currency",
    "baseline_finish",
    "completed_month",
)
"""Identity columns of a trend row (text; months as ``YYYY-MM``)."""
_TEXT_GROUPS: Final = ("rag", "dates")
_COMPLETE: Final = 1.0 - 1e-9
_RAGS: Final = ("red", "amber", "green", "grey")


# -- from metrics.json to history records ------------------------------------------------------


def flat_metrics(metrics: Mapping[str, Any], checks: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every number and RAG of one ``metrics.json`` mapping as ``(group, metric, value, text)``.

    Groups: ``status``, ``costs``, ``risks`` (exposure), ``business_case`` (numbers in
    ``value``; an undefined metric has ``value`` None), ``rag`` (status word in ``text``),
    ``dates`` (ISO date in ``text``) and ``checks`` (counts from ``checks.json``:
    ``data_quality_warnings``, ``restatements_major``, ``restatements_minor``).
    """
    out: list[tuple[Any, ...]] = []
    groups = {
        "status": metrics.get("status", {}),
        "costs": metrics.get("costs", {}),
        "risks": metrics.get("risks", {}).get("exposure", {}),
        "business_case": metrics.get("business_case", {}).get("metrics", {}),
    }
    for group, records in groups.items():
        for key, record in records.items():
            value = record.get("value") if isinstance(record, Mapping) else record
            if isinstance(value, str):
                out.append((group, key, None, value))
            else:
                out.append((group, key, finite_float(value), None))
    out += [("rag", dim, None, str(r.get("status") or "grey")) for dim, r in metrics.get("rag", {}).items()]
    out += [("dates", k, None, None if v is None else str(v)) for k, v in metrics.get("dates", {}).items()]
    if checks is not None:
        found = [Restatement.from_dict(r) for r in checks.get("restatements", [])]
        out += [
            ("checks", "data_quality_warnings", float(len(checks.get("data_quality", []))), None),
            ("checks", "restatements_major", float(sum(r.severity == MAJOR for r in found)), None),
            ("checks", "restatements_minor", float(sum(r.severity != MAJOR for r in found)), None),
        ]
    return out


def completed_month(metrics: Mapping[str, Any]) -> str | None:
    """``YYYY-MM`` of the first month whose cumulative percent complete is 100 %, or None."""
    for record in metrics.get("series", []):
        done = finite_float(record.get(g.PCT_COMPLETE))
        if done is not None and done >= _COMPLETE and record.get(C.MONTH):
            return str(record[C.MONTH])[:7]
    return None


def identity(metrics: Mapping[str, Any], checks: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The identity columns of a report (see :data:`IDENTITY`) except the period."""
    info = metrics.get("project", {})
    finish = (checks or {}).get("baseline_finish") or metrics.get("dates", {}).get("planned_finish")
    return {
        C.PROJECT: str(info.get("project_id", "")),
        "name": str(info.get("name", "")),
        C.PROGRAMME: str(info.get("programme") or ""),
        "currency": str(info.get("currency", "")),
        "baseline_finish": None if not finish else str(finish)[:7],
        "completed_month": completed_month(metrics),
    }


def trend_row(period: str, metrics: Mapping[str, Any], checks: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One report's trend row: :data:`IDENTITY` and :data:`TREND_FIELDS` columns."""
    records = {(grp, key): (value, text) for grp, key, value, text in flat_metrics(metrics, checks)}
    row: dict[str, Any] = {PERIOD: period, **identity(metrics, checks)}
    for name, where in TREND_FIELDS.items():
        value, text = records.get(where, (None, None))
        row[name] = text if where[0] in _TEXT_GROUPS else value
    return row


def trend_rows(reports: pd.DataFrame, tidy: pd.DataFrame) -> pd.DataFrame:
    """Trend rows from stored records: ``reports`` (one row per period and project, the
    :data:`IDENTITY` columns) and ``tidy`` (period, project, group, metric, value, text)."""
    rows = reports[list(IDENTITY)].copy()
    if tidy.empty:
        for name in TREND_FIELDS:
            rows[name] = None
        return rows.reset_index(drop=True)
    key = tidy["group"].astype(str) + "." + tidy["metric"].astype(str)
    wanted = {f"{grp}.{metric}": name for name, (grp, metric) in TREND_FIELDS.items()}
    picked = tidy.assign(field=key.map(wanted)).dropna(subset=["field"])
    picked = picked.assign(cell=picked["text"].where(picked["group"].isin(_TEXT_GROUPS), picked["value"]))
    wide = picked.pivot_table(
        index=[PERIOD, C.PROJECT], columns="field", values="cell", aggfunc="first", dropna=False
    ).reset_index()
    out = rows.merge(wide, on=[PERIOD, C.PROJECT], how="left")
    for name, (grp, _) in TREND_FIELDS.items():
        if name not in out:
            out[name] = None
        elif grp not in _TEXT_GROUPS:
            out[name] = pd.to_numeric(out[name], errors="coerce")
    return out[[*IDENTITY, *TREND_FIELDS]].sort_values([PERIOD, C.PROJECT]).reset_index(drop=True)


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame(columns=[*IDENTITY, *TREND_FIELDS])


def _frame(values: Any, columns: Sequence[str]) -> pd.DataFrame:
    if isinstance(values, pd.DataFrame):
        return values
    frame = pd.DataFrame(values or {})
    for name in columns:
        if name not in frame:
            frame[name] = None
    return frame


# -- what a report is handed ----------------------------------------------------------------------

SERIES_COLUMNS: Final = (PERIOD, C.PROJECT, C.MONTH, g.PV, g.EV, g.AC)
COMPLETION_COLUMNS: Final = (
    C.PROJECT,
    "name",
    "currency",
    PERIOD,
    "completed_month",
    "baseline_finish",
    g.AC,
    g.BAC,
    "approved_changes",
)


@dataclass(frozen=True)
class TrendData:
    """Earlier periods of a portfolio (or a project), as the history holds them.

    - ``rows``: one trend row per period and project (:data:`IDENTITY` + :data:`TREND_FIELDS`);
    - ``series``: cumulative PV, EV and AC by month of each report (project currency),
      for roll-ups (portfolio CPI and SPI(t) from summed curves);
    - ``completions``: each completed project's first complete report (its period,
      completion month, baseline finish, AC, BAC and approved changes), from the whole
      history, not only the window.
    """

    rows: pd.DataFrame = field(default_factory=_empty_rows)
    series: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(SERIES_COLUMNS)))
    completions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COMPLETION_COLUMNS)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, column-oriented (NaN as None)."""
        return {name: _columns(getattr(self, name)) for name in ("rows", "series", "completions")}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> TrendData:
        """Inverse of :meth:`to_dict` (None or empty: no history)."""
        values = values or {}
        return cls(
            _typed(_frame(values.get("rows"), [*IDENTITY, *TREND_FIELDS])),
            _typed(_frame(values.get("series"), SERIES_COLUMNS)),
            _typed(_frame(values.get("completions"), COMPLETION_COLUMNS)),
        )

    @property
    def periods(self) -> list[str]:
        """The periods present, oldest first."""
        return sorted({str(p) for p in self.rows[PERIOD]})


def _columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    return {str(c): [_plain(v) for v in frame[c].tolist()] for c in frame.columns}


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


_NUMERIC: Final = {name for name, (grp, _) in TREND_FIELDS.items() if grp not in _TEXT_GROUPS} | {
    g.PV,
    g.EV,
    g.AC,
    g.BAC,
    "approved_changes",
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats (None -> NaN), everything else as object."""
    out = frame.copy()
    for name in out.columns:
        if name in _NUMERIC:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
        else:
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


@dataclass(frozen=True)
class ProjectHistory:
    """One project's earlier reports and what its new workbook changed.

    ``rows``: trend rows of earlier periods (oldest first, at most
    :data:`TREND_WINDOW` - 1); ``previous_period``: the period whose stored workbook the
    new one was compared with (None: nothing to compare with, ``note`` says why);
    ``restatements``: the findings of that comparison.
    """

    rows: pd.DataFrame = field(default_factory=_empty_rows)
    previous_period: str | None = None
    restatements: tuple[Restatement, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (what a report run is handed)."""
        return {
            "rows": _columns(self.rows),
            "previous_period": self.previous_period,
            "restatements": [r.to_dict() for r in self.restatements],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> ProjectHistory:
        """Inverse of :meth:`to_dict`; None: no history given."""
        if not values:
            return cls(note="No reporting history was given to this report.")
        rows = _typed(_frame(values.get("rows"), [*IDENTITY, *TREND_FIELDS]))
        found = tuple(Restatement.from_dict(r) for r in values.get("restatements") or [])
        previous = values.get("previous_period")
        return cls(rows, None if previous is None else str(previous), found, str(values.get("note") or ""))


# -- project sections -----------------------------------------------------------------------------


def before(frame: pd.DataFrame, period: str, now: Sequence[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """The records of ``frame`` of periods before ``period``, followed by ``now`` (the
    current period's records)."""
    past = frame[frame[PERIOD].astype(str) < period]
    current = pd.DataFrame(list(now))
    if current.empty:
        return past.reset_index(drop=True)
    return current if past.empty else pd.concat([past, current], ignore_index=True)


def window(rows: pd.DataFrame, now: Sequence[Mapping[str, Any]], period: str) -> pd.DataFrame:
    """Trend rows of earlier periods (``rows``) and of ``period`` (``now``), the last
    :data:`TREND_WINDOW` periods, oldest first, typed."""
    both = before(rows, period, now)
    if both.empty:
        return _empty_rows()
    keep = sorted({str(p) for p in both[PERIOD]})[-TREND_WINDOW:]
    both = both[both[PERIOD].astype(str).isin(keep)]
    return _typed(both.sort_values([PERIOD, C.PROJECT], kind="stable").reset_index(drop=True))


def with_current(history: ProjectHistory, current: Mapping[str, Any]) -> pd.DataFrame:
    """The earlier rows and the current report's row, oldest first, at most :data:`TREND_WINDOW`."""
    return window(history.rows, [current], str(current[PERIOD]))


def completions(earlier: pd.DataFrame, current: pd.DataFrame, period: str) -> pd.DataFrame:
    """Completed projects' first complete reports: those before ``period`` and, for projects
    completing now, their row of ``current`` (trend rows of ``period``)."""
    done = earlier[earlier[PERIOD].astype(str) < period]
    new = current[current["completed_month"].notna() & ~current[C.PROJECT].isin(done[C.PROJECT])]
    if new.empty:
        return done.reset_index(drop=True)
    rows = new[list(COMPLETION_COLUMNS)]
    return rows.reset_index(drop=True) if done.empty else pd.concat([done, rows], ignore_index=True)


def backtest(rows: pd.DataFrame) -> tuple[str | None, float | None]:
    """The first period from which every reported EAC was within
    :data:`EAC_BACKTEST_TOLERANCE` of the current (last) EAC, and the current EAC; the
    period is None when the current EAC is undefined."""
    eac = rows[g.EAC].tolist()
    current = finite_float(eac[-1]) if eac else None
    if not current:
        return None, current
    first = str(rows[PERIOD].iloc[-1])
    for period, value in zip(reversed(rows[PERIOD].tolist()), reversed(eac), strict=True):
        number = finite_float(value)
        if number is None or abs(number - current) > EAC_BACKTEST_TOLERANCE * abs(current):
            break
        first = str(period)
    return first, current


def project_trend_html(rows: pd.DataFrame, currency: str) -> str:
    """Table of the project's reports by period (RAG, CPI, SPI(t), EAC and its move, VAC %,
    forecast finish) and the back-test sentence."""
    if len(rows) < 2:
        return (
            '<p class="pmo-note">This is the first report of this project in the reporting history: '
            "trends start with the next period.</p>"
        )
    body = []
    previous: float | None = None
    team = _has_bottom_up(rows)
    for _, r in rows.iterrows():
        eac = finite_float(r[g.EAC])
        moved = None if eac is None or previous is None else eac - previous
        row = [
            esc(r[PERIOD]),
            rag_badge(str(r["rag_overall"] or "grey")),
            esc(fmt_index(finite_float(r[g.CPI]))),
            esc(fmt_index(finite_float(r[g.SPI_T]))),
            esc(fmt_money(eac)),
            esc(fmt_money(moved, signed=True)),
            esc(fmt_pct(finite_float(r[g.VAC_PCT]))),
            esc(fmt_date(r["forecast_finish"]) if r["forecast_finish"] else NA),
        ]
        if team:
            row.insert(6, esc(fmt_money(finite_float(r[g.EAC_BOTTOM_UP]))))
        body.append(row)
        previous = eac if eac is not None else previous
    heads = ["Period", "Overall", "CPI", "SPI(t)", "EAC", "EAC moved", "VAC %", "Forecast finish"]
    numeric = [False, False, True, True, True, True, True, False]
    if team:
        heads.insert(6, "Team EAC")
        numeric.insert(6, True)
    table = html_table(
        heads,
        body,
        numeric=numeric,
        caption=f"As reported each period; amounts in {currency}"
        + ("; team EAC: actual cost plus the bottom-up estimate to complete (Forecast sheet)" if team else ""),
    )
    return table + f"<p>{esc(backtest_sentence(rows, currency))}</p>"


def _has_bottom_up(rows: pd.DataFrame) -> bool:
    """Whether any period had a bottom-up forecast (a filled Forecast sheet)."""
    return g.EAC_BOTTOM_UP in rows and bool(pd.to_numeric(rows[g.EAC_BOTTOM_UP], errors="coerce").notna().any())


def backtest_sentence(rows: pd.DataFrame, currency: str) -> str:
    """Plain words of :func:`backtest`."""
    first, current = backtest(rows)
    if first is None or current is None:
        return "The current EAC is undefined, so forecasts cannot be back-tested."
    pct = f"{EAC_BACKTEST_TOLERANCE:.0%}"
    periods = rows[PERIOD].astype(str).tolist()
    if first == periods[0]:
        return (
            f"Forecast back-test: every EAC reported since {first} (the first period shown) was within "
            f"{pct} of the current EAC ({fmt_money(current, currency)})."
        )
    if first == periods[-1]:
        return (
            f"Forecast back-test: no earlier EAC was within {pct} of the current EAC "
            f"({fmt_money(current, currency)}): the forecast moved by more than {pct} last period."
        )
    return (
        f"Forecast back-test: the EAC has been within {pct} of the current EAC ({fmt_money(current, currency)}) "
        f"since {first}, {periods.index(periods[-1]) - periods.index(first)} period(s) ago."
    )


def project_index_chart(rows: pd.DataFrame, width: int, height: int) -> alt.LayerChart:
    """CPI and SPI(t) as reported each period, with the 1.00 line."""
    long = rows.melt(id_vars=[PERIOD], value_vars=[g.CPI, g.SPI_T], var_name="index", value_name="value")
    long["index"] = long["index"].map({g.CPI: "CPI", g.SPI_T: "SPI(t)"})
    return _period_lines(long.dropna(), "Indices as reported each period", "Index (1.00 = on plan)", width, height)


def eac_drift_chart(rows: pd.DataFrame, currency: str, width: int, height: int) -> alt.LayerChart:
    """EAC as reported each period (forecast drift), with the BAC of each period."""
    columns = [g.EAC, g.EAC_BOTTOM_UP, g.BAC] if _has_bottom_up(rows) else [g.EAC, g.BAC]
    long = rows.melt(id_vars=[PERIOD], value_vars=columns, var_name="index", value_name="value")
    long["index"] = long["index"].map({g.EAC: "EAC as reported", g.EAC_BOTTOM_UP: "Team EAC", g.BAC: "BAC"})
    title = f"Forecast drift: EAC as reported each period ({currency})"
    return _period_lines(long.dropna(), title, currency, width, height, money=True, one=False)


def _period_lines(
    long: pd.DataFrame,
    title: str,
    axis: str,
    width: int,
    height: int,
    *,
    money: bool = False,
    one: bool = True,
) -> alt.LayerChart:
    names = list(dict.fromkeys(long["index"])) or ["-"]
    colours = ["#c0392b", "#2e8b57", "#1f3864", "#7f7f7f"][: len(names)]
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{PERIOD}:O", title=None),
            y=alt.Y(
                "value:Q",
                title=axis,
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format="~s" if money else ".2f"),
            ),
            color=alt.Color(
                "index:N", title=None, legend=alt.Legend(orient="top"), scale=alt.Scale(domain=names, range=colours)
            ),
            tooltip=[f"{PERIOD}:O", "index:N", alt.Tooltip("value:Q", format=",.0f" if money else ".2f")],
        )
    )
    layers: list[alt.Chart] = [lines]
    if one:
        rule = pd.DataFrame({"value": [1.0]})
        layers.append(alt.Chart(rule).mark_rule(color="#9e9e9e", strokeDash=[2, 2]).encode(y="value:Q"))
    return alt.layer(*layers).properties(width=width, height=height, title=title)


def changed_html(history: ProjectHistory, period: str, currency: str) -> str:
    """The "Changed since last report" section: what the new workbook changed in what was
    reported (at most :data:`CHANGED_ROWS` findings, major first, then the largest money
    change; the rest counted and summed in one row)."""
    if history.previous_period is None:
        return f'<p class="pmo-note">{esc(history.note or "No earlier report to compare with.")}</p>'
    found = list(history.restatements)
    if not found:
        return (
            f'<p class="pmo-note">Nothing reported in {esc(history.previous_period)} was changed: the {esc(period)} '
            "workbook keeps every reported actual, progress figure, budget, approved change and milestone "
            "baseline as it was.</p>"
        )
    major = sum(f.severity == MAJOR for f in found)
    order = sorted(range(len(found)), key=lambda i: (found[i].severity != MAJOR, -abs(found[i].change or 0.0), i))
    cut = len(found) > CHANGED_ROWS + 1
    shown, rest = (order[:CHANGED_ROWS], order[CHANGED_ROWS:]) if cut else (order, [])
    body = [
        [
            _severity_badge(found[i].severity),
            esc(f"{found[i].sheet}!{found[i].cell}" if found[i].cell else found[i].sheet),
            esc(found[i].title),
            esc(found[i].item),
            esc(found[i].old),
            esc(found[i].new),
        ]
        for i in shown
    ]
    if rest:
        total = sum(found[i].change or 0.0 for i in rest)
        n_major = sum(found[i].severity == MAJOR for i in rest)
        counts = f"{n_major:,} major, {len(rest) - n_major:,} minor"
        body.append(
            [
                "",
                "",
                f"<em>Others ({len(rest):,} findings: {esc(counts)})</em>",
                "",
                "",
                esc(fmt_money(total, signed=True)),
            ]
        )
    caption = (
        f"Compared with the workbook of the {history.previous_period} report: {major:,} major, "
        f"{len(found) - major:,} minor; amounts in {currency}"
        + (f". Showing {CHANGED_ROWS} of {len(found):,}, major first; all findings: checks.json" if rest else "")
    )
    intro = (
        f'<p class="pmo-warning">The {esc(period)} workbook changes {len(found):,} value(s) reported in '
        f"{esc(history.previous_period)}. Major findings rewrite reported costs, progress or the baseline "
        "without approval: ask the project manager to explain or correct them.</p>"
        if major
        else f'<p class="pmo-note">The {esc(period)} workbook changes {len(found):,} value(s) reported in '
        f"{esc(history.previous_period)}, each explained by change control.</p>"
    )
    table = html_table(
        ["Severity", "Cell", "What changed", "Item", "Reported", "Now"],
        body,
        numeric=[False, False, False, False, True, True],
        caption=caption,
    )
    return intro + table


def _severity_badge(severity: str) -> str:
    colour = "red" if severity == MAJOR else "amber"
    return f'<span class="pmo-rag pmo-rag-{colour}" data-severity="{esc(severity)}">{esc(severity.upper())}</span>'


# -- portfolio ----------------------------------------------------------------------------------


def _rate(fx: Mapping[str, float], reporting: str, currency: str) -> float | None:
    return 1.0 if currency == reporting else fx.get(currency)


def portfolio_periods(
    rows: pd.DataFrame,
    series: pd.DataFrame,
    completions: pd.DataFrame,
    reporting: str,
    fx: Mapping[str, float],
) -> pd.DataFrame:
    """One row per period: projects reporting, RAG counts, portfolio health, portfolio CPI and
    SPI(t) (summed curves in the reporting currency), projects completed to date and the
    shares of them completed on time and on budget (see the module doc)."""
    out = []
    for period, group in rows.groupby(PERIOD, sort=True):
        rag = group["rag_overall"].fillna("grey").astype(str)
        counts = {k: int((rag == k).sum()) for k in _RAGS}
        n = len(group)
        cpi, spi_t = _rolled_indices(str(period), group, series, reporting, fx)
        done = completions[completions[PERIOD].astype(str) <= str(period)]
        on_time, on_budget = _success(done)
        out.append(
            {
                PERIOD: str(period),
                "projects": n,
                **counts,
                "health": (n - counts["red"]) / n if n else None,
                g.CPI: cpi,
                g.SPI_T: spi_t,
                "completed": len(done),
                "on_time": on_time,
                "on_budget": on_budget,
            }
        )
    return pd.DataFrame(out)


def _success(done: pd.DataFrame) -> tuple[float | None, float | None]:
    if done.empty:
        return None, None
    finish = done["baseline_finish"].astype(str)
    on_time = (done["completed_month"].astype(str) <= finish) & done["baseline_finish"].notna()
    limit = done[g.BAC].astype(float) + done["approved_changes"].astype(float).fillna(0.0)
    on_budget = done[g.AC].astype(float) <= limit + 0.5
    return float(on_time.mean()), float(on_budget.mean())


def _rolled_indices(
    period: str, group: pd.DataFrame, series: pd.DataFrame, reporting: str, fx: Mapping[str, float]
) -> tuple[float | None, float | None]:
    """Portfolio CPI and SPI(t) of one period: the projects' cumulative curves converted and
    summed (projects without a rate left out); CPI from the rows when no curve is known."""
    curves = series[series[PERIOD].astype(str) == period] if not series.empty else series
    frames = []
    for _, r in group.iterrows():
        rate = _rate(fx, reporting, str(r["currency"]))
        mine = curves[curves[C.PROJECT] == r[C.PROJECT]] if not curves.empty else curves
        if rate is None or mine.empty:
            continue
        frames.append(
            pd.DataFrame(
                {
                    C.PROJECT: r[C.PROJECT],
                    C.PROGRAMME: "all",
                    C.MONTH: pd.to_datetime(mine[C.MONTH]),
                    g.PV: mine[g.PV].astype(float) * rate,
                    g.EV: mine[g.EV].astype(float) * rate,
                    g.AC: mine[g.AC].astype(float) * rate,
                }
            )
        )
    if frames:
        total = portfolio_evm(pd.concat(frames, ignore_index=True), pd.Period(period, "M").to_timestamp()).total
        values = total.values.iloc[0]
        return finite_float(values[g.CPI]), finite_float(values[g.SPI_T])
    ev = ac = 0.0
    for _, r in group.iterrows():
        rate = _rate(fx, reporting, str(r["currency"]))
        if rate is not None and finite_float(r[g.EV]) is not None and finite_float(r[g.AC]) is not None:
            ev, ac = ev + float(r[g.EV]) * rate, ac + float(r[g.AC]) * rate
    return (ev / ac if ac else None), None


def portfolio_trend_html(periods: pd.DataFrame) -> str:
    """The per-period table of the portfolio's health and success measures."""
    if len(periods) < 2:
        return (
            '<p class="pmo-note">This is the first period in the reporting history: portfolio trends start '
            "with the next period.</p>"
        )
    body = [
        [
            esc(r[PERIOD]),
            esc(f"{int(r['projects'])}"),
            *(esc(f"{int(r[k])}") for k in _RAGS),
            esc(fmt_pct(finite_float(r["health"]), 0)),
            esc(fmt_index(finite_float(r[g.CPI]))),
            esc(fmt_index(finite_float(r[g.SPI_T]))),
            esc(f"{int(r['completed'])}"),
            esc(fmt_pct(finite_float(r["on_time"]), 0)),
            esc(fmt_pct(finite_float(r["on_budget"]), 0)),
        ]
        for _, r in periods.iterrows()
    ]
    heads = ["Period", "Projects", "Red", "Amber", "Green", "n/a", "Health", "CPI", "SPI(t)"]
    heads += ["Completed", "On time", "On budget"]
    return html_table(
        heads,
        body,
        numeric=[False] + [True] * 11,
        caption=(
            "Health: share of projects not red. CPI and SPI(t) from the summed curves in the reporting currency "
            "(today's rates). Completed: projects at 100 % by that period; on time: finished by the baseline "
            "finish month; on budget: final cost within BAC plus approved changes"
        ),
    )


def rag_counts_chart(periods: pd.DataFrame, width: int = 520, height: int = 180) -> alt.Chart:
    """Projects by overall RAG per period (stacked bars)."""
    counts = periods[[PERIOD, *_RAGS]]
    long = counts.melt(id_vars=[PERIOD], value_vars=list(_RAGS), var_name="rag", value_name="projects")
    chart = (
        alt.Chart(long[long["projects"] > 0])
        .mark_bar()
        .encode(
            x=alt.X(f"{PERIOD}:O", title=None),
            y=alt.Y("projects:Q", title="Projects", stack="zero", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "rag:N",
                title="Overall RAG",
                scale=alt.Scale(domain=list(_RAGS), range=["#c62828", "#f9a825", "#2e7d32", "#9e9e9e"]),
                sort=list(_RAGS),
            ),
            order=alt.Order("rag_order:Q"),
            tooltip=[f"{PERIOD}:O", "rag:N", "projects:Q"],
        )
        .transform_calculate(rag_order="indexof(['red','amber','green','grey'], datum.rag)")
        .properties(width=width, height=height, title="Projects by overall RAG")
    )
    return cast(alt.Chart, chart)


def portfolio_index_chart(periods: pd.DataFrame, width: int = 520, height: int = 180) -> alt.LayerChart:
    """Portfolio CPI and SPI(t) per period."""
    long = periods.melt(id_vars=[PERIOD], value_vars=[g.CPI, g.SPI_T], var_name="index", value_name="value")
    long["index"] = long["index"].map({g.CPI: "CPI", g.SPI_T: "SPI(t)"})
    return _period_lines(long.dropna(), "Portfolio CPI and SPI(t)", "Index (1.00 = on plan)", width, height)


def sparklines_chart(rows: pd.DataFrame, latest: Sequence[str]) -> alt.FacetChart:
    """Small multiples: CPI and SPI(t) per period for each project (``latest``: project IDs
    in display order, at most :data:`SPARKLINE_PROJECTS`)."""
    keep = list(latest)[:SPARKLINE_PROJECTS]
    data = rows[rows[C.PROJECT].isin(keep)]
    long = data.melt(id_vars=[PERIOD, C.PROJECT], value_vars=[g.CPI, g.SPI_T], var_name="index", value_name="value")
    long["index"] = long["index"].map({g.CPI: "CPI", g.SPI_T: "SPI(t)"})
    base = alt.Chart(long.dropna()).encode(
        x=alt.X(f"{PERIOD}:O", title=None, axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=3, format=".2f")),
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(size=12)).encode(
        color=alt.Color(
            "index:N",
            title=None,
            legend=alt.Legend(orient="top"),
            scale=alt.Scale(domain=["CPI", "SPI(t)"], range=["#c0392b", "#2e8b57"]),
        ),
        tooltip=[f"{PERIOD}:O", f"{C.PROJECT}:N", "index:N", alt.Tooltip("value:Q", format=".2f")],
    )
    rule = alt.Chart().mark_rule(color="#bdbdbd", strokeDash=[2, 2]).encode(y=alt.datum(1.0))
    return (
        alt.layer(lines, rule, data=long.dropna())
        .properties(width=110, height=50)
        .facet(facet=alt.Facet(f"{C.PROJECT}:N", title=None, sort=keep), columns=4)
        .properties(title="CPI and SPI(t) per project, as reported each period")
    )


def eac_growth(rows: pd.DataFrame, period: str, reporting: str, fx: Mapping[str, float]) -> pd.DataFrame:
    """Projects whose EAC grew most over the last :data:`EAC_GROWTH_PERIODS` periods: EAC
    now and then (the report :data:`EAC_GROWTH_PERIODS` periods earlier, else the earliest
    within them), growth in percent and in the reporting currency, largest growth first."""
    periods = sorted({str(p) for p in rows[PERIOD]})
    if period not in periods:
        return pd.DataFrame()
    start = periods[max(0, periods.index(period) - EAC_GROWTH_PERIODS)]
    window = rows[(rows[PERIOD].astype(str) >= start) & (rows[PERIOD].astype(str) <= period)]
    out = []
    for pid, group in window.groupby(C.PROJECT):
        group = group.sort_values(PERIOD)
        now, then = finite_float(group[g.EAC].iloc[-1]), finite_float(group[g.EAC].iloc[0])
        if str(group[PERIOD].iloc[-1]) != period or len(group) < 2 or now is None or not then:
            continue
        rate = _rate(fx, reporting, str(group["currency"].iloc[-1]))
        out.append(
            {
                C.PROJECT: pid,
                "name": group["name"].iloc[-1],
                "since": str(group[PERIOD].iloc[0]),
                "then": then,
                "now": now,
                "currency": group["currency"].iloc[-1],
                "growth": now / then - 1.0,
                "growth_rc": None if rate is None else (now - then) * rate,
            }
        )
    frame = pd.DataFrame(out)
    if frame.empty:
        return frame
    return frame.sort_values(["growth", C.PROJECT], ascending=[False, True]).reset_index(drop=True)


def eac_growth_html(growth: pd.DataFrame, reporting: str) -> str:
    """The top :data:`EAC_GROWTH_ROWS` of :func:`eac_growth` whose EAC grew."""
    grew = growth[growth["growth"] > 0].head(EAC_GROWTH_ROWS) if not growth.empty else growth
    if grew.empty:
        return f'<p class="pmo-note">No project\'s EAC grew over the last {EAC_GROWTH_PERIODS} periods.</p>'
    body = [
        [
            esc(r[C.PROJECT]),
            esc(r["name"]),
            esc(r["since"]),
            esc(fmt_money(r["then"], str(r["currency"]))),
            esc(fmt_money(r["now"], str(r["currency"]))),
            esc(fmt_pct(r["growth"], signed=True)),
            esc(fmt_money(finite_float(r["growth_rc"]), signed=True)),
        ]
        for _, r in grew.iterrows()
    ]
    return html_table(
        ["Project", "Name", "Since", "EAC then", "EAC now", "Growth", f"Growth ({reporting})"],
        body,
        numeric=[False, False, False, True, True, True, True],
        caption=f"EAC growth over the last {EAC_GROWTH_PERIODS} periods (or since the project's first report)",
    )


def restatements_html(found: Mapping[str, Sequence[Restatement]], names: Mapping[str, str]) -> str:
    """Projects whose workbook this period changed what was reported, with counts."""
    listed = [(pid, items) for pid, items in sorted(found.items()) if items]
    if not listed:
        return '<p class="pmo-note">No project changed what it reported in an earlier period.</p>'
    body = []
    for pid, items in listed:
        major = [r for r in items if r.severity == MAJOR]
        kinds = sorted({r.title for r in (major or items)})
        body.append(
            [
                esc(pid),
                esc(names.get(pid, "")),
                esc(f"{len(major)}"),
                esc(f"{len(items) - len(major)}"),
                esc("; ".join(kinds[:3]) + ("; ..." if len(kinds) > 3 else "")),
            ]
        )
    return html_table(
        ["Project", "Name", "Major", "Minor", "What changed"],
        body,
        numeric=[False, False, True, True, False],
        caption="Restatements against each project's previous workbook (details in each project report)",
    )


def ordered_projects(rows: pd.DataFrame, severity: Mapping[str, int]) -> list[str]:
    """Project IDs of ``rows`` (a period's rows) worst overall RAG first, then by ID."""
    ranked = rows.assign(_o=rows["rag_overall"].map(lambda r: severity.get(str(r or ""), 4)))
    return [str(p) for p in ranked.sort_values(["_o", C.PROJECT])[C.PROJECT]]


def series_records(period: str, project: str, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Cumulative PV, EV and AC by month of one report's ``series`` (metrics.json), for
    :attr:`TrendData.series`."""
    return [
        {
            PERIOD: period,
            C.PROJECT: project,
            C.MONTH: str(r.get(C.MONTH))[:10],
            g.PV: finite_float(r.get(g.PV)),
            g.EV: finite_float(r.get(g.EV)),
            g.AC: finite_float(r.get(g.AC)),
        }
        for r in records
    ]
