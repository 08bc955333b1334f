"""Business case: NPV, IRR, ROI, payback, discounted payback and benefit-cost ratio.

**Cash flows** are yearly, one per calendar year (``period``) from the first year with
a cost or a benefit to the last, missing years counting as 0:

- project cost of a year = actual cost of its months up to the status month + the
  budget (planned cost) of its months after the status month. The plan is taken as it
  stands: unspent budget of past months is not carried forward and a forecast overrun
  (EAC > BAC) is not added;
- **at EAC** (the business case at completion): the same, except that the cost still
  to come is the forecast ETC = EAC - AC instead of the remaining budget, spread over
  the months after the status month in proportion to their budget (all of it in the
  year of the month after the status month when no budget is left: a late project);
- net cash flow = expected benefit - other costs - project cost.

**Discounting convention**: the first year is **t = 0** and is not discounted; year
t is divided by (1 + rate)^t, as in ``numpy_financial.npv``:
NPV = sum over t of net_t / (1 + rate)^t. Excel's ``NPV(rate, v1, ..., vn)`` instead
treats v1 as arriving one period from now and discounts it by (1 + rate)^1, so
Excel's NPV of the same list equals our NPV / (1 + rate); to reproduce our figure in
Excel write ``=v0 + NPV(rate, v1:vn)``. :func:`excel_npv` gives Excel's convention.

- IRR: ``numpy_financial.irr`` of the net flows; undefined when the flows never change
  sign (``no_sign_change``) or no real rate is found (``irr_not_found``).
- ROI = (total benefits - total costs) / total costs, undiscounted (total costs =
  project costs + other costs).
- Benefit-cost ratio = PV(benefits) / PV(costs), discounted as above.
- Payback: years from t = 0 until the cumulative net cash flow turns non-negative for
  good, interpolating linearly inside the year (flows are taken as earned evenly over
  year t, ending at t): payback = k + (-cumulative_k) / net_k+1 where k is the last year
  with a negative cumulative flow. 0 when the cumulative flow is never negative;
  undefined (``not_paid_back``) when it is still negative at the end. Discounted
  payback is the same on the discounted flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import numpy_financial as npf
import pandas as pd

from ..workbook import columns as col
from ..workbook.model import ProjectData
from . import glossary as g
from .evm import Metric

__all__ = [
    "CUMULATIVE",
    "CUMULATIVE_DISCOUNTED",
    "DISCOUNTED",
    "DISCOUNT_FACTOR",
    "NET",
    "PROJECT_COST",
    "BusinessCase",
    "T",
    "business_case",
    "cash_flows",
    "excel_npv",
    "internal_rate_of_return",
    "net_present_value",
    "payback_period",
    "project_business_case",
    "project_costs_by_year",
]

PROJECT_COST: Final = "project_cost"
NET: Final = "net_cash_flow"
T: Final = "t"
DISCOUNT_FACTOR: Final = "discount_factor"
DISCOUNTED: Final = "discounted_cash_flow"
CUMULATIVE: Final = "cumulative_cash_flow"
CUMULATIVE_DISCOUNTED: Final = "cumulative_discounted_cash_flow"

FloatArray = npt.NDArray[np.float64]


def net_present_value(rate: float, values: npt.ArrayLike) -> float:
    """NPV with the first value at t = 0 (not discounted), as ``numpy_financial.npv``."""
    return float(npf.npv(rate, np.asarray(values, dtype=float)))


def excel_npv(rate: float, values: npt.ArrayLike) -> float:
    """Excel's ``NPV(rate, values...)``: the first value is discounted by one period."""
    return net_present_value(rate, values) / (1.0 + rate)


def internal_rate_of_return(values: npt.ArrayLike) -> Metric:
    """IRR (fraction per period) of a cash flow series starting at t = 0."""
    flows = np.asarray(values, dtype=float)
    if not np.any(flows != 0):
        return Metric.of(g.IRR, None, g.NO_CASH_FLOWS)
    if not (np.any(flows > 0) and np.any(flows < 0)):
        return Metric.of(g.IRR, None, g.NO_SIGN_CHANGE)
    return Metric.of(g.IRR, npf.irr(flows), g.IRR_NOT_FOUND)


def payback_period(values: npt.ArrayLike, key: str = g.PAYBACK) -> Metric:
    """Years (fractional, from t = 0) until the cumulative flow is non-negative for good."""
    flows = np.asarray(values, dtype=float)
    if not np.any(flows != 0):
        return Metric.of(key, None, g.NO_CASH_FLOWS)
    cumulative = np.cumsum(flows)
    negative = np.flatnonzero(cumulative < 0)
    if not len(negative):
        return Metric.of(key, 0.0)
    k = int(negative[-1])
    if k == len(flows) - 1:
        return Metric.of(key, None, g.NOT_PAID_BACK)
    return Metric.of(key, k + (-cumulative[k]) / flows[k + 1])


def project_costs_by_year(data: ProjectData, eac: float | None = None) -> pd.Series:
    """Project cost per calendar year: actuals to the status month, then the budget of
    the later months (money; index = year, int).

    With ``eac``, the later months carry the estimate to complete EAC - AC instead of
    their budget, in proportion to it (see the module docstring).
    """
    status = pd.Timestamp(data.info.status_date).to_period("M")

    def by_year(frame: pd.DataFrame, keep_after: bool) -> pd.Series:
        months = pd.to_datetime(frame[col.MONTH], errors="coerce").dt.to_period("M")
        after = (months > status).to_numpy(dtype=bool)
        mask = after if keep_after else ~after
        values = pd.to_numeric(frame[col.VALUE], errors="coerce").fillna(0.0)[mask]
        years = months[mask].dt.year.astype(int)
        return values.groupby(years.to_numpy()).sum()

    actual = by_year(data.actuals, keep_after=False) if len(data.actuals) else pd.Series()
    planned = by_year(data.budget, keep_after=True) if len(data.budget) else pd.Series()
    if eac is not None:
        etc = eac - float(actual.sum())
        remaining = float(planned.sum())
        after = pd.Series({(status + 1).year: etc}, dtype=float)
        planned = planned * (etc / remaining) if remaining > 0 else after
    total = actual.add(planned, fill_value=0.0).astype(float)
    total.index = total.index.astype(int)
    return total.sort_index().rename(PROJECT_COST)


def cash_flows(benefits: pd.DataFrame, project_costs: pd.Series, rate: float | None) -> pd.DataFrame:
    """Yearly cash-flow table (money) from the benefits frame and project cost by year.

    Columns: ``period`` (year), ``t`` (0 for the first year), ``project_cost``,
    ``expected_benefit``, ``other_costs``, ``net_cash_flow``, ``discount_factor``
    (1 / (1 + rate)^t; NaN without a rate), ``discounted_cash_flow``,
    ``cumulative_cash_flow``, ``cumulative_discounted_cash_flow``.
    """
    periods = pd.to_numeric(benefits[col.PERIOD], errors="coerce")
    frame = pd.DataFrame(
        {
            col.EXPECTED_BENEFIT: pd.to_numeric(benefits[col.EXPECTED_BENEFIT], errors="coerce"),
            col.OTHER_COSTS: pd.to_numeric(benefits[col.OTHER_COSTS], errors="coerce"),
        }
    ).fillna(0.0)
    known = periods.notna().to_numpy()
    per_year = frame[known].groupby(periods[known].astype(int).to_numpy()).sum()
    years = sorted(set(per_year.index.astype(int)) | set(project_costs.index.astype(int)))
    if not years:
        return pd.DataFrame(columns=_FLOW_COLUMNS)
    span = pd.Index(range(min(years), max(years) + 1), name=col.PERIOD)
    out = per_year.reindex(span, fill_value=0.0)
    out[PROJECT_COST] = project_costs.reindex(span, fill_value=0.0).astype(float)
    out[T] = np.arange(len(span))
    out[NET] = out[col.EXPECTED_BENEFIT] - out[col.OTHER_COSTS] - out[PROJECT_COST]
    factor = (1.0 + rate) ** -out[T].astype(float) if rate is not None else np.nan
    out[DISCOUNT_FACTOR] = factor
    out[DISCOUNTED] = out[NET] * out[DISCOUNT_FACTOR]
    out[CUMULATIVE] = out[NET].cumsum()
    out[CUMULATIVE_DISCOUNTED] = out[DISCOUNTED].cumsum()
    return out.reset_index()[_FLOW_COLUMNS]


_FLOW_COLUMNS: Final = [
    col.PERIOD,
    T,
    PROJECT_COST,
    col.EXPECTED_BENEFIT,
    col.OTHER_COSTS,
    NET,
    DISCOUNT_FACTOR,
    DISCOUNTED,
    CUMULATIVE,
    CUMULATIVE_DISCOUNTED,
]


@dataclass(frozen=True)
class BusinessCase:
    """Cash-flow table (see :func:`cash_flows`) and metrics keyed by metric key:
    ``npv``, ``irr``, ``roi``, ``bcr``, ``payback``, ``discounted_payback`` (years from
    the first year), ``total_benefits``, ``total_costs``, ``discount_rate``."""

    flows: pd.DataFrame
    metrics: dict[str, Metric]

    @property
    def first_period(self) -> int | None:
        """Calendar year of t = 0 (``None`` without cash flows)."""
        return int(self.flows[col.PERIOD].iloc[0]) if len(self.flows) else None


def business_case(benefits: pd.DataFrame, project_costs: pd.Series, rate: float | None) -> BusinessCase:
    """All business-case metrics (conventions in the module docstring)."""
    flows = cash_flows(benefits, project_costs, rate)
    net = flows[NET].to_numpy(dtype=float)
    benefit = flows[col.EXPECTED_BENEFIT].to_numpy(dtype=float)
    cost = (flows[col.OTHER_COSTS] + flows[PROJECT_COST]).to_numpy(dtype=float)
    metrics = {
        g.TOTAL_BENEFITS: Metric.of(g.TOTAL_BENEFITS, benefit.sum()),
        g.TOTAL_COSTS: Metric.of(g.TOTAL_COSTS, cost.sum()),
        g.DISCOUNT_RATE: Metric.of(g.DISCOUNT_RATE, rate, g.NO_DISCOUNT_RATE),
        g.IRR: internal_rate_of_return(net),
        g.ROI: _ratio(g.ROI, benefit.sum() - cost.sum(), cost.sum()),
        g.PAYBACK: payback_period(net),
    }
    metrics.update(_discounted(net, benefit, cost, rate))
    return BusinessCase(flows, metrics)


def _ratio(key: str, numerator: float, denominator: float) -> Metric:
    if denominator == 0:
        return Metric.of(key, None, g.COST_ZERO)
    return Metric.of(key, numerator / denominator)


def _discounted(net: FloatArray, benefit: FloatArray, cost: FloatArray, rate: float | None) -> dict[str, Metric]:
    keys = (g.NPV, g.BCR, g.DISCOUNTED_PAYBACK)
    if rate is None:
        return {k: Metric.of(k, None, g.NO_DISCOUNT_RATE) for k in keys}
    if not len(net):
        return {k: Metric.of(k, None, g.NO_CASH_FLOWS) for k in keys}
    factor = (1.0 + rate) ** -np.arange(len(net), dtype=float)
    return {
        g.NPV: Metric.of(g.NPV, net_present_value(rate, net)),
        g.BCR: _ratio(g.BCR, float(benefit @ factor), float(cost @ factor)),
        g.DISCOUNTED_PAYBACK: payback_period(net * factor, g.DISCOUNTED_PAYBACK),
    }


def project_business_case(data: ProjectData, rate: float | None = None, *, eac: float | None = None) -> BusinessCase:
    """Business case of a project; ``rate`` overrides the Project sheet's discount rate;
    with ``eac`` the project cost still to come is EAC - AC (the business case at EAC)."""
    chosen = rate if rate is not None else data.info.discount_rate
    return business_case(data.benefits, project_costs_by_year(data, eac), chosen)
