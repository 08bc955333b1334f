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

import json
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
from ..workbook.schema import SCHEMA
from . import charts, limits
from ._format import NA, esc, fmt_date, fmt_index, fmt_money, fmt_pct, html_table, rag_badge
from ._yaml import load_yaml
from .charts_display import set_static
from .params import params_files
from .project import ProjectReport

__all__ = [
    "PORTFOLIO_COLUMNS",
    "PORTFOLIO_SETTINGS",
    "PortfolioReport",
    "PortfolioSettings",
    "load_portfolio",
    "portfolio_table",
]

PORTFOLIO_SETTINGS = "_portfolio.yaml"
PORTFOLIO_COLUMNS = (g.CPI, g.SPI, g.SPI_T, g.PCT_COMPLETE, g.BAC, g.AC, g.EAC, g.VAC, g.VAC_PCT)
"""Status metrics shown per project, in order."""
_SEVERITY = {"red": 0, "amber": 1, "grey": 2, "green": 3, "": 4}


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


# -- interactive helpers (explore notebook) ---------------------------------------------------


def load_portfolio(params_folder: str | Path) -> list[ProjectReport]:
    """Every project of a params folder that loads; failures are printed, not raised."""
    reports = []
    for path in params_files(Path(params_folder)):
        try:
            reports.append(ProjectReport.load(path))
        except PmoError as exc:
            print(f"skipped {path.name}: {str(exc).splitlines()[0]}")
    return reports


def portfolio_table(reports: Sequence[ProjectReport]) -> pd.DataFrame:
    """One row per project: identity, RAG per dimension and the headline metrics."""
    return pd.DataFrame([_project_row(r.metrics.to_dict()) for r in reports])


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
    return row | {k: status[k]["value"] for k in PORTFOLIO_COLUMNS}


# -- the portfolio report -----------------------------------------------------------------------


def _html(fragment: str) -> HTML:
    return HTML(fragment)  # type: ignore[no-untyped-call]


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

    @classmethod
    def load(
        cls,
        period_dir: str | Path,
        settings: Mapping[str, Any] | None = None,
        static: bool | None = None,
    ) -> PortfolioReport:
        """Load ``output/<period>`` (manifest + metrics of the projects that reported)."""
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
        return cls(
            period,
            folder,
            PortfolioSettings.from_dict(settings or {}),
            manifest,
            projects,
            previous,
        )

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

    def rollups(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Status metrics per programme and for the whole portfolio (reporting currency),
        from the summed cumulative curves; projects without an FX rate are left out."""
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
        result = portfolio_evm(pd.concat(curves, ignore_index=True), pd.Period(self.period, "M").to_timestamp())
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

    def quadrant(self) -> charts.AnyChart:
        """CPI vs SPI(t), bubble size = BAC in the reporting currency."""
        t = self.table()
        data = t[[C.PROJECT, "name", g.CPI, g.SPI_T, f"{g.BAC}_rc", "rag"]].rename(columns={f"{g.BAC}_rc": g.BAC})
        return charts.quadrant(data.fillna({g.BAC: 0.0}))

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


def _sortable_table(t: pd.DataFrame, cols: Sequence[tuple[str, str, Any]]) -> str:
    """A table whose rows a reader can re-order by any column with radio buttons and
    CSS ``order`` (no JavaScript). Rows keep the given order by default and in print."""
    uid = "pmo-sort"
    ranks = {key: _rank(t[key]) for _, key, _ in cols}
    inputs, rules, heads = [], [], []
    for i, (label, _key, _) in enumerate(cols):
        for d, sign in (("a", ""), ("d", "-1 * ")):
            inputs.append(f'<input type="radio" name="{uid}" id="{uid}-{i}{d}" class="pmo-sort-input">')
            rules.append(f"#{uid}-{i}{d}:checked ~ .pmo-sortable-table tbody tr {{ order: calc({sign}var(--r{i})); }}")
        heads.append(
            f'<th>{esc(label)} <label for="{uid}-{i}a" title="sort ascending">&#9650;</label>'
            f'<label for="{uid}-{i}d" title="sort descending">&#9660;</label></th>'
        )
    rows = []
    for n, (_, r) in enumerate(t.iterrows()):
        style = ";".join(f"--r{i}:{ranks[key][n]}" for i, (_, key, _) in enumerate(cols))
        cells = "".join(
            f"<td>{fmt(r[key]) if fmt in (esc, rag_badge) else esc(fmt(finite_float(r[key])))}</td>"
            for _label, key, fmt in cols
        )
        rows.append(f'<tr style="{style}">{cells}</tr>')
    widths = " ".join("minmax(0, 2fr)" if key == "name" else "minmax(0, 1fr)" for _, key, _ in cols)
    screen = (  # re-orderable rows need grid/flex layout: screen only; print keeps a plain table
        f".pmo-sortable-table thead tr, .pmo-sortable-table tbody tr {{ display: grid; "
        f"grid-template-columns: {widths}; }}"
        ".pmo-sortable-table, .pmo-sortable-table thead { display: block; width: 100%; }"
        ".pmo-sortable-table tbody { display: flex; flex-direction: column; width: 100%; }" + "".join(rules)
    )
    css = (
        ".pmo-sortable-table { font-size: 0.8em; width: 100%; table-layout: fixed; }"
        ".pmo-sortable-table th, .pmo-sortable-table td { overflow-wrap: anywhere; padding: 0.2em; }"
        ".pmo-sortable-table .pmo-rag { padding: 0 0.2em; }"
        ".pmo-sort-input { display: none; } .pmo-sortable-table label { cursor: pointer; color: #888; }"
        f"@media print {{ .pmo-sortable-table label {{ display: none; }} }} @media screen {{ {screen} }}"
    )
    return (
        f'<div class="pmo-sortable"><style>{css}</style>{"".join(inputs)}'
        f'<table class="pmo-sortable-table">{_colgroup(cols)}<thead><tr>{"".join(heads)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


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
