"""Plain-language vocabulary of the metrics: keys, units, reason codes, explanations.

This module is the single registry used by the reports and the README:

- metric keys (``CPI``, ``SPI_T``...): the names of the series columns and of the
  status-date :class:`~pmoreports.evm.Metric` records;
- units (``MONEY``, ``INDEX``...);
- reason codes (``AC_ZERO``...): why a metric is undefined, with
  :data:`REASON_TEXT` giving the words a sponsor can read;
- :data:`GLOSSARY`: name, formula, unit and "what good looks like" per metric key.

Nothing here computes anything; the module has no dependency inside the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "AC",
    "ACTUAL_TO_DATE",
    "AC_AT_OR_ABOVE_BAC",
    "AC_MONTH",
    "AC_ZERO",
    "AFTER_STATUS_DATE",
    "APPROVED_CHANGES_COST",
    "AT",
    "AT_ZERO",
    "BAC",
    "BAC_ZERO",
    "BCR",
    "BUDGET_TO_DATE",
    "BURN_RATE",
    "BURN_ZERO",
    "BUSINESS_CASE_AT_EAC",
    "CONTINGENCY",
    "CONTINGENCY_MINUS_EXPOSURE",
    "CONTINGENCY_REMAINING",
    "COST_ZERO",
    "COUNT",
    "CPI",
    "CPI_3",
    "CPI_6",
    "CV",
    "CV_MONTH",
    "CV_MONTH_PCT",
    "CV_PCT",
    "DATA_QUALITY_SCORE",
    "DATE",
    "DAYS",
    "DELTA_AC_ZERO",
    "DISCOUNTED_PAYBACK",
    "DISCOUNT_RATE",
    "EAC",
    "EAC_AT_OR_BELOW_AC",
    "EAC_BOTTOM_UP",
    "EAC_BUDGET_RATE",
    "EAC_COMPOSITE",
    "EAC_CPI",
    "EAC_CPI_3",
    "EAC_CPI_6",
    "EAC_CPI_SPI",
    "EAC_FORECAST_GAP",
    "EAC_RANGE_MAX",
    "EAC_RANGE_MIN",
    "EAC_RANGE_SPREAD",
    "ES",
    "ES_ZERO",
    "ETC",
    "EV",
    "EV_MONTH",
    "EV_MONTH_ZERO",
    "EV_ZERO",
    "EXPECTED_VALUE",
    "EXPOSURE_COVERAGE",
    "FEWER_MONTHS",
    "FORECAST_FINISH",
    "FRACTION",
    "GLOSSARY",
    "IEAC_T",
    "INDEX",
    "INDEX_NOT_POSITIVE",
    "IRR",
    "IRR_NOT_FOUND",
    "MANAGEMENT_RESERVE",
    "METRIC_UNITS",
    "MONEY",
    "MONTHS",
    "MONTHS_OF_BUDGET_LEFT",
    "NOT_FINITE",
    "NOT_PAID_BACK",
    "NO_BASELINE",
    "NO_CASH_FLOWS",
    "NO_DISCOUNT_RATE",
    "NO_EAC",
    "NO_FORECAST",
    "NO_INDEPENDENT_EAC",
    "NO_OPEN_EXPOSURE",
    "NO_SIGN_CHANGE",
    "NPV",
    "OPEN_EXPOSURE",
    "OPEN_RISKS",
    "PAST_PLANNED_FINISH",
    "PAYBACK",
    "PCT_COMPLETE",
    "PCT_SCHEDULED",
    "PCT_SPENT",
    "PD",
    "PROBABILITY_UNRECOGNISED",
    "PROPOSED_CHANGES_COST",
    "PV",
    "PV_MONTH",
    "PV_MONTH_ZERO",
    "PV_ZERO",
    "REALISED_RISKS_COST",
    "REASON_TEXT",
    "REJECTED_CHANGES_COST",
    "REMAINING_BUDGET",
    "ROI",
    "SLIPPAGE_DAYS",
    "SPEND_VARIANCE",
    "SPEND_VARIANCE_PCT",
    "SPI",
    "SPI_T",
    "SV",
    "SV_MONTH",
    "SV_MONTH_PCT",
    "SV_PCT",
    "SV_T",
    "TCPI_BAC",
    "TCPI_EAC",
    "TCPI_FORECAST",
    "TCPI_GAP_BAC",
    "TCPI_GAP_FORECAST",
    "TOTAL_BENEFITS",
    "TOTAL_COSTS",
    "TSPI",
    "VAC",
    "VAC_PCT",
    "WORK_COMPLETE",
    "YEARS",
    "GlossaryEntry",
    "explain",
    "glossary_markdown",
    "reason_text",
]

# --- units -------------------------------------------------------------------
MONEY: Final = "money"
"""An amount in the project's currency."""
INDEX: Final = "index"
"""A dimensionless ratio where 1.00 means "exactly as planned"."""
FRACTION: Final = "fraction"
"""A share stored as a fraction (0.05 = 5 %); reports format it as a percentage."""
MONTHS: Final = "months"
DAYS: Final = "days"
YEARS: Final = "years"
COUNT: Final = "count"
DATE: Final = "date"

# --- earned value metric keys (= series column names) ------------------------
PV: Final = "pv"
EV: Final = "ev"
AC: Final = "ac"
PV_MONTH: Final = "pv_month"
EV_MONTH: Final = "ev_month"
AC_MONTH: Final = "ac_month"
BAC: Final = "bac"
CV: Final = "cv"
SV: Final = "sv"
CV_PCT: Final = "cv_pct"
SV_PCT: Final = "sv_pct"
CPI: Final = "cpi"
SPI: Final = "spi"
PCT_COMPLETE: Final = "pct_complete"
PCT_SPENT: Final = "pct_spent"
PCT_SCHEDULED: Final = "pct_scheduled"
EAC_CPI: Final = "eac_cpi"
EAC_BUDGET_RATE: Final = "eac_budget_rate"
EAC_CPI_SPI: Final = "eac_cpi_spi"
EAC_BOTTOM_UP: Final = "eac_bottom_up"
EAC: Final = "eac"
ETC: Final = "etc"
VAC: Final = "vac"
VAC_PCT: Final = "vac_pct"
TCPI_BAC: Final = "tcpi_bac"
TCPI_EAC: Final = "tcpi_eac"
# --- earned schedule ---------------------------------------------------------
ES: Final = "es"
AT: Final = "at"
PD: Final = "pd"
SV_T: Final = "sv_t"
SPI_T: Final = "spi_t"
TSPI: Final = "tspi"
IEAC_T: Final = "ieac_t"
FORECAST_FINISH: Final = "forecast_finish"
# --- other metrics -----------------------------------------------------------
BURN_RATE: Final = "burn_rate"
MONTHS_OF_BUDGET_LEFT: Final = "months_of_budget_left"
EXPECTED_VALUE: Final = "expected_value"
OPEN_EXPOSURE: Final = "open_exposure"
EXPOSURE_COVERAGE: Final = "exposure_coverage"
SLIPPAGE_DAYS: Final = "slippage_days"
NPV: Final = "npv"
IRR: Final = "irr"
ROI: Final = "roi"
PAYBACK: Final = "payback"
DISCOUNTED_PAYBACK: Final = "discounted_payback"
BCR: Final = "bcr"
BUDGET_TO_DATE: Final = "budget_to_date"
ACTUAL_TO_DATE: Final = "actual_to_date"
SPEND_VARIANCE: Final = "spend_variance"
SPEND_VARIANCE_PCT: Final = "spend_variance_pct"
REMAINING_BUDGET: Final = "remaining_budget"
CONTINGENCY: Final = "contingency"
MANAGEMENT_RESERVE: Final = "management_reserve"
APPROVED_CHANGES_COST: Final = "approved_changes_cost"
PROPOSED_CHANGES_COST: Final = "proposed_changes_cost"
REJECTED_CHANGES_COST: Final = "rejected_changes_cost"
REALISED_RISKS_COST: Final = "realised_risks_cost"
CONTINGENCY_REMAINING: Final = "contingency_remaining"
CONTINGENCY_MINUS_EXPOSURE: Final = "contingency_minus_exposure"
OPEN_RISKS: Final = "open_risks"
TOTAL_BENEFITS: Final = "total_benefits"
TOTAL_COSTS: Final = "total_costs"
DISCOUNT_RATE: Final = "discount_rate"
# --- variance analysis and forecast realism ------------------------------------
CV_MONTH: Final = "cv_month"
SV_MONTH: Final = "sv_month"
CV_MONTH_PCT: Final = "cv_month_pct"
SV_MONTH_PCT: Final = "sv_month_pct"
CPI_3: Final = "cpi_3"
CPI_6: Final = "cpi_6"
EAC_CPI_3: Final = "eac_cpi_3"
EAC_CPI_6: Final = "eac_cpi_6"
EAC_COMPOSITE: Final = "eac_composite"
EAC_RANGE_MIN: Final = "eac_range_min"
EAC_RANGE_MAX: Final = "eac_range_max"
EAC_RANGE_SPREAD: Final = "eac_range_spread"
EAC_FORECAST_GAP: Final = "eac_forecast_gap"
TCPI_FORECAST: Final = "tcpi_forecast"
TCPI_GAP_BAC: Final = "tcpi_gap_bac"
TCPI_GAP_FORECAST: Final = "tcpi_gap_forecast"
BUSINESS_CASE_AT_EAC: Final = "business_case_at_eac"
DATA_QUALITY_SCORE: Final = "data_quality_score"

# --- reason codes: why a value is undefined ----------------------------------
AFTER_STATUS_DATE: Final = "after_status_date"
BAC_ZERO: Final = "bac_zero"
AC_ZERO: Final = "ac_zero"
PV_ZERO: Final = "pv_zero"
EV_ZERO: Final = "ev_zero"
ES_ZERO: Final = "es_zero"
AT_ZERO: Final = "at_zero"
WORK_COMPLETE: Final = "work_complete"
AC_AT_OR_ABOVE_BAC: Final = "ac_at_or_above_bac"
EAC_AT_OR_BELOW_AC: Final = "eac_at_or_below_ac"
PAST_PLANNED_FINISH: Final = "past_planned_finish"
NO_FORECAST: Final = "no_forecast"
BURN_ZERO: Final = "burn_zero"
NO_OPEN_EXPOSURE: Final = "no_open_exposure"
PROBABILITY_UNRECOGNISED: Final = "probability_unrecognised"
NO_BASELINE: Final = "no_baseline"
NO_DISCOUNT_RATE: Final = "no_discount_rate"
NO_SIGN_CHANGE: Final = "no_sign_change"
IRR_NOT_FOUND: Final = "irr_not_found"
NOT_PAID_BACK: Final = "not_paid_back"
COST_ZERO: Final = "cost_zero"
NOT_FINITE: Final = "not_finite"
NO_CASH_FLOWS: Final = "no_cash_flows"
EV_MONTH_ZERO: Final = "ev_month_zero"
PV_MONTH_ZERO: Final = "pv_month_zero"
FEWER_MONTHS: Final = "fewer_months"
DELTA_AC_ZERO: Final = "delta_ac_zero"
INDEX_NOT_POSITIVE: Final = "index_not_positive"
NO_INDEPENDENT_EAC: Final = "no_independent_eac"
NO_EAC: Final = "no_eac"

REASON_TEXT: Final[dict[str, str]] = {
    AFTER_STATUS_DATE: "this month is after the status date, so there is no actual data yet",
    BAC_ZERO: "there is no budget (BAC = 0), so nothing can be measured against it",
    AC_ZERO: "no actual cost has been recorded yet (AC = 0)",
    PV_ZERO: "no work was planned by this date yet (PV = 0)",
    EV_ZERO: "no work has been earned yet (EV = 0)",
    ES_ZERO: "no schedule has been earned yet (ES = 0)",
    AT_ZERO: "the status date is before the start of the work",
    WORK_COMPLETE: "all planned work is complete, so there is nothing left to perform",
    AC_AT_OR_ABOVE_BAC: ("actual cost has already reached the budget (AC >= BAC): the budget can no longer be met"),
    EAC_AT_OR_BELOW_AC: ("the estimate at completion is not above the cost already incurred (EAC <= AC)"),
    PAST_PLANNED_FINISH: "the planned finish date has already passed",
    NO_FORECAST: "no bottom-up estimate to complete was given in the Forecast sheet",
    BURN_ZERO: "no cost was incurred in the recent months, so there is no spending rate",
    NO_OPEN_EXPOSURE: "there is no open risk exposure to compare with",
    PROBABILITY_UNRECOGNISED: ("the probability is not a 1-5 score, a fraction between 0 and 1 or a percentage"),
    NO_BASELINE: "the milestone has no baseline date",
    NO_DISCOUNT_RATE: "no discount rate was given for the project",
    NO_SIGN_CHANGE: ("the cash flows never change sign (all costs or all benefits), so there is no IRR"),
    IRR_NOT_FOUND: "no internal rate of return could be found for these cash flows",
    NOT_PAID_BACK: "the cumulative cash flow never becomes positive within the plan",
    COST_ZERO: "there are no costs to compare the benefits with",
    NOT_FINITE: "the value is too large to show (a division by an almost-zero amount)",
    NO_CASH_FLOWS: "there are no cash flows (no benefits and no costs)",
    EV_MONTH_ZERO: "no work was earned in the month (EV in the month <= 0)",
    PV_MONTH_ZERO: "no work was planned in the month (PV in the month = 0)",
    FEWER_MONTHS: "the work has not run for as many months as the average needs",
    DELTA_AC_ZERO: "no net actual cost over those months (AC did not grow)",
    INDEX_NOT_POSITIVE: "the performance index used is zero or negative (no net work earned)",
    NO_INDEPENDENT_EAC: "no independent estimate at completion could be computed",
    NO_EAC: "there is no estimate at completion to recompute the business case with",
}


def reason_text(code: str | None) -> str:
    """Plain words for a reason code (``""`` for ``None``; the code itself if unknown)."""
    if code is None:
        return ""
    return REASON_TEXT.get(code, code)


@dataclass(frozen=True)
class GlossaryEntry:
    """How to read one metric: what it is, how it is computed, what good looks like."""

    key: str
    name: str
    formula: str
    unit: str
    good: str
    meaning: str


def _e(key: str, name: str, formula: str, unit: str, good: str, meaning: str) -> GlossaryEntry:
    return GlossaryEntry(key, name, formula, unit, good, meaning)


_ENTRIES: Final = (
    _e(
        PV,
        "Planned value (PV)",
        "sum of the budgeted cost of the months up to the date",
        MONEY,
        "equal to EV",
        "How much work, in money, the plan said would be done by now.",
    ),
    _e(
        EV,
        "Earned value (EV)",
        "BAC of each WBS element x its percent complete, summed",
        MONEY,
        "at or above PV",
        "The budget value of the work actually done.",
    ),
    _e(
        AC,
        "Actual cost (AC)",
        "sum of the actual cost of the months up to the date",
        MONEY,
        "at or below EV",
        "What the work done so far has really cost.",
    ),
    _e(
        PV_MONTH,
        "Planned value in the month",
        "budgeted cost of that month",
        MONEY,
        "close to EV in the month",
        "The plan's spending for one month.",
    ),
    _e(
        EV_MONTH,
        "Earned value in the month",
        "EV at month end - EV at the previous month end",
        MONEY,
        "close to PV in the month",
        "The value of the work done in one month.",
    ),
    _e(
        AC_MONTH,
        "Actual cost in the month",
        "actual cost of that month",
        MONEY,
        "close to EV in the month",
        "What was spent in one month.",
    ),
    _e(
        BAC,
        "Budget at completion (BAC)",
        "sum of the whole time-phased budget",
        MONEY,
        "stable",
        "The total approved budget for the work.",
    ),
    _e(
        CV,
        "Cost variance (CV)",
        "EV - AC",
        MONEY,
        "zero or positive",
        "Negative means the work done cost more than its budget.",
    ),
    _e(
        SV,
        "Schedule variance (SV)",
        "EV - PV",
        MONEY,
        "zero or positive",
        "Negative means less work was done than planned (in money terms).",
    ),
    _e(
        CV_PCT,
        "Cost variance %",
        "CV / EV",
        FRACTION,
        "zero or positive",
        "The cost variance relative to the work done.",
    ),
    _e(
        SV_PCT,
        "Schedule variance %",
        "SV / PV",
        FRACTION,
        "zero or positive",
        "The schedule variance relative to the work planned.",
    ),
    _e(
        CPI,
        "Cost performance index (CPI)",
        "EV / AC",
        INDEX,
        "1.00 or more",
        "Value earned per unit of money spent: 0.90 means 90 cents of work per dollar.",
    ),
    _e(
        SPI,
        "Schedule performance index (SPI)",
        "EV / PV",
        INDEX,
        "1.00 or more",
        "Work done relative to work planned. Tends to 1.00 at the end even for a late project; prefer SPI(t).",
    ),
    _e(
        PCT_COMPLETE,
        "Percent complete",
        "EV / BAC",
        FRACTION,
        "close to percent scheduled",
        "Share of the total work that is done.",
    ),
    _e(
        PCT_SPENT,
        "Percent spent",
        "AC / BAC",
        FRACTION,
        "at or below percent complete",
        "Share of the total budget already spent.",
    ),
    _e(
        PCT_SCHEDULED,
        "Percent scheduled",
        "PV / BAC",
        FRACTION,
        "close to percent complete",
        "Share of the total work the plan expected by now.",
    ),
    _e(
        EAC_CPI,
        "Estimate at completion, cost trend (EAC)",
        "BAC / CPI",
        MONEY,
        "at or below BAC",
        "Forecast final cost if the cost efficiency so far continues.",
    ),
    _e(
        EAC_BUDGET_RATE,
        "Estimate at completion, budget rate",
        "AC + (BAC - EV)",
        MONEY,
        "at or below BAC",
        "Forecast final cost if the remaining work goes exactly to budget.",
    ),
    _e(
        EAC_CPI_SPI,
        "Estimate at completion, cost and schedule trend",
        "AC + (BAC - EV) / (CPI x SPI)",
        MONEY,
        "at or below BAC",
        "Forecast final cost if both cost and schedule performance weigh on the rest.",
    ),
    _e(
        EAC_BOTTOM_UP,
        "Estimate at completion, bottom-up",
        "AC + bottom-up ETC",
        MONEY,
        "at or below BAC",
        "Forecast final cost from the team's own estimate to complete.",
    ),
    _e(
        EAC,
        "Estimate at completion (EAC)",
        "the EAC of the chosen method (default BAC / CPI)",
        MONEY,
        "at or below BAC",
        "The forecast final cost used in the report.",
    ),
    _e(
        ETC,
        "Estimate to complete (ETC)",
        "EAC - AC",
        MONEY,
        "at or below BAC - EV",
        "How much more money the remaining work is expected to need.",
    ),
    _e(
        VAC,
        "Variance at completion (VAC)",
        "BAC - EAC",
        MONEY,
        "zero or positive",
        "Forecast over- (negative) or under-run (positive) at the end.",
    ),
    _e(
        VAC_PCT,
        "Variance at completion %",
        "VAC / BAC",
        FRACTION,
        "-5 % or better",
        "Forecast over- or under-run relative to the budget.",
    ),
    _e(
        TCPI_BAC,
        "To-complete performance index, to BAC",
        "(BAC - EV) / (BAC - AC)",
        INDEX,
        "at or below CPI (and below about 1.10)",
        "The cost efficiency the remaining work needs to finish within the budget.",
    ),
    _e(
        TCPI_EAC,
        "To-complete performance index, to EAC",
        "(BAC - EV) / (EAC - AC)",
        INDEX,
        "close to CPI",
        "The cost efficiency the remaining work needs to finish at the EAC.",
    ),
    _e(
        ES,
        "Earned schedule (ES)",
        "C + (EV - PV_C) / (PV_C+1 - PV_C) on the cumulative PV curve",
        MONTHS,
        "equal to AT",
        "The point in the plan, in months, at which today's earned value should have been reached.",
    ),
    _e(
        AT,
        "Actual time (AT)",
        "months from the start to the status date",
        MONTHS,
        "-",
        "Time elapsed; it stops at the month the work was completed.",
    ),
    _e(
        PD,
        "Planned duration (PD)",
        "months from the start until PV reaches BAC",
        MONTHS,
        "-",
        "How long the plan said the work would take.",
    ),
    _e(
        SV_T,
        "Schedule variance in time, SV(t)",
        "ES - AT",
        MONTHS,
        "zero or positive",
        "Months ahead (positive) or behind (negative) the plan.",
    ),
    _e(
        SPI_T,
        "Schedule performance index in time, SPI(t)",
        "ES / AT",
        INDEX,
        "1.00 or more",
        "Schedule efficiency measured in time; unlike SPI it stays below 1.00 for a late project to the end.",
    ),
    _e(
        TSPI,
        "To-complete schedule performance index (TSPI)",
        "(PD - ES) / (PD - AT)",
        INDEX,
        "1.00 or less (above about 1.10 is hard to recover)",
        "The schedule efficiency the remaining work needs to finish on the planned date.",
    ),
    _e(
        IEAC_T,
        "Forecast duration, IEAC(t)",
        "PD / SPI(t)",
        MONTHS,
        "at or below PD",
        "Forecast total duration in months if the schedule efficiency so far continues.",
    ),
    _e(
        FORECAST_FINISH,
        "Forecast finish",
        "start + IEAC(t) months",
        DATE,
        "on or before the planned finish",
        "The date the work is forecast to finish.",
    ),
    _e(
        BURN_RATE,
        "Burn rate",
        "mean monthly AC over the last N months (N = 3)",
        MONEY,
        "close to the planned monthly spend",
        "How fast money is being spent.",
    ),
    _e(
        MONTHS_OF_BUDGET_LEFT,
        "Months of budget left",
        "(BAC - AC) / burn rate",
        MONTHS,
        "at least the months of work remaining",
        "How long the remaining budget lasts at the current spending rate.",
    ),
    _e(
        EXPECTED_VALUE,
        "Risk expected value",
        "probability x cost impact",
        MONEY,
        "low",
        "The cost a risk is 'worth' on average.",
    ),
    _e(
        OPEN_EXPOSURE,
        "Open risk exposure",
        "sum of the expected value of open risks",
        MONEY,
        "at or below the contingency left",
        "The cost the open risks are expected to add.",
    ),
    _e(
        EXPOSURE_COVERAGE,
        "Contingency coverage",
        "contingency left / open risk exposure",
        INDEX,
        "1.00 or more",
        "How many times the contingency left covers the open risks.",
    ),
    _e(
        SLIPPAGE_DAYS,
        "Milestone slippage",
        "(actual, else forecast) date - baseline date",
        DAYS,
        "zero or negative",
        "Days a milestone is (or is forecast to be) late.",
    ),
    _e(
        NPV,
        "Net present value (NPV)",
        "sum of net cash flow_t / (1 + rate)^t, first year t = 0",
        MONEY,
        "positive",
        "Today's value of all benefits minus all costs.",
    ),
    _e(
        IRR,
        "Internal rate of return (IRR)",
        "the rate at which NPV = 0",
        FRACTION,
        "above the discount rate",
        "The yearly return the investment earns.",
    ),
    _e(
        ROI,
        "Return on investment (ROI)",
        "(total benefits - total costs) / total costs",
        FRACTION,
        "positive",
        "Net gain per unit of cost, not discounted.",
    ),
    _e(
        PAYBACK,
        "Payback period",
        "years until the cumulative net cash flow turns positive",
        YEARS,
        "short",
        "How long until the investment has been earned back.",
    ),
    _e(
        DISCOUNTED_PAYBACK,
        "Discounted payback period",
        "years until the cumulative discounted net cash flow turns positive",
        YEARS,
        "short",
        "Payback counting the time value of money.",
    ),
    _e(
        BCR,
        "Benefit-cost ratio (BCR)",
        "present value of benefits / present value of costs",
        INDEX,
        "above 1.00",
        "Benefits returned per unit of cost, in today's money.",
    ),
    _e(
        BUDGET_TO_DATE,
        "Budget to date",
        "PV at the status date",
        MONEY,
        "close to actual",
        "What the plan said would be spent by now.",
    ),
    _e(
        ACTUAL_TO_DATE,
        "Actual to date",
        "AC at the status date",
        MONEY,
        "close to budget",
        "What has been spent by now.",
    ),
    _e(
        SPEND_VARIANCE,
        "Spend variance",
        "budget to date - actual to date",
        MONEY,
        "close to zero",
        "Positive means less was spent than planned; it says nothing about the work done (see CV).",
    ),
    _e(
        SPEND_VARIANCE_PCT,
        "Spend variance %",
        "spend variance / budget to date",
        FRACTION,
        "close to zero",
        "The spend variance relative to the budget to date.",
    ),
    _e(
        REMAINING_BUDGET,
        "Remaining budget",
        "BAC - AC",
        MONEY,
        "enough for the work left",
        "Budget not yet spent.",
    ),
    _e(
        CONTINGENCY,
        "Contingency",
        "as approved on the Project sheet",
        MONEY,
        "-",
        "Money set aside for known risks and changes.",
    ),
    _e(
        MANAGEMENT_RESERVE,
        "Management reserve",
        "as approved on the Project sheet",
        MONEY,
        "-",
        "Money held back for unknown events, outside the project's control.",
    ),
    _e(
        APPROVED_CHANGES_COST,
        "Approved changes",
        "sum of the cost impact of approved changes",
        MONEY,
        "within the contingency",
        "Extra cost agreed through change control.",
    ),
    _e(
        PROPOSED_CHANGES_COST,
        "Pending changes",
        "sum of the cost impact of proposed changes",
        MONEY,
        "within the contingency left",
        "Extra cost waiting for a decision.",
    ),
    _e(
        REJECTED_CHANGES_COST,
        "Rejected changes",
        "sum of the cost impact of rejected changes",
        MONEY,
        "-",
        "Extra cost that was asked for and refused.",
    ),
    _e(
        REALISED_RISKS_COST,
        "Realised risks",
        "sum of the cost impact of realised risks",
        MONEY,
        "within the contingency",
        "Cost of risks that have happened.",
    ),
    _e(
        CONTINGENCY_REMAINING,
        "Contingency left",
        "contingency - approved changes - realised risks",
        MONEY,
        "positive",
        "Contingency still available; negative means it is overdrawn.",
    ),
    _e(
        CONTINGENCY_MINUS_EXPOSURE,
        "Contingency left minus open exposure",
        "contingency left - open risk exposure",
        MONEY,
        "zero or positive",
        "Negative means the open risks are expected to cost more than the contingency left.",
    ),
    _e(
        OPEN_RISKS,
        "Open risks",
        "number of risks with status open",
        COUNT,
        "few",
        "Risks that may still happen.",
    ),
    _e(
        TOTAL_BENEFITS,
        "Total benefits",
        "sum of the expected benefits",
        MONEY,
        "-",
        "All the benefits the business case expects, not discounted.",
    ),
    _e(
        TOTAL_COSTS,
        "Total costs",
        "project costs + other costs",
        MONEY,
        "-",
        "All the costs of the business case, not discounted.",
    ),
    _e(
        DISCOUNT_RATE,
        "Discount rate",
        "annual rate from the Project sheet",
        FRACTION,
        "-",
        "The yearly rate used to bring future money to today's value.",
    ),
    _e(
        CV_MONTH,
        "Cost variance in the month",
        "EV in the month - AC in the month",
        MONEY,
        "zero or positive",
        "The status month's cost variance alone (the current period of a variance report).",
    ),
    _e(
        CV_MONTH_PCT,
        "Cost variance in the month %",
        "CV in the month / EV in the month",
        FRACTION,
        "zero or positive",
        "The month's cost variance relative to the work earned in the month.",
    ),
    _e(
        SV_MONTH,
        "Schedule variance in the month",
        "EV in the month - PV in the month",
        MONEY,
        "zero or positive",
        "The status month's schedule variance alone.",
    ),
    _e(
        SV_MONTH_PCT,
        "Schedule variance in the month %",
        "SV in the month / PV in the month",
        FRACTION,
        "zero or positive",
        "The month's schedule variance relative to the work planned in the month.",
    ),
    _e(
        CPI_3,
        "CPI of the last 3 months",
        "(EV now - EV 3 months ago) / (AC now - AC 3 months ago)",
        INDEX,
        "1.00 or more, close to CPI",
        "Recent cost efficiency; differs from CPI when performance is changing.",
    ),
    _e(
        CPI_6,
        "CPI of the last 6 months",
        "(EV now - EV 6 months ago) / (AC now - AC 6 months ago)",
        INDEX,
        "1.00 or more, close to CPI",
        "Cost efficiency over the last half year.",
    ),
    _e(
        EAC_CPI_3,
        "Estimate at completion, 3-month CPI",
        "AC + (BAC - EV) / CPI of the last 3 months",
        MONEY,
        "at or below BAC",
        "Forecast final cost if the last three months' cost efficiency continues.",
    ),
    _e(
        EAC_CPI_6,
        "Estimate at completion, 6-month CPI",
        "AC + (BAC - EV) / CPI of the last 6 months",
        MONEY,
        "at or below BAC",
        "Forecast final cost if the last six months' cost efficiency continues.",
    ),
    _e(
        EAC_COMPOSITE,
        "Estimate at completion, weighted 0.8 CPI + 0.2 SPI",
        "AC + (BAC - EV) / (0.8 x CPI + 0.2 x SPI)",
        MONEY,
        "at or below BAC",
        "Forecast final cost weighting cost efficiency 80 % and schedule efficiency 20 %.",
    ),
    _e(
        EAC_RANGE_MIN,
        "Independent EAC range, low",
        "smallest of the index-based EACs (CPI, 3- and 6-month CPI, CPI x SPI, 0.8 CPI + 0.2 SPI)",
        MONEY,
        "at or below BAC",
        "The most favourable forecast the performance to date supports.",
    ),
    _e(
        EAC_RANGE_MAX,
        "Independent EAC range, high",
        "largest of the index-based EACs",
        MONEY,
        "at or below BAC",
        "The least favourable forecast the performance to date supports.",
    ),
    _e(
        EAC_RANGE_SPREAD,
        "Independent EAC range, spread",
        "high - low",
        MONEY,
        "small",
        "How much the index-based forecasts disagree; a wide range means unstable performance.",
    ),
    _e(
        EAC_FORECAST_GAP,
        "Project manager's EAC outside the range",
        "bottom-up EAC - low (when below it) or - high (when above it); 0 inside",
        MONEY,
        "zero",
        "Negative: the bottom-up forecast is more optimistic than any index-based one; positive: more pessimistic.",
    ),
    _e(
        TCPI_FORECAST,
        "To-complete performance index, to the forecast",
        "(BAC - EV) / (forecast EAC - AC), the forecast being the bottom-up EAC (else the report's EAC)",
        INDEX,
        "close to CPI",
        "The cost efficiency the remaining work needs to finish at the forecast being judged.",
    ),
    _e(
        TCPI_GAP_BAC,
        "TCPI to BAC minus CPI",
        "TCPI to BAC - CPI",
        INDEX,
        "at or below the band (0.10)",
        "Above the band, finishing within budget needs a cost efficiency never achieved so far.",
    ),
    _e(
        TCPI_GAP_FORECAST,
        "TCPI to the forecast minus CPI",
        "TCPI to the forecast - CPI",
        INDEX,
        "at or below the band (0.10)",
        "Above the band, the forecast needs a cost efficiency never achieved so far: it is optimistic.",
    ),
    _e(
        BUSINESS_CASE_AT_EAC,
        "Business case at EAC",
        "NPV, ROI, BCR, payback with the project cost at EAC: actuals to date, then EAC - AC spread over "
        "the remaining budget months",
        MONEY,
        "NPV >= 0 and BCR >= 1.00",
        "Whether the investment still pays if the project costs what it is forecast to cost.",
    ),
    _e(
        DATA_QUALITY_SCORE,
        "Data-quality score",
        "100 - 25 x critical - 5 x major - 1 x minor findings, floored at 0",
        COUNT,
        "100: nothing found",
        "How clean the project's data is; each finding has a code and a severity (template check lists them).",
    ),
)

GLOSSARY: Final[dict[str, GlossaryEntry]] = {e.key: e for e in _ENTRIES}
"""Explanation of every metric, by metric key."""

METRIC_UNITS: Final[dict[str, str]] = {e.key: e.unit for e in _ENTRIES}
"""Unit of every metric, by metric key."""


def explain(key: str) -> GlossaryEntry:
    """The glossary entry of a metric key; raises ``KeyError`` for an unknown key."""
    return GLOSSARY[key]


def glossary_markdown() -> str:
    """The glossary as a Markdown table (for the README and the report appendix)."""
    lines = [
        "| Metric | Formula | Unit | Good looks like | Meaning |",
        "|---|---|---|---|---|",
    ]
    for e in _ENTRIES:
        lines.append(f"| {e.name} | {e.formula} | {e.unit} | {e.good} | {e.meaning} |")
    return "\n".join(lines) + "\n"
