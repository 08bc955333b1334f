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
from openpyxl.utils import get_column_letter

from ..errors import Issue

__all__ = ["CellIndex", "ProjectData", "ProjectInfo"]


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


def _a1(row: int, col: int) -> str:
    return f"{get_column_letter(col + 1)}{row + 1}"


@dataclass(frozen=True)
class CellIndex:
    """Where the reader found each input, so a finding about a value can name its cell.

    Rows and columns are 0-based sheet indices; the methods return A1 references
    (``F14``), or ``""`` when the value has no cell (data not read from a workbook, a
    row or month column that is not there). Keys are the sheet names of the schema:

    - ``grid_rows[sheet][key]``: the row of a grid row key (``(wbs, category)`` on Budget
      and Actuals, ``(wbs,)`` on Progress); ``grid_cols[sheet][month]``: a month's column;
    - ``table_rows[sheet][i]``: the row of the table's ``i``-th record (the frame's order);
      ``table_cols[sheet][field]``: a field's column;
    - ``field_rows[field]``: the row of a Project-sheet field (its value is in column B).
    """

    grid_rows: Mapping[str, Mapping[tuple[str, ...], int]] = field(default_factory=dict)
    grid_cols: Mapping[str, Mapping[dt.date, int]] = field(default_factory=dict)
    table_rows: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    table_cols: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    field_rows: Mapping[str, int] = field(default_factory=dict)

    def grid(self, sheet: str, key: tuple[str, ...], month: dt.date | None = None) -> str:
        """The cell of ``key`` x ``month`` on a grid sheet; its row label cell when ``month`` is None."""
        row = self.grid_rows.get(sheet, {}).get(key)
        col = 0 if month is None else self.grid_cols.get(sheet, {}).get(month)
        return "" if row is None or col is None else _a1(row, col)

    def table(self, sheet: str, index: int, key: str) -> str:
        """The cell of field ``key`` in the ``index``-th record of a table sheet."""
        rows, col = self.table_rows.get(sheet, ()), self.table_cols.get(sheet, {}).get(key)
        return _a1(rows[index], col) if col is not None and 0 <= index < len(rows) else ""

    def field(self, key: str) -> str:
        """The value cell of a Project-sheet field."""
        row = self.field_rows.get(key)
        return "" if row is None else _a1(row, 1)


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

    ``cells`` says where each value was read (empty when the data was not read from a file).
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
    template_version: str = ""
    source: str = ""
    warnings: list[Issue] = field(default_factory=list)
    cells: CellIndex = field(default_factory=CellIndex)
