"""Data-quality findings on the earned-value data, and the data-quality score.

The reader (:mod:`pmoreports.workbook.reader`) checks what a workbook *says*; this
module checks what its numbers *mean*, with the integrity tests EVM analysts run on
each WBS element at the status month (after the U.S. DOE's EVMS data-integrity checks
and the GAO Cost Estimating and Assessment Guide's EVM data reliability tests). Each
finding is an :class:`~pmoreports.errors.Issue` with a code of
:data:`~pmoreports.errors.FINDING_CODES`, naming the cell when the workbook was read
from a file:

================================  =====  ==================================================
code                              sev.   fires when (per WBS element, cumulative to the status month)
================================  =====  ==================================================
``DQ-AC-NO-EV``                   major  AC > 0 and EV = 0 (cost without progress)
``DQ-EV-NO-AC``                   major  EV > 0 and AC = 0 (progress without cost)
``DQ-EV-ABOVE-BAC``               major  EV > BAC (only possible for data built in code:
                                         the reader caps progress at 100 %)
``DQ-PROGRESS-NO-BUDGET``         major  progress > 0 and BAC = 0
``DQ-AC-NO-BUDGET``               major  AC > 0 and BAC = 0
``DQ-ETC-ON-COMPLETE``            major  100 % complete and a Forecast ETC > 0
``DQ-ETC-BELOW-AC``               major  not complete and a Forecast ETC of 0: the forecast
                                         (AC + ETC) is no higher than the actuals
``DQ-AC-AFTER-COMPLETE``          minor  100 % complete before the status month and actual
                                         cost booked in the status month
``DQ-EV-NO-PV``                   minor  EV > 0 and PV = 0 (work started ahead of its plan)
``DQ-VAR-UNEXPLAINED``            major  a variance breaches its threshold and the Variances
                                         sheet gives no cause for it
================================  =====  ==================================================

Amounts are compared with a tolerance of half a currency unit (0.5), so rounding never
fires a finding.

**Score**: 100 - 25 x critical - 5 x major - 1 x minor findings, floored at 0 (an
integer; 100 = nothing found). A workbook with a critical finding produces no report,
but ``template check`` still shows its score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from ..errors import CRITICAL, MAJOR, MINOR, SEVERITIES, Issue
from ..workbook import columns as col
from ..workbook.model import ProjectData
from ..workbook.reader import CheckResult
from ..workbook.schema import SCHEMA
from . import glossary as g
from .evm import EvmSeries, project_evm
from .variances import BREACH, VarianceThresholds, variance_table

__all__ = [
    "SCORE_WEIGHTS",
    "DataQuality",
    "check_quality",
    "data_quality",
    "evm_findings",
    "money_text",
    "pct_text",
    "quality_score",
    "variance_findings",
]

SCORE_WEIGHTS: Final = {CRITICAL: 25, MAJOR: 5, MINOR: 1}
"""Points a finding of each severity takes off the score of 100."""
_TOLERANCE: Final = 0.5
_BUDGET, _ACTUALS, _PROGRESS, _FORECAST, _VARIANCES = (
    SCHEMA.budget.name,
    SCHEMA.actuals.name,
    SCHEMA.progress.name,
    SCHEMA.forecast.name,
    SCHEMA.variances.name,
)


def quality_score(issues: Iterable[Issue]) -> int:
    """100 minus the weighted findings (:data:`SCORE_WEIGHTS`), floored at 0."""
    return max(0, 100 - sum(SCORE_WEIGHTS[i.severity] for i in issues))


@dataclass(frozen=True)
class DataQuality:
    """Every finding of a project (reader's, EVM integrity, variance analysis) and its score."""

    findings: tuple[Issue, ...]

    @property
    def score(self) -> int:
        """See :func:`quality_score`."""
        return quality_score(self.findings)

    def counts(self) -> dict[str, int]:
        """Number of findings per severity (every severity present, 0 when none)."""
        return {s: sum(i.severity == s for i in self.findings) for s in SEVERITIES}

    def by_severity(self) -> list[Issue]:
        """The findings, most severe first (stable within a severity)."""
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(self.findings, key=lambda i: order[i.severity])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``score``, ``counts`` per severity, ``findings`` (code, severity, ...)."""
        return {
            "score": self.score,
            "counts": self.counts(),
            "findings": [i.to_dict() for i in self.by_severity()],
        }


def money_text(value: float, *, signed: bool = False) -> str:
    """``1,234`` (no decimals; ``+`` in front of a positive amount when ``signed``)."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value:+,.0f}" if signed else f"{value:,.0f}"


def pct_text(value: float, *, signed: bool = False) -> str:
    """A fraction as a percent with one decimal: ``-0.123`` -> ``-12.3%``."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def _status_frame(series: EvmSeries) -> pd.DataFrame:
    return series.at_status().values


def evm_findings(data: ProjectData, by_wbs: EvmSeries | None = None) -> list[Issue]:
    """The EVM data-integrity findings of each WBS element (see the module table)."""
    series = by_wbs if by_wbs is not None else project_evm(data, (col.WBS,))
    table = _status_frame(series)
    if table.empty:
        return []
    file = Path(data.source).name if data.source else ""
    status = data.info.status_date
    cells = data.cells
    prev_month = (pd.Timestamp(status) - pd.DateOffset(months=1)).date()
    prev = series.values[series.values[col.MONTH] == pd.Timestamp(prev_month)].set_index(col.WBS)
    forecast = _forecast_rows(data)
    reported = set(data.progress[col.WBS]) if not data.progress.empty else set()
    first_rows = _first_rows(data)
    out: list[Issue] = []

    def add(code: str, sheet: str, cell: str, message: str, found: str, expected: str) -> None:
        out.append(Issue.of(code, file, sheet, cell, message, found, expected))

    for row in table.to_dict("records"):
        wbs = str(row[col.WBS])
        bac, pv, ev, ac = (float(np.nan_to_num(row[k])) for k in (g.BAC, g.PV, g.EV, g.AC))
        ac_month = float(np.nan_to_num(row[g.AC_MONTH]))
        pct_cell = cells.grid_cell(_PROGRESS, (wbs,), status) or cells.grid_cell(_PROGRESS, (wbs,))
        key = first_rows.get(wbs)
        ac_cell = cells.grid_cell(_ACTUALS, key, status) if key else ""
        done = bac > _TOLERANCE and ev >= bac - _TOLERANCE
        if bac <= _TOLERANCE:
            if wbs in reported and ev <= _TOLERANCE and _progress_of(data, wbs, status) > 0:
                add(
                    "DQ-PROGRESS-NO-BUDGET",
                    _PROGRESS,
                    pct_cell,
                    f"'{wbs}' reports progress but has no budget, so its progress earns nothing",
                    f"{_progress_of(data, wbs, status):.0%} complete, BAC 0",
                    f"a budget on the {_BUDGET} sheet, or no progress",
                )
            if ac > _TOLERANCE:
                add(
                    "DQ-AC-NO-BUDGET",
                    _ACTUALS,
                    ac_cell,
                    f"'{wbs}' has actual cost but no budget: its cost is outside the baseline",
                    f"AC {money_text(ac)}, BAC 0",
                    f"a budget on the {_BUDGET} sheet for the work",
                )
            continue
        if ac > _TOLERANCE and ev <= _TOLERANCE:
            add(
                "DQ-AC-NO-EV",
                _PROGRESS,
                pct_cell,
                f"'{wbs}' has actual cost but no progress: cost without earned value",
                f"AC {money_text(ac)}, EV 0",
                "a percent complete for the work paid for (or the cost on the element that did it)",
            )
        if ev > _TOLERANCE and ac <= _TOLERANCE:
            add(
                "DQ-EV-NO-AC",
                _ACTUALS,
                ac_cell,
                f"'{wbs}' has progress but no actual cost: earned value without cost",
                f"EV {money_text(ev)}, AC 0",
                "the actual cost of the work done (or cost booked on the wrong element?)",
            )
        if ev > bac + _TOLERANCE:
            add(
                "DQ-EV-ABOVE-BAC",
                _PROGRESS,
                pct_cell,
                f"'{wbs}' has earned more than its budget",
                f"EV {money_text(ev)}",
                f"at most its BAC {money_text(bac)}",
            )
        if ev > _TOLERANCE and pv <= _TOLERANCE:
            add(
                "DQ-EV-NO-PV",
                _PROGRESS,
                pct_cell,
                f"'{wbs}' earned value before any of its budget was planned (started ahead of plan?)",
                f"EV {money_text(ev)}, PV 0",
                "work planned by the status month",
            )
        etc_index = forecast.get(wbs)
        if etc_index is not None:
            i, etc = etc_index
            cell = cells.table_cell(_FORECAST, i, col.ETC)
            if done and etc > _TOLERANCE:
                add(
                    "DQ-ETC-ON-COMPLETE",
                    _FORECAST,
                    cell,
                    f"'{wbs}' is 100 % complete but still has an estimate to complete",
                    f"ETC {money_text(etc)}",
                    "0 for completed work (or a percent complete below 100 %)",
                )
            if not done and etc <= _TOLERANCE:
                add(
                    "DQ-ETC-BELOW-AC",
                    _FORECAST,
                    cell,
                    f"'{wbs}' is {pct_text(ev / bac)} complete but its estimate to complete is 0: the forecast "
                    "is no higher than the actual cost with work still to do",
                    "ETC 0",
                    "the cost of the remaining work",
                )
        if done and abs(ac_month) > _TOLERANCE:
            earlier = prev.loc[wbs] if wbs in prev.index else None
            if earlier is not None and float(np.nan_to_num(earlier[g.EV])) >= bac - _TOLERANCE:
                add(
                    "DQ-AC-AFTER-COMPLETE",
                    _ACTUALS,
                    ac_cell,
                    f"'{wbs}' was complete before {status:%b %Y} and still has actual cost booked in it "
                    "(late invoices, or cost on the wrong element?)",
                    f"{money_text(ac_month)} in {status:%b %Y}",
                    "no cost after completion",
                )
    return out


def _forecast_rows(data: ProjectData) -> dict[str, tuple[int, float]]:
    """WBS element -> (row index in the Forecast frame, ETC)."""
    if data.forecast.empty:
        return {}
    etc = pd.to_numeric(data.forecast[col.ETC], errors="coerce").fillna(0.0)
    return {str(w): (i, float(e)) for i, (w, e) in enumerate(zip(data.forecast[col.WBS], etc, strict=True))}


def _progress_of(data: ProjectData, wbs: str, status: Any) -> float:
    """Cumulative fraction complete of ``wbs`` at the status month (0 when never reported)."""
    p = data.progress
    if p.empty:
        return 0.0
    rows = p[(p[col.WBS] == wbs) & (pd.to_datetime(p[col.MONTH]) <= pd.Timestamp(status))]
    return float(rows.sort_values(col.MONTH)[col.VALUE].iloc[-1]) if len(rows) else 0.0


def _first_rows(data: ProjectData) -> dict[str, tuple[str, ...]]:
    """WBS element -> the key of its first Actuals row (where its cost is named)."""
    out: dict[str, tuple[str, ...]] = {}
    for key, _ in sorted(data.cells.grid_rows.get(_ACTUALS, {}).items(), key=lambda kr: kr[1]):
        out.setdefault(key[0], key)
    return out


def variance_findings(data: ProjectData, variances: pd.DataFrame) -> list[Issue]:
    """One ``DQ-VAR-UNEXPLAINED`` finding per element (the project, a WBS element, a cost
    category) with a threshold breach that the Variances sheet gives no cause for, listing
    each such variance; the cell named is where the next explanation goes."""
    file = Path(data.source).name if data.source else ""
    todo = variances[(variances["status"] == BREACH) & ~variances["explained"].astype(bool)]
    if todo.empty:
        return []
    cell = data.cells.next_cell(_VARIANCES, col.ELEMENT)
    out = []
    for (level, element), group in todo.groupby(["level", "element"], sort=False):
        kinds = list(dict.fromkeys(group["variance_type"]))
        parts = [_breach_text(r) for r in group.to_dict("records")]
        where = "the project" if level == "project" else f"'{element}'"
        verb = "variances of {} are over their thresholds" if len(kinds) > 1 else "variance of {} is over its threshold"
        out.append(
            Issue.of(
                "DQ-VAR-UNEXPLAINED",
                file,
                _VARIANCES,
                cell,
                f"the {_and(kinds)} {verb.format(where)} with no explanation: " + "; ".join(parts),
                "no row with a cause",
                "a row " + _and([f"'{element}' / '{k}'" for k in kinds]) + ", each with cause, impact and action",
            )
        )
    return out


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_SHORT: Final = {g.CV_MONTH: "CV in the month", g.CV: "CV", g.SV_MONTH: "SV in the month", g.SV: "SV", g.VAC: "VAC"}


def _breach_text(r: Mapping[Any, Any]) -> str:
    """``CV -106,300 (-18.2%, unfavourable; limit 25,000 and 5.0%)``."""
    limits = []
    if pd.notna(r["limit_amount"]):
        limits.append(money_text(float(r["limit_amount"])))
    if pd.notna(r["limit_percent"]):
        limits.append(pct_text(float(r["limit_percent"])))
    pct = f"{pct_text(r['percent'], signed=True)}, " if pd.notna(r["percent"]) else ""
    amount = money_text(r["value"], signed=True)
    return f"{_SHORT[r['measure']]} {amount} ({pct}{r['direction']}; limit {' and '.join(limits)})"


def data_quality(data: ProjectData, by_wbs: EvmSeries, variances: pd.DataFrame) -> DataQuality:
    """The reader's findings (``data.warnings``), the EVM integrity findings and the
    unexplained variances of one project."""
    return DataQuality((*data.warnings, *evm_findings(data, by_wbs), *variance_findings(data, variances)))


def check_quality(result: CheckResult, thresholds: VarianceThresholds | None = None) -> CheckResult:
    """``result`` (of :func:`~pmoreports.workbook.reader.check_workbook`) with the EVM integrity
    and variance findings added when the workbook is usable (what ``template check`` prints)."""
    data = result.data
    if data is None or result.errors:
        return result
    project = project_evm(data)
    by_wbs = project_evm(data, (col.WBS,))
    by_category = project_evm(data, (col.CATEGORY,))
    table = variance_table(
        project.at_status(), by_wbs.at_status(), by_category.at_status(), thresholds or VarianceThresholds(), data
    )
    extra = [*evm_findings(data, by_wbs), *variance_findings(data, table)]
    return CheckResult(result.file, [*result.issues, *extra], data)
