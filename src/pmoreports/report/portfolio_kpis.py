"""The PMO's KPIs in the portfolio table, the RAG table and the Excel export.

Columns appear only when at least one project gives the KPI (a portfolio without
contract values or satisfaction scores looks exactly as before). Satisfaction scores
are shown with their scale (``3.8 / 5``): projects may use different scales.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ..metrics import glossary as g
from ..metrics.evm import Metric
from ..metrics.kpis import KPI_KEYS, score_text
from ._format import esc, fmt_pct

__all__ = ["SCALE", "excel_kpi_columns", "kpi_row", "rag_kpi_columns"]

SCALE = "satisfaction_scale"
"""Column of the portfolio table: the scale of the project's satisfaction scores."""
_SCORES = (g.CUSTOMER_SATISFACTION, g.TEAM_SATISFACTION)
_MONEY, _PCT, _SCORE = "#,##0;[Red]-#,##0", "0.0%", "0.0"


def kpi_row(m: Mapping[str, Any]) -> dict[str, Any]:
    """The KPI columns of one project's ``metrics.json`` mapping (``None`` when not given),
    with each score also as text with its scale (``<key>_text``)."""
    given = (m.get("kpis") or {}).get("metrics") or {}
    scale = (m.get("kpis") or {}).get(SCALE) or ""
    row: dict[str, Any] = {k: (given.get(k) or {}).get("value") for k in KPI_KEYS} | {SCALE: scale}
    for k in _SCORES:
        value = row[k]
        row[f"{k}_text"] = "" if value is None else score_text(Metric.of(k, value), scale)
    return row


def _given(table: pd.DataFrame, key: str) -> bool:
    return key in table.columns and bool(table[key].notna().any())


def rag_kpi_columns(table: pd.DataFrame) -> list[tuple[str, str, Callable[[Any], str]]]:
    """(label, column, formatter) of the RAG table's KPI columns that some project gives."""
    cols: list[tuple[str, str, Callable[[Any], str]]] = []
    if _given(table, g.GROSS_MARGIN_EAC_PCT):
        cols.append(("Margin at EAC", g.GROSS_MARGIN_EAC_PCT, fmt_pct))
    for key, label in ((g.CUSTOMER_SATISFACTION, "Customer sat."), (g.TEAM_SATISFACTION, "Team sat.")):
        if _given(table, key):
            cols.append((label, f"{key}_text", esc))
    return cols


def excel_kpi_columns(table: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    """(header, column, number format) of the Excel export's KPI columns that some project gives
    (money in the project's currency, like BAC and EAC)."""
    spec = [
        ("Contract value", g.CONTRACT_VALUE, _MONEY),
        ("Gross margin at budget", g.GROSS_MARGIN_BUDGET, _MONEY),
        ("Gross margin at budget %", g.GROSS_MARGIN_BUDGET_PCT, _PCT),
        ("Gross margin at EAC", g.GROSS_MARGIN_EAC, _MONEY),
        ("Gross margin at EAC %", g.GROSS_MARGIN_EAC_PCT, _PCT),
        ("Customer satisfaction", g.CUSTOMER_SATISFACTION, _SCORE),
        ("Team satisfaction", g.TEAM_SATISFACTION, _SCORE),
    ]
    cols: list[tuple[str, str, str | None]] = [c for c in spec if _given(table, c[1])]
    if any(k in _SCORES for _, k, _ in cols):
        cols.append(("Satisfaction scale", SCALE, None))
    return cols
