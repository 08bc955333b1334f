"""Number formatting and small HTML builders for reports.

Every value that reaches HTML goes through :func:`esc` (``html.escape``):
workbook text is data, never markup. Undefined metrics show as ``n/a`` with the
plain-language reason in a ``title`` attribute and as a footnote-ready text.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ..metrics.evm import Metric
from ..metrics.glossary import reason_text

__all__ = [
    "NA",
    "esc",
    "fmt_date",
    "fmt_index",
    "fmt_metric",
    "fmt_money",
    "fmt_months",
    "fmt_pct",
    "html_table",
    "metric_html",
    "rag_badge",
    "text_html",
]

NA = "n/a"


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


def rag_badge(status: str, label: str = "") -> str:
    """Coloured badge that also carries the status as text (readable in greyscale)."""
    word = {"green": "GREEN", "amber": "AMBER", "red": "RED"}.get(status, "N/A")
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
