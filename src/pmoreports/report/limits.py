"""How long a report's lists and charts may get: the rest is summed into "Others".

A report must render whatever size of workbook ``template check`` accepts, in HTML
and PDF alike, without a chart running over the page footer. So every section that
lists WBS elements, cost categories, risks, milestones, changes or warnings shows
at most N rows (N is one constant per section, below). When a list is longer than
N + 1 rows, the section shows the N rows that matter most for it, ranked by what
it is about, and one "Others (k ...)" row whose amounts are the sums of the k rows
it stands for, so totals still add up; its caption says how many are shown and
where the full list is (the metrics CSV files, or the workbook). Lists of at most
N + 1 rows are shown whole, in their usual order, exactly as before.

Charts have a bounded height (:data:`MAX_CHART_HEIGHT` pixels of plot area), so a
chart always fits on one page, and a bounded number of points per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

__all__ = [
    "CATEGORY_CHART_BARS",
    "CATEGORY_TABLE_ROWS",
    "CHANGE_LOG_ROWS",
    "MAX_CHART_HEIGHT",
    "MAX_CHART_MONTHS",
    "MILESTONE_ROWS",
    "PORTFOLIO_MILESTONE_ROWS",
    "PORTFOLIO_VARIANCE_ROWS",
    "REALISM_ROWS",
    "VARIANCE_ROWS",
    "WARNING_ROWS",
    "WBS_CHART_BARS",
    "WBS_TABLE_ROWS",
    "Split",
    "others_label",
    "split_rows",
]

WBS_CHART_BARS: Final = 15
"""WBS chart: the N elements with the largest BAC, then one "Others" bar."""
CATEGORY_CHART_BARS: Final = 15
"""Cost-category chart: the N categories with the largest BAC, then "Others"."""
WBS_TABLE_ROWS: Final = 25
"""WBS cost table: the N elements with the largest |VAC| (then BAC), then "Others"
(all elements are in ``cost_by_wbs.csv``)."""
CATEGORY_TABLE_ROWS: Final = 25
"""Cost-category table: as the WBS table (all categories in ``cost_by_category.csv``)."""
MILESTONE_ROWS: Final = 25
"""Milestones table: late, then at risk, then the next due (soonest first), then the
most recently done; the rest counted in "Others" (all in ``milestones.csv``)."""
CHANGE_LOG_ROWS: Final = 25
"""Change log: the N changes with the largest |cost impact|, then "Others" (the
summary by status above it always counts every change)."""
WARNING_ROWS: Final = 50
"""Data-quality section: the first N warnings; ``pmoreports template check`` lists all."""
PORTFOLIO_MILESTONE_ROWS: Final = 25
"""Portfolio summary: the N soonest milestones due in the next months."""
VARIANCE_ROWS: Final = 25
"""Variance analysis: the N threshold breaches that matter most (the project's first,
then the largest amounts), then one row counting the rest; the same for the variances
that could not be assessed (all in ``variances.csv``)."""
REALISM_ROWS: Final = 25
"""Forecast realism by WBS element: the N elements whose forecast is furthest outside
its independent range (then the largest TCPI gap), then "Others" (all in ``eac_realism.csv``)."""
PORTFOLIO_VARIANCE_ROWS: Final = 25
"""Portfolio summary: the N largest unexplained variances across projects."""
MAX_CHART_MONTHS: Final = 600
"""Time charts (S-curve, index trend): at most this many points per line (50 years of
months); a longer plan is drawn every k-th month, with its status and last month."""
MAX_CHART_HEIGHT: Final = 600
"""Largest plot height of any chart, in pixels (a chart's title, legend and axes add
about 100 px; an A4 or Letter page's content box is about 900 px tall)."""


@dataclass(frozen=True)
class Split:
    """Which rows of a list a section shows.

    ``shown``: positions (0-based, in the list) of the rows to show, in display order;
    ``others``: positions of the rows summed into one "Others" row (empty when the
    whole list is shown); ``total``: length of the list.
    """

    shown: list[int]
    others: list[int]
    total: int

    @property
    def cut(self) -> bool:
        """Whether some rows are summed into "Others"."""
        return bool(self.others)


def split_rows(keys: pd.DataFrame, n: int, ascending: Sequence[bool]) -> Split:
    """Rows to show of a list of ``len(keys)`` rows, at most ``n`` plus "Others".

    A list of at most ``n + 1`` rows is shown whole, in its own order (an "Others" row
    standing for a single row would hide it for nothing). A longer one shows the first
    ``n`` rows after sorting by the columns of ``keys`` (``ascending`` per column; NaN
    last; ties keep the list's order); the rest go to "Others".
    """
    total = len(keys)
    if total <= n + 1:
        return Split(list(range(total)), [], total)
    ranked = keys.reset_index(drop=True).sort_values(
        list(keys.columns), ascending=list(ascending), kind="stable", na_position="last"
    )
    order = [int(i) for i in ranked.index]
    return Split(order[:n], sorted(order[n:]), total)


def others_label(count: int, noun: str, one: str = "") -> str:
    """Label of the row that stands for ``count`` rows: ``Others (1,985 elements)``
    (``one`` is the singular of ``noun``, for a count of 1)."""
    return f"Others ({count:,} {one if count == 1 and one else noun})"
