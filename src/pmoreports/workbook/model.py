"""The typed in-memory form of one project workbook.

The reader (:mod:`pmoreports.workbook`) produces a :class:`ProjectData`; the
metrics, charts and reports consume it. Frame columns are named by
:mod:`pmoreports.columns`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..errors import Issue
from . import columns as C

__all__ = ["VARIANCE_COLUMNS", "CellIndex", "ProjectData", "ProjectInfo", "empty_variances"]

VARIANCE_COLUMNS = (
    C.ELEMENT,
    C.VARIANCE_TYPE,
    C.CAUSE,
    C.IMPACT,
    C.CORRECTIVE_ACTION,
    C.OWNER,
    C.DUE_DATE,
    C.STATUS,
)
"""Columns of :attr:`ProjectData.variances`, in the Variances sheet's order."""


def empty_variances() -> pd.DataFrame:
    """A variances frame without rows (a workbook with no explanation, or data built in code)."""
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in VARIANCE_COLUMNS})
    frame[C.DUE_DATE] = pd.Series(dtype="datetime64[ns]")
    return frame


@dataclass(frozen=True)
class ProjectInfo:
    """Key/value fields of the Project sheet.

    Months (``baseline_start``, ``baseline_finish``, ``status_date``) are
    normalised to the first day of their month; ``status_date`` is the month
    being reported. Money is in ``currency`` (ISO 4217). ``approved_budget`` is
    the BAC declared on the Project sheet (``None`` when blank), used only to
    cross-check the Budget grid. ``discount_rate`` is an
    annual rate as a fraction (0.08 = 8 %), or ``None`` when not given.
    """

    project_id: str
    name: str
    manager: str
    sponsor: str
    programme: str
    currency: str
    baseline_start: dt.date
    baseline_finish: dt.date
    status_date: dt.date
    approved_budget: float | None
    contingency: float
    management_reserve: float
    discount_rate: float | None
    executive_summary: str
    accomplishments: str
    next_steps: str
    overall_comment: str


@dataclass
class ProjectData:
    """A project read from its workbook: fields, tidy frames and warnings.

    Frames (columns from :mod:`pmoreports.columns`):

    - ``budget``: wbs, category, month, value -- planned cost in that month (PV, not cumulative)
    - ``actuals``: wbs, category, month, value -- actual cost incurred in that month (AC)
    - ``progress``: wbs, month, value -- cumulative fraction complete at month end (0-1)
    - ``forecast``: wbs, etc, comment -- optional bottom-up estimate to complete
    - ``changes``: change_id, raised, title, type, status, cost_impact,
      schedule_impact_days, decided_on
    - ``risks``: risk_id, title, category, probability, cost_impact,
      schedule_impact_days, owner, response, status
    - ``milestones``: milestone, baseline_date, forecast_date, actual_date
    - ``benefits``: period (calendar year, int), expected_benefit, other_costs
    - ``variances``: element, variance_type, cause, impact, corrective_action, owner,
      due_date, status -- explanations of variances (the Variances sheet, template 1.1)

    ``cells`` says where values sit in the workbook read (empty for data built in code),
    so that checks made later name the cell.
    """

    info: ProjectInfo
    budget: pd.DataFrame
    actuals: pd.DataFrame
    progress: pd.DataFrame
    forecast: pd.DataFrame
    changes: pd.DataFrame
    risks: pd.DataFrame
    milestones: pd.DataFrame
    benefits: pd.DataFrame
    variances: pd.DataFrame = field(default_factory=empty_variances)
    template_version: str = ""
    source: str = ""
    warnings: list[Issue] = field(default_factory=list)
    cells: CellIndex = field(default_factory=lambda: CellIndex())


@dataclass(frozen=True)
class CellIndex:
    """Where the values of a read workbook sit, for findings that name a cell.

    - ``grid_rows``: sheet -> row key (``(wbs, category)`` or ``(wbs,)``) -> 1-based row;
    - ``grid_columns``: sheet -> month (first of month) -> column letters;
    - ``table_rows``: sheet -> 1-based row of each record, in the frame's order;
    - ``table_columns``: sheet -> field key -> column letters;
    - ``next_rows``: sheet -> the first row after its records (where a new record goes).

    Every lookup gives ``""`` when the position is not known (data built in code).
    """

    grid_rows: Mapping[str, Mapping[tuple[str, ...], int]] = field(default_factory=dict)
    grid_columns: Mapping[str, Mapping[dt.date, str]] = field(default_factory=dict)
    table_rows: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    table_columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    next_rows: Mapping[str, int] = field(default_factory=dict)

    def grid_cell(self, sheet: str, key: tuple[str, ...], month: dt.date | None = None) -> str:
        """``F14`` of row ``key`` in ``month`` (``A14``, the label, without a month); ``""`` if unknown."""
        row = self.grid_rows.get(sheet, {}).get(key)
        if row is None:
            return ""
        column = "A" if month is None else self.grid_columns.get(sheet, {}).get(month.replace(day=1))
        return f"{column}{row}" if column else ""

    def table_cell(self, sheet: str, index: int, key: str) -> str:
        """Cell of field ``key`` in the ``index``-th record (0-based, frame order); ``""`` if unknown."""
        rows = self.table_rows.get(sheet, ())
        column = self.table_columns.get(sheet, {}).get(key)
        return f"{column}{rows[index]}" if column and 0 <= index < len(rows) else ""

    def next_cell(self, sheet: str, key: str) -> str:
        """Cell of field ``key`` in the first free row of a table sheet; ``""`` if unknown."""
        row = self.next_rows.get(sheet)
        column = self.table_columns.get(sheet, {}).get(key)
        return f"{column}{row}" if row and column else ""
