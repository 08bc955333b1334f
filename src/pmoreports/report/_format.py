"""Number formatting and small HTML builders for reports, and the same formats for notebooks.

Every value that reaches HTML goes through :func:`esc` (``html.escape``):
workbook text is data, never markup. Undefined metrics show as ``n/a`` with the
plain-language reason in a ``title`` attribute and as a footnote-ready text.

In a notebook, :class:`NotebookHTML` shows a report section with the report's own
styles (scoped to the section, so JupyterLab's look is untouched), and
:func:`style_frame` shows a DataFrame with the report's number formats (by unit) and RAG
colours, as a pandas ``Styler``; figures never wrap inside themselves.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
from IPython.core.display import HTML

from ..metrics.evm import Metric, finite_float
from ..metrics.glossary import reason_text
from ..paths import REPORT_CSS

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "NA",
    "RAG",
    "TEXT",
    "NotebookHTML",
    "esc",
    "fmt_date",
    "fmt_index",
    "fmt_metric",
    "fmt_money",
    "fmt_months",
    "fmt_pct",
    "fmt_unit",
    "html_table",
    "metric_html",
    "notebook_css",
    "rag_badge",
    "rag_colours",
    "style_frame",
    "text_html",
]

NA = "n/a"
RAG: Final = "rag"
"""Unit of a column of RAG statuses (green, amber, red, grey) in :func:`style_frame`."""
TEXT: Final = "text"
"""Unit of a column of plain text in :func:`style_frame`."""


def esc(value: Any) -> str:
    """HTML-escaped text of ``value`` (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_money(value: float | None, currency: str = "", *, signed: bool = False) -> str:
    """``EUR 1,234,567`` (no decimals; ``-`` sign for negatives, ``+`` when ``signed``)."""
    if _missing(value):
        return NA
    assert value is not None
    sign = "-" if value < -0.5 else ("+" if signed and value > 0.5 else "")
    text = f"{sign}{abs(value):,.0f}"
    return f"{currency} {text}" if currency else text


def fmt_pct(value: float | None, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as percent: ``0.1234`` -> ``12.3%``."""
    if _missing(value):
        return NA
    assert value is not None
    return f"{value:+.{digits}%}" if signed else f"{value:.{digits}%}"


def fmt_index(value: float | None) -> str:
    """A performance index with two decimals: ``0.93``."""
    return NA if _missing(value) else f"{value:.2f}"


def fmt_months(value: float | None) -> str:
    """A duration in months with one decimal."""
    return NA if _missing(value) else f"{value:.1f} months"


def fmt_date(value: Any) -> str:
    """ISO date (``2026-10-31``) or ``n/a``."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return NA
    if hasattr(value, "date") and callable(value.date):
        try:
            value = value.date()
        except (ValueError, TypeError):
            return NA
    return value.isoformat() if isinstance(value, dt.date) else esc(value)


_BY_UNIT = {
    "index": lambda v, c: fmt_index(v),
    "fraction": lambda v, c: fmt_pct(v),
    "months": lambda v, c: fmt_months(v),
    "years": lambda v, c: NA if _missing(v) else f"{v:.1f} years",
    "days": lambda v, c: NA if _missing(v) else f"{v:,.0f} days",
    "count": lambda v, c: NA if _missing(v) else f"{v:,.0f}",
}


def fmt_unit(value: Any, unit: str, currency: str = "") -> str:
    """Text of ``value`` in the report's format for its unit (``money``, ``index``,
    ``fraction``, ``months``, ``years``, ``days``, ``count``, :data:`RAG`, :data:`TEXT`);
    ``n/a`` when missing. Money is ``1,234,567`` (with ``currency`` in front when given)."""
    if unit == RAG:
        return _rag_word(value)
    if unit == TEXT or isinstance(value, str):
        return NA if _missing(value) else str(value)
    number = None if isinstance(value, bool) else finite_float(value)
    fmt = _BY_UNIT.get(unit)
    return fmt(number, currency) if fmt else fmt_money(number, currency)


def fmt_metric(metric: Metric, currency: str = "") -> str:
    """Plain text of a metric by its unit (money when the unit is money or unknown)."""
    fmt = _BY_UNIT.get(metric.unit)
    return fmt(metric.value, currency) if fmt else fmt_money(metric.value, currency)


def metric_html(metric: Metric, currency: str = "") -> str:
    """``<span>`` with the formatted value, its key and raw value as data attributes,
    and the reason as a tooltip when undefined."""
    raw = "" if metric.value is None else repr(float(metric.value))
    why = f' title="{esc(reason_text(metric.reason))}"' if metric.value is None else ""
    return (
        f'<span class="pmo-value" data-metric="{esc(metric.key)}" data-value="{raw}"{why}>'
        f"{esc(fmt_metric(metric, currency))}</span>"
    )


def _rag_word(status: Any) -> str:
    return {"green": "GREEN", "amber": "AMBER", "red": "RED"}.get(str(status).lower(), "N/A")


def rag_badge(status: str, label: str = "") -> str:
    """Coloured badge that also carries the status as text (readable in greyscale)."""
    word = _rag_word(status)
    text = f"{label}: {word}" if label else word
    return f'<span class="pmo-rag pmo-rag-{esc(status)}" data-rag="{esc(status)}">{esc(text)}</span>'


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[bool] | None = None,
    caption: str = "",
    css_class: str = "pmo-table",
) -> str:
    """A table from already escaped/formatted cell HTML (headers are escaped here)."""
    numeric = numeric or [False] * len(headers)
    head = "".join(
        f'<th class="pmo-num">{esc(h)}</th>' if n else f"<th>{esc(h)}</th>"
        for h, n in zip(headers, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="pmo-num">{c}</td>' if n else f"<td>{c}</td>" for c, n in zip(row, numeric, strict=True))
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<table class="{esc(css_class)}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def text_html(s: str | None) -> str:
    """Workbook text as an HTML fragment: escaped, blank lines separate paragraphs,
    single newlines become line breaks."""
    text = (s or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n(?:[ \t]*\n)+", text) if p.strip()]
    body = "".join("<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs)
    return f'<div class="pmo-text">{body}</div>'


# -- notebooks --------------------------------------------------------------------------------

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_SCOPE = "pmo-nb"
_UNSCOPED = ("body", "@")
"""Rules of the report stylesheet a notebook does not take: the page body and at-rules
(``@page``, ``@media print``)."""


def _top_level_rules(css: str) -> Iterable[tuple[str, str]]:
    """``(selectors, declarations)`` of the top-level rules of ``css``; at-rule blocks are
    yielded whole as ``("@...", "")``."""
    css = _COMMENT.sub("", css)
    i = 0
    while (start := css.find("{", i)) >= 0:
        head = css[i:start].strip()
        depth, j = 1, start + 1
        while depth and j < len(css):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        yield (head, "") if head.startswith("@") else (head, css[start + 1 : j - 1].strip())
        i = j


@functools.cache
def notebook_css() -> str:
    """The report stylesheet for a notebook output: every rule scoped under ``.pmo-nb``
    (``:root`` and ``html`` become ``.pmo-nb`` itself), without the page body, the
    notebook-structure rules and the print at-rules. One source: ``report.css``."""
    out = []
    for head, body in _top_level_rules(REPORT_CSS.read_text(encoding="utf-8")):
        selectors = [x.strip() for x in head.split(",")]
        if head.startswith(_UNSCOPED) or any(x.startswith((".jp-", "a.anchor")) for x in selectors):
            continue
        scoped = [f".{_SCOPE}" if x in (":root", "html") else f".{_SCOPE} {x}" for x in selectors]
        out.append(f"{', '.join(scoped)} {{ {' '.join(body.split())} }}")
    return "\n".join(out)


class NotebookHTML(HTML):  # type: ignore[misc]
    """A report section. ``data`` is the fragment a report page shows (the page has the
    stylesheet); displayed in a notebook (charts not static), it carries the report's
    styles with it, scoped to itself (:func:`notebook_css`)."""

    def __init__(self, data: str) -> None:
        super().__init__(data)  # type: ignore[no-untyped-call]

    def _repr_html_(self) -> str:
        from .charts_display import is_static

        data = str(self.data)
        return data if is_static() else f'<div class="{_SCOPE}"><style>{notebook_css()}</style>{data}</div>'


@functools.cache
def rag_colours() -> dict[str, tuple[str, str]]:
    """``status -> (background, text colour)`` of the report's RAG badges, read from
    ``report.css`` (``--pmo-green``...; grey is drawn as an outline there, here filled)."""
    palette = dict(re.findall(r"--pmo-([a-z]+):\s*(#[0-9a-fA-F]{3,6})", REPORT_CSS.read_text(encoding="utf-8")))
    text = {"green": "#ffffff", "amber": "#000000", "red": "#ffffff", "grey": "#ffffff"}
    return {status: (palette[status], ink) for status, ink in text.items()}


def _rag_css(status: Any) -> str:
    colours = rag_colours().get(str(status).lower())
    if colours is None:
        return ""
    return f"background-color: {colours[0]}; color: {colours[1]}; font-weight: 700; text-align: center"


def style_frame(
    frame: pd.DataFrame,
    units: Mapping[str, str],
    *,
    labels: Mapping[str, str] | None = None,
    caption: str = "",
) -> Styler:
    """``frame`` as a pandas ``Styler`` in the report's formats: each column formatted by its
    unit (:func:`fmt_unit`; a column without a unit is text), RAG columns as the status word
    on the badge colour, numbers right-aligned in tabular figures that never wrap, ``n/a``
    where a value is missing. ``labels`` renames column headers; ``caption`` goes on top."""
    formats: dict[Any, str | Callable[[object], str] | None] = {
        column: functools.partial(fmt_unit, unit=units.get(str(column), TEXT)) for column in frame.columns
    }
    styler = frame.style.format(formats)
    rag: list[Hashable] = [c for c in frame.columns if units.get(str(c)) == RAG]
    numeric: list[Hashable] = [c for c in frame.columns if units.get(str(c), TEXT) not in (RAG, TEXT)]
    if rag:
        styler = styler.map(_rag_css, subset=rag)
    if numeric:
        styler = styler.set_properties(
            subset=numeric,
            **{"text-align": "right", "white-space": "nowrap", "font-variant-numeric": "tabular-nums"},
        )
    styler = styler.set_table_styles(
        [
            {"selector": "th", "props": "white-space: nowrap; text-align: left;"},
            {"selector": "caption", "props": "caption-side: top; text-align: left; color: #52606d;"},
        ]
    )
    if labels:
        styler = styler.relabel_index([labels.get(str(c), str(c)) for c in frame.columns], axis=1)
    return styler.set_caption(caption) if caption else styler
