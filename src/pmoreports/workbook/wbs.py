"""The WBS hierarchy, read from the codes that start the WBS element labels.

One way only: an element's label starts with its code, dotted whole numbers such as
``1``, ``1.2`` or ``1.2.3`` (a trailing dot, ``1.``, is allowed; leading zeros do not
count, so ``01.2`` is ``1.2``), then a space and its name. Element ``1.2`` is a child of
the element whose code is ``1``, *when the workbook has one*; ``1.2.3`` a child of
``1.2``. A label without such a code, or whose parent code no element has, is a
top-level element. A WBS is hierarchical when at least one element has a parent;
otherwise it is flat and is reported exactly as a flat list (every element level 1).

A parent element may carry budget of its own (e.g. management of that branch); its
roll-up is its own values plus those of all its descendants. Summary elements with
no budget of their own are allowed: a Budget row with no amounts declares one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ..errors import MAJOR, MINOR, register_code

__all__ = ["WBS_DUPLICATE_CODE", "WBS_ORPHAN", "WbsNode", "WbsTree", "tree_order", "wbs_code", "wbs_tree"]

WBS_DUPLICATE_CODE: Final = register_code(
    "DQ-WBS-DUPLICATE-CODE", MAJOR, "a WBS code starts several elements; their children are shown at the top level"
).code
WBS_ORPHAN: Final = register_code(
    "DQ-WBS-ORPHAN", MINOR, "a WBS element's parent code has no element; it is shown at the top level"
).code

_CODE = re.compile(r"^\s*([0-9]{1,9}(?:\.[0-9]{1,9})*)\.?(?=\s|$)")


def wbs_code(label: str) -> str | None:
    """The normalised code that starts ``label`` (``'1.02 Build'`` -> ``'1.2'``), else ``None``."""
    m = _CODE.match(label)
    return ".".join(str(int(p)) for p in m[1].split(".")) if m else None


@dataclass(frozen=True)
class WbsNode:
    """One element: its label, code (``None`` without one), level (1 = top) and parent label."""

    label: str
    code: str | None
    level: int
    parent: str | None


@dataclass(frozen=True)
class WbsTree:
    """Every element of a WBS, in depth-first order (parents before their children, siblings
    in the order of the workbook), and the codes used by more than one element."""

    nodes: tuple[WbsNode, ...]
    duplicate_codes: dict[str, tuple[str, ...]]

    @property
    def hierarchical(self) -> bool:
        """Whether any element has a parent (else the WBS is a flat list)."""
        return any(n.parent is not None for n in self.nodes)

    def children(self, label: str) -> list[str]:
        """Labels of the direct children of ``label``."""
        return [n.label for n in self.nodes if n.parent == label]

    def descendants(self, label: str) -> list[str]:
        """``label`` and the labels of all its descendants (depth-first)."""
        out = [label]
        for child in self.children(label):
            out += self.descendants(child)
        return out

    def node(self, label: str) -> WbsNode:
        """The node of ``label``."""
        return next(n for n in self.nodes if n.label == label)

    def orphans(self) -> list[tuple[str, str]]:
        """Elements whose code has a parent code no element has, in a hierarchical WBS:
        ``(label, missing parent code)``."""
        if not self.hierarchical:
            return []
        codes = {n.code for n in self.nodes}
        out = []
        for n in self.nodes:
            parent = _parent_code(n.code)
            if n.parent is None and parent is not None and parent not in codes:
                out.append((n.label, parent))
        return out


def _parent_code(code: str | None) -> str | None:
    return code.rpartition(".")[0] or None if code else None


def wbs_tree(labels: Iterable[str]) -> WbsTree:
    """The hierarchy of the distinct ``labels`` (see the module docstring)."""
    order = list(dict.fromkeys(labels))
    codes = {label: wbs_code(label) for label in order}
    by_code: dict[str, list[str]] = {}
    for label, code in codes.items():
        if code is not None:
            by_code.setdefault(code, []).append(label)
    duplicates = {c: tuple(ls) for c, ls in by_code.items() if len(ls) > 1}
    parent_of: dict[str, str | None] = {}
    for label, code in codes.items():
        parent_code = _parent_code(code)
        owners = by_code.get(parent_code or "", [])
        parent_of[label] = owners[0] if len(owners) == 1 else None
    nodes: list[WbsNode] = []

    def visit(label: str, level: int) -> None:
        nodes.append(WbsNode(label, codes[label], level, parent_of[label]))
        for child in (x for x in order if parent_of[x] == label):
            visit(child, level + 1)

    for root in (x for x in order if parent_of[x] is None):
        visit(root, 1)
    return WbsTree(tuple(nodes), duplicates)


def tree_order(tree: WbsTree, labels: Sequence[str]) -> list[str]:
    """``labels`` sorted in the tree's depth-first order."""
    rank = {n.label: i for i, n in enumerate(tree.nodes)}
    return sorted(labels, key=lambda x: rank.get(x, len(rank)))
