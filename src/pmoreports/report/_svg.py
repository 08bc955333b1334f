"""Top-level ``<svg>`` elements of an HTML document, found without an HTML parse.

Charts are most of a report's bytes and need no HTML parsing: the sanitizer keeps inert
ones as they are and the Typst converter lays them out as images. Both take them out of
the document first with :func:`lift_svgs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

__all__ = ["lift_svgs", "svg_spans"]

_SVG_EDGE = re.compile(r"<(/?)svg(?=[\s/>])", re.IGNORECASE)


def svg_spans(html: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every top-level ``<svg>...</svg>`` in ``html`` (``end`` exclusive,
    nested ``<svg>`` counted); an unclosed element is not yielded."""
    depth, start = 0, 0
    for m in _SVG_EDGE.finditer(html):
        if not m.group(1):
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            end = html.find(">", m.end())
            if depth == 0 and end >= 0:
                yield start, end + 1


def lift_svgs(
    html: str, placeholder: Callable[[int], str], keep: Callable[[str], bool] = bool
) -> tuple[str, list[str]]:
    """Take every top-level ``<svg>`` that ``keep`` accepts out of ``html``, leaving
    ``placeholder(n)`` in the place of the n-th (0-based); returns the document and the SVGs."""
    lifted: list[str] = []
    parts: list[str] = []
    last = 0
    for start, end in svg_spans(html):
        svg = html[start:end]
        if keep(svg):
            parts += [html[last:start], placeholder(len(lifted))]
            lifted.append(svg)
            last = end
    if not lifted:
        return html, lifted
    return "".join([*parts, html[last:]]), lifted
