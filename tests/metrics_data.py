"""Hand-built ProjectData for the metrics tests (the workbook reader is written elsewhere).

``make_project`` takes plain Python lists/dicts and returns a
:class:`pmoreports.workbook.model.ProjectData` with the tidy frames the reader produces.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pmoreports.workbook import columns as col
from pmoreports.workbook.model import ProjectData, ProjectInfo

CHANGE_COLUMNS = [
    col.CHANGE_ID, col.RAISED, col.TITLE, col.TYPE, col.STATUS,
    col.COST_IMPACT, col.SCHEDULE_IMPACT_DAYS, col.DECIDED_ON,
]  # fmt: skip
RISK_COLUMNS = [
    col.RISK_ID, col.TITLE, col.CATEGORY, col.PROBABILITY, col.COST_IMPACT,
    col.SCHEDULE_IMPACT_DAYS, col.OWNER, col.RESPONSE, col.STATUS,
]  # fmt: skip
MILESTONE_COLUMNS = [col.MILESTONE, col.BASELINE_DATE, col.FORECAST_DATE, col.ACTUAL_DATE]
BENEFIT_COLUMNS = [col.PERIOD, col.EXPECTED_BENEFIT, col.OTHER_COSTS]


def months(start: str, n: int) -> list[pd.Timestamp]:
    """``n`` month-start timestamps from ``start``."""
    return list(pd.date_range(start, periods=n, freq="MS"))


def grid(rows: Mapping[tuple[str, str], Sequence[float]], start: str) -> pd.DataFrame:
    """Long (wbs, category, month, value) frame from {(wbs, category): [monthly values]}."""
    records = [
        {col.WBS: w, col.CATEGORY: c, col.MONTH: m, col.VALUE: float(v)}
        for (w, c), values in rows.items()
        for m, v in zip(months(start, len(values)), values, strict=True)
    ]
    return pd.DataFrame(records, columns=[col.WBS, col.CATEGORY, col.MONTH, col.VALUE])


def progress(rows: Mapping[str, Sequence[float | None]], start: str) -> pd.DataFrame:
    """Long (wbs, month, value) frame; ``None`` entries are months without a report."""
    records = [
        {col.WBS: w, col.MONTH: m, col.VALUE: float(v)}
        for w, values in rows.items()
        for m, v in zip(months(start, len(values)), values, strict=True)
        if v is not None
    ]
    return pd.DataFrame(records, columns=[col.WBS, col.MONTH, col.VALUE])


def info(**overrides: Any) -> ProjectInfo:
    """A ProjectInfo with sensible defaults."""
    fields: dict[str, Any] = {
        "project_id": "P1",
        "name": "Test project",
        "manager": "Pat",
        "sponsor": "Sam",
        "programme": "Prog A",
        "currency": "EUR",
        "baseline_start": dt.date(2024, 1, 1),
        "baseline_finish": dt.date(2024, 4, 1),
        "status_date": dt.date(2024, 3, 1),
        "contingency": 0.0,
        "management_reserve": 0.0,
        "discount_rate": None,
        "executive_summary": "",
        "accomplishments": "",
        "next_steps": "",
    }
    fields.update(overrides)
    # The reader's model is still evolving: keep only its fields, default others to None.
    names = {f.name for f in dataclasses.fields(ProjectInfo)}
    known = {k: v for k, v in fields.items() if k in names}
    return ProjectInfo(**{name: known.get(name) for name in names})


def make_project(
    budget: pd.DataFrame,
    actuals: pd.DataFrame,
    progress_frame: pd.DataFrame,
    *,
    forecast: pd.DataFrame | None = None,
    changes: Sequence[Sequence[Any]] = (),
    risks: Sequence[Sequence[Any]] = (),
    milestones: Sequence[Sequence[Any]] = (),
    benefits: Sequence[Sequence[Any]] = (),
    **info_overrides: Any,
) -> ProjectData:
    """A ProjectData from frames and row lists (columns in the reader's order)."""
    return ProjectData(
        info=info(**info_overrides),
        budget=budget,
        actuals=actuals,
        progress=progress_frame,
        forecast=forecast if forecast is not None else pd.DataFrame(columns=[col.WBS, col.ETC, col.COMMENT]),
        changes=pd.DataFrame(list(changes), columns=CHANGE_COLUMNS),
        risks=pd.DataFrame(list(risks), columns=RISK_COLUMNS),
        milestones=pd.DataFrame(list(milestones), columns=MILESTONE_COLUMNS),
        benefits=pd.DataFrame(list(benefits), columns=BENEFIT_COLUMNS),
    )


def fence_project(**overrides: Any) -> ProjectData:
    """The four-sided fence of the PMP exam example (one side per 'month', 1,000 each).

    Status at the end of side 3: sides 1-2 complete (spent 1,000 and 1,200), side 3
    half done (spent 600), side 4 not started.
    """
    start = "2024-01-01"
    budget = grid(
        {
            ("S1", "Labour"): [1000, 0, 0, 0],
            ("S2", "Labour"): [0, 1000, 0, 0],
            ("S3", "Labour"): [0, 0, 1000, 0],
            ("S4", "Labour"): [0, 0, 0, 1000],
        },
        start,
    )
    actuals = grid(
        {
            ("S1", "Labour"): [1000, 0, 0],
            ("S2", "Labour"): [0, 1200, 0],
            ("S3", "Labour"): [0, 0, 600],
        },
        start,
    )
    prog = progress({"S1": [1.0, 1.0, 1.0], "S2": [0.0, 1.0, 1.0], "S3": [0.0, 0.0, 0.5]}, start)
    return make_project(budget, actuals, prog, **overrides)
