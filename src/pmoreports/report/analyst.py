"""The analyst's workbench: the portfolio and its projects in a notebook, one call per question.

::

    from pmoreports.report.analyst import Portfolio

    p = Portfolio.load("params")              # every project's workbook, read with its parameters
    p = Portfolio.load("output/2026-10")      # or what a period's batch reported (metrics.json)
    p                                         # worst first, RAG per dimension, money in the reporting currency
    p.where(rag="red")                        # filter by programme, rag, manager or any column...
    p.where(cpi=lambda x: x < 0.9)            # ... with a value, a list, a function or "< 0.9"
    p.programmes()                            # totals by programme (sums first, then indices)
    p.project("BRAVO").wbs()                  # drill to a project's WBS elements, categories, months
    p.what_if(eac_method="cpi_spi")           # which RAGs change across the portfolio
    p.where(rag="red").export("output/red.xlsx")  # exactly this view, in Excel

Money in a :class:`Portfolio` is always in the reporting currency of ``_portfolio.yaml``
(its ``fx`` rates: value of one unit of a project's currency); a project without a rate
has n/a money, is left out of totals and is named in a :class:`PortfolioWarning` and above
the table. A project's own tables (:class:`ProjectView`) are in the project's currency,
as in its workbook and report. Every table is a :class:`Sheet`: shown in the report's
number formats and RAG colours, exported to Excel as shown.

A what-if recomputes with the engine's own functions from each project's metrics: RAG
(:func:`~pmoreports.metrics.rag.rag_status`), the EAC-dependent metrics
(:func:`~pmoreports.metrics.evm.compute_evm`) and the business case
(:func:`~pmoreports.metrics.business_case.business_case`), so it gives what the report
would show with those parameters.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import altair as alt
import numpy as np
import pandas as pd

from ..errors import PmoError, ReportError, shown
from ..metrics import glossary as g
from ..metrics.business_case import PROJECT_COST, business_case
from ..metrics.evm import EAC_METHODS, Metric, compute_evm, finite_float, project_curves
from ..metrics.project import frame_records
from ..metrics.rag import OVERALL, RagThresholds, rag_status
from ..paths import notebook_input
from ..workbook import columns as C
from ..workbook.model import ProjectData
from . import charts
from ._format import RAG, TEXT, NotebookHTML, esc, fmt_unit, rag_badge, style_frame
from .params import params_files
from .portfolio import (
    PORTFOLIO_SETTINGS,
    PortfolioReport,
    PortfolioSettings,
    PortfolioWarning,
    missing_rates,
    portfolio_warning,
    warn_missing_rates,
)
from .project import ProjectReport

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "DIMENSIONS",
    "PIVOT_MEASURES",
    "SHOWN_COLUMNS",
    "Portfolio",
    "PortfolioWarning",
    "ProjectView",
    "Sheet",
    "WhatIf",
    "wbs_by_category",
]

DIMENSIONS: Final = ("overall", "cost", "schedule", "forecast")
"""RAG dimensions, as the columns ``rag`` (overall), ``rag_cost``, ``rag_schedule``, ``rag_forecast``."""
_RAG_COLUMN = {d: "rag" if d == OVERALL else f"rag_{d}" for d in DIMENSIONS}
_MONEY: Final = (g.BAC, g.PV, g.EV, g.AC, g.EAC, g.ETC, g.VAC, g.NPV)
"""Money columns of :attr:`Portfolio.table`, in the reporting currency."""
_RATIOS: Final = (g.CPI, g.SPI, g.SPI_T, g.PCT_COMPLETE, g.PCT_SPENT, g.VAC_PCT, g.TCPI_BAC)
SHOWN_COLUMNS: Final = (
    "name",
    C.PROGRAMME,
    "manager",
    "rag",
    "rag_cost",
    "rag_schedule",
    "rag_forecast",
    g.CPI,
    g.SPI_T,
    g.PCT_COMPLETE,
    g.BAC,
    g.AC,
    g.EAC,
    g.VAC,
    g.VAC_PCT,
)
"""Columns a portfolio shows and exports (``Portfolio.table`` has more), after the project ID."""
_SEVERITY: Final = {"red": 0, "amber": 1, "grey": 2, "green": 3}
_SHORT: Final = {
    g.PV: "PV",
    g.EV: "EV",
    g.AC: "AC",
    g.BAC: "BAC",
    g.EAC: "EAC",
    g.ETC: "ETC",
    g.VAC: "VAC",
    g.VAC_PCT: "VAC %",
    g.CV: "CV",
    g.SV: "SV",
    g.CPI: "CPI",
    g.SPI: "SPI",
    g.SPI_T: "SPI(t)",
    g.PCT_COMPLETE: "Complete",
    g.PCT_SPENT: "Spent",
    g.TCPI_BAC: "TCPI (BAC)",
    g.NPV: "NPV",
    C.PROJECT: "Project",
    C.WBS: "WBS element",
    C.CATEGORY: "Cost category",
    C.MONTH: "Month",
    C.PROGRAMME: "Programme",
    "name": "Name",
    "manager": "Manager",
    "currency": "Currency",
    "status_month": "Status month",
    "rag": "Overall",
    "rag_cost": "Cost",
    "rag_schedule": "Schedule",
    "rag_forecast": "Forecast",
    "dimension": "RAG",
    "before": "Before",
    "after": "After",
}
_FORECAST_KEYS: Final = (g.EAC, g.ETC, g.VAC, g.VAC_PCT, g.TCPI_EAC)
"""The metrics an EAC method changes (everything else is the same for every method)."""
PIVOT_MEASURES: Final = (g.PV, g.EV, g.AC, g.BAC)
"""What :meth:`ProjectView.pivot` can show per WBS element x cost category."""
_COMPARISON = re.compile(r"(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")
_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _unit(column: str) -> str:
    """Display unit of a column: a metric's glossary unit, RAG, a rate, or text."""
    if column.startswith("rag") or column in ("before", "after"):
        return RAG
    if column == "fx":
        return "rate"
    return g.METRIC_UNITS.get(column, TEXT)


def _label(column: str, currency: str = "") -> str:
    """Column header: short name, with the currency for money."""
    if column == "fx":
        return f"FX to {currency}" if currency else "FX rate"
    name = _SHORT.get(column) or (g.explain(column).name if column in g.GLOSSARY else column)
    return f"{name} ({currency})" if currency and _unit(column) == "money" else name


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


# -- a table as the analyst sees it ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Sheet:
    """A table as an analyst sees it: :attr:`data` (a DataFrame) shown in a notebook in the
    report's number formats and RAG colours (figures never wrap), exported to Excel as shown.

    ``units`` gives the unit of each column (a glossary unit such as ``money``, ``index``,
    ``fraction``; ``rag``; anything else is text); ``currency`` labels money columns.
    """

    data: pd.DataFrame
    title: str = ""
    currency: str = ""
    caption: str = ""
    units: Mapping[str, str] = field(default_factory=dict)

    def _units(self) -> dict[str, str]:
        return {str(c): self.units.get(str(c), _unit(str(c))) for c in self.data.columns}

    @property
    def _indexed(self) -> bool:
        """Whether the index is a column of the table (named), not just row numbers."""
        return self.data.index.name is not None

    def labels(self) -> list[str]:
        """Headers as shown: the index's (when named), then each column's."""
        heads = [_label(str(c), self.currency) for c in self.data.columns]
        return [_label(str(self.data.index.name)), *heads] if self._indexed else heads

    def _frame(self) -> pd.DataFrame:
        """The table with its (named) index as the first column, as shown and exported."""
        return self.data.reset_index() if self._indexed else self.data.reset_index(drop=True)

    def style(self) -> Styler:
        """The table as a pandas ``Styler`` (see :func:`~pmoreports.report._format.style_frame`)."""
        frame = self._frame()
        labels = dict(zip([str(c) for c in frame.columns], self.labels(), strict=True))
        styler = style_frame(frame, self._units(), labels=labels, caption=self.caption or self.title)
        return styler.hide(axis="index")

    def _repr_html_(self) -> str:
        return str(self.style().to_html())

    def __repr__(self) -> str:
        return f"Sheet({self.title or 'table'}: {len(self.data)} row(s) x {len(self.data.columns)} column(s))"

    def __len__(self) -> int:
        return len(self.data)

    def export(self, path: str | os.PathLike[str], about: Sequence[tuple[str, str]] = ()) -> Path:
        """Write this table to the Excel workbook ``path`` (created, or replaced whole):
        the same rows, columns and headers, the report's number formats by unit and RAG
        colours; ``about`` lines (what, value) go to a second sheet. Returns the path."""
        from ._excel import SheetData, excel_format, write_sheets

        units = self._units()
        frame = self._frame()
        formats = [excel_format(units.get(str(c), TEXT)) for c in frame.columns]
        rag = [i for i, c in enumerate(frame.columns) if units.get(str(c)) == RAG]
        rows = [list(r) for r in frame.itertuples(index=False, name=None)]
        sheets = [SheetData(self.title or "Table", self.labels(), rows, formats, rag)]
        if about:
            sheets.append(SheetData("About", ["What", "Value"], [list(a) for a in about], [None, None]))
        return write_sheets(path, sheets)


# -- one project --------------------------------------------------------------------------------


def wbs_by_category(data: ProjectData, measure: str = g.AC) -> pd.DataFrame:
    """``measure`` at the status date per WBS element (rows) x cost category (columns), with
    a Total row and column; money in the project's currency.

    ``measure``: ``pv`` (budget to date), ``ev``, ``ac`` (actual to date) or ``bac``. Amounts
    come from the engine's curves, so they agree with the report: actual cost counts the
    months up to the status date only (a month after it is not spent yet), and the total of
    ``ac`` is the report's AC.
    """
    if measure not in PIVOT_MEASURES:
        raise ReportError(f"pivot: measure is {shown(measure)}; expected one of {', '.join(PIVOT_MEASURES)}")
    curves = project_curves(data, (C.WBS, C.CATEGORY))
    at = curves.status_index
    values = {g.PV: curves.pv[:, at], g.EV: curves.ev[:, at], g.AC: curves.ac[:, at], g.BAC: curves.pv[:, -1]}
    frame = curves.keys.assign(value=values[measure])
    table = frame.pivot_table(
        index=C.WBS, columns=C.CATEGORY, values="value", aggfunc="sum", fill_value=0.0, sort=False
    ).astype(float)
    table.columns = [str(c) for c in table.columns]
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    table.index.name = C.WBS
    return table


@dataclass(frozen=True, eq=False)
class ProjectView:
    """One project, drilled into from a :class:`Portfolio` (or loaded alone with
    :meth:`load`): its WBS elements, cost categories and months, in the project's currency.

    ``metrics`` is the project's metrics (the ``metrics.json`` form, what-if applied);
    ``report`` its report sections (charts, tables) when it was read from its workbook.
    """

    project_id: str
    metrics: Mapping[str, Any]
    settings: PortfolioSettings = field(default_factory=PortfolioSettings)
    report: ProjectReport | None = None

    @classmethod
    def load(cls, params_file: str | os.PathLike[str]) -> ProjectView:
        """Read one project's workbook with its parameter file (a relative path is found from
        the current folder or the kit's ``notebooks/``); FX settings from ``_portfolio.yaml``
        beside it."""
        report = ProjectReport.load(notebook_input(params_file))
        settings = PortfolioSettings.load(Path(report.params.source).parent)
        return cls(report.data.info.project_id, report.metrics.to_dict(), settings, report)

    @property
    def info(self) -> Mapping[str, Any]:
        """ID, name, programme, manager, currency, status month and EAC method."""
        return dict(self.metrics["project"])

    @property
    def currency(self) -> str:
        """The project's currency (of every amount of its tables)."""
        return str(self.metrics["project"]["currency"])

    def _caption(self, what: str) -> str:
        rate = self.settings.rate(self.currency)
        fx = (
            f"; 1 {self.currency} = {rate:g} {self.settings.currency}"
            if rate is not None and self.currency != self.settings.currency
            else ""
        )
        return f"{self.project_id}: {what}, amounts in {self.currency}{fx}"

    def status(self) -> Sheet:
        """Every status-date metric (value, unit, and why it is n/a when undefined)."""
        rows = [
            {"metric": key, "name": g.explain(key).name if key in g.GLOSSARY else key, **_cell(m)}
            for key, m in self.metrics["status"].items()
        ]
        frame = pd.DataFrame(rows).set_index("metric")
        return Sheet(frame[["name", "shown", "why"]], "Status", caption=self._caption("status-date metrics"))

    def months(self) -> Sheet:
        """Month-by-month EVM up to the status date: cumulative PV, EV, AC, CV, SV, CPI,
        SPI, SPI(t), EAC and VAC."""
        frame = pd.DataFrame(self.metrics["series"])
        status = pd.Timestamp(self.metrics["project"]["status_month"])
        frame = frame[pd.to_datetime(frame[C.MONTH]) <= status]
        frame[C.MONTH] = pd.to_datetime(frame[C.MONTH]).dt.strftime("%Y-%m")
        keys = [g.PV, g.EV, g.AC, g.CV, g.SV, g.CPI, g.SPI, g.SPI_T, g.EAC, g.VAC]
        return Sheet(frame.set_index(C.MONTH)[keys], "Months", caption=self._caption("earned value by month"))

    def _breakdown(self, by: str) -> Sheet:
        evm = pd.DataFrame(self.metrics[f"evm_by_{by}"])
        keys = [g.BAC, g.PV, g.EV, g.AC, g.CV, g.CPI, g.SPI, g.PCT_COMPLETE, g.EAC, g.VAC, g.VAC_PCT]
        frame = evm.set_index(by)[keys] if len(evm) else pd.DataFrame(columns=keys)
        what = "WBS elements" if by == C.WBS else "cost categories"
        return Sheet(frame, "WBS" if by == C.WBS else "Categories", caption=self._caption(f"{what} at the status date"))

    def wbs(self) -> Sheet:
        """Every WBS element at the status date: BAC, PV, EV, AC, CV, CPI, SPI, % complete,
        EAC, VAC, VAC %."""
        return self._breakdown(C.WBS)

    def categories(self) -> Sheet:
        """Every cost category at the status date (as :meth:`wbs`)."""
        return self._breakdown(C.CATEGORY)

    def pivot(self, measure: str = g.AC) -> Sheet:
        """``measure`` per WBS element x cost category (:func:`wbs_by_category`): ``ac`` is
        the actuals pivot that agrees with the report. Needs the workbook (a portfolio loaded
        from its params folder)."""
        if self.report is None:
            raise ReportError(
                f"{self.project_id}: a WBS x category pivot needs the workbook; load the portfolio from its "
                "params folder (Portfolio.load('params')) or the project with ProjectView.load(params_file)"
            )
        table = wbs_by_category(self.report.data, measure)
        name = _SHORT.get(measure, measure)
        units = dict.fromkeys(table.columns, "money")
        caption = self._caption(f"{name} at the status date by WBS element and cost category")
        return Sheet(table, f"{name} by WBS x category", caption=caption, units=units)

    def __repr__(self) -> str:
        info, rag = self.metrics["project"], self.metrics["rag"]["overall"]["status"]
        return f"ProjectView({self.project_id} {info['name']!r}, {info['status_month'][:7]}, {self.currency}, {rag})"

    def _repr_html_(self) -> str:
        if self.report is not None:
            return self.report._repr_html_()
        info = self.metrics["project"]
        badges = " ".join(_badge(self.metrics["rag"][d]["status"], d.title()) for d in DIMENSIONS)
        month = str(info["status_month"])[:7]
        head = f"<p><strong>{esc(self.project_id)}</strong> {esc(info['name'])} ({esc(month)})</p>"
        return str(NotebookHTML(f"{head}<p>{badges}</p>")._repr_html_())


def _badge(status: str, label: str) -> str:
    return rag_badge(status, label)


def _cell(metric: Mapping[str, Any]) -> dict[str, str]:
    return {"shown": fmt_unit(metric["value"], str(metric.get("unit") or "")), "why": metric.get("reason_text") or ""}


# -- what-if --------------------------------------------------------------------------------


def _metric(record: Mapping[str, Any]) -> Metric:
    return Metric(str(record["key"]), finite_float(record["value"]), str(record["unit"]), record.get("reason"))


def _reforecast(rows: pd.DataFrame, method: str) -> dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    """The EAC-dependent metrics (:data:`_FORECAST_KEYS`) of status-date rows (columns ``pv``,
    ``ev``, ``ac`` cumulative, ``bac``, ``eac_bottom_up``) with ``method``, by the engine: each
    row becomes a two-month curve (the status month, then the baseline's end) whose results at
    the status month are exactly the engine's. Returns ``key -> (values, reason codes)``."""

    def col(key: str) -> np.ndarray[Any, Any]:
        return pd.to_numeric(rows[key], errors="coerce").to_numpy(dtype=float)

    pv, ev, ac, bac = col(g.PV), col(g.EV), col(g.AC), col(g.BAC)
    etc = col(g.EAC_BOTTOM_UP) - ac
    arrays = compute_evm(np.c_[pv, bac], np.c_[ev, ev], np.c_[ac, ac], status_index=0, etc=etc, eac_method=method)
    return {k: (arrays.values[k][:, 0], arrays.reason_names(k)[:, 0]) for k in _FORECAST_KEYS}


def _reforecast_records(records: Sequence[Mapping[str, Any]], method: str) -> list[dict[str, Any]]:
    """Status-table records (``evm_by_wbs``...) with the EAC-dependent values of ``method``."""
    if not records:
        return []
    new = _reforecast(pd.DataFrame(records), method)
    out = []
    for i, record in enumerate(records):
        row = dict(record)
        for key, (values, reasons) in new.items():
            row[key] = finite_float(values[i])
            row.pop(f"{key}_reason", None)
            if reasons[i] is not None:
                row[f"{key}_reason"] = reasons[i]
        out.append(row)
    return out


def _with_eac_method(m: dict[str, Any], method: str) -> None:
    """Recompute, in place, every EAC-dependent figure of metrics ``m`` with ``method``."""
    status = m["status"]
    row = pd.DataFrame([{k: status[k]["value"] for k in (g.PV, g.EV, g.AC, g.BAC, g.EAC_BOTTOM_UP)}])
    new = _reforecast(row, method)
    m["status"] = dict(status) | {
        k: Metric.of(k, values[0], reasons[0]).to_dict() for k, (values, reasons) in new.items()
    }
    for by in (C.WBS, C.CATEGORY):
        evm = _reforecast_records(m[f"evm_by_{by}"], method)
        m[f"evm_by_{by}"] = evm
        by_key = {r[by]: r for r in evm}
        m[f"cost_by_{by}"] = [
            dict(r) | {k: by_key.get(r[by], {}).get(k) for k in (g.EAC, g.VAC)} for r in m[f"cost_by_{by}"]
        ]
    m["project"] = dict(m["project"]) | {"eac_method": method}


def _with_thresholds(m: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Re-grade, in place, the RAG of metrics ``m`` with its thresholds updated by ``overrides``."""
    limits = RagThresholds.from_dict({**m["thresholds"], **overrides}, where="what_if thresholds")
    status = {k: _metric(v) for k, v in m["status"].items()}
    m["rag"] = {k: v.to_dict() for k, v in rag_status(status, limits).items()}
    m["thresholds"] = dataclasses.asdict(limits)


def _with_discount_rate(m: dict[str, Any], rate: float) -> None:
    """Recompute, in place, the business case of metrics ``m`` at the annual ``rate``."""
    flows = pd.DataFrame(m["business_case"]["flows"])
    if flows.empty:
        flows = pd.DataFrame(columns=[C.PERIOD, C.EXPECTED_BENEFIT, C.OTHER_COSTS, PROJECT_COST])
    costs = pd.Series(flows[PROJECT_COST].to_numpy(dtype=float), index=flows[C.PERIOD].astype(int).to_numpy())
    case = business_case(flows[[C.PERIOD, C.EXPECTED_BENEFIT, C.OTHER_COSTS]], costs, rate)
    m["business_case"] = {
        "metrics": {k: v.to_dict() for k, v in case.metrics.items()},
        "flows": frame_records(case.flows),
        "first_period": case.first_period,
    }


def _check_what_if(thresholds: Mapping[str, Any] | None, eac_method: str | None, discount_rate: float | None) -> None:
    problems = []
    if thresholds is None and eac_method is None and discount_rate is None:
        problems.append("what_if: give thresholds=, eac_method= and/or discount_rate=")
    if eac_method is not None and eac_method not in EAC_METHODS:
        problems.append(f"what_if: eac_method is {shown(eac_method)}; expected one of {', '.join(EAC_METHODS)}")
    if thresholds is not None:
        try:
            RagThresholds.from_dict(thresholds, where="what_if thresholds")
        except PmoError as exc:
            problems.append(str(exc))
    if discount_rate is not None and (
        isinstance(discount_rate, bool) or finite_float(discount_rate) is None or not -1 < discount_rate < 10
    ):
        problems.append(f"what_if: discount_rate is {shown(discount_rate)}; expected a yearly rate such as 0.08")
    if problems:
        raise ReportError("\n".join(problems))


def reassess(
    metrics: Mapping[str, Any],
    *,
    thresholds: Mapping[str, Any] | None = None,
    eac_method: str | None = None,
    discount_rate: float | None = None,
) -> dict[str, Any]:
    """A copy of one project's metrics (``metrics.json`` form) as if computed with other RAG
    ``thresholds`` (merged over the project's own), another ``eac_method`` or another
    ``discount_rate``. The RAG is re-graded whenever the thresholds or the EAC change."""
    m = dict(metrics)
    if eac_method is not None:
        _with_eac_method(m, eac_method)
    if thresholds is not None or eac_method is not None:
        _with_thresholds(m, thresholds or {})
    if discount_rate is not None:
        _with_discount_rate(m, float(discount_rate))
    return m


@dataclass(frozen=True, eq=False)
class WhatIf:
    """A portfolio :attr:`before` and :attr:`after` a change of assumptions, and what it changes."""

    before: Portfolio
    after: Portfolio

    @functools.cached_property
    def changes(self) -> pd.DataFrame:
        """One row per project and RAG dimension that changes: ``project``, ``name``,
        ``dimension`` (overall, cost, schedule, forecast), ``before`` and ``after``."""
        old, new = self.before.table, self.after.table
        rows = [
            {
                C.PROJECT: pid,
                "name": old.at[pid, "name"],
                "dimension": d,
                "before": old.at[pid, _RAG_COLUMN[d]],
                "after": new.at[pid, _RAG_COLUMN[d]],
            }
            for pid in old.index
            for d in DIMENSIONS
            if str(old.at[pid, _RAG_COLUMN[d]]) != str(new.at[pid, _RAG_COLUMN[d]])
        ]
        return pd.DataFrame(rows, columns=[C.PROJECT, "name", "dimension", "before", "after"])

    @functools.cached_property
    def comparison(self) -> pd.DataFrame:
        """Per project of the view: overall RAG, EAC, VAC % and NPV before and after (money in
        the reporting currency)."""
        old, new = self.before.table, self.after.table
        columns = {}
        for key in ("rag", g.EAC, g.VAC_PCT, g.NPV):
            columns[f"{key}_before"] = old[key]
            columns[f"{key}_after"] = new[key].reindex(old.index)
        return pd.DataFrame(columns, index=old.index)

    def sheet(self) -> Sheet:
        """:attr:`changes` as a :class:`Sheet`."""
        return Sheet(self.changes, "RAG changes", caption=f"What if {_assumptions(self.after.assumptions)}")

    def __repr__(self) -> str:
        projects = self.changes[C.PROJECT].nunique()
        return f"WhatIf({_assumptions(self.after.assumptions)}: {projects} of {len(self.before)} project(s) change RAG)"

    def _repr_html_(self) -> str:
        projects = self.changes[C.PROJECT].nunique()
        head = (
            f"<p>What if {esc(_assumptions(self.after.assumptions))}: <strong>{projects} of {len(self.before)} "
            "project(s) change RAG</strong>.</p>"
        )
        units = {f"{k}_{w}": _unit(k) for k in ("rag", g.EAC, g.VAC_PCT, g.NPV) for w in ("before", "after")}
        labels = {
            f"{k}_{w}": f"{_label(k)} {w}" + (f" ({self.before.settings.currency})" if _unit(k) == "money" else "")
            for k in ("rag", g.EAC, g.VAC_PCT, g.NPV)
            for w in ("before", "after")
        }
        table = style_frame(self.comparison, units, labels=labels, caption="Before and after, per project")
        return head + (self.sheet()._repr_html_() if projects else "") + str(table.to_html())


def _assumptions(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items()) or "as reported"


# -- the portfolio ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    metrics: Mapping[str, Any]
    report: ProjectReport | None = None


@dataclass(frozen=True, eq=False)
class Portfolio:
    """Projects of one portfolio, as a view that filters, sorts, drills, what-ifs and exports.

    Build it with :meth:`load`. :attr:`table` is the current view, one row per project
    (index: project ID), worst first unless sorted; every method returns a new view.
    """

    source: Path
    settings: PortfolioSettings
    period: str
    entries: Mapping[str, _Entry]
    ids: tuple[str, ...]
    filters: tuple[str, ...] = ()
    assumptions: Mapping[str, Any] = field(default_factory=dict)
    failed: Mapping[str, str] = field(default_factory=dict)
    order: tuple[str, bool] | None = None

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def load(cls, source: str | os.PathLike[str], *, params_dir: str | os.PathLike[str] | None = None) -> Portfolio:
        """A params folder (each project's workbook read with its parameter file, as the batch
        would) or a period's output folder (the ``metrics.json`` its batch wrote; FX settings
        from ``params_dir``, else from the params folder the batch ran from). A relative path
        not found in the current folder is looked for from the kit's ``notebooks/`` folder.
        Projects that cannot be loaded and projects without an FX rate are named in a
        :class:`PortfolioWarning` (and kept in :attr:`failed` / shown above the table)."""
        folder = notebook_input(source, "portfolio folder")
        if (folder / "manifest.json").is_file():
            return cls._from_output(folder, params_dir)
        if folder.is_dir() and params_files(folder):
            return cls._from_params(folder)
        raise ReportError(
            f"{folder}: not a params folder (no project parameter files *.yaml) nor a period's output folder "
            "(no manifest.json); give e.g. 'params' or 'output/2026-10'"
        )

    @classmethod
    def _from_params(cls, folder: Path) -> Portfolio:
        settings = PortfolioSettings.load(folder)
        entries: dict[str, _Entry] = {}
        failed: dict[str, str] = {}
        source: dict[str, str] = {}
        for path in params_files(folder):
            try:
                report = ProjectReport.load(path)
            except PmoError as exc:
                failed[path.name] = str(exc).splitlines()[0]
                continue
            pid = report.data.info.project_id
            if pid in entries:
                failed[path.name] = f"project ID {pid} is also the project of {source[pid]}; left out"
                continue
            entries[pid], source[pid] = _Entry(report.metrics.to_dict(), report), path.name
        if failed:
            listed = "; ".join(f"{name}: {why}" for name, why in failed.items())
            portfolio_warning(f"{len(failed)} project(s) could not be loaded and are left out: {listed}", 3)
        months = sorted({str(e.metrics["project"]["status_month"])[:7] for e in entries.values()})
        if len(months) > 1:
            portfolio_warning(f"projects report different months ({', '.join(months)}); totals are at {months[-1]}", 3)
        currencies = {pid: str(e.metrics["project"]["currency"]) for pid, e in entries.items()}
        warn_missing_rates(settings, currencies, str(folder / PORTFOLIO_SETTINGS))
        period = months[-1] if months else ""
        return cls(folder, settings, period, entries, tuple(entries), failed=failed)

    @classmethod
    def _from_output(cls, folder: Path, params_dir: str | os.PathLike[str] | None) -> Portfolio:
        report = PortfolioReport.load(folder, params_dir=params_dir)
        entries = {pid: _Entry(m) for pid, m in report.projects.items()}
        failed = {
            str(p["project_id"]): str(p.get("error") or p["status"]).splitlines()[0]
            for p in report.manifest["projects"]
            if p["status"] in ("failed", "cancelled")
        }
        return cls(folder, report.settings, report.period, entries, tuple(entries), failed=failed)

    # -- the view -----------------------------------------------------------------------------

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """The view: one row per project (index ``project``), worst first (overall RAG red,
        amber, n/a, green; then the largest forecast overrun, VAC %) unless :meth:`sort` was
        used. Columns: name, programme, manager, currency (the project's), fx (its rate),
        status_month, RAG per dimension (``rag`` = overall), indices and percentages, and
        money in the reporting currency (BAC, PV, EV, AC, EAC, ETC, VAC, NPV)."""
        frame = pd.DataFrame([self._row(pid) for pid in self.ids], columns=_TABLE_COLUMNS).set_index(C.PROJECT)
        return self._arrange(frame)

    def _row(self, pid: str) -> dict[str, Any]:
        m = self.entries[pid].metrics
        info, status = m["project"], m["status"]
        rate = self.settings.rate(str(info["currency"]))
        row: dict[str, Any] = {
            C.PROJECT: pid,
            "name": info["name"],
            C.PROGRAMME: info["programme"] or "(none)",
            "manager": info.get("manager") or "",
            "currency": info["currency"],
            "fx": rate,
            "status_month": str(info["status_month"])[:7],
        }
        row |= {_RAG_COLUMN[d]: m["rag"][d]["status"] for d in DIMENSIONS}
        row |= {k: finite_float(status[k]["value"]) for k in _RATIOS}
        npv = finite_float(m["business_case"]["metrics"].get(g.NPV, {}).get("value"))
        for k in _MONEY:
            value = npv if k == g.NPV else finite_float(status[k]["value"])
            row[k] = None if rate is None or value is None else value * rate
        return row

    def _arrange(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        if self.order is None:
            keys = pd.DataFrame(
                {
                    "_severity": frame["rag"].map(_SEVERITY).fillna(len(_SEVERITY)),
                    "_vac": frame[g.VAC_PCT].astype(float).fillna(np.inf),
                    "_id": frame.index,
                },
                index=frame.index,
            )
            return frame.loc[keys.sort_values(["_severity", "_vac", "_id"]).index]
        column, ascending = self.order
        values = frame.index.to_series() if column == C.PROJECT else frame[column]
        key = values.map(_SEVERITY) if column.startswith("rag") else values
        return frame.loc[key.sort_values(ascending=ascending, na_position="last", kind="stable").index]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def missing_rates(self) -> dict[str, str]:
        """``project -> currency`` of the projects in view without an FX rate."""
        currencies = {pid: str(self.entries[pid].metrics["project"]["currency"]) for pid in self.ids}
        return missing_rates(self.settings, currencies)

    def _column(self, key: str) -> str:
        columns = [C.PROJECT, *self.table.columns]
        if key in columns:
            return key
        close = difflib.get_close_matches(key, columns, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ReportError(f"no column {shown(key)} in the portfolio table{hint}; columns: {', '.join(columns)}")

    def where(self, **criteria: Any) -> Portfolio:
        """The projects of this view that match every criterion, ``column=wanted``: any column
        of :attr:`table` or ``project``; ``wanted`` is a value (text compared without case:
        ``rag="red"``), a list of values, a function of the value (``cpi=lambda x: x < 0.9``)
        or, for a number column, a comparison such as ``"< 0.9"`` or ``">= 1e6"``. A missing
        value (n/a) matches only ``None``."""
        t = self.table
        keep = pd.Series(True, index=t.index)
        for key, wanted in criteria.items():
            column = self._column(key)
            values = t.index.to_series() if column == C.PROJECT else t[column]
            keep &= _matches(values, wanted, key, numeric=_unit(column) not in (TEXT, RAG))
        described = tuple(f"{k}={_describe(v)}" for k, v in criteria.items())
        return replace(self, ids=tuple(t.index[keep.to_numpy(dtype=bool)]), filters=(*self.filters, *described))

    def sort(self, by: str, ascending: bool = True) -> Portfolio:
        """This view sorted by a column (RAG columns by severity: red first when ascending)."""
        return replace(self, order=(self._column(by), ascending))

    def project(self, project_id: str | None = None) -> ProjectView:
        """Drill into one project (any of the portfolio); None: the first of this view (the
        worst, unless sorted)."""
        if project_id is None:
            if not len(self):
                raise ReportError(f"no project in this view ({'; '.join(self.filters) or 'empty portfolio'})")
            project_id = str(self.table.index[0])
        if project_id not in self.entries:
            close = difflib.get_close_matches(project_id, list(self.entries), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            listed = ", ".join(self.entries)
            raise ReportError(f"no project {shown(project_id)} in {self.source}{hint}; projects: {listed}")
        entry = self.entries[project_id]
        return ProjectView(project_id, entry.metrics, self.settings, entry.report)

    def programmes(self) -> Sheet:
        """Totals by programme and for the view (reporting currency): PV, EV, AC and BAC summed
        first, then CPI, SPI, SPI(t), EAC and VAC computed from the sums (never averaged).
        Projects without an FX rate are left out."""
        metrics = {p: dict(self.entries[p].metrics) for p in self.ids}
        report = PortfolioReport(self.period, self.source, self.settings, {"projects": []}, metrics, {})
        method = str(self.assumptions.get("eac_method", "cpi"))
        programmes, total = report.rollups(eac_method=method)
        keys = [g.PV, g.EV, g.AC, g.BAC, g.EAC, g.VAC, g.CPI, g.SPI, g.SPI_T, g.VAC_PCT]
        if programmes.empty:
            frame = pd.DataFrame(columns=keys, index=pd.Index([], name=C.PROGRAMME))
        else:
            rows = pd.concat([programmes, total.assign(**{C.PROGRAMME: "Total"})], ignore_index=True)
            frame = rows.set_index(C.PROGRAMME)[keys]
        caption = f"Totals by programme, amounts in {self.settings.currency}"
        return Sheet(frame, "Programmes", self.settings.currency, caption)

    def what_if(
        self,
        *,
        thresholds: Mapping[str, float] | None = None,
        eac_method: str | None = None,
        discount_rate: float | None = None,
    ) -> WhatIf:
        """This view under other assumptions, for every project: RAG ``thresholds`` (e.g.
        ``{"cost_green": 0.97}``, over each project's own), ``eac_method`` (``cpi``,
        ``budget_rate``, ``cpi_spi``, ``bottom_up``) and/or ``discount_rate`` (yearly, 0.08 = 8 %).
        The result says which RAGs change (:attr:`WhatIf.changes`); :attr:`WhatIf.after` is
        the portfolio under the new assumptions, to explore further."""
        _check_what_if(thresholds, eac_method, discount_rate)
        given = {"thresholds": thresholds, "eac_method": eac_method, "discount_rate": discount_rate}
        chosen = {k: v for k, v in given.items() if v is not None}
        entries = {
            pid: replace(
                e,
                metrics=reassess(e.metrics, thresholds=thresholds, eac_method=eac_method, discount_rate=discount_rate),
            )
            for pid, e in self.entries.items()
        }
        after = replace(self, entries=entries, assumptions={**self.assumptions, **chosen})
        return WhatIf(self, after)

    def sheet(self) -> Sheet:
        """The view as shown (:data:`SHOWN_COLUMNS`), as a :class:`Sheet`."""
        caption = f"{len(self)} project(s), worst first; amounts in {self.settings.currency}"
        return Sheet(self.table[list(SHOWN_COLUMNS)], "Portfolio", self.settings.currency, caption)

    def style(self) -> Styler:
        """The view as a pandas ``Styler``."""
        return self.sheet().style()

    def export(self, path: str | os.PathLike[str]) -> Path:
        """Write exactly this view (rows, order, columns as shown) to the Excel workbook
        ``path``, with the report's number formats and RAG colours, and an About sheet
        (source, period, currency, FX rates, filters, what-if). Returns the path."""
        about = [
            ("Source", str(self.source)),
            ("Period", self.period),
            ("Reporting currency", self.settings.currency),
            ("FX rates", ", ".join(f"{k} {v:g}" for k, v in sorted(self.settings.fx.items())) or "none"),
            ("Filters", "; ".join(self.filters) or "none"),
            ("What-if", _assumptions(self.assumptions)),
            ("Without FX rate", ", ".join(f"{p} ({c})" for p, c in self.missing_rates.items()) or "none"),
        ]
        return self.sheet().export(path, about)

    def quadrant(self, selected: str | None = None) -> alt.HConcatChart:
        """CPI vs SPI(t) of the view (bubble size = BAC, colour = overall RAG) linked to the
        chart beside it: clicking a project shows its budget vs actual by WBS element.
        ``selected``: the project shown first (default: the worst)."""
        t = self.table.reset_index()
        bars = [
            charts.wbs_bars(pid, pd.DataFrame(self.entries[pid].metrics["cost_by_wbs"]), str(cur))
            for pid, cur in zip(t[C.PROJECT], t["currency"], strict=True)
            if self.entries[pid].metrics["cost_by_wbs"]
        ]
        empty = pd.DataFrame(columns=[C.PROJECT, C.WBS, "measure", "value", "currency"])
        wbs = pd.concat(bars, ignore_index=True) if bars else empty
        first = selected or (str(t[C.PROJECT].iloc[0]) if len(t) else None)
        return charts.portfolio_explorer(t, wbs, selected=first, currency=self.settings.currency)

    def __repr__(self) -> str:
        filters = f", where {'; '.join(self.filters)}" if self.filters else ""
        what_if = f", what-if {_assumptions(self.assumptions)}" if self.assumptions else ""
        return (
            f"Portfolio({len(self)} of {len(self.entries)} project(s), {self.period}, "
            f"{self.settings.currency}, {self.source}{filters}{what_if})"
        )

    def _repr_html_(self) -> str:
        fx = ", ".join(f"{k} {v:g}" for k, v in sorted(self.settings.fx.items())) or "none"
        parts = [
            f"<p><strong>{len(self)} of {len(self.entries)} project(s)</strong>, {esc(self.period)}, "
            f"from {esc(self.source)}; amounts in {esc(self.settings.currency)} (FX: {esc(fx)})</p>"
        ]
        if self.filters:
            parts.append(f"<p>Filters: {esc('; '.join(self.filters))}</p>")
        if self.assumptions:
            parts.append(f"<p>What-if: {esc(_assumptions(self.assumptions))}</p>")
        if self.missing_rates:
            listed = ", ".join(f"{p} ({c})" for p, c in self.missing_rates.items())
            parts.append(
                f'<p class="pmo-warning">No FX rate to {esc(self.settings.currency)} for {esc(listed)}: '
                "money n/a, left out of totals.</p>"
            )
        if self.failed:
            listed = "; ".join(f"{k}: {v}" for k, v in self.failed.items())
            parts.append(f'<p class="pmo-warning">Not loaded: {esc(listed)}</p>')
        return str(NotebookHTML("".join(parts))._repr_html_()) + self.sheet()._repr_html_()


_TABLE_COLUMNS: Final = (
    C.PROJECT,
    "name",
    C.PROGRAMME,
    "manager",
    "currency",
    "fx",
    "status_month",
    *(_RAG_COLUMN[d] for d in DIMENSIONS),
    *_RATIOS,
    *_MONEY,
)


def _matches(values: pd.Series, wanted: Any, key: str, *, numeric: bool) -> pd.Series:
    """Which ``values`` match ``wanted`` (see :meth:`Portfolio.where`)."""
    if wanted is None:
        return values.map(_missing)
    if callable(wanted):
        return values.map(lambda v: False if _missing(v) else bool(wanted(v)))
    if isinstance(wanted, list | tuple | set | frozenset):
        hits = pd.Series(False, index=values.index)
        for w in wanted:
            hits |= _matches(values, w, key, numeric=numeric)
        return hits
    if isinstance(wanted, str):
        m = _COMPARISON.fullmatch(wanted.strip())
        if m and numeric:
            test, limit = _COMPARE[m.group(1)], float(m.group(2))
            return values.map(lambda v: False if _missing(v) else test(float(v), limit))
        if numeric:
            raise ReportError(
                f"where({key}={shown(wanted)}): {key} is a number column; give a number, a function "
                "or a comparison such as '< 0.9'"
            )
        return values.map(lambda v: isinstance(v, str) and v.casefold() == wanted.casefold())
    return values.map(lambda v: False if _missing(v) else v == wanted)


def _describe(wanted: Any) -> str:
    if callable(wanted):
        return getattr(wanted, "__name__", "function").replace("<lambda>", "a function")
    return repr(wanted)
