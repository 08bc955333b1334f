"""The WBS hierarchy in a report: a level-1 table with each branch's breakdown, and a tree chart.

For a hierarchical WBS (:mod:`pmoreports.metrics.wbs`), the WBS cost table shows one row per
level-1 element (the element with everything below it), then one collapsible ``<details>``
per level-1 element with children, listing its descendants indented by level (no script:
the browser opens and closes it; the PDF shows it open). :func:`wbs_tree_chart` draws the
breakdown as an indented tree of bars: length = BAC, colour = CPI. A flat WBS is shown as
before (the report does not call this module).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import altair as alt
import pandas as pd

from ..metrics import glossary as g
from ..metrics.wbs import WBS_LEVEL, WBS_PARENT
from ..workbook import columns as C
from ._format import esc, html_table

__all__ = ["CPI_BANDS", "MAX_TREE_ROWS", "cpi_band", "indented", "wbs_tree_chart", "wbs_tree_html"]

MAX_TREE_ROWS = 120
"""Largest WBS (elements) drawn as a tree; a larger one is shown as the flat, bounded table."""

INDENT = "\u2013 "
"""One level of indentation in labels (an en dash: SVG text and PDF fonts keep it, unlike spaces)."""

CPI_BANDS = (
    ("CPI below 0.90", "#c62828"),
    ("CPI 0.90 to 0.99", "#f9a825"),
    ("CPI 1.00 or more", "#2e7d32"),
    ("CPI not defined (nothing spent yet)", "#9e9e9e"),
)
"""Colour bands of the tree chart (the report's RAG colours)."""

LABEL_WIDTH = 220
"""Room for the indented labels left of the bars (pixels)."""


def cpi_band(cpi: float) -> str:
    """The :data:`CPI_BANDS` name of ``cpi`` (NaN: not defined)."""
    if pd.isna(cpi):
        return CPI_BANDS[3][0]
    return CPI_BANDS[0][0] if cpi < 0.9 else CPI_BANDS[1][0] if cpi < 1.0 else CPI_BANDS[2][0]


def indented(label: str, level: int) -> str:
    """``label`` preceded by one :data:`INDENT` per level below the top."""
    return INDENT * max(level - 1, 0) + label


def _branch(rollup: pd.DataFrame, root: str) -> pd.DataFrame:
    """The rows of ``root``'s descendants (depth-first, as in the roll-up)."""
    parents = dict(zip(rollup[C.WBS], rollup[WBS_PARENT], strict=True))

    def under(label: str) -> bool:
        parent = parents.get(label)
        while parent is not None:
            if parent == root:
                return True
            parent = parents.get(parent)
        return False

    return rollup[[under(str(x)) for x in rollup[C.WBS]]]


def wbs_tree_html(
    rollup: pd.DataFrame,
    heads: Sequence[str],
    cells: Callable[[pd.Series], list[str]],
    total: list[str],
    caption: str,
) -> str:
    """The level-1 table (``cells`` of each level-1 roll-up row, then the ``total`` row) and one
    ``<details>`` per level-1 element with children, whose table lists the descendants."""
    numeric = [False] + [True] * (len(heads) - 1)
    top = rollup[rollup[WBS_LEVEL] == 1]
    rows = [[esc(r[C.WBS]), *cells(r)] for _, r in top.iterrows()]
    rows.append(total)
    table = html_table(heads, rows, numeric=numeric, caption=f"{caption}. Each row: the element with all below it")
    parts = [table]
    for _, r in top.iterrows():
        branch = _branch(rollup, str(r[C.WBS]))
        if branch.empty:
            continue
        n = len(branch)
        summary = f"{r[C.WBS]}: {n} element{'s' if n != 1 else ''} below"
        inner = [[esc(indented(str(b[C.WBS]), int(b[WBS_LEVEL]) - 1)), *cells(b)] for _, b in branch.iterrows()]
        parts.append(
            f'<details class="pmo-wbs-branch"><summary>{esc(summary)}</summary>'
            f"{html_table(heads, inner, numeric=numeric)}</details>"
        )
    return "".join(parts)


def wbs_tree_chart(rollup: pd.DataFrame, currency: str, width: int = 640) -> alt.Chart:
    """Every element of the hierarchy, depth-first and indented by level: bar length = BAC
    (with everything below it), colour = CPI (grey when undefined), tooltip with EV, AC, EAC."""
    frame = pd.DataFrame(
        {
            "element": [indented(str(w), int(lv)) for w, lv in zip(rollup[C.WBS], rollup[WBS_LEVEL], strict=True)],
            "level": rollup[WBS_LEVEL].astype(int),
            "bac": pd.to_numeric(rollup[g.BAC], errors="coerce"),
            "cpi": pd.to_numeric(rollup[g.CPI], errors="coerce"),
            "ev": pd.to_numeric(rollup[g.EV], errors="coerce"),
            "ac": pd.to_numeric(rollup[g.ACTUAL_TO_DATE], errors="coerce"),
            "eac": pd.to_numeric(rollup[g.EAC], errors="coerce"),
        }
    )
    frame["band"] = [cpi_band(x) for x in frame["cpi"]]
    order = list(frame["element"])
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "element:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelAlign="left", labelPadding=LABEL_WIDTH, labelLimit=LABEL_WIDTH - 10),
            ),
            x=alt.X("bac:Q", title=f"BAC ({currency})", axis=alt.Axis(format="~s", tickCount=6)),
            color=alt.Color(
                "band:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=[b for b, _ in CPI_BANDS], range=[c for _, c in CPI_BANDS]),
            ),
            tooltip=[
                alt.Tooltip("element:N", title="WBS element"),
                alt.Tooltip("bac:Q", title="BAC", format=",.0f"),
                alt.Tooltip("cpi:Q", title="CPI", format=".2f"),
                alt.Tooltip("ev:Q", title="EV", format=",.0f"),
                alt.Tooltip("ac:Q", title="AC", format=",.0f"),
                alt.Tooltip("eac:Q", title="EAC", format=",.0f"),
            ],
        )
        .properties(
            width=max(width - LABEL_WIDTH, 200),
            height=22 * max(len(frame), 1) + 20,
            title=alt.TitleParams("WBS breakdown", subtitle=["Bar length: BAC with everything below; colour: CPI"]),
        )
    )
    return cast(alt.Chart, bars)
