"""The PDF engine (Typst): same content as the HTML, same bytes on any machine, print layout.

Real reports: one batch renders ALPHA, GOLF (JPY, amounts in thousands), a project whose
workbook text is hostile to Typst and HTML, and the portfolio summary. Layout properties
are checked on generated HTML through the real converter and compiler. No test reads
line breaks or glyph positions that depend on installed fonts: text is compared with
white space removed, positions only within one PDF made with the kit's own fonts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from bs4 import BeautifulSoup, Tag
from conftest import make_kit
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.workbook import Workbook
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject
from report_runs import alpha_run
from xlsx_helpers import mutate

from pmoreports.errors import ReportError
from pmoreports.pipeline.batch import run_batch
from pmoreports.report import _typst, charts_display, render

PERIOD = "2026-10"
HOSTILE_NAME = "#set text(fill: red) $x^2$ @ref <lbl> \\ [b] *s* _e_ = h // c /* d */ `raw` ~ -- ---"
HOSTILE_SUMMARY = (
    '#import "@preview/cetz:0.3.0": *\n#sys.inputs.doc #panic("x") "]) #{ } <script>alert(1)</script>\n\n'
    "'single' \"double\" {{ jinja }} %% & &amp; Zoë Łódź € 1 < 2 > 0"
)
HOSTILE_MANAGER = '"]; #panic("manager") \\'
REPORTS = ("ALPHA/report", "GOLF/report", "HOSTILE/report", "portfolio")
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)  # each example lays out a PDF: report, do not shrink


# --- visible text of an HTML report and of its PDF -----------------------------------------------


def html_text(html: str) -> tuple[str, list[list[str]]]:
    """Visible text of a report page and the words of each table's header rows.

    Left out, as a browser shows the page: ``<head>``/``<title>``, styles, scripts.
    Documented difference: screen-only controls (form inputs and the ``<label for>``
    that operate them: the sort arrows of the portfolio table) are not in print.
    """
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["head", "title", "style", "script", "input"]):
        tag.decompose()
    for tag in soup.find_all("label", attrs={"for": True}):
        tag.decompose()
    for ol in soup.find_all("ol"):  # numbers of an ordered list are shown (bullets are shapes)
        for number, li in enumerate(ol.find_all("li", recursive=False), 1):
            li.insert(0, f"{number}. ")
    headers = [thead.get_text(" ").split() for thead in soup.find_all("thead") if isinstance(thead, Tag)]
    return soup.get_text(" "), headers


def pdf_pages(pdf: bytes | Path) -> list[str]:
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    return [page.extract_text() for page in PdfReader(source).pages]


def squash(text: str) -> str:
    """Text without white space: line breaks depend on fonts and widths, not content."""
    return re.sub(r"\s+", "", text)


def pdf_body_text(pages: list[str], header: str, footer: str, table_headers: list[list[str]]) -> str:
    """The PDF's text without what print adds (documented differences): the running header
    (project, period) and footer (title, "Page X of Y") of each page, and table header rows
    repeated at the top of a page when a table continues there."""
    body: list[str] = []
    heads = [squash(" ".join(h)) for h in table_headers if h]
    for number, text in enumerate(pages, 1):
        flat = squash(text)
        top, bottom = squash(header), squash(f"{footer} Page {number} of {len(pages)}")
        assert flat.startswith(top), (number, text[:200])
        assert flat.endswith(bottom), (number, text[-200:])
        flat = flat[len(top) : len(flat) - len(bottom)]
        for head in heads:
            if head and flat.startswith(head) and head in "".join(body):
                flat = flat[len(head) :]
                break
        body.append(flat)
    return "".join(body)


def assert_same_text(html: str, pdf: bytes | Path) -> None:
    visible, headers = html_text(html)
    soup = BeautifulSoup(html, "html.parser")
    meta = {
        name: " ".join(tag.get_text().split())
        for name in ("project", "period")
        if isinstance(tag := soup.select_one(f".pmo-meta-{name} dd"), Tag)
    }
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    header = f"{meta.get('project', '')} {meta.get('period', '')}"
    got = pdf_body_text(pdf_pages(pdf), header, title, headers)
    want = squash(visible)
    if got != want:
        diff = difflib.ndiff(re.findall(r".{1,60}", want), re.findall(r".{1,60}", got))
        pytest.fail("PDF text differs from the HTML:\n" + "\n".join(d for d in diff if d[0] in "+-?")[:3000])


# --- the real reports ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def period(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ALPHA, GOLF, HOSTILE (ALPHA with Typst/HTML markup as its text) and the portfolio."""
    root = tmp_path_factory.mktemp("pdf-batch")
    make_kit(demo_dir, root, ("alpha", "golf"))

    def hostile(wb: Workbook) -> None:
        sheet = wb["Project"]
        cells = {"Project ID": "HOSTILE", "Project name": HOSTILE_NAME, "Project manager": HOSTILE_MANAGER}
        cells |= {"Executive summary": HOSTILE_SUMMARY, "Next steps": HOSTILE_SUMMARY[::-1]}
        for row in sheet.iter_rows(min_row=1, max_col=2):
            label = str(row[0].value or "").rstrip(" *")
            if label in cells:
                row[1].value = cells.pop(label)
        assert not cells, cells

    mutate(root / "examples" / "alpha.xlsx", root / "examples" / "hostile.xlsx", hostile)
    (root / "params" / "hostile.yaml").write_text("project_id: HOSTILE\nworkbook: ../examples/hostile.xlsx\n")
    result = run_batch(root / "params", jobs=2, output=root / "out")
    assert [o.status for o in result.outcomes] == ["ok"] * 3, [o.to_dict() for o in result.outcomes]
    return root / "out" / PERIOD


@pytest.mark.parametrize("report", REPORTS)
def test_pdf_has_the_same_text_as_the_html(period: Path, report: str) -> None:
    html = (period / f"{report}.html").read_text(encoding="utf-8")
    assert_same_text(html, period / f"{report}.pdf")


def test_hostile_workbook_text_prints_literally(period: Path) -> None:
    text = squash("".join(pdf_pages(period / "HOSTILE" / "report.pdf")))
    for value in (HOSTILE_NAME, HOSTILE_MANAGER, HOSTILE_SUMMARY, HOSTILE_SUMMARY[::-1]):
        assert squash(value) in text, value
    assert squash(HOSTILE_NAME) in squash("".join(pdf_pages(period / "portfolio.pdf")))
    with pdfplumber.open(period / "HOSTILE" / "report.pdf") as pdf:  # "#set text(fill: red)" set nothing
        colours = {str(c.get("non_stroking_color")) for page in pdf.pages for c in page.chars if c["text"] == "x"}
    assert "(1, 0, 0)" not in colours and "[1, 0, 0]" not in colours


def _fonts(obj: Any, seen: set[int]) -> Iterator[str]:
    """Every font name used by a page (resources of forms and patterns included)."""
    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return
        seen.add(obj.idnum)
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        if obj.get("/Type") == "/Font" and "/BaseFont" in obj:
            yield str(obj["/BaseFont"])
        for key, value in obj.items():
            if key != "/Parent":
                yield from _fonts(value, seen)
    elif isinstance(obj, list):
        for value in obj:
            yield from _fonts(value, seen)


@pytest.mark.parametrize("report", REPORTS)
def test_pdf_uses_only_the_kits_fonts_for_text_and_charts(period: Path, report: str) -> None:
    """Chart text is text in the PDF (the same-text test finds every axis label), so with
    no other font in the file, charts are set in the kit's font too."""
    reader = PdfReader(period / f"{report}.pdf")
    seen: set[int] = set()
    names = {re.sub(r"^/?([A-Z]{6}\+)?", "", n) for page in reader.pages for n in _fonts(page, seen)}
    kit = {f"LiberationSans{s}" for s in ("", "-Bold", "-Italic", "-BoldItalic")} | {"DejaVuSansMono"}
    assert "LiberationSans" in names and names <= kit, names


def test_pdf_creation_date_is_the_end_of_the_period(period: Path) -> None:
    info = PdfReader(period / "ALPHA" / "report.pdf").metadata
    assert info is not None and info.creation_date is not None
    assert info.creation_date.replace(tzinfo=None) == dt.datetime(2026, 10, 31)


def test_reruns_give_identical_html_and_pdf(
    period: Path, tmp_path_factory: pytest.TempPathFactory, demo_dir: Path
) -> None:
    """A fresh single run (new kernel) and the batch (warm kernel, other charts drawn
    before) give the same bytes: no timestamps, no process-dependent ids."""
    single = alpha_run(tmp_path_factory, demo_dir).out_dir
    for name in ("report.html", "report.pdf"):
        assert (single / name).read_bytes() == (period / "ALPHA" / name).read_bytes(), name


# --- the same bytes on any machine ---------------------------------------------------------------


def _decoy_font(folder: Path) -> Path:
    """A font that claims to be Liberation Sans Regular but has the bold glyphs: if a
    renderer read system fonts, text would change width."""
    from fontTools.ttLib import TTFont

    font = TTFont(_typst.FONTS_DIR / "LiberationSans-Bold.ttf")
    for record in font["name"].names:
        if record.nameID in (2, 17):
            record.string = "Regular"
        elif record.nameID in (4, 6):
            record.string = "LiberationSans" if record.nameID == 6 else "Liberation Sans"
    font["OS/2"].usWeightClass = 400
    font["OS/2"].fsSelection = 0x40
    font["head"].macStyle = 0
    folder.mkdir(parents=True, exist_ok=True)
    font.save(folder / "LiberationSans-Decoy.ttf")
    return folder


_PDF_OF_FILE = (
    "import sys\nfrom pmoreports.report.render import html_to_pdf\n"
    "sys.stdout.buffer.write(html_to_pdf(open(sys.argv[1], encoding='utf-8').read(), page_size=sys.argv[2]))"
)


def _pdf_in_subprocess(html: Path, env: dict[str, str], page_size: str = "A4") -> bytes:
    proc = subprocess.run(
        [sys.executable, "-c", _PDF_OF_FILE, str(html), page_size], env=env, capture_output=True, check=True
    )
    return proc.stdout


def test_same_pdf_bytes_across_processes_and_system_fonts(period: Path, tmp_path: Path) -> None:
    html = period / "GOLF" / "report.html"
    plain = _pdf_in_subprocess(html, dict(os.environ))
    home = tmp_path / "home"
    _decoy_font(home / ".fonts")
    _decoy_font(home / ".local" / "share" / "fonts")
    empty = tmp_path / "empty.conf"
    empty.write_text('<?xml version="1.0"?><fontconfig></fontconfig>')
    decoy_env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    # the decoy is a real system font there: a renderer that looked would find it
    probe = "import typst; print(len([f for f in typst.Fonts().fonts() if 'Decoy' in str(f.path)]))"
    found = subprocess.run([sys.executable, "-c", probe], env=decoy_env, capture_output=True, text=True, check=True)
    assert int(found.stdout) >= 1
    with_decoy = _pdf_in_subprocess(html, decoy_env)
    without_system_fonts = _pdf_in_subprocess(html, dict(os.environ, FONTCONFIG_FILE=str(empty), HOME=str(tmp_path)))
    assert plain == with_decoy == without_system_fonts == (period / "GOLF" / "report.pdf").read_bytes()


_FORK_AFTER_USE = """
import os, sys
from pmoreports.errors import ReportError
from pmoreports.report.render import html_to_pdf
html = sys.argv[1]
first = html_to_pdf(html)  # Typst's runtime starts in this process ...
pid = os.fork()  # ... and its threads do not survive a fork
if pid == 0:
    same = html_to_pdf(html) == first
    try:
        html_to_pdf(html.replace("<p>", '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"><p>'))
        error = "no error"
    except ReportError as exc:
        error = str(exc)
    print(same, error, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_a_process_forked_after_making_a_pdf_still_makes_the_same_pdf(tmp_path: Path) -> None:
    """As when a batch's worker processes are forked from a session that already made a
    PDF: no hang, the same bytes, errors still reported."""
    html = _page("<p>forked</p>")
    proc = subprocess.run(
        [sys.executable, "-c", _FORK_AFTER_USE, html], capture_output=True, text=True, timeout=120, check=True
    )
    assert proc.stdout.startswith("True PDF layout failed"), proc.stdout + proc.stderr


def test_chart_svg_is_the_same_however_many_charts_came_before() -> None:
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})).mark_area(clip=True).encode(x="x:Q", y="y:Q")
    first = charts_display.svg_chart(chart)
    charts_display.svg_chart(chart.properties(title="another chart in between"))
    assert charts_display.svg_chart(chart) == first
    assert 'font-family="Liberation Sans, Arial, Helvetica, sans-serif"' in first


# --- page layout ---------------------------------------------------------------------------------


def _page(body: str, title: str = "Layout", period: str = "2026-10") -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
        f'<header class="pmo-doc-header"><h1 class="pmo-title">{title}</h1><dl class="pmo-meta">'
        f'<div class="pmo-meta-item pmo-meta-project"><dt>Project</dt><dd>P1 - Layout</dd></div>'
        f'<div class="pmo-meta-item pmo-meta-period"><dt>Period</dt><dd>{period}</dd></div></dl></header>'
        f"<main>{body}</main></body></html>"
    )


def _table(rows: int) -> str:
    body = "".join(
        f'<tr><td>WBS {i}</td><td class="pmo-num">{i * 1234567 % 9_999_999:,}</td><td class="pmo-num">{i % 7 - 3:+,}</td></tr>'
        for i in range(rows)
    )
    return (
        '<table class="pmo-table"><caption>Amounts in EUR</caption><thead><tr><th>Element</th>'
        f'<th class="pmo-num">Budget</th><th class="pmo-num">Variance</th></tr></thead><tbody>{body}</tbody></table>'
    )


def test_long_table_breaks_across_pages_with_repeated_header_and_right_aligned_tabular_numbers() -> None:
    html = _page(_table(150))
    pdf = render.html_to_pdf(html)
    assert_same_text(html, pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 3
        for page in doc.pages:
            words = page.extract_words()
            assert any(w["text"] == "Budget" for w in words), page.page_number  # header on every page
            numbers = [w for w in words if re.fullmatch(r"\d{1,3}(,\d{3})+", w["text"])]
            right_edges = {round(w["x1"], 1) for w in numbers}
            assert len(numbers) > 20 and max(right_edges) - min(right_edges) < 0.2, right_edges
            widths: dict[float, set[float]] = {}  # tabular figures: one digit width per type size
            for c in page.chars:
                if c["text"].isdigit():
                    widths.setdefault(round(c["size"], 2), set()).add(round(c["width"], 2))
            assert all(len(w) == 1 for w in widths.values()), widths


@pytest.mark.parametrize(("width", "height"), [(3000, 300), (600, 4000), (5000, 5000)])
def test_charts_never_overflow_the_page(width: int, height: int) -> None:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#00ff00"/>'
        f'<text x="{width - 10}" y="{height - 10}" text-anchor="end" font-size="{max(width, height) // 40}">corner</text></svg>'
    )
    html = _page(f'<div class="jp-RenderedSVG pmo-figure">{svg}</div><p>after the chart</p>')
    pdf = render.html_to_pdf(html, page_size="Letter")
    assert_same_text(html, pdf)
    mm = 72 / 25.4
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for obj in page.rects + page.chars:
                assert 15 * mm - 0.5 <= obj["x0"] and obj["x1"] <= page.width - 15 * mm + 0.5, obj
                assert obj["top"] >= 0 and obj["bottom"] <= page.height, obj
        (chart,) = [r for p in doc.pages for r in p.rects if tuple(r["non_stroking_color"] or ()) == (0, 1, 0)]
        text_width, text_height = doc.pages[0].width - 30 * mm, doc.pages[0].height - 40 * mm
    assert chart["width"] <= text_width + 0.5 and chart["height"] < text_height
    # as large as fits: the width reaches the text width or the height the page's cap
    assert max(chart["width"] / text_width, chart["height"] / (text_height - 30)) == pytest.approx(1, abs=0.01)
    assert chart["width"] / chart["height"] == pytest.approx(width / height, rel=0.01)  # not distorted


def test_long_words_wrap_inside_the_page() -> None:
    """A path or a URL typed into a workbook wraps at the margin, in prose, headings,
    table cells and KPI tiles, with no character added (CSS ``overflow-wrap: anywhere``)."""
    word = "S:/PMO/Projects/" + "Very_Long_Folder_Name-" * 12 + "budget.xlsx"
    cell = f'<td>{word}</td><td class="pmo-num">1,000</td>'
    html = _page(
        f"<h2>{word}</h2><p>See {word} now</p>"
        f'<table class="pmo-table"><thead><tr><th>{word}</th><th>Amount</th></tr></thead><tbody><tr>{cell}</tr></tbody></table>'
        f'<div class="pmo-kpis"><div class="pmo-kpi"><div class="pmo-kpi-label">{word}</div>'
        '<div class="pmo-kpi-value">1.00</div></div></div>'
    )
    pdf = render.html_to_pdf(html)
    assert_same_text(html, pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            assert max(c["x1"] for c in page.chars) <= page.width - 15 * 72 / 25.4 + 0.5


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=_NO_SHRINK)
@given(
    words=st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14), min_size=5, max_size=60),
    amounts=st.lists(st.integers(min_value=1_000, max_value=10**12), min_size=5, max_size=25),
    code=st.sampled_from(["EUR", "USD", "JPY"]),
)
def test_figures_never_wrap_inside_a_value(words: list[str], amounts: list[int], code: str) -> None:
    """Currency and amount, signed numbers, dates and percents stay on one line wherever
    the line breaks fall (inside a narrow KPI tile too)."""
    figures = [
        f"{code} {a:,}" if i % 3 == 0 else (f"-{a:,}" if i % 3 == 1 else f"{a % 1000 / 10}%")
        for i, a in enumerate(amounts)
    ]
    prose = " ".join(f"{words[i % len(words)]} {f}" for i, f in enumerate(figures)) + " 2026-10-31 1/2"
    tiles = "".join(
        f'<div class="pmo-kpi"><div class="pmo-kpi-label">{w}</div><div class="pmo-kpi-value">{f}</div></div>'
        for w, f in zip(words, figures, strict=False)
    )
    html = _page(f'<p>{prose}</p><div class="pmo-kpis">{tiles}</div>')
    pdf = render.html_to_pdf(html)
    assert_same_text(html, pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        lines = [line for page in doc.pages for line in page.extract_text().splitlines()]
    for figure in [*figures, "2026-10-31"]:
        assert any(figure in line for line in lines), figure


# --- text is data ------------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(codec="latin-1", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\xa0\xad"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip())


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BLOCKS = st.deferred(
    lambda: st.one_of(
        _TEXT.map(lambda t: f"<p>{_esc(t)}</p>"),
        _TEXT.map(lambda t: f"<h2>{_esc(t)}</h2>"),
        _TEXT.map(lambda t: f'<p class="pmo-note">{_esc(t)} <strong>{_esc(t[::-1])}</strong></p>'),
        st.tuples(_TEXT, _TEXT).map(lambda p: f'<div class="pmo-text"><p>{_esc(p[0])}<br>{_esc(p[1])}</p></div>'),
        st.lists(_TEXT, min_size=1, max_size=4).map(
            lambda xs: "<ul>" + "".join(f"<li>{_esc(x)}</li>" for x in xs) + "</ul>"
        ),
        st.tuples(_TEXT, _TEXT).map(
            lambda p: f'<dl class="pmo-facts"><div><dt>{_esc(p[0])}</dt><dd>{_esc(p[1])}</dd></div></dl>'
        ),
        st.tuples(_TEXT, _TEXT, st.sampled_from(["green", "amber", "red", "grey"])).map(
            lambda p: f'<p>{_esc(p[0])} <span class="pmo-rag pmo-rag-{p[2]}">{_esc(p[1])}</span></p>'
        ),
        st.tuples(_TEXT, st.lists(st.tuples(_TEXT, st.integers()), min_size=1, max_size=5)).map(
            lambda p: (
                f'<table class="pmo-table"><caption>{_esc(p[0])}</caption><thead><tr><th>Name</th>'
                '<th class="pmo-num">Amount</th></tr></thead><tbody>'
                + "".join(f'<tr><td>{_esc(n)}</td><td class="pmo-num">{v:,}</td></tr>' for n, v in p[1])
                + "</tbody></table>"
            )
        ),
        st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=4).map(
            lambda xs: (
                '<div class="pmo-kpis">'
                + "".join(
                    f'<div class="pmo-kpi"><div class="pmo-kpi-label">{_esc(a)}</div>'
                    f'<div class="pmo-kpi-value"><span class="pmo-value">{_esc(b)}</span></div></div>'
                    for a, b in xs
                )
                + "</div>"
            )
        ),
        _TEXT.map(lambda t: f"<pre>{_esc(t)}</pre><p><code>{_esc(t)}</code> <em>{_esc(t)}</em></p>"),
        st.lists(_TEXT, min_size=1, max_size=3).map(
            lambda xs: "<ol>" + "".join(f"<li>{_esc(x)}</li>" for x in xs) + "</ol>"
        ),
    )
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=_NO_SHRINK)
@given(blocks=st.lists(_BLOCKS, min_size=1, max_size=8), title=_TEXT)
def test_any_report_html_prints_the_same_text_and_text_is_never_markup(blocks: list[str], title: str) -> None:
    """Generated pages from the kit's HTML subset, with arbitrary text (Typst markup,
    quotes, backslashes, HTML entities...): the PDF shows exactly the HTML's text."""
    html = _page("".join(blocks), title=_esc(title))
    assert_same_text(html, render.html_to_pdf(html))


def test_text_that_looks_like_typst_is_shown_not_run() -> None:
    payload = '#panic("boom") #set page(paper: "a3") #import "@preview/cetz:0.3.0": * $x$ @a <b> \\ ]) }'
    pdf = render.html_to_pdf(_page(f"<p>{_esc(payload)}</p>", title=_esc(payload)))
    assert squash(payload) in squash("".join(pdf_pages(pdf)))
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # still A4


def test_template_reads_nothing_but_its_data() -> None:
    source = re.sub(r"(?m)^\s*//.*$", "", _typst.TYPST_TEMPLATE.read_text())
    assert "#import" not in source and "@preview" not in source
    assert not re.search(r"\b(read|include|plugin)\(", source)
    assert sorted(p.name for p in _typst.FONTS_DIR.iterdir()) == [
        "LICENSE.txt",
        *sorted(f"LiberationSans-{s}.ttf" for s in ("Bold", "BoldItalic", "Italic", "Regular")),
    ]


def test_broken_image_is_a_report_error_not_a_crash() -> None:
    bad = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"  # a PNG header, then nothing
    with pytest.raises(ReportError, match="PDF layout failed"):
        render.html_to_pdf(_page(f'<img src="{bad}" alt="x">'))


def test_document_tree_keeps_structure() -> None:
    html = _page(
        '<div class="pmo-kpis"><div class="pmo-kpi"><div class="pmo-kpi-label">CPI</div>'
        '<div class="pmo-kpi-value pmo-long"><span class="pmo-value">EUR 1,184,879</span></div></div></div>'
        '<table class="dataframe"><thead><tr><th></th><th>a</th></tr></thead>'
        "<tbody><tr><th>0</th><td>1.5</td></tr></tbody></table><svg viewbox='0 0 40 20'><clippath id='c'/></svg>"
    )
    doc = _typst.document_from_html(html)
    assert doc["header"] == ["P1 - Layout", "2026-10"] and doc["title"] == "Layout"
    tiles = [b for b in doc["body"] if b.get("s") == "tiles"]
    assert [b["s"] for b in tiles[0]["b"]] == ["tile"]
    assert [b["s"] for b in tiles[0]["b"][0]["b"]] == ["kpi-label", "kpi-value-long"]
    (table,) = [b for b in doc["body"] if b["k"] == "table"]
    assert table["cols"] == 2 and table["body"][0][1]["num"] is True
    (svg,) = [b for b in doc["body"] if b["k"] == "img"]
    assert "viewBox=" in svg["svg"] and "<clipPath" in svg["svg"] and (svg["w"], svg["h"]) == (40.0, 20.0)
    json.dumps(doc)
