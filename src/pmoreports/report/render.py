"""Turn an executed report notebook into a self-contained HTML file and a PDF.

Also holds the atomic-output helpers the runner uses so that a failed run never
leaves a half-written report behind, and :func:`text_block`, the one way a
notebook should show free text coming from a workbook.

Pipeline: ``notebook_to_html`` (nbconvert, template ``templates/report/pmo``,
then :func:`sanitize_html`) -> ``html_to_pdf`` (the HTML's content laid out by
Typst with the kit's fonts; see :mod:`pmoreports.report._typst`).

As a command, ``python -m pmoreports.report.render REPORT.html REPORT.pdf [--page-size
Letter]`` lays out one HTML file (the kit's own PDF route as a CLI, for hand-made chains
and the benchmarks' baseline).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import functools
import html as html_lib
import re
import secrets
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
from bs4 import BeautifulSoup, Tag
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction
from IPython.core.display import HTML
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets.config import Config

from .._files import atomic_write_bytes, atomic_write_text, staged_output_dir
from ..errors import PmoError
from ..paths import REPORT_TEMPLATE_DIR
from ._format import text_html
from ._svg import lift_svgs
from ._typst import PAPERS, compile_document, document_from_html, period_timestamp

__all__ = [
    "PAGE_SIZES",
    "atomic_write_bytes",
    "atomic_write_text",
    "html_to_pdf",
    "main",
    "notebook_to_html",
    "sanitize_html",
    "staged_output_dir",
    "text_block",
    "text_html",
]

TEMPLATE_NAME = "pmo"
PAGE_SIZES: Mapping[str, str] = {"a4": "A4", "letter": "Letter"}
#: Output types a report shows, best first; anything else (JS, widgets, Vega
#: specs, LaTeX, ...) is dropped.
MIME_PRIORITY = ["text/html", "image/svg+xml", "image/png", "text/markdown", "text/plain"]

_DROP_TAGS = frozenset(
    {
        "script", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet",
        "link", "base", "portal", "set", "animate", "animatemotion", "animatetransform",
    }
)  # fmt: skip
_URL_ATTRS = frozenset(
    {
        "src", "srcset", "href", "xlink:href", "action", "formaction", "poster", "background",
        "data", "ping", "cite", "longdesc", "usemap", "manifest", "codebase", "lowsrc",
        "dynsrc", "archive", "profile", "classid",
    }
)  # fmt: skip
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_CSS_EXPRESSION = re.compile(r"expression\s*\(", re.IGNORECASE)
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_VEGALITE = re.compile(r"application/vnd\.vegalite\.v\d+\+json")
_MARKUP_NODES = (Comment, Declaration, Doctype, ProcessingInstruction, CData)
_SVG_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)"
    r'(?P<attrs>(?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*="[^"<>]*")*)\s*(?P<self>/?)>'
    r"|(?P<text>[^<]+)"
)
_SVG_ATTR = re.compile(r'([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"<>]*)"')
_INERT_SVG_ELEMENTS = frozenset(
    {
        "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
        "tspan", "title", "desc", "defs", "clippath", "lineargradient", "radialgradient", "stop",
    }
)  # fmt: skip
"""SVG elements that only draw (lower case): no script, link, foreign content, style sheet,
animation, image or external reference. Charts use a few of them."""


def _page_size(page_size: str) -> str:
    try:
        return PAGE_SIZES[page_size.strip().lower()]
    except KeyError:
        raise ValueError(f"page_size must be 'A4' or 'Letter', got {page_size!r}") from None


def _report_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of ``nb`` ready for a static report: Altair/Vega-Lite outputs get a
    static SVG (in case a chart was displayed without ``show``), and outputs with
    nothing a report can show (JavaScript, widgets, ...) are dropped instead of
    appearing as their ``<... object>`` text repr."""
    nb = copy.deepcopy(nb)
    shown, rich = set(MIME_PRIORITY), set(MIME_PRIORITY) - {"text/plain"}
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        kept = []
        for output in cell.outputs:
            data = output.get("data")
            if data is not None:
                spec = next((v for k, v in data.items() if _VEGALITE.fullmatch(k)), None)
                if spec is not None and "image/svg+xml" not in data:
                    from .charts_display import vegalite_svg  # altair + vl-convert: only when needed

                    data["image/svg+xml"] = vegalite_svg(dict(spec))
                    data.pop("text/html", None)  # a chart's HTML form is a JS embed
                if set(data) - shown and not set(data) & rich:
                    continue
            kept.append(output)
        cell.outputs = kept
    return nb


def notebook_to_html(
    nb: nbformat.NotebookNode,
    *,
    title: str,
    meta: Mapping[str, str],
    page_size: str | None = None,
) -> str:
    """Render an executed notebook as one self-contained, script-free HTML document.

    ``meta`` is shown under the title (label -> value); the labels ``Project``
    and ``Period`` also feed the running page header in print. ``page_size``
    ("A4"/"Letter") sets the browser print size; the default is A4. Code, prompts,
    cells tagged ``parameters``/``injected-parameters``/``remove-cell``, stderr
    and tracebacks are left out; the result goes through :func:`sanitize_html`.
    """
    pmo: dict[str, Any] = {"title": title, "meta": dict(meta)}
    if page_size is not None:
        pmo["page_size"] = _page_size(page_size)
    resources: dict[str, Any] = {"metadata": {"name": title}, "pmo": pmo}
    with _EXPORTER_LOCK:
        body, _ = _exporter().from_notebook_node(_report_outputs(nb), resources=resources)
    html, soup = _sanitize(body)
    global _last_report
    _last_report = (html, soup)  # html_to_pdf(html) lays out this parse instead of parsing again
    return html


class _ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last step, a BeautifulSoup pass over the whole
    page that adds ``alt`` text and ``tabindex`` (it cost as much as the export itself):
    :func:`sanitize_html` walks the page anyway and adds the missing ``alt`` text, and the
    report template has no ``.jp-Notebook`` element for ``tabindex``."""

    def from_notebook_node(  # type: ignore[override]
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        highlight = self.filters.get("highlight_code") or Highlight2HTML(pygments_lexer=lexer, parent=self)  # type: ignore[no-untyped-call]
        resources = self._init_resources(resources)  # type: ignore[no-untyped-call]
        widgets = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)  # type: ignore[no-untyped-call]
        self.register_filter("highlight_code", highlight)  # type: ignore[no-untyped-call]
        self.register_filter("filter_data_type", widgets)  # type: ignore[no-untyped-call]
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


_last_report: tuple[str, BeautifulSoup] | None = None

_EXPORTER_LOCK = threading.Lock()


@functools.cache
def _exporter() -> _ReportExporter:
    """The report exporter, made once per process (it compiles its Jinja templates, which
    took most of an HTML export when done for every report)."""
    config = Config(
        {
            "HTMLExporter": {
                "template_name": TEMPLATE_NAME,
                "extra_template_basedirs": [str(REPORT_TEMPLATE_DIR)],
                "exclude_input": True,
                "exclude_input_prompt": True,
                "exclude_output_prompt": True,
                "exclude_anchor_links": True,
                "embed_images": True,
            },
            "NbConvertBase": {"display_data_priority": MIME_PRIORITY},
            "CSSHTMLHeaderPreprocessor": {"enabled": False},
        }
    )
    return _ReportExporter(config=config)  # type: ignore[no-untyped-call]


def _safe_url(value: str, *, link: bool) -> bool:
    """True for URLs that stay inside the document: fragments, inline images, and
    (for links only) relative paths such as a portfolio index's ``alpha/report.html``."""
    url = _URL_NOISE.sub("", value).lower()
    if url.startswith("#") or url.startswith("data:image/"):
        return True
    if not link or "\\" in url or url.startswith("//"):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def _clean_css(css: str) -> str:
    css = _CSS_IMPORT.sub("", css)
    css = _CSS_EXPRESSION.sub("invalid(", css)
    return _CSS_URL.sub(lambda m: m.group(0) if _safe_url(m.group(2), link=False) else "none", css)


def sanitize_html(document: str) -> str:
    """Remove anything active or remote from an HTML document or fragment.

    Drops scripts, frames, objects, ``<link>``/``<base>``, SVG animation
    elements, comments and declarations, ``on*`` handlers, ``http-equiv``
    metas, ``@import`` and external ``url()`` in CSS, and every URL attribute
    that is not a fragment, an inline ``data:image/`` or (on ``href``) a
    relative link. A leading ``<!DOCTYPE html>`` is kept.
    """
    return _sanitize(document)[0]


def _sanitize(document: str) -> tuple[str, BeautifulSoup]:
    """:func:`sanitize_html`, also returning the cleaned parse.

    Inline SVGs made only of inert drawing elements (:func:`_inert_svg`: charts) are kept
    as they are and skip the HTML parser (they are most of a report's bytes); in the parse
    each is an empty ``<svg>`` placeholder. Any other SVG is parsed and cleaned like the
    rest of the page.
    """
    is_document = document.lstrip()[:15].lower() == "<!doctype html>"
    nonce = secrets.token_hex(8)
    document, kept = _lift_inert_svgs(document, nonce)
    soup = BeautifulSoup(document, "html.parser")
    stack: list[Tag] = [soup]  # one walk; never into a removed element
    while stack:
        for node in list(stack.pop().children):
            if isinstance(node, _MARKUP_NODES):
                node.extract()
            elif isinstance(node, Tag):
                if node.name in _DROP_TAGS or (node.name == "meta" and node.has_attr("http-equiv")):
                    node.decompose()
                    continue
                _clean_attrs(node)
                if node.name == "img" and not node.has_attr("alt"):
                    node["alt"] = "image (no alt text given)"
                if node.name == "style":
                    node.string = _clean_css(node.get_text())
                stack.append(node)
    html = str(soup)
    if kept:  # only placeholders the parse kept as elements come back (one in a comment is gone)
        html = re.sub(f'<svg data-pmo-kept="{nonce}-(\\d+)"></svg>', lambda m: kept[int(m.group(1))], html)
    return ("<!DOCTYPE html>\n" if is_document else "") + html, soup


def _lift_inert_svgs(document: str, nonce: str) -> tuple[str, list[str]]:
    """Take every top-level ``<svg>...</svg>`` that :func:`_inert_svg` accepts out of
    ``document``, leaving ``<svg data-pmo-kept="<nonce>-<n>"></svg>`` in its place."""
    return lift_svgs(document, lambda n: f'<svg data-pmo-kept="{nonce}-{n}"></svg>', _inert_svg)


def _inert_svg(svg: str) -> bool:
    """Whether ``svg`` (``<svg ...>...</svg>``) is plain drawing that needs no cleaning:
    only the elements of :data:`_INERT_SVG_ELEMENTS`, properly nested; attributes written
    ``name="value"``, none an event handler or ``style``, URL attributes only
    ``#fragment`` links, no ``url()`` but to a ``#fragment``, no backslash or CSS import;
    text without markup (no comment, CDATA or processing instruction). Checked on a strict tokenization, so
    a browser parses it into the same elements (none of them leaves SVG content)."""
    stack: list[str] = []
    pos = 0
    for m in _SVG_TOKEN.finditer(svg):
        if m.start() != pos:
            return False
        pos = m.end()
        if m.group("text") is not None:
            if not stack:
                return False
            continue
        name = m.group("name").lower()
        if name not in _INERT_SVG_ELEMENTS:
            return False
        if m.group("close"):
            if m.group("attrs") or m.group("self") or not stack or stack.pop() != name:
                return False
            if not stack:
                return pos == len(svg)
            continue
        if not _inert_attrs(m.group("attrs")):
            return False
        if not m.group("self"):
            stack.append(name)
        elif not stack:
            return False
    return False


def _inert_attrs(attrs: str) -> bool:
    for name, raw in _SVG_ATTR.findall(attrs):
        name, value = name.lower(), html_lib.unescape(raw)
        if name.startswith("on") or name == "style" or "\\" in value or _CSS_IMPORT.search(value):
            return False
        if name in _URL_ATTRS and not _URL_NOISE.sub("", value).startswith("#"):
            return False
        if any(not url.startswith("#") for _, url in _CSS_URL.findall(value)):
            return False
    return True


def _clean_attrs(tag: Tag) -> None:
    for name in list(tag.attrs):
        value = tag.attrs[name]
        text = " ".join(value) if isinstance(value, list) else str(value)
        if name.startswith("on") or (name in _URL_ATTRS and not _safe_url(text, link=name.endswith("href"))):
            del tag.attrs[name]
        elif name == "style" or "url(" in text.lower():  # e.g. SVG fill="url(https://...)"
            tag.attrs[name] = _clean_css(text)


def html_to_pdf(html: str, *, page_size: str = "A4", created: dt.datetime | None = None) -> bytes:
    """Lay report HTML out as a PDF with Typst (no LaTeX, no browser, no system font).

    The PDF shows the HTML's visible content in the same order (the converter is
    generic, see :mod:`pmoreports.report._typst`), on ``page_size`` ("A4" or
    "Letter") with a running header (project, period) and "Page X of Y" footer.
    Nothing is fetched and only the kit's fonts are used, so the same HTML gives the
    same bytes on any machine. ``created`` (the PDF creation date) defaults to the
    last day of the HTML's ``Period``, never the clock.
    """
    paper = PAPERS[_page_size(page_size)]
    cached = _last_report
    document = document_from_html(html, cached[1] if cached is not None and cached[0] == html else None)
    return compile_document(document, paper=paper, created=created or period_timestamp(document["period"]))


def text_block(s: str | None) -> HTML:
    """Display workbook text as data, never as markup.

    Everything is HTML-escaped (``<script>``, ``<img onerror>``, Markdown and
    HTML all appear literally); see :func:`text_html`.
    """
    return HTML(text_html(s))  # type: ignore[no-untyped-call]


def main(argv: list[str] | None = None) -> int:
    """``python -m pmoreports.report.render IN.html OUT.pdf [--page-size A4|Letter]``:
    exit 0, or 1 with one line on stderr."""
    parser = argparse.ArgumentParser(prog="python -m pmoreports.report.render", description="HTML report -> PDF")
    parser.add_argument("html", help="a report's HTML file (UTF-8)")
    parser.add_argument("pdf", help="the PDF to write (replaced whole)")
    parser.add_argument("--page-size", default="A4", choices=["A4", "Letter"])
    args = parser.parse_args(argv)
    try:
        html = Path(args.html).read_text(encoding="utf-8")
        atomic_write_bytes(args.pdf, html_to_pdf(html, page_size=args.page_size))
    except (OSError, UnicodeDecodeError, ValueError, PmoError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
