"""Column names of the tidy pandas frames produced by the workbook reader.

These are the only spellings of frame column names in the package: the schema
maps them to spreadsheet headers, metrics and reports refer to them through
these constants.

Conventions: ``MONTH`` holds month-start ``pandas.Timestamp`` values; money is
in the project's currency (float); ``VALUE`` in the progress frame is the
cumulative fraction complete at month end (0.0-1.0, not percent).
"""

from __future__ import annotations

from typing import Final

# Grids (Budget, Actuals, Progress) in long form
WBS: Final = "wbs"
CATEGORY: Final = "category"
MONTH: Final = "month"
VALUE: Final = "value"

# Forecast
ETC: Final = "etc"
COMMENT: Final = "comment"

# Changes
CHANGE_ID: Final = "change_id"
RAISED: Final = "raised"
TITLE: Final = "title"
TYPE: Final = "type"
STATUS: Final = "status"
COST_IMPACT: Final = "cost_impact"
SCHEDULE_IMPACT_DAYS: Final = "schedule_impact_days"
DECIDED_ON: Final = "decided_on"

# Risks
RISK_ID: Final = "risk_id"
PROBABILITY: Final = "probability"
OWNER: Final = "owner"
RESPONSE: Final = "response"

# Milestones
MILESTONE: Final = "milestone"
BASELINE_DATE: Final = "baseline_date"
FORECAST_DATE: Final = "forecast_date"
ACTUAL_DATE: Final = "actual_date"

# Benefits
PERIOD: Final = "period"
EXPECTED_BENEFIT: Final = "expected_benefit"
OTHER_COSTS: Final = "other_costs"

# Variances (explanations)
ELEMENT: Final = "element"
VARIANCE_TYPE: Final = "variance_type"
CAUSE: Final = "cause"
IMPACT: Final = "impact"
CORRECTIVE_ACTION: Final = "corrective_action"
DUE_DATE: Final = "due_date"

# Roll-up keys
PROJECT: Final = "project"
PROGRAMME: Final = "programme"
