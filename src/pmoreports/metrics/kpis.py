"""The PMO's KPIs beyond earned value: gross margin of a client project, satisfaction scores.

All come from optional Project-sheet fields and are reported only when given:

- **Gross margin at budget** = contract value - BAC; **at EAC** = contract value - EAC (the
  report's EAC method). Each also as a share of the contract value (undefined when the
  contract value is 0). Money in the project's currency; reserves (contingency, management
  reserve) are not costs until drawn, so they are not deducted.
- **Customer satisfaction** and **team satisfaction**: the latest survey scores as typed,
  on the project's satisfaction scale (``1-5``, ``1-10``, ``0-10`` or ``0-100``; the reader
  checks each score lies on it). Unit ``score``; the scale travels with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..workbook.model import ProjectInfo
from ..workbook.schema import satisfaction_bounds
from . import glossary as g
from .evm import Metric

__all__ = ["KPI_KEYS", "kpi_metrics", "score_text"]

KPI_KEYS = (
    g.CONTRACT_VALUE,
    g.GROSS_MARGIN_BUDGET,
    g.GROSS_MARGIN_BUDGET_PCT,
    g.GROSS_MARGIN_EAC,
    g.GROSS_MARGIN_EAC_PCT,
    g.CUSTOMER_SATISFACTION,
    g.TEAM_SATISFACTION,
)
"""Every KPI key, in report order (a project has those it gave)."""


def kpi_metrics(info: ProjectInfo, status: Mapping[str, Metric]) -> dict[str, Metric]:
    """The KPIs the Project sheet gives, as :class:`Metric` records keyed as :data:`KPI_KEYS`.

    ``status`` holds the project's status metrics (``bac`` and ``eac`` are used). Keys whose
    field is blank are absent: no contract value, no margin; no score, no satisfaction.
    """
    out: dict[str, Metric] = {}
    revenue = info.contract_value
    if revenue is not None:
        out[g.CONTRACT_VALUE] = Metric.of(g.CONTRACT_VALUE, revenue)
        for cost_key, money_key, pct_key in (
            (g.BAC, g.GROSS_MARGIN_BUDGET, g.GROSS_MARGIN_BUDGET_PCT),
            (g.EAC, g.GROSS_MARGIN_EAC, g.GROSS_MARGIN_EAC_PCT),
        ):
            cost = status[cost_key]
            margin = None if cost.value is None else revenue - cost.value
            out[money_key] = Metric.of(money_key, margin, cost.reason)
            if margin is None:
                out[pct_key] = Metric.of(pct_key, None, cost.reason)
            elif revenue == 0:
                out[pct_key] = Metric.of(pct_key, None, g.CONTRACT_ZERO)
            else:
                out[pct_key] = Metric.of(pct_key, margin / revenue)
    for key, score in (
        (g.CUSTOMER_SATISFACTION, info.customer_satisfaction),
        (g.TEAM_SATISFACTION, info.team_satisfaction),
    ):
        if score is not None:
            out[key] = Metric.of(key, score)
    return out


def score_text(metric: Metric, scale: str) -> str:
    """A satisfaction score with its scale: ``4.2 / 5 (scale 1-5)``; ``n/a`` when undefined."""
    if metric.value is None:
        return "n/a"
    if not scale:
        return f"{metric.value:g}"
    low, high = satisfaction_bounds(scale)
    return f"{metric.value:.1f} / {high:g} (scale {low:g}-{high:g})"
