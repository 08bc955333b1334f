"""Cost control beyond EVM: budget vs actual, burn rate, contingency and changes.

Money is in the project's currency. Conventions:

- **Budget vs actual** (per WBS element or cost category): to date, budget = PV and
  actual = AC at the status month, ``spend_variance`` = budget - actual (positive =
  spent less than planned; it ignores how much work was done, which CV = EV - AC
  does); at completion, BAC vs the EVM forecast EAC (method as chosen, default
  BAC / CPI), VAC = BAC - EAC (negative = overrun), remaining budget = BAC - AC.
- **Burn rate** = mean monthly actual cost over the last N months up to and including
  the status month (N = 3 by default; months without actuals count as 0; months
  before the project start are not counted, so a project in its 2nd month averages
  over 2 months). **Months of budget left** = max(BAC - AC, 0) / burn rate.
- **Contingency remaining** = contingency - cost impact of approved changes - cost
  impact of realised risks. Changes are grouped by status: approved, proposed
  (pending a decision) and rejected. Status strings are compared lower-cased.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from ..workbook import columns as col
from . import glossary as g
from .evm import EvmSeries, Metric, Table, month_axis, project_evm

__all__ = [
    "APPROVED",
    "BUDGET_VS_ACTUAL_COLUMNS",
    "CHANGE_STATUSES",
    "COUNT",
    "PROPOSED",
    "REALISED",
    "REJECTED",
    "budget_vs_actual",
    "burn_rate",
    "change_summary",
    "change_totals",
    "contingency_status",
    "cost_table",
    "months_of_budget_left",
]

APPROVED: Final = "approved"
PROPOSED: Final = "proposed"
REJECTED: Final = "rejected"
CHANGE_STATUSES: Final = (APPROVED, PROPOSED, REJECTED)
REALISED: Final = "realised"
COUNT: Final = "count"
"""Column of :func:`change_summary`: number of changes."""

BUDGET_VS_ACTUAL_COLUMNS: Final = (
    g.BUDGET_TO_DATE,
    g.ACTUAL_TO_DATE,
    g.SPEND_VARIANCE,
    g.SPEND_VARIANCE_PCT,
    g.EV,
    g.CV,
    g.CPI,
    g.BAC,
    g.EAC,
    g.VAC,
    g.REMAINING_BUDGET,
    g.PCT_SPENT,
)
"""Metric columns of :func:`budget_vs_actual`, after the key column."""


def _lower(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.lower()


def _money(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").fillna(0.0).astype(float)


def budget_vs_actual(data: Any, by: str, *, eac_method: str = "cpi") -> Table:
    """Budget vs actual per ``wbs`` or ``category`` at the status month.

    ``data`` is a :class:`~pmoreports.model.ProjectData`. Returns a :class:`Table` with
    the key column then :data:`BUDGET_VS_ACTUAL_COLUMNS` (money, index and fractions;
    ``spend_variance_pct`` = spend variance / budget to date), one row per key, and
    the reasons of undefined cells.
    """
    return cost_table(project_evm(data, (by,), eac_method=eac_method), by)


def cost_table(series: EvmSeries, by: str) -> Table:
    """:func:`budget_vs_actual` from an already computed per-``by`` EVM series."""
    status = series.at_status()
    values, reasons = status.values, status.reasons
    pv, ac = values[g.PV], values[g.AC]
    out = pd.DataFrame({by: values[by]})
    why = pd.DataFrame({by: values[by]})
    out[g.BUDGET_TO_DATE], why[g.BUDGET_TO_DATE] = pv, None
    out[g.ACTUAL_TO_DATE], why[g.ACTUAL_TO_DATE] = ac, None
    out[g.SPEND_VARIANCE], why[g.SPEND_VARIANCE] = pv - ac, None
    out[g.SPEND_VARIANCE_PCT] = ((pv - ac) / pv).where(pv != 0)
    why[g.SPEND_VARIANCE_PCT] = pd.Series([None if v != 0 else g.PV_ZERO for v in pv], index=why.index, dtype=object)
    for key in (g.EV, g.CV, g.CPI, g.BAC, g.EAC, g.VAC, g.PCT_SPENT):
        out[key], why[key] = values[key], reasons[key]
    out[g.REMAINING_BUDGET], why[g.REMAINING_BUDGET] = values[g.BAC] - ac, None
    for name in why.columns[1:]:
        why[name] = why[name].astype(object).where(why[name].notna(), None)
    order = [by, *BUDGET_VS_ACTUAL_COLUMNS]
    return Table(out[order].reset_index(drop=True), why[order].reset_index(drop=True))


def burn_rate(actuals: pd.DataFrame, status_month: Any, *, n_months: int = 3, start_month: Any = None) -> Metric:
    """Mean monthly actual cost (money per month) over the last ``n_months`` to the status
    month, counting only months from ``start_month`` (the project start) on."""
    if n_months < 1:
        raise ValueError("n_months must be at least 1")
    end = pd.Timestamp(status_month).to_period("M").to_timestamp()
    first = end - pd.DateOffset(months=n_months - 1)
    if start_month is not None:
        first = max(first, pd.Timestamp(start_month).to_period("M").to_timestamp())
    window = month_axis(first, end) if first <= end else pd.DatetimeIndex([])
    if not len(window):
        return Metric.of(g.BURN_RATE, None, g.AT_ZERO)
    months = pd.to_datetime(actuals[col.MONTH], errors="coerce").dt.to_period("M")
    in_window = pd.Series(months.dt.to_timestamp()).isin(window).to_numpy()
    total = float(_money(actuals[col.VALUE])[in_window].sum())
    return Metric.of(g.BURN_RATE, total / len(window))


def months_of_budget_left(bac: float, ac: float, rate: Metric) -> Metric:
    """Months the remaining budget max(BAC - AC, 0) lasts at the burn rate ``rate``."""
    if rate.value is None or rate.value <= 0:
        return Metric.of(g.MONTHS_OF_BUDGET_LEFT, None, rate.reason or g.BURN_ZERO)
    return Metric.of(g.MONTHS_OF_BUDGET_LEFT, max(bac - ac, 0.0) / rate.value)


def _total_by_status(frame: pd.DataFrame, status: str) -> float:
    if frame.empty:
        return 0.0
    mask = (_lower(frame[col.STATUS]) == status).fillna(False).to_numpy(dtype=bool)
    return float(_money(frame[col.COST_IMPACT])[mask].sum())


def contingency_status(
    contingency: float,
    changes: pd.DataFrame,
    risks: pd.DataFrame,
    *,
    management_reserve: float = 0.0,
) -> dict[str, Metric]:
    """Contingency drawn by approved changes and realised risks, and what remains (money).

    Keys: ``contingency``, ``approved_changes_cost``, ``realised_risks_cost``,
    ``contingency_remaining`` (may be negative: contingency overdrawn) and
    ``management_reserve`` (reported as given, not drawn down).
    """
    approved = _total_by_status(changes, APPROVED)
    realised = _total_by_status(risks, REALISED)
    return {
        g.CONTINGENCY: Metric.of(g.CONTINGENCY, contingency),
        g.APPROVED_CHANGES_COST: Metric.of(g.APPROVED_CHANGES_COST, approved),
        g.REALISED_RISKS_COST: Metric.of(g.REALISED_RISKS_COST, realised),
        g.CONTINGENCY_REMAINING: Metric.of(g.CONTINGENCY_REMAINING, contingency - approved - realised),
        g.MANAGEMENT_RESERVE: Metric.of(g.MANAGEMENT_RESERVE, management_reserve),
    }


def change_summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Count, cost impact (money) and schedule impact (days) per change status.

    One row per status: approved, proposed, rejected (always present, zero when none)
    then any other status found; columns ``status``, ``count``, ``cost_impact``,
    ``schedule_impact_days``.
    """
    status = _lower(changes[col.STATUS]).fillna("") if len(changes) else pd.Series([], dtype=str)
    work = pd.DataFrame(
        {
            col.STATUS: status.to_numpy(dtype=object),
            COUNT: 1,
            col.COST_IMPACT: _money(changes[col.COST_IMPACT]).to_numpy() if len(changes) else [],
            col.SCHEDULE_IMPACT_DAYS: _money(changes[col.SCHEDULE_IMPACT_DAYS]).to_numpy() if len(changes) else [],
        }
    )
    totals = work.groupby(col.STATUS, sort=False)[[COUNT, col.COST_IMPACT, col.SCHEDULE_IMPACT_DAYS]].sum()
    others = [s for s in totals.index if s not in CHANGE_STATUSES]
    totals = totals.reindex([*CHANGE_STATUSES, *others], fill_value=0)
    totals[COUNT] = totals[COUNT].astype(int)
    return totals.rename_axis(col.STATUS).reset_index()


def change_totals(changes: pd.DataFrame) -> dict[str, Metric]:
    """Cost impact (money) of approved, proposed (pending) and rejected changes."""
    keys = {
        APPROVED: g.APPROVED_CHANGES_COST,
        PROPOSED: g.PROPOSED_CHANGES_COST,
        REJECTED: g.REJECTED_CHANGES_COST,
    }
    return {key: Metric.of(key, _total_by_status(changes, s)) for s, key in keys.items()}
