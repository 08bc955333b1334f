"""The typed in-memory form of one project workbook.

The reader (:mod:`pmoreports.workbook`) produces a :class:`ProjectData`; the
metrics, charts and reports consume it. Frame columns are named by
:mod:`pmoreports.columns`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..errors import Issue

__all__ = ["ProjectData", "ProjectInfo"]


@dataclass(frozen=True)
class ProjectInfo:
    """Key/value fields of the Project sheet.

    Months (``baseline_start``, ``baseline_finish``, ``status_date``) are
    normalised to the first day of their month; ``status_date`` is the month
    being reported. Money is in ``currency`` (ISO 4217). ``approved_budget`` is
    the BAC declared on the Project sheet (``None`` when blank), used only to
    cross-check the Budget grid. ``discount_rate`` is an
    annual rate as a fraction (0.08 = 8 %), or ``None`` when not given.

    The KPI fields are optional (``None`` / ``""`` when not given): ``contract_value`` is
    the revenue of a client project (money); ``customer_satisfaction`` and
    ``team_satisfaction`` are survey scores on ``satisfaction_scale`` (``"1-5"``...).
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
    contract_value: float | None = None
    customer_satisfaction: float | None = None
    team_satisfaction: float | None = None
    satisfaction_scale: str = ""


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
    - ``benefits``: period (calendar year, int), expected_benefit, other_costs (and
      project_cost in a business-case workbook)

    ``kind`` is the template kind the workbook was made from
    (:data:`pmoreports.workbook.kinds.KINDS`; ``"project"`` for the full workbook): the
    frames of sheets a kind does not have are empty.
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
    kind: str = "project"
    warnings: list[Issue] = field(default_factory=list)
