"""KPI tiles of the PMO's KPIs beyond earned value (contract value, gross margin, satisfaction).

Shown only for the KPIs a project gives (:mod:`pmoreports.metrics.kpis`): a project
without a contract value or scores gets no extra tile, so its report is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..metrics import glossary as g
from ..metrics.evm import Metric
from ..metrics.kpis import KPI_KEYS, score_text
from ._format import esc, fmt_money, fmt_pct, metric_html

__all__ = ["kpi_tile_html", "kpi_tiles_html"]

_SHARE_OF = {g.GROSS_MARGIN_BUDGET: g.GROSS_MARGIN_BUDGET_PCT, g.GROSS_MARGIN_EAC: g.GROSS_MARGIN_EAC_PCT}
_SCORES = (g.CUSTOMER_SATISFACTION, g.TEAM_SATISFACTION)


def kpi_tile_html(key: str, value_html: str, note: str) -> str:
    """One tile (the same markup as the earned-value tiles), the formula as its tooltip."""
    entry = g.explain(key)
    return (
        f'<div class="pmo-kpi" title="{esc(entry.formula)}">'
        f'<div class="pmo-kpi-label">{esc(entry.name)}</div>'
        f'<div class="pmo-kpi-value">{value_html}</div>'
        f'<div class="pmo-kpi-note">{esc(note)}</div></div>'
    )


def kpi_tiles_html(kpis: Mapping[str, Metric], currency: str, scale: str) -> list[str]:
    """The tiles of the KPIs given, in :data:`~pmoreports.metrics.kpis.KPI_KEYS` order: contract
    value, gross margin at budget and at EAC (money, the share of the contract in the note),
    customer and team satisfaction (the score with its scale)."""
    tiles = []
    for key in KPI_KEYS:
        metric = kpis.get(key)
        if metric is None or key in _SHARE_OF.values():
            continue
        if key in _SCORES:
            value = esc(score_text(metric, scale))
            note = g.explain(key).good
        elif metric.value is None:
            value, note = metric_html(metric, currency), metric.reason_text
        else:
            value = esc(fmt_money(metric.value, currency))
            share = kpis.get(_SHARE_OF.get(key, ""))
            if key == g.CONTRACT_VALUE:
                note = "the project's revenue"
            elif share is not None and share.value is not None:
                note = f"{fmt_pct(share.value)} of the contract value"
            else:
                note = g.explain(key).good
        tiles.append(kpi_tile_html(key, value, note))
    return tiles
