"""Next month's workbook: a filled workbook rolled forward one month for its project manager.

:func:`roll_forward` keeps everything the workbook holds (plan, actuals, progress,
forecast, changes, risks, milestones, benefits, variance explanations: open risks,
pending changes and unachieved milestones are carried as they are) and moves the status
date to the next month (or to a given later month). :func:`write_next_workbook` writes
it with the writer of its kind (:mod:`pmoreports.workbook.gallery`), adds a month column
when the new status month is after the last one, and locks the actual-cost and progress
cells of the months already reported (sheet protection without a password, so that a
deliberate correction stays possible: Review > Unprotect Sheet; the corrected month then
shows as a restatement).

Variance explanations still to write (one row per threshold breach that has none, from
:func:`pmoreports.metrics.variances.unexplained_breaches`) come in as ``variances`` rows:
this stage does not compute metrics (imports point one way only), the caller does
(:mod:`pmoreports.pipeline.handout`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import PatternFill, Protection

from ..errors import PmoError
from . import columns as C
from .model import VARIANCE_COLUMNS, ProjectData
from .schema import SCHEMA
from .template import Layout

__all__ = ["LOCKED_FILL", "NextWorkbook", "next_month", "roll_forward", "write_next_workbook"]

LOCKED_FILL = "EDEDED"
"""Background of the locked cells of months already reported (light grey)."""


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after ``month``."""
    return (pd.Timestamp(month.replace(day=1)) + pd.DateOffset(months=1)).date()


@dataclass(frozen=True)
class NextWorkbook:
    """One written workbook: where, for which project and manager, the new status month,
    the months locked (already reported), the variance rows added and the layout written."""

    path: Path
    project_id: str
    name: str
    manager: str
    kind: str
    period: dt.date
    locked_through: dt.date
    variance_rows: int
    layout: Layout | None = field(default=None, compare=False, repr=False)


def roll_forward(
    data: ProjectData, period: dt.date | None = None, variances: pd.DataFrame | Sequence[Mapping[str, Any]] = ()
) -> ProjectData:
    """``data`` as next month's workbook holds it: status date ``period`` (default: the month
    after the status date; it must be later than the status month), and the ``variances`` rows
    (Variances-sheet field keys; missing keys blank) appended to the explanations kept, except
    those whose element and type already have a row."""
    status = data.info.status_date.replace(day=1)
    target = next_month(status) if period is None else period.replace(day=1)
    if target <= status:
        raise PmoError(
            f"{Path(data.source).name or data.info.project_id}: the next month must be after the status month "
            f"{status:%Y-%m} (found {target:%Y-%m})"
        )
    info = dataclasses.replace(data.info, status_date=target)
    return dataclasses.replace(data, info=info, variances=_with_rows(data.variances, variances))


def _with_rows(kept: pd.DataFrame, rows: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    new = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if new.empty:
        return kept
    new = new.reindex(columns=list(VARIANCE_COLUMNS))
    have = {(str(e), str(t)) for e, t in zip(kept[C.ELEMENT], kept[C.VARIANCE_TYPE], strict=True)}
    fresh = new[[(str(e), str(t)) not in have for e, t in zip(new[C.ELEMENT], new[C.VARIANCE_TYPE], strict=True)]]
    if fresh.empty:
        return kept
    if kept.empty:
        return fresh.reset_index(drop=True)
    return pd.concat([kept, fresh.astype(kept.dtypes.to_dict(), errors="ignore")], ignore_index=True)


def write_next_workbook(
    path: Path,
    data: ProjectData,
    period: dt.date | None = None,
    variances: pd.DataFrame | Sequence[Mapping[str, Any]] = (),
) -> NextWorkbook:
    """Write next month's workbook of ``data`` (any gallery kind) to ``path``; see the module
    docstring. Returns what was written."""
    from .gallery import write_kind_workbook

    reported = data.info.status_date.replace(day=1)
    rolled = roll_forward(data, period, variances)
    target = rolled.info.status_date

    def lock(wb: Workbook, layout: Layout) -> None:
        _lock_reported(wb, layout, reported)

    note = (
        f"Next month's workbook: report {target:%B %Y}. The Actuals and Progress cells of the months "
        f"through {reported:%B %Y} are locked (grey), as reported; to correct one on purpose, use Review > "
        "Unprotect Sheet (no password): the report then shows the change as a restatement."
    )
    layout = write_kind_workbook(path, rolled, months=(target,), prepare=lock, notes=(note,))
    info = rolled.info
    return NextWorkbook(
        path=path,
        project_id=info.project_id,
        name=info.name,
        manager=info.manager,
        kind=data.kind,
        period=target,
        locked_through=reported,
        variance_rows=len(rolled.variances) - len(data.variances),
        layout=layout,
    )


def _lock_reported(wb: Workbook, layout: Layout, through: dt.date) -> None:
    """Lock the Actuals and Progress cells of the months up to ``through`` (greyed)."""
    fill = PatternFill("solid", start_color=LOCKED_FILL, end_color=LOCKED_FILL)
    for grid in (SCHEMA.actuals, SCHEMA.progress):
        where = layout.sheets.get(grid.name)
        if where is None or not where.first_month_col:
            continue
        ws = wb[grid.name]
        for offset, month in enumerate(layout.months):
            if month is None or month > through:
                continue
            column = where.first_month_col + offset
            for row in range(where.first_row, where.last_row + 1):
                cell = ws.cell(row=row, column=column)
                cell.protection = Protection(locked=True)
                cell.fill = fill
