"""Report HTML -> PDF with Typst: one generic converter, no second report.

:func:`document_from_html` turns a report's sanitized HTML (the kit's own
restricted subset: headings, paragraphs, the ``pmo-*`` classes, tables with
captions and numeric columns, ``dl`` facts, KPI tiles, RAG badges, inline SVG
charts, images, notes and warnings, lists, code) into a small JSON tree;
``templates/report/typst/report.typ`` lays that tree out. The notebook stays the
one definition of content and order, and the PDF shows the HTML's visible text
by construction. Screen-only parts are left out: hidden elements, form controls
and their ``<label for=...>`` (the sort arrows of the portfolio table).

Every piece of text reaches Typst as a JSON string in ``sys.inputs`` and is shown
as a string, never parsed as Typst markup, so ``#``, ``$``, ``@``, ``<``, ``[``,
``\\`` and friends in workbook text print literally. SVG charts travel the same way
(as image bytes); nothing is read from disk but the template and the fonts, and
the template imports no package (nothing is fetched).

Fonts: only those in ``templates/report/fonts`` (Liberation Sans) and the ones
compiled into Typst (DejaVu Sans Mono for code); system fonts are ignored, so a
given input gives the same PDF bytes on any machine. The PDF creation date is
fixed (the end of the report period), so reruns are byte-identical.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import functools
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import typst
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from ..errors import ReportError
from ..paths import REPORT_TEMPLATE_DIR
from ._svg import lift_svgs

__all__ = [
    "FONTS_DIR",
    "PAPERS",
    "TYPST_TEMPLATE",
    "compile_document",
    "document_from_html",
    "period_timestamp",
    "typst_ran_here",
]

FONTS_DIR = REPORT_TEMPLATE_DIR / "fonts"
"""The only fonts the PDF may use (besides the ones compiled into Typst)."""
TYPST_TEMPLATE = REPORT_TEMPLATE_DIR / "typst" / "report.typ"
"""The Typst layout of the document tree."""
PAPERS = {"A4": "a4", "Letter": "us-letter"}
"""Page size name (as in params) -> Typst paper name."""
FALLBACK_TIMESTAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""PDF creation date when the HTML names no period (never the clock: reruns stay identical)."""

Block = dict[str, Any]
Inline = str | dict[str, Any]

_SKIP = frozenset(
    {
        "head", "title", "style", "script", "template", "noscript", "meta", "link",
        "input", "button", "select", "option", "textarea", "colgroup", "col",
    }
)  # fmt: skip
#: Classes report.css hides (prompts, collapsers, anchor links).
_HIDDEN_CLASSES = frozenset(
    {"jp-Collapser", "jp-InputPrompt", "jp-OutputPrompt", "jp-InputArea-prompt", "jp-OutputArea-prompt", "anchor-link"}
)
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "img", "li", "main", "nav", "ol", "p",
        "pre", "section", "summary", "svg", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_INLINE_KINDS = {
    "b": "b", "strong": "b", "i": "i", "em": "i", "cite": "i", "var": "i", "dfn": "i",
    "u": "u", "ins": "u", "s": "s", "del": "s", "strike": "s", "sup": "sup", "sub": "sub",
}  # fmt: skip
_CODE = frozenset({"code", "kbd", "samp", "tt"})
#: Class of a container or paragraph -> style name in report.typ.
_STYLES = {
    "pmo-note": "note",
    "pmo-warning": "warning",
    "pmo-kpis": "tiles",
    "pmo-kpi": "tile",
    "pmo-kpi-label": "kpi-label",
    "pmo-kpi-value": "kpi-value",
    "pmo-kpi-note": "kpi-note",
    "pmo-doc-header": "doc-header",
    "pmo-overall": "lead",
    "pmo-avoid-break": "avoid-break",
    "pmo-title": "title",
    "pmo-meta": "meta",
    "pmo-facts": "facts",
    "pmo-logo": "logo",
}
_SPACES = re.compile(r"[ \t\n\r\f]+")  # HTML white space (not NBSP)
#: A figure, optionally with its currency code: kept on one line.
_FIGURE = re.compile(r"(?:\b[A-Z]{3} )?[-+\u2212]?\d(?:[\d,.:/-]*\d)?(?: ?%)?")
#: A table cell that holds a number only (right-aligned, tabular).
_NUMBER_CELL = re.compile(r"(?:[A-Z]{3} )?[-+\u2212]?(?:\d[\d,. ]*)?\d(?:\.\d+)?(?: ?%| ?[kKmM])?|n/a|-")
_CHUNK = 8
_LONG_WORD = re.compile(r"[^ \t\n\r\f]{25,}")  # longer than a narrow table column
_DATA_URI = re.compile(r"data:(image/[\w.+-]+)(;base64)?,(.*)", re.IGNORECASE | re.DOTALL)
_BITMAP_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF")
_PX = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(px)?\s*")
_PERIOD = re.compile(r"(\d{4})-(\d{2})")
_SVG_CASE = re.compile(r"<[^>]*>")  # a whole tag: serialized HTML escapes ">" in values
_ATTR = re.compile(r"""\s([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SVG_NAME = re.compile(r"(?<=[<\s/])[a-z]+(?=[\s=/>])")

#: HTML parsers lower-case SVG names; XML (and so Typst) needs them as written.
_SVG_NAMES = {
    n.lower(): n
    for n in (  # noqa: SIM905
        "altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend "
        "feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting "
        "feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR "
        "feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight "
        "feSpecularLighting feSpotLight feTile feTurbulence foreignObject glyphRef linearGradient "
        "radialGradient textPath attributeName attributeType baseFrequency baseProfile calcMode "
        "clipPathUnits diffuseConstant edgeMode filterUnits gradientTransform gradientUnits "
        "kernelMatrix kernelUnitLength keyPoints keySplines keyTimes lengthAdjust limitingConeAngle "
        "markerHeight markerUnits markerWidth maskContentUnits maskUnits numOctaves pathLength "
        "patternContentUnits patternTransform patternUnits pointsAtX pointsAtY pointsAtZ "
        "preserveAlpha preserveAspectRatio primitiveUnits refX refY repeatCount repeatDur "
        "requiredExtensions requiredFeatures specularConstant specularExponent spreadMethod "
        "startOffset stdDeviation stitchTiles surfaceScale systemLanguage tableValues targetX "
        "targetY textLength viewBox viewTarget xChannelSelector yChannelSelector zoomAndPan"
    ).split()
}


# --- HTML -> document tree ---------------------------------------------------------------


def document_from_html(html: str, soup: BeautifulSoup | None = None) -> dict[str, Any]:
    """The document tree of a report's HTML (see ``report.typ`` for its shape).

    Title from ``<title>`` (else the ``h1.pmo-title``); running header from the
    ``Project`` and ``Period`` meta items; footer from the title. ``soup``: ``html``
    already parsed (saves a parse; SVGs are still taken as text from ``html``).
    """
    lifted, svgs = _lift_svgs(html)
    tags: list[Tag] = []
    if soup is not None:
        tags = [t for t in soup.find_all("svg") if isinstance(t, Tag) and t.find_parent("svg") is None]
    if soup is None or len(tags) != len(svgs):
        soup = BeautifulSoup(lifted, "html.parser")
        tags = [t for t in soup.find_all("svg", attrs={"data-pmo-svg": True}) if isinstance(t, Tag)]
    for tag, svg in zip(tags, svgs, strict=True):
        tag.attrs["data-pmo-svg"] = svg
    title_tag = soup.find("title") or soup.find(class_="pmo-title")
    title = _text(title_tag) if isinstance(title_tag, Tag) else ""
    root = soup.body or soup
    return {
        "title": title,
        "header": [_meta(soup, "project"), _meta(soup, "period")],
        "footer": title,
        "period": _meta(soup, "period"),
        "body": _blocks(root.children),
    }


def _lift_svgs(html: str) -> tuple[str, list[str]]:
    """Take every top-level ``<svg>...</svg>`` out of ``html`` (they are most of a report's
    bytes and need no HTML parsing), leaving ``<svg data-pmo-svg="N"></svg>`` in its place."""
    lifted, svgs = lift_svgs(html, lambda n: f'<svg data-pmo-svg="{n}"></svg>')
    return lifted, [_SVG_CASE.sub(_svg_case, svg) for svg in svgs]


def _svg_case(m: re.Match[str]) -> str:
    """One SVG tag with the names an HTML serializer lower-cased written as XML needs them."""
    return _SVG_NAME.sub(lambda n: _SVG_NAMES.get(n.group(0), n.group(0)), m.group(0))


def _meta(soup: BeautifulSoup, name: str) -> str:
    item = soup.find(class_=f"pmo-meta-{name}")
    dd = item.find("dd") if isinstance(item, Tag) else None
    return _text(dd) if isinstance(dd, Tag) else ""


def _text(tag: Tag) -> str:
    return _SPACES.sub(" ", tag.get_text()).strip()


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return list(value) if isinstance(value, list) else str(value or "").split()


def _style(tag: Tag) -> str:
    for cls in _classes(tag):
        if cls in _STYLES:
            return _STYLES[cls]
    return ""


def _hidden(tag: Tag) -> bool:
    """Not shown in print: metadata, scripts, form controls and their labels, hidden elements."""
    if tag.name in _SKIP or tag.has_attr("hidden") or (tag.name == "label" and tag.has_attr("for")):
        return True
    style = str(tag.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or not _HIDDEN_CLASSES.isdisjoint(_classes(tag))


def _is_block(tag: Tag) -> bool:
    return tag.name in _BLOCK or _has_block(tag)


def _has_block(tag: Tag) -> bool:
    """Whether ``tag`` contains a block element (``Tag.find`` with a set of names is slow)."""
    return any(isinstance(d, Tag) and d.name in _BLOCK for d in tag.descendants)


def _blocks(nodes: Iterable[Any]) -> list[Block]:
    """Blocks of a run of sibling nodes; inline runs between blocks become paragraphs."""
    out: list[Block] = []
    run: list[Inline] = []
    for node in nodes:
        if isinstance(node, Tag):
            if _hidden(node):
                continue
            if _is_block(node):
                _flush(run, out)
                out.extend(_block(node))
            else:
                run.extend(_inline(node))
        elif type(node) is NavigableString:
            run.append(_SPACES.sub(" ", str(node)))
    _flush(run, out)
    return out


def _flush(run: list[Inline], out: list[Block], style: str = "") -> None:
    content = _tidy(run)
    run.clear()
    if content:
        out.append({"k": "p", "c": content, "s": style})


def _block(tag: Tag) -> list[Block]:
    name, style = tag.name, _style(tag)
    if name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
        return [{"k": "h", "l": int(name[1]), "c": _tidy(_inline_children(tag)), "s": style}]
    if name == "table":
        return _table(tag)
    if name in {"ul", "ol"}:
        items = [_blocks(li.children) for li in tag.find_all("li", recursive=False) if not _hidden(li)]
        return [{"k": "list", "o": name == "ol", "items": items}] if items else []
    if name == "dl":
        return _definition_list(tag, style)
    if name == "pre":
        return [{"k": "pre", "t": tag.get_text().strip("\n")}]
    if name == "hr":
        return [{"k": "hr"}]
    if name == "svg":
        return [_svg(tag)]
    if name == "img":
        image = _image(tag)
        return [image] if image else []
    if "pmo-long" in _classes(tag) and style == "kpi-value":
        style = "kpi-value-long"
    if not _has_block(tag):  # a container of inline content is one paragraph
        out: list[Block] = []
        _flush(_inline_children(tag), out, style)
        return out
    children = _blocks(tag.children)
    if name == "blockquote":
        style = style or "note"
    return [{"k": "box", "s": style, "b": children}] if style else children


def _definition_list(tag: Tag, style: str) -> list[Block]:
    items: list[list[list[Inline]]] = []
    for node in tag.find_all(["dt", "dd"]):
        if _hidden(node):
            continue
        content = _tidy(_inline_children(node))
        if node.name == "dt" or not items or items[-1][1]:
            items.append([content, []] if node.name == "dt" else [[], content])
        else:
            items[-1][1] = content
    return [{"k": "dl", "s": style, "items": items}] if items else []


# --- inline content ----------------------------------------------------------------------


def _inline_children(tag: Tag) -> list[Inline]:
    out: list[Inline] = []
    for node in tag.children:
        if isinstance(node, Tag):
            if not _hidden(node):
                out.extend(_inline(node))
        elif type(node) is NavigableString:
            out.append(_SPACES.sub(" ", str(node)))
    return out


def _inline(tag: Tag) -> list[Inline]:
    name = tag.name
    if name == "br":
        return [{"k": "br"}]
    if name in _CODE:
        return [{"k": "code", "t": _SPACES.sub(" ", tag.get_text())}]
    if _is_block(tag):  # a block inside inline content: keep its text
        return [" ", *_inline_children(tag), " "]
    children = _inline_children(tag)
    classes = _classes(tag)
    if "pmo-rag" in classes:
        tone = next((c[len("pmo-rag-") :] for c in classes if c.startswith("pmo-rag-")), "grey")
        return [{"k": "rag", "s": tone, "c": children}]
    if "pmo-value" in classes:
        return [{"k": "nw", "c": children}]
    kind = _INLINE_KINDS.get(name)
    return [{"k": kind, "c": children}] if kind else children


def _tidy(items: list[Inline]) -> list[Inline]:
    """Collapse white space as a browser does (none at the start or end, never two in a
    row) and keep every figure on one line."""
    space = [True]  # the last character written was white space (or the start)

    def walk(xs: list[Inline], keep: bool) -> list[Inline]:
        out: list[Inline] = []
        for x in xs:
            if isinstance(x, str):
                text = x.lstrip(" ") if space[0] else x
                if text:
                    space[0] = text.endswith(" ")
                    out.extend(_figures(text) if keep else [text])
            elif x["k"] == "br":
                _rstrip(out)
                space[0] = True
                out.append(x)
            elif "c" in x:
                out.append({**x, "c": walk(x["c"], keep and x["k"] not in {"nw", "rag"})})
            else:
                space[0] = False
                out.append(x)
        return out

    result = walk(items, True)
    _rstrip(result)
    return result if any(_has_text(x) for x in result) else []


def _has_text(x: Inline) -> bool:
    if isinstance(x, str):
        return bool(x.strip())
    return x["k"] in {"code", "br"} or any(_has_text(c) for c in x.get("c", []))


def _rstrip(xs: list[Inline]) -> None:
    while xs:
        last = xs[-1]
        if isinstance(last, str):
            xs[-1] = last.rstrip(" ")
            if xs[-1]:
                return
            xs.pop()
        elif "c" in last:
            _rstrip(last["c"])
            return
        else:
            return


def _figures(text: str) -> Iterator[Inline]:
    """``text`` with each figure that could break at a space, dash or slash in a no-wrap
    box, and each word too long for a line (a path, a URL) in short boxes that a line
    may break between (CSS ``overflow-wrap: anywhere``; no character is added)."""
    start = 0
    for m in _FIGURE.finditer(text):
        token = m.group(0)
        if not any(c in token for c in " -/:"):
            continue
        if m.start() > start:
            yield from _long_words(text[start : m.start()])
        yield {"k": "nw", "c": [token]}
        start = m.end()
    if start < len(text):
        yield from _long_words(text[start:])


def _long_words(text: str) -> Iterator[Inline]:
    start = 0
    for m in _LONG_WORD.finditer(text):
        if m.start() > start:
            yield text[start : m.start()]
        word = m.group(0)
        yield from ({"k": "nw", "c": [word[i : i + _CHUNK]]} for i in range(0, len(word), _CHUNK))
        start = m.end()
    if start < len(text):
        yield text[start:]


# --- tables --------------------------------------------------------------------------------


def _rows(table: Tag) -> Iterator[tuple[Tag, bool]]:
    """Rows of ``table`` (not of nested tables), with whether each is a header row."""
    for child in table.children:
        if not isinstance(child, Tag) or _hidden(child):
            continue
        if child.name in {"thead", "tbody", "tfoot"}:
            for row in child.find_all("tr", recursive=False):
                if not _hidden(row):
                    yield row, child.name == "thead"
        elif child.name == "tr":
            yield child, False


def _span(cell: Tag, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name) or 1)), 1000))
    except ValueError:
        return 1


def _cell(cell: Tag, dataframe: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"th": cell.name == "th"}
    if _has_block(cell):
        out["b"] = _blocks(cell.children)
    else:
        out["c"] = _tidy(_inline_children(cell))
    text = _text(cell)
    out["num"] = (
        "pmo-num" in _classes(cell)
        or (dataframe and cell.name == "td")
        or (bool(text) and _NUMBER_CELL.fullmatch(text) is not None and text not in {"-", "n/a"})
    )
    out["blank"] = not text or text in {"-", "n/a"}
    for name, key in (("colspan", "cs"), ("rowspan", "rs")):
        if (span := _span(cell, name)) > 1:
            out[key] = span
    return out


def _table(table: Tag) -> list[Block]:
    dataframe = "dataframe" in _classes(table)
    head: list[list[dict[str, Any]]] = []
    body: list[list[dict[str, Any]]] = []
    for tr, is_head in _rows(table):
        cells = [_cell(td, dataframe) for td in tr.find_all(["td", "th"], recursive=False) if not _hidden(td)]
        if cells:
            (head if is_head else body).append(cells)
    if not head and body and all(c["th"] for c in body[0]):
        head.append(body.pop(0))
    if not head and not body:
        return []
    cols = max(sum(c.get("cs", 1) for c in row) for row in head + body)
    _align_numeric_columns(head, body, cols)
    for row in head + body:
        for c in row:
            del c["blank"]
    caption = table.find("caption", recursive=False)
    cap = _tidy(_inline_children(caption)) if isinstance(caption, Tag) else []
    return [
        {
            "k": "table",
            "cols": cols,
            "cap": cap or None,
            "head": head,
            "body": body,
        }
    ]


def _align_numeric_columns(head: list[list[dict[str, Any]]], body: list[list[dict[str, Any]]], cols: int) -> None:
    """A column whose body cells are all numbers (or blank) is right-aligned, header included."""
    numeric = [True] * cols
    seen = [False] * cols
    for row in body:
        x = 0
        for c in row:
            if x < cols and not c["blank"]:
                seen[x] = True
                numeric[x] = numeric[x] and c["num"]
            x += c.get("cs", 1)
    for row in head + body:
        x = 0
        for c in row:
            if x < cols and numeric[x] and seen[x] and c.get("cs", 1) == 1:
                c["num"] = True
            x += c.get("cs", 1)


# --- figures -------------------------------------------------------------------------------


def _px(value: Any) -> float | None:
    m = _PX.fullmatch(str(value)) if value is not None else None
    return float(m.group(1)) if m else None


def _svg(tag: Tag) -> Block:
    """An inline ``<svg>`` as standalone SVG text (names in the case XML needs), with its
    size in CSS px from ``width``/``height`` or the ``viewBox``."""
    svg = str(tag.get("data-pmo-svg") or "")
    if not svg:  # not lifted out of the HTML (e.g. nested in another SVG)
        svg = _SVG_CASE.sub(_svg_case, str(tag))
    opening = svg[: svg.find(">") + 1]
    attrs = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTR.finditer(opening)}
    if "xmlns" not in attrs:
        svg = '<svg xmlns="http://www.w3.org/2000/svg"' + svg[len("<svg") :]
    width, height = _px(attrs.get("width")), _px(attrs.get("height"))
    box = attrs.get("viewbox", "").replace(",", " ").split()
    if (width is None or height is None) and len(box) == 4:
        width, height = _px(box[2]), _px(box[3])
    sized = width is not None and height is not None and width > 0 and height > 0
    return {"k": "img", "svg": svg, "w": width if sized else None, "h": height if sized else None}


def _image(tag: Tag) -> Block | None:
    """An ``<img>`` with an inline ``data:`` image (the only kind a sanitized report has)."""
    m = _DATA_URI.fullmatch(str(tag.get("src") or "").strip())
    if not m:
        return None
    mime, is_base64, payload = m.group(1).lower(), m.group(2), m.group(3)
    try:
        raw = base64.b64decode(payload, validate=False) if is_base64 else payload.encode()
    except (binascii.Error, ValueError):
        return None
    width, height = _px(tag.get("width")), _px(tag.get("height"))
    sized = width is not None and height is not None
    block: Block = {"k": "img", "w": width if sized else None, "h": height if sized else None, "s": _style(tag)}
    if mime == "image/svg+xml":
        block["svg"] = raw.decode("utf-8", errors="replace")
    elif raw.startswith(_BITMAP_MAGIC):
        block["png"] = list(raw)
    else:
        return None
    return block


# --- Typst ---------------------------------------------------------------------------------


def period_timestamp(period: str) -> dt.datetime:
    """The PDF creation date of a report for ``period`` ("YYYY-MM"): the last day of that
    month, 00:00 UTC. Without a period, :data:`FALLBACK_TIMESTAMP`."""
    m = _PERIOD.search(period or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return FALLBACK_TIMESTAMP
    year, month = int(m.group(1)), int(m.group(2))
    return dt.datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=dt.UTC)


@functools.cache
def _template() -> bytes:
    return TYPST_TEMPLATE.read_bytes()


@functools.cache
def _compiler() -> typst.Compiler:
    """One compiler per process: fonts are loaded once and reused by every report."""
    return typst.Compiler(font_paths=[str(FONTS_DIR)], ignore_system_fonts=True)


_LOCK = threading.Lock()
_typst_pid: int | None = None
"""The process that started Typst's runtime (its thread pool does not survive a fork)."""


def typst_ran_here() -> bool:
    """Whether Typst's runtime was started in this very process (a process forked from it
    would have to lay out PDFs in a fresh subprocess: its threads do not survive a fork)."""
    return _typst_pid == os.getpid()


def compile_document(document: dict[str, Any], *, paper: str, created: dt.datetime) -> bytes:
    """PDF bytes of a document tree (:func:`document_from_html`) on ``paper`` (a Typst
    paper name, e.g. "a4"), with ``created`` as its creation date.

    Typst runs in this process, unless this process was forked from one that had
    already run it (a batch started from a Python session that made a PDF before):
    Typst's threads do not survive a fork, so such a process lays out each PDF in a
    fresh ``python -m pmoreports.report._typst`` (slower, never stuck).
    """
    data = json.dumps(document | {"paper": paper}, ensure_ascii=False, separators=(",", ":"))
    if _typst_pid is None or _typst_pid == os.getpid():
        return _compile(data, created)
    request = json.dumps({"doc": data, "created": created.isoformat()}).encode()
    proc = subprocess.run([sys.executable, "-m", __name__], input=request, capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ReportError(message[-1] if message else f"PDF layout process failed ({proc.returncode})")
    return proc.stdout


def _compile(data: str, created: dt.datetime) -> bytes:
    """Typst in this process."""
    global _typst_pid
    with _LOCK:
        _typst_pid = os.getpid()
        try:
            pdf = _compiler().compile(input=_template(), format="pdf", sys_inputs={"doc": data}, timestamp=created)
        except typst.TypstError as exc:  # a broken image in a custom notebook, say
            raise ReportError(f"PDF layout failed: {exc.message} {'; '.join(exc.hints)}".strip()) from None
    if not isinstance(pdf, bytes):  # pragma: no cover - only with an output path
        raise ReportError("PDF layout produced no document")
    return pdf


def _main() -> int:
    """``python -m pmoreports.report._typst``: one layout, request (JSON) on stdin, PDF on stdout."""
    request = json.loads(sys.stdin.buffer.read())
    try:
        pdf = _compile(request["doc"], dt.datetime.fromisoformat(request["created"]))
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return 3
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
