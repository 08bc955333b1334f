"""WBS hierarchy roll-up: metrics per WBS element with its level and parent, and per branch.

The hierarchy comes from the codes that start the WBS labels (``1``, ``1.2``, ``1.2.3``;
see :mod:`pmoreports.workbook.wbs`). Two views:

- every per-element table (``evm_by_wbs``, ``cost_by_wbs``) carries ``wbs_level`` (1 = top)
  and ``wbs_parent`` (the parent's label, ``None`` at the top); a flat WBS has every
  element at level 1 without a parent, and its values are unchanged;
- :func:`wbs_rollup`: one row per element, depth-first (parents before children), whose
  amounts are the element's own plus all its descendants'. As for any roll-up, the
  cumulative PV, EV and AC curves are summed first and every index and forecast is
  computed from the sums, never averaged; the bottom-up ETC of a branch sums its
  elements' estimates, an element without one counting its remaining budget (undefined
  when no element of the branch has one).
"""

from __future__ import annotations

from typing import Final, TypeVar, cast

import numpy as np
import pandas as pd

from ..workbook import columns as col
from ..workbook.model import ProjectData
from ..workbook.wbs import WbsTree, wbs_tree
from .costs import cost_table
from .evm import Curves, EvmSeries, Table, evm_series, project_curves

__all__ = ["WBS_CODE", "WBS_LEVEL", "WBS_PARENT", "project_wbs_tree", "wbs_rollup", "with_hierarchy"]

WBS_LEVEL: Final = "wbs_level"
"""Column: level of the element in the hierarchy (1 = top level)."""
WBS_PARENT: Final = "wbs_parent"
"""Column: the parent element's label (``None`` for a top-level element)."""
WBS_CODE: Final = "wbs_code"
"""Column: the element's code (``1.2``), ``None`` when its label has none."""


def project_wbs_tree(data: ProjectData) -> WbsTree:
    """The WBS hierarchy of a project's Budget elements (in the order of the Budget sheet)."""
    return wbs_tree(data.budget[col.WBS].astype(str))


T = TypeVar("T", bound=Table)


def with_hierarchy(table: T, tree: WbsTree) -> T:
    """``table`` (keyed by ``wbs``) with ``wbs_code``, ``wbs_level`` and ``wbs_parent`` after the key."""
    nodes = {n.label: n for n in tree.nodes}
    values, reasons = table.values.copy(), table.reasons.copy()
    at = list(values.columns).index(col.WBS) + 1
    labels = values[col.WBS].astype(str)
    extra = {
        WBS_CODE: [nodes[x].code if x in nodes else None for x in labels],
        WBS_LEVEL: [nodes[x].level if x in nodes else 1 for x in labels],
        WBS_PARENT: [nodes[x].parent if x in nodes else None for x in labels],
    }
    for i, (name, column) in enumerate(extra.items()):
        values.insert(at + i, name, pd.Series(column, index=values.index, dtype=object if name != WBS_LEVEL else int))
        reasons.insert(at + i, name, pd.Series([None] * len(reasons), index=reasons.index, dtype=object))
    if isinstance(table, EvmSeries):
        return cast(T, EvmSeries(values, reasons, table.key_columns, table.status_month, table.origin))
    return cast(T, Table(values, reasons))


def wbs_rollup(data: ProjectData, *, eac_method: str = "cpi", tree: WbsTree | None = None) -> Table:
    """Budget vs actual (:func:`~pmoreports.metrics.costs.cost_table` columns) of every element
    with its descendants, depth-first, with the hierarchy columns (see the module docstring)."""
    tree = tree or project_wbs_tree(data)
    curves = project_curves(data, (col.WBS,))
    labels = list(curves.keys[col.WBS].astype(str))
    members = np.zeros((len(tree.nodes), len(labels)))
    for i, node in enumerate(tree.nodes):
        for label in tree.descendants(node.label):
            members[i, labels.index(label)] = 1.0
    etc = _branch_etc(curves, members)
    rolled = Curves(
        pd.DataFrame({col.WBS: [n.label for n in tree.nodes]}),
        curves.months,
        members @ curves.pv,
        members @ curves.ev,
        members @ curves.ac,
        curves.status_index,
        etc,
    )
    series = evm_series(rolled, eac_method=eac_method, only_status=True)
    return with_hierarchy(cost_table(series, col.WBS), tree)


def _branch_etc(curves: Curves, members: np.ndarray) -> np.ndarray | None:
    """Bottom-up ETC of each branch: given ETCs summed, an element without one counting its
    remaining budget max(BAC - EV, 0); NaN when no element of the branch has one."""
    if curves.etc is None:
        return None
    given = np.asarray(curves.etc, dtype=float)
    remaining = np.maximum(curves.pv[:, -1] - curves.ev[:, curves.status_index], 0.0)
    filled = np.where(np.isnan(given), remaining, given)
    has = members @ (~np.isnan(given)).astype(float)
    return np.where(has > 0, members @ filled, np.nan)
