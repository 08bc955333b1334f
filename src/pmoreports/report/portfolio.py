"""The portfolio: every project's metrics of one period, rolled up and compared.

:class:`PortfolioReport` reads ``output/<period>/manifest.json`` and each
project's ``metrics.json`` and gives the sections of the portfolio summary
notebook. Money is converted to the portfolio's reporting currency with the
rates of ``params/_portfolio.yaml``; roll-ups (programme, portfolio) sum PV,
EV, AC and BAC first and then compute indices (never average indices), and
their earned schedule is recomputed from the summed curves.

:func:`pmoreports.pipeline.portfolio.write_portfolio` runs that notebook and writes
``portfolio.html`` / ``.pdf``, ``index.html`` and ``portfolio_metrics.xlsx`` beside the projects.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.core.display import HTML

from ..errors import SEVERITIES, ParamsError, PmoError, ReportError, shown
from ..metrics import glossary as g
from ..metrics.evm import finite_float, portfolio_evm
from ..metrics.realism import OPTIMISTIC
from ..metrics.variances import BREACH
from ..workbook import columns as C
from ..workbook.restatement import Restatement
from ..workbook.schema import SCHEMA
from . import charts, limits, trends
from ._format import NA, NotebookHTML, esc, fmt_date, fmt_index, fmt_money, fmt_pct, html_table, rag_badge
from ._yaml import load_yaml
from .charts_display import set_static
from .params import params_files
from .portfolio_kpis import kpi_row, rag_kpi_columns
from .project import ProjectReport

__all__ = [
    "MONEY_COLUMNS",
    "PORTFOLIO_COLUMNS",
    "PORTFOLIO_SETTINGS",
    "PortfolioReport",
    "PortfolioSettings",
    "PortfolioWarning",
    "find_settings",
    "load_portfolio",
    "missing_rates",
    "portfolio_table",
    "portfolio_warning",
    "warn_missing_rates",
]

PORTFOLIO_SETTINGS = "_portfolio.yaml"
PORTFOLIO_COLUMNS = (g.CPI, g.SPI, g.SPI_T, g.PCT_COMPLETE, g.BAC, g.AC, g.EAC, g.VAC, g.VAC_PCT)
"""Status metrics shown per project, in order."""
MONEY_COLUMNS = (g.BAC, g.AC, g.EAC, g.VAC)
"""Money columns of :data:`PORTFOLIO_COLUMNS` (converted to the reporting currency)."""
_SEVERITY = {"red": 0, "amber": 1, "grey": 2, "green": 3, "": 4}


class PortfolioWarning(UserWarning):
    """Something an analyst must know about a portfolio's figures (a project without an FX
    rate, settings not found, a project that could not be loaded)."""


def portfolio_warning(message: str, stacklevel: int = 2) -> None:
    """Issue a :class:`PortfolioWarning` every time (not once per place, as Python's default
    filter would: loading the same portfolio again in a notebook must say it again)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", PortfolioWarning)
        warnings.warn(message, PortfolioWarning, stacklevel=stacklevel + 1)


@dataclass(frozen=True)
class PortfolioSettings:
    """``_portfolio.yaml``: title, reporting currency, FX rates (value of one unit of each
    currency in the reporting currency), page size and how many top risks to list."""

    title: str = "Portfolio status report"
    currency: str = "EUR"
    fx: Mapping[str, float] = field(default_factory=dict)
    page_size: str = "A4"
    top_risks: int = 10

    @classmethod
    def load(cls, params_dir: Path | None) -> PortfolioSettings:
        """Read ``_portfolio.yaml`` from ``params_dir`` (defaults when absent) with the kit's
        safe YAML loader; every problem raises one :class:`ParamsError` naming the file."""
        path = params_dir / PORTFOLIO_SETTINGS if params_dir else None
        if path is None or not (path.exists() or path.is_symlink()):
            return cls()
        return cls.from_dict(load_yaml(path, "portfolio settings file"), str(path))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], where: str = "portfolio settings") -> PortfolioSettings:
        """Validate a mapping; unknown keys and bad values raise one :class:`ParamsError`
        listing every problem, each with ``where`` and the key."""
        defaults = cls()
        known = sorted(cls.__dataclass_fields__)
        problems = [f"{where}: unknown key {shown(k)}; expected one of {known}" for k in values if k not in known]

        def get(key: str, test: Callable[[Any], bool], expected: str) -> Any:
            value = values.get(key, getattr(defaults, key))
            if not test(value):
                problems.append(f"{where}: '{key}' is {shown(value)}; expected {expected}")
                return getattr(defaults, key)
            return value

        title = get("title", lambda x: isinstance(x, str) and x.strip() != "", "text")
        currency = get("currency", _is_currency, "an ISO 4217 code such as EUR")
        page_size = get("page_size", lambda x: x in ("A4", "Letter"), "A4 or Letter")
        top_risks = get("top_risks", lambda x: type(x) is int and x >= 1, "a whole number >= 1")
        fx = values.get("fx") or {}
        if not isinstance(fx, Mapping):
            problems.append(f"{where}: 'fx' is {shown(fx)}; expected currency codes with rates, e.g. USD: 0.92")
            fx = {}
        for code, rate in fx.items():
            if not (isinstance(code, str) and _is_currency(code.upper())):
                problems.append(f"{where}: 'fx' has the key {shown(code)}; expected an ISO 4217 code such as USD")
            elif isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < float("inf"):
                problems.append(f"{where}: 'fx.{code}' is {shown(rate)}; expected a positive number")
        if problems:
            raise ParamsError("\n".join(problems))
        rates = {code.upper(): float(rate) for code, rate in fx.items()}
        return cls(title=title, currency=currency, fx=rates, page_size=page_size, top_risks=top_risks)

    def to_dict(self) -> dict[str, Any]:
        """Plain form (what ``_portfolio.yaml`` holds), for the notebook's parameters."""
        return vars(self) | {"fx": dict(self.fx)}

    def rate(self, currency: str) -> float | None:
        """Value of one unit of ``currency`` in the reporting currency (None if unknown)."""
        return 1.0 if currency == self.currency else self.fx.get(currency)


def _is_currency(x: Any) -> bool:
    return isinstance(x, str) and len(x) == 3 and x.isascii() and x.isalpha() and x.isupper()


def missing_rates(settings: PortfolioSettings, currencies: Mapping[str, str]) -> dict[str, str]:
    """``project -> currency`` of the projects (``project -> currency`` given) whose currency
    has no rate to the reporting currency."""
    return {pid: cur for pid, cur in currencies.items() if settings.rate(cur) is None}


def warn_missing_rates(settings: PortfolioSettings, currencies: Mapping[str, str], where: str) -> None:
    """Warn (:class:`PortfolioWarning`) naming every project without an FX rate: its money is
    n/a in the reporting currency and it is left out of totals."""
    missing = missing_rates(settings, currencies)
    if missing:
        listed = ", ".join(f"{pid} ({cur})" for pid, cur in sorted(missing.items()))
        portfolio_warning(
            f"no FX rate to {settings.currency} in {where} for {len(missing)} project(s): {listed}; "
            f"their money is n/a in {settings.currency} and they are left out of totals "
            f"(add the rates under 'fx:' in {PORTFOLIO_SETTINGS})",
            stacklevel=3,
        )


def find_settings(period_dir: Path, manifest: Mapping[str, Any]) -> Path | None:
    """The params folder with ``_portfolio.yaml`` that a period's batch ran from: the folder
    of the manifest's ``params_file`` entries, taken as they are, from the current folder and
    from the folder the output root is in (``output/`` of a checkout). None if not found."""
    folders: list[Path] = []
    for p in manifest.get("projects", []):
        given = Path(str(p.get("params_file") or "")).parent
        folders += [given] if given.is_absolute() else [Path.cwd() / given, period_dir.resolve().parents[1] / given]
    for folder in dict.fromkeys(folders):
        if (folder / PORTFOLIO_SETTINGS).is_file():
            return folder
    return None


# -- interactive helpers (explore notebook) ---------------------------------------------------


def load_portfolio(params_folder: str | Path) -> list[ProjectReport]:
    """Every project of a params folder that loads; each failure is a :class:`PortfolioWarning`
    naming the file and the first line of its error. (``analyst.Portfolio`` does more.)"""
    reports = []
    for path in params_files(Path(params_folder)):
        try:
            reports.append(ProjectReport.load(path))
        except PmoError as exc:
            portfolio_warning(f"skipped {path.name}: {str(exc).splitlines()[0]}")
    return reports


def portfolio_table(
    reports: Sequence[ProjectReport], settings: PortfolioSettings | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """One row per project: identity, RAG per dimension (``rag`` is the overall one) and the
    headline metrics, money (:data:`MONEY_COLUMNS`) in the reporting currency of ``settings``
    (default: ``_portfolio.yaml`` beside the first report's parameter file); ``currency`` is
    the project's own and ``fx`` its rate. Projects without a rate get n/a money and a
    :class:`PortfolioWarning`."""
    if not isinstance(settings, PortfolioSettings):
        folder = Path(reports[0].params.source).parent if reports and settings is None else None
        settings = PortfolioSettings.from_dict(settings) if settings is not None else PortfolioSettings.load(folder)
    rows = []
    for r in reports:
        row = _project_row(r.metrics.to_dict())
        rate = settings.rate(row["currency"])
        row |= {"fx": rate, "rag": row.get("rag_overall", "grey")}
        row |= {k: None if rate is None or row[k] is None else row[k] * rate for k in MONEY_COLUMNS}
        rows.append(row)
    warn_missing_rates(settings, {r[C.PROJECT]: r["currency"] for r in rows}, PORTFOLIO_SETTINGS)
    return pd.DataFrame(rows)


def _project_row(m: Mapping[str, Any]) -> dict[str, Any]:
    """Identity, RAG per dimension and headline metrics of one ``metrics.json`` mapping."""
    info, status = m["project"], m["status"]
    row: dict[str, Any] = {
        C.PROJECT: info["project_id"],
        "name": info["name"],
        C.PROGRAMME: info["programme"] or "(none)",
        "currency": info["currency"],
    }
    row |= {f"rag_{k}": v["status"] for k, v in m["rag"].items()}
    return row | {k: status[k]["value"] for k in PORTFOLIO_COLUMNS} | kpi_row(m)


# -- the portfolio report -----------------------------------------------------------------------


def _html(fragment: str) -> HTML:
    """A section: the fragment in a report; with the report's styles in a notebook."""
    return NotebookHTML(fragment)


def _previous_period(period: str) -> str:
    return (pd.Period(period, "M") - 1).strftime("%Y-%m")


@dataclass
class PortfolioReport:
    """One period's portfolio: the manifest, each reporting project's metrics, settings."""

    period: str
    period_dir: Path
    settings: PortfolioSettings
    manifest: dict[str, Any]
    projects: dict[str, dict[str, Any]]
    previous: dict[str, dict[str, Any]]
    history: trends.TrendData = field(default_factory=trends.TrendData)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        period_dir: str | os.PathLike[str],
        settings: Mapping[str, Any] | None = None,
        static: bool | None = None,
        params_dir: str | os.PathLike[str] | None = None,
        history: str | Path | Mapping[str, Any] | None = None,
    ) -> PortfolioReport:
        """Load ``output/<period>`` (manifest + metrics of the projects that reported).

        Money is converted with ``settings`` (what ``_portfolio.yaml`` holds, as the batch
        passes it), else with ``params_dir/_portfolio.yaml``, else with the
        ``_portfolio.yaml`` of the params folder the batch ran from (:func:`find_settings`);
        without any, the defaults (EUR, no rates) and a :class:`PortfolioWarning`. When the
        settings were not given, every project without an FX rate is named in a warning too.
        ``history``: the earlier periods from the reporting history, as the pipeline hands
        them over (a JSON file of :meth:`~.trends.TrendData.to_dict`, or the mapping);
        None: no trends.
        """
        if static is not None:
            set_static(static)
        folder = Path(period_dir)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReportError(f"{folder}: no readable manifest.json ({exc}); run the batch first") from None
        period = str(manifest["period"])
        projects = _metrics_of(
            folder,
            [p["project_id"] for p in manifest["projects"] if p["status"] in ("ok", "skipped")],
        )
        previous = _metrics_of(folder.parent / _previous_period(period), list(projects))
        if settings is not None:
            chosen = PortfolioSettings.from_dict(settings)
        else:
            where = Path(params_dir) if params_dir is not None else find_settings(folder, manifest)
            if where is None:
                portfolio_warning(
                    f"{folder}: no {PORTFOLIO_SETTINGS} found beside the parameter files the batch ran from; "
                    f"figures use the defaults (reporting currency EUR, no FX rates): "
                    f"give params_dir= to PortfolioReport.load"
                )
            chosen = PortfolioSettings.load(where)
            origin = str(where / PORTFOLIO_SETTINGS) if where is not None else "the default settings"
            warn_missing_rates(chosen, {pid: m["project"]["currency"] for pid, m in projects.items()}, origin)
        return cls(
            period,
            folder,
            chosen,
            manifest,
            projects,
            previous,
            trends.TrendData.from_dict(_history_mapping(history)),
            _checks_of(folder, list(projects)),
        )

    def __repr__(self) -> str:
        return (
            f"PortfolioReport({self.period}, {len(self.projects)} project(s) reporting, "
            f"{self.settings.currency}, {self.period_dir})"
        )

    def write_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the portfolio table and the programme totals to the workbook ``path``
        (``portfolio_metrics.xlsx`` of the batch): the report's number formats, RAG colours,
        text never a formula."""
        from ._excel import write_portfolio_workbook

        programmes, total = self.rollups()
        return write_portfolio_workbook(Path(path), self.table(), programmes, total, self.settings.currency)

    # -- data ---------------------------------------------------------------------------------

    def table(self) -> pd.DataFrame:
        """One row per reporting project, money also converted to the reporting currency."""
        rows = []
        for pid, m in self.projects.items():
            s, rate = m["status"], self.settings.rate(m["project"]["currency"])
            row = _project_row(m) | {"fx": rate}
            for k in (g.BAC, g.AC, g.EAC, g.VAC):
                row[f"{k}_rc"] = None if rate is None or s[k]["value"] is None else s[k]["value"] * rate
            old = self.previous.get(pid)
            row["rag_previous"] = old["rag"]["overall"]["status"] if old else ""
            rows.append(row)
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        frame["rag"] = frame["rag_overall"]
        order = frame["rag"].map(_SEVERITY).fillna(4)
        return frame.assign(_o=order).sort_values(["_o", C.PROJECT]).drop(columns="_o").reset_index(drop=True)

    def rollups(self, eac_method: str = "cpi") -> tuple[pd.DataFrame, pd.DataFrame]:
        """Status metrics per programme and for the whole portfolio (reporting currency),
        from the summed cumulative curves; projects without an FX rate are left out.
        ``eac_method``: the EAC of the roll-ups (see :data:`~pmoreports.metrics.evm.EAC_METHODS`)."""
        curves = []
        for pid, m in self.projects.items():
            rate = self.settings.rate(m["project"]["currency"])
            if rate is None:
                continue
            s = pd.DataFrame(m["series"])
            curves.append(
                pd.DataFrame(
                    {
                        C.PROJECT: pid,
                        C.PROGRAMME: m["project"]["programme"] or "(none)",
                        C.MONTH: pd.to_datetime(s[C.MONTH]),
                        g.PV: s[g.PV] * rate,
                        g.EV: s[g.EV].astype(float) * rate,
                        g.AC: s[g.AC].astype(float) * rate,
                    }
                )
            )
        if not curves:
            return pd.DataFrame(), pd.DataFrame()
        status = pd.Period(self.period, "M").to_timestamp()
        result = portfolio_evm(pd.concat(curves, ignore_index=True), status, eac_method=eac_method)
        return result.programmes.values, result.total.values

    # -- sections -----------------------------------------------------------------------------

    def header(self) -> HTML:
        """Period, counts, RAG distribution and projects that did not report."""
        counts = self.manifest.get("counts", {})
        t = self.table()
        dist = t["rag"].value_counts().to_dict() if not t.empty else {}
        badges = " ".join(
            rag_badge(k, f"{dist.get(k, 0)} project(s)") for k in ("red", "amber", "green", "grey") if dist.get(k)
        )
        failed = counts.get("failed", 0) + counts.get("cancelled", 0)
        return _html(
            f'<section class="pmo-status-header"><p class="pmo-overall">{badges}</p>'
            f'<dl class="pmo-facts"><div><dt>Period</dt><dd>{esc(self.period)}</dd></div>'
            f"<div><dt>Projects reporting</dt><dd>{len(self.projects)}</dd></div>"
            f"<div><dt>Failed to report</dt><dd>{failed}</dd></div>"
            f"<div><dt>Reporting currency</dt><dd>{esc(self.settings.currency)}</dd></div></dl></section>"
        )

    def rag_table(self) -> HTML:
        """The RAG table, sortable by any column in a browser (CSS only, no script)."""
        t = self.table()
        if t.empty:
            return _html("<p>No project reported this period.</p>")
        cols: list[tuple[str, str, Any]] = [
            ("Project", C.PROJECT, esc),
            ("Name", "name", esc),
            ("Programme", C.PROGRAMME, esc),
            ("Overall", "rag", rag_badge),
            ("Cost", "rag_cost", rag_badge),
            ("Schedule", "rag_schedule", rag_badge),
            ("Forecast", "rag_forecast", rag_badge),
            ("CPI", g.CPI, fmt_index),
            ("SPI(t)", g.SPI_T, fmt_index),
            ("Complete", g.PCT_COMPLETE, fmt_pct),
            (f"BAC ({self.settings.currency})", f"{g.BAC}_rc", fmt_money),
            (f"EAC ({self.settings.currency})", f"{g.EAC}_rc", fmt_money),
            ("VAC %", g.VAC_PCT, fmt_pct),
        ]
        return _html(_sortable_table(t, cols))

    def kpi_table(self) -> HTML:
        """The PMO's KPIs beyond earned value (margin, satisfaction) of the projects that give
        them, in a table of their own (the RAG table stays one page wide)."""
        t = self.table()
        kpis = rag_kpi_columns(t) if not t.empty else []
        if not kpis:
            return _html('<p class="pmo-note">No project gives a contract value or satisfaction scores.</p>')
        given = t[t[[column.removesuffix("_text") for _, column, _ in kpis]].notna().any(axis=1)]
        cols: list[tuple[str, str, Any]] = [("Project", C.PROJECT, esc), ("Name", "name", esc), *kpis]
        return _html(_sortable_table(given, cols, uid="pmo-sort-kpi"))

    def quadrant(self) -> charts.AnyChart:
        """CPI vs SPI(t), bubble size = BAC in the reporting currency."""
        t = self.table()
        data = t[[C.PROJECT, "name", g.CPI, g.SPI_T, f"{g.BAC}_rc", "rag"]].rename(columns={f"{g.BAC}_rc": g.BAC})
        return charts.quadrant(data.fillna({g.BAC: 0.0}), currency=self.settings.currency)

    def programme_totals(self) -> HTML:
        """Totals by programme and for the portfolio: sums first, then indices."""
        programmes, total = self.rollups()
        if programmes.empty:
            return _html("<p>No totals: no project has an FX rate to the reporting currency.</p>")
        total = total.assign(**{C.PROGRAMME: "Portfolio total"})
        rows = []
        for _, r in pd.concat([programmes, total], ignore_index=True).iterrows():
            rows.append(
                [
                    esc(r[C.PROGRAMME]),
                    *(esc(fmt_money(finite_float(r[k]))) for k in (g.PV, g.EV, g.AC, g.BAC, g.EAC)),
                    esc(fmt_index(finite_float(r[g.CPI]))),
                    esc(fmt_index(finite_float(r[g.SPI]))),
                    esc(fmt_index(finite_float(r[g.SPI_T]))),
                ]
            )
        missing = [pid for pid, m in self.projects.items() if self.settings.rate(m["project"]["currency"]) is None]
        note = (
            (
                f'<p class="pmo-warning">Left out of the totals (no FX rate in {PORTFOLIO_SETTINGS}): '
                f"{esc(', '.join(missing))}</p>"
            )
            if missing
            else ""
        )
        return _html(
            html_table(
                ["Programme", "PV", "EV", "AC", "BAC", "EAC", "CPI", "SPI", "SPI(t)"],
                rows,
                numeric=[False] + [True] * 8,
                caption=f"Amounts in {self.settings.currency}",
            )
            + note
        )

    def top_risks(self) -> HTML:
        """The largest open risks across projects by expected value (reporting currency)."""
        rows = []
        for pid, m in self.projects.items():
            rate = self.settings.rate(m["project"]["currency"])
            for r in m["risks"]["top"]:
                ev = r.get("expected_value")
                rows.append((ev * rate if rate is not None and ev is not None else -1.0, pid, r))
        rows.sort(key=lambda x: -x[0])
        body = [
            [
                esc(pid),
                esc(r[C.RISK_ID]),
                esc(r[C.TITLE]),
                esc(fmt_pct(r.get("probability_fraction"), 0)),
                esc(fmt_money(v if v >= 0 else None)),
                esc(r.get(C.OWNER)),
            ]
            for v, pid, r in rows[: self.settings.top_risks]
        ]
        if not body:
            return _html("<p>No open risks.</p>")
        return _html(
            html_table(
                ["Project", "ID", "Risk", SCHEMA.risks.header(C.PROBABILITY), "Expected value", "Owner"],
                body,
                numeric=[False, False, False, True, True, False],
                caption=f"Amounts in {self.settings.currency}",
            )
        )

    def upcoming_milestones(self, months: int = 2) -> HTML:
        """Milestones not yet done, forecast within the next ``months`` months."""
        start = pd.Period(self.period, "M").end_time.normalize()
        end = (pd.Period(self.period, "M") + months).end_time.normalize()
        rows = []
        for pid, m in self.projects.items():
            for r in m["milestones"]["table"]:
                when = pd.Timestamp(r["effective_date"]) if r.get("effective_date") else None
                if when is not None and start < when <= end and r.get("milestone_status") != "done":
                    rows.append((when, pid, r))
        rows.sort(key=lambda x: (x[0], x[1]))
        n = limits.PORTFOLIO_MILESTONE_ROWS
        shown, rest = (rows, []) if len(rows) <= n + 1 else (rows[:n], rows[n:])
        body = [
            [
                esc(fmt_date(w)),
                esc(pid),
                esc(r[C.MILESTONE]),
                esc(fmt_date(r.get(C.BASELINE_DATE))),
                esc(NA if r.get("slippage_days") is None else f"{r['slippage_days']:+.0f}"),
                esc(str(r.get("milestone_status", "")).upper()),
            ]
            for w, pid, r in shown
        ]
        if not body:
            return _html(f"<p>No milestones due before {end:%Y-%m-%d}.</p>")
        caption = ""
        if rest:
            ids = sorted({pid for _, pid, _ in rest})
            projects = ", ".join(ids) if len(ids) <= 3 else f"{len(ids)} projects"
            label = limits.others_label(len(rest), "milestones")
            dates = f"{fmt_date(rest[0][0])} to {fmt_date(rest[-1][0])}"
            body.append([esc(dates), esc(projects), f"<em>{esc(label)}</em>", "", "", ""])
            caption = (
                f"The {n} soonest of {len(rows):,} milestones due; the others are counted in the last row "
                "(each project's milestones.csv lists them all)"
            )
        return _html(
            html_table(
                [
                    SCHEMA.milestones.header(C.FORECAST_DATE),
                    "Project",
                    SCHEMA.milestones.header(C.MILESTONE),
                    SCHEMA.milestones.header(C.BASELINE_DATE),
                    "Slippage (days)",
                    "Status",
                ],
                body,
                numeric=[False, False, False, False, True, False],
                caption=caption,
            )
        )

    def rag_changes(self) -> HTML:
        """Projects whose overall RAG changed since the previous period."""
        t = self.table()
        changed = t[(t["rag_previous"] != "") & (t["rag_previous"] != t["rag"])] if not t.empty else t
        if changed.empty:
            prev = _previous_period(self.period)
            return _html(f"<p>No overall RAG change since {esc(prev)} (or no {esc(prev)} reports).</p>")
        body = [
            [esc(r[C.PROJECT]), esc(r["name"]), rag_badge(r["rag_previous"]), rag_badge(r["rag"])]
            for _, r in changed.iterrows()
        ]
        return _html(html_table(["Project", "Name", "Previous", "Now"], body, numeric=[False] * 4))

    # -- across periods (the reporting history) --------------------------------------------------

    @functools.cached_property
    def trend_rows(self) -> pd.DataFrame:
        """Trend rows of the earlier periods and of this one (at most
        :data:`~.trends.TREND_WINDOW` periods; see :data:`~.trends.TREND_FIELDS`)."""
        now = [trends.trend_row(self.period, m, self.checks.get(pid)) for pid, m in self.projects.items()]
        return trends.window(self.history.rows, now, self.period)

    @functools.cached_property
    def period_summary(self) -> pd.DataFrame:
        """Per period: RAG counts, health, portfolio CPI and SPI(t), projects completed and the
        shares completed on time and on budget (see :func:`~.trends.portfolio_periods`)."""
        now = [r for pid, m in self.projects.items() for r in trends.series_records(self.period, pid, m["series"])]
        curves = trends.before(self.history.series, self.period, now)
        rows = self.trend_rows
        current = rows[rows[trends.PERIOD] == self.period]
        done = trends.completions(self.history.completions, current, self.period)
        return trends.portfolio_periods(rows, curves, done, self.settings.currency, self.settings.fx)

    def trend_table(self) -> HTML:
        """Per period: RAG counts, portfolio health, CPI, SPI(t) and the success measures."""
        return _html(trends.portfolio_trend_html(self.period_summary))

    def rag_trend_chart(self) -> charts.AnyChart:
        """Projects by overall RAG, per period."""
        return trends.rag_counts_chart(self.period_summary)

    def index_trend_chart(self) -> charts.AnyChart:
        """Portfolio CPI and SPI(t) per period, from the summed curves."""
        return trends.portfolio_index_chart(self.period_summary)

    def sparklines(self) -> charts.AnyChart:
        """CPI and SPI(t) per period for each project (small multiples, worst RAG first)."""
        now = self.trend_rows[self.trend_rows[trends.PERIOD] == self.period]
        return trends.sparklines_chart(self.trend_rows, trends.ordered_projects(now, _SEVERITY))

    def eac_growth(self) -> HTML:
        """The projects whose EAC grew most over the last periods."""
        growth = trends.eac_growth(self.trend_rows, self.period, self.settings.currency, self.settings.fx)
        return _html(trends.eac_growth_html(growth, self.settings.currency))

    def restatements(self) -> HTML:
        """Projects whose workbook changed what they reported in an earlier period."""
        found = {pid: [Restatement.from_dict(r) for r in c.get("restatements", [])] for pid, c in self.checks.items()}
        names = {pid: str(m["project"]["name"]) for pid, m in self.projects.items()}
        return _html(trends.restatements_html(found, names))

    def unexplained_variances(self) -> HTML:
        """Threshold breaches with no explanation on the Variances sheet, across projects:
        one row per project, element and variance type, the largest amounts first
        (reporting currency); at most :data:`~.limits.PORTFOLIO_VARIANCE_ROWS`, then a count."""
        rows = []
        for pid, m in self.projects.items():
            rate = self.settings.rate(m["project"]["currency"])
            groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for r in m.get("variances", []):
                if r.get("status") == BREACH and not r.get("explained"):
                    groups.setdefault((str(r["element"]), str(r["variance_type"])), []).append(r)
            for (element, kind), records in groups.items():
                worst = max(records, key=lambda r: abs(r.get("value") or 0.0))
                value = worst.get("value")
                converted = value * rate if rate is not None and value is not None else None
                rows.append((abs(converted) if converted is not None else -1.0, pid, element, kind, worst, converted))
        if not rows:
            return _html('<p class="pmo-note">Every variance over its threshold is explained.</p>')
        rows.sort(key=lambda x: (-x[0], x[1], x[2]))
        n = limits.PORTFOLIO_VARIANCE_ROWS
        shown, rest = (rows, []) if len(rows) <= n + 1 else (rows[:n], rows[n:])
        body = [
            [
                esc(pid),
                esc(element),
                esc(kind),
                esc(str(worst.get("measure", "")).upper().replace("_", " ")),
                esc(fmt_money(converted, signed=True)),
                esc(fmt_pct(worst.get("percent"), signed=True)),
            ]
            for _, pid, element, kind, worst, converted in shown
        ]
        caption = f"Largest unexplained variance per project, element and type; amounts in {self.settings.currency}"
        if rest:
            label = limits.others_label(len(rest), "unexplained variances", one="unexplained variance")
            body.append(["", f"<em>{esc(label)}</em>", "", "", "", ""])
            caption += f". Showing the {n} largest of {len(rows):,}; each project's report lists its own"
        return _html(
            html_table(
                ["Project", "Element", "Variance type", "Measure", "Amount", "%"],
                body,
                numeric=[False, False, False, False, True, True],
                caption=caption,
            )
        )

    def optimistic_forecasts(self) -> HTML:
        """Projects whose forecast looks too good: a bottom-up EAC below the independent
        range, a TCPI more than the band above CPI, or a business case that fails at the EAC."""
        body = []
        for pid, m in sorted(self.projects.items()):
            realism = m.get("eac_realism")
            if not realism:
                continue
            row, case = realism["project"], realism.get("business_case", {})
            rate = self.settings.rate(m["project"]["currency"])
            flags = [
                "bottom-up EAC below the range" if row.get("verdict") == OPTIMISTIC else "",
                "TCPI to BAC over CPI + band" if row.get("tcpi_bac_flag") else "",
                "TCPI to the forecast over CPI + band" if row.get("tcpi_forecast_flag") else "",
                "business case fails at the EAC" if case.get("fails_at_eac") else "",
            ]
            if not any(flags):
                continue

            def money(value: Any, rate: float | None = rate) -> str:
                return esc(fmt_money(value * rate if rate is not None and value is not None else None))

            body.append(
                [
                    esc(pid),
                    money(row.get(g.EAC_BOTTOM_UP)),
                    f"{money(row.get(g.EAC_RANGE_MIN))} to {money(row.get(g.EAC_RANGE_MAX))}",
                    esc(_signed_index(row.get(g.TCPI_GAP_BAC))),
                    esc(_signed_index(row.get(g.TCPI_GAP_FORECAST))),
                    esc("; ".join(f for f in flags if f)),
                ]
            )
        if not body:
            return _html('<p class="pmo-note">No project has an optimistic forecast.</p>')
        band = next(iter(self.projects.values())).get("eac_realism", {}).get("settings", {}).get("tcpi_band")
        return _html(
            html_table(
                ["Project", "Bottom-up EAC", "Independent range", "TCPI - CPI (BAC)", "TCPI - CPI (forecast)", "Why"],
                body,
                numeric=[False, True, True, True, True, False],
                caption=f"Amounts in {self.settings.currency}; band {fmt_index(band)} (params variance.tcpi_band)",
            )
        )

    def data_hygiene(self) -> HTML:
        """Data-quality findings per project by severity, and each project's data-quality
        score (lowest first), with its most frequent finding codes."""
        rows: list[tuple[int, str, int | None, dict[str, int], list[tuple[str, int]]]] = []
        for pid, m in self.projects.items():
            quality = m.get("data_quality")
            if quality is None:
                rows.append((101, pid, None, {}, []))
                continue
            codes: dict[str, int] = {}
            for f in quality["findings"]:
                codes[f["code"]] = codes.get(f["code"], 0) + 1
            top = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            rows.append((quality["score"], pid, quality["score"], quality["counts"], top))
        if not rows:
            return _html("<p>No project reported this period.</p>")
        rows.sort(key=lambda x: (x[0], x[1]))
        body = [
            [
                esc(pid),
                esc(NA if score is None else score),
                *(esc(counts.get(s, NA)) for s in SEVERITIES),
                esc(", ".join(f"{code} x{n}" for code, n in top)),
            ]
            for _, pid, score, counts, top in rows
        ]
        return _html(
            html_table(
                ["Project", "Score", "Critical", "Major", "Minor", "Most frequent findings"],
                body,
                numeric=[False, True, True, True, True, False],
                caption="Score = 100 - 25 per critical, 5 per major, 1 per minor finding (at least 0)",
            )
        )

    def not_reported(self) -> HTML:
        """Projects that failed (or were cancelled) this period, with the reason."""
        failed = [p for p in self.manifest["projects"] if p["status"] in ("failed", "cancelled")]
        if not failed:
            return _html('<p class="pmo-note">Every project reported.</p>')
        body = [
            [
                esc(p["project_id"]),
                esc(p.get("name", "")),
                esc(str(p.get("error", "")).splitlines()[0][:300]),
            ]
            for p in failed
        ]
        return _html(html_table(["Project", "Name", "Reason"], body, numeric=[False] * 3))


def _history_mapping(history: str | Path | Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if history is None or isinstance(history, Mapping):
        return history
    try:
        data = json.loads(Path(history).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{history}: the reporting history handed to the portfolio cannot be read ({exc})") from None
    return data if isinstance(data, dict) else None


def _checks_of(folder: Path, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each project's ``checks.json`` (data-quality warnings and restatements), when there is one."""
    out = {}
    for pid in ids:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads((folder / pid / "checks.json").read_text(encoding="utf-8"))
            if isinstance(data, dict):
                out[pid] = data
    return out


def _signed_index(value: Any) -> str:
    number = finite_float(value)
    return NA if number is None else f"{number:+.2f}"


def _metrics_of(folder: Path, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for pid in ids:
        try:
            out[pid] = json.loads((folder / pid / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return out


def _sortable_table(t: pd.DataFrame, cols: Sequence[tuple[str, str, Any]], uid: str = "pmo-sort") -> str:
    """A table whose rows a reader can re-order by any column with radio buttons and
    CSS ``order`` (no JavaScript). Rows keep the given order by default and in print.

    On screen the table is a CSS grid whose rows share its columns (``subgrid``): figure
    and badge columns are as wide as their widest value, so a figure never wraps inside
    itself (``4,416,368``); names wrap; a window too narrow for the table scrolls it
    sideways. Browsers without ``subgrid`` show the plain table (sorting needs it). In
    print, a plain table whose figures do not wrap either. ``uid`` names this table's
    controls and column tracks: each sortable table of a page needs its own."""
    ranks = {key: _rank(t[key]) for _, key, _ in cols}
    inputs, rules, heads = [], [], []
    for i, (label, _key, fmt) in enumerate(cols):
        for d, sign in (("a", ""), ("d", "-1 * ")):
            inputs.append(f'<input type="radio" name="{uid}" id="{uid}-{i}{d}" class="pmo-sort-input">')
            rules.append(f"#{uid}-{i}{d}:checked ~ .{uid}-table tbody tr {{ order: calc({sign}var(--r{i})); }}")
        css_class = ' class="pmo-num"' if _is_figure(fmt) else ""
        heads.append(
            f'<th{css_class}>{esc(label)} <label for="{uid}-{i}a" title="sort ascending">&#9650;</label>'
            f'<label for="{uid}-{i}d" title="sort descending">&#9660;</label></th>'
        )
    rows = []
    for n, (_, r) in enumerate(t.iterrows()):
        style = ";".join(f"--r{i}:{ranks[key][n]}" for i, (_, key, _) in enumerate(cols))
        cells = "".join(
            f'<td class="pmo-name">{fmt(r[key])}</td>'
            if key == "name"
            else f"<td>{fmt(r[key])}</td>"
            if fmt in (esc, rag_badge)
            else f'<td class="pmo-num">{esc(fmt(finite_float(r[key])))}</td>'
            for _label, key, fmt in cols
        )
        rows.append(f'<tr style="{style}">{cells}</tr>')
    widths = " ".join(_track(key, fmt) for _, key, fmt in cols)
    screen = (  # re-orderable rows need grid layout: screen only; print keeps a plain table
        f".{uid}-table {{ display: grid; grid-template-columns: {widths}; }}"
        ".pmo-sortable-table colgroup { display: none; }"
        ".pmo-sortable-table thead, .pmo-sortable-table tbody { display: contents; }"
        ".pmo-sortable-table tr { display: grid; grid-template-columns: subgrid; grid-column: 1 / -1; }"
        ".pmo-sortable-table thead tr { order: -1; }" + "".join(rules)
    )
    css = (
        ".pmo-sortable { overflow-x: auto; }"
        ".pmo-sortable-table { font-size: 0.8em; width: 100%; }"
        ".pmo-sortable-table th, .pmo-sortable-table td { padding: 0.2em; }"
        ".pmo-sortable-table td.pmo-name { overflow-wrap: anywhere; }"
        ".pmo-sortable-table .pmo-num { text-align: right; }"
        ".pmo-sortable-table td.pmo-num { white-space: nowrap; }"
        ".pmo-sortable-table .pmo-rag { padding: 0 0.2em; }"
        ".pmo-sort-input { display: none; } .pmo-sortable-table label { cursor: pointer; color: #888; }"
        f"@media print {{ .pmo-sortable-table label {{ display: none; }} }}"
        f"@media screen {{ @supports (grid-template-columns: subgrid) {{ {screen} }} }}"
    )
    return (
        f'<div class="pmo-sortable"><style>{css}</style>{"".join(inputs)}'
        f'<table class="pmo-sortable-table {uid}-table">{_colgroup(cols)}<thead><tr>{"".join(heads)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _is_figure(fmt: Any) -> bool:
    """Whether a sortable-table column holds figures (numbers, percentages, money)."""
    return fmt not in (esc, rag_badge)


def _track(key: str, fmt: Any) -> str:
    """Screen width of a sortable-table column. Figures and badges are never narrower than
    their widest value (their headers wrap between words first);
    names share the room left (wrapping anywhere: workbook text may be one long word);
    IDs and programmes never break inside a word."""
    if key == "name":
        return "minmax(8em, 2fr)"
    if fmt is esc:
        return "minmax(min-content, 1fr)"
    return "minmax(min-content, max-content)"


def _colgroup(cols: Sequence[tuple[str, str, Any]]) -> str:
    """Print column widths: names wide, badges and indices narrow (percent of the page)."""
    weight = {"name": 3.0, C.PROGRAMME: 2.0, C.PROJECT: 1.7}
    w = [weight.get(key, 1.6 if fmt is rag_badge else 1.3) for _, key, fmt in cols]
    return "<colgroup>" + "".join(f'<col style="width:{100 * x / sum(w):.1f}%">' for x in w) + "</colgroup>"


def _rank(values: pd.Series) -> list[int]:
    """Dense ascending rank (1 = smallest); RAG sorts red < amber < grey < green; blanks last."""
    is_rag = not pd.api.types.is_numeric_dtype(values) and values.dropna().isin(list(_SEVERITY)).all()
    keys = values.map(_SEVERITY) if is_rag else values
    ranked = pd.Series(keys).rank(method="dense", na_option="bottom")
    return [int(x) for x in ranked]
