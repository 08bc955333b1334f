"""Rendering layer: executed notebook -> self-contained HTML (checked in Chromium) -> PDF."""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest
from browser import open_page, requires_chromium
from bs4 import BeautifulSoup, Tag
from conftest import require_program
from PIL import Image, ImageStat
from pypdf import PdfReader

from pmoreports.report import charts_display, render

TITLE = "Project status report"
PROJECT = "Alpha & <Beta>"
PERIOD = "2024-03"
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> **bold**"
CODE_MARKER = "CODE_MARKER_7f3a"
DEFAULT_MARKER = "DEFAULT_PARAM_5b1c"
INJECTED_MARKER = "INJECTED_PARAM_9d2e"
XML_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _code(source: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {})


def _report_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    data = "pd.DataFrame({'month': [1, 2, 3, 4], 'ev': [1.0, 2.5, 2.0, 4.0]})"
    nb.cells = [
        _code(
            f'project = "default"\nperiod = "2000-01"\nsecret = "{DEFAULT_MARKER}"\nprint(secret)',
            ["parameters"],
        ),
        nbformat.v4.new_markdown_cell(
            "## Summary section\n\nSome *markdown* text and an [external link](https://example.com/x)."
        ),
        _code(
            f"# {CODE_MARKER}\nimport altair as alt\nimport pandas as pd\n"
            "from pmoreports.report.charts_display import show\n"
            f"df = {data}\n"
            "show(alt.Chart(df).mark_line(point=True, clip=True).encode(x='month:Q', y='ev:Q')"
            ".properties(title='Earned value'))"
        ),
        _code(f"from pmoreports.report.render import text_block\ntext_block({HOSTILE!r})"),
        _code(
            "import warnings\nfrom IPython.display import HTML, Javascript, display\n"
            "warnings.warn('STDERR_NOISE')\n"
            "display(Javascript('alert(3)'))\n"
            "display(HTML('<b>KEPT_HTML</b><script>alert(4)</script>'))\n"
            "alt.Chart(df).mark_bar().encode(x='month:O', y='ev:Q')  # no show(): static renderer"
        ),
        _code("df"),
    ]
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    """The test notebook, really executed by papermill in static-chart mode."""
    import papermill
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:  # pragma: no cover - environment problem, say so plainly
        pytest.fail("no 'python3' Jupyter kernelspec: run `python -m ipykernel install --user`")
    work = tmp_path_factory.mktemp("nb")
    nbformat.write(_report_notebook(), work / "in.ipynb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(charts_display.STATIC_ENV_VAR, "1")
        papermill.execute_notebook(
            str(work / "in.ipynb"),
            str(work / "out.ipynb"),
            parameters={"project": PROJECT, "period": PERIOD, "secret": INJECTED_MARKER},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(work),
        )
    return nbformat.read(work / "out.ipynb", as_version=4)


@pytest.fixture(scope="module")
def report_html(executed: nbformat.NotebookNode) -> str:
    return render.notebook_to_html(executed, title=TITLE, meta={"Project": PROJECT, "Period": PERIOD})


@pytest.fixture(scope="module")
def report_file(report_html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("out") / "report.html"
    render.atomic_write_text(path, report_html)
    return path


@pytest.fixture(scope="module")
def report_pdf(report_html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    render.atomic_write_bytes(path, render.html_to_pdf(report_html, page_size="A4"))
    return path


# --- HTML ------------------------------------------------------------------------


def test_executed_notebook_has_static_svg_and_injected_parameters(
    executed: nbformat.NotebookNode,
) -> None:
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    assert ["injected-parameters"] in tags
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)


def test_html_has_no_code_prompts_or_parameters(report_html: str) -> None:
    for needle in (CODE_MARKER, "import altair", "text_block(", DEFAULT_MARKER, INJECTED_MARKER):
        assert needle not in report_html
    for needle in ("injected-parameters", "jp-InputArea-editor", "In&nbsp;[", "Out["):
        assert needle not in report_html


def test_html_is_self_contained_and_script_free(report_html: str) -> None:
    assert not re.search(r"<\s*(script|link|iframe|object|embed|base)\b", report_html, re.I)
    assert "@import" not in report_html
    assert set(re.findall(r"https?://[^\s\"'<>)]+", report_html)) <= XML_NAMESPACES
    soup = BeautifulSoup(report_html, "html.parser")
    for tag in soup.find_all(True):
        assert isinstance(tag, Tag)
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name
        for attr in ("src", "href", "xlink:href", "srcset", "action"):
            value = str(tag.get(attr) or "")
            assert not value or value.startswith(("#", "data:image/")), (tag.name, attr, value)


def test_html_embeds_svg_charts_with_marks_and_unique_ids(report_html: str) -> None:
    soup = BeautifulSoup(report_html, "html.parser")
    svgs = soup.find_all("svg")
    assert len(svgs) == 2  # show() chart + bare chart (static Altair renderer)
    for svg in svgs:
        assert isinstance(svg, Tag)
        assert svg.find_all(["path", "rect"])
    ids = Counter(str(t.get("id")) for t in soup.find_all(id=True) if isinstance(t, Tag))
    assert [i for i, n in ids.items() if n > 1] == []


def test_hostile_workbook_text_is_literal(report_html: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;" in report_html
    assert "**bold**" in report_html and "<strong>bold" not in report_html
    assert "Alpha &amp; &lt;Beta&gt;" in report_html  # meta is escaped too
    soup = BeautifulSoup(report_html, "html.parser")
    assert soup.find_all("img") == []
    assert HOSTILE in soup.get_text()


def test_html_drops_noise_keeps_content(report_html: str) -> None:
    assert "KEPT_HTML" in report_html
    for needle in ("STDERR_NOISE", "Javascript object", "alert(3)", "alert(4)", "VegaLite"):
        assert needle not in report_html
    assert "<table" in report_html  # the DataFrame


def test_markdown_rendered_without_anchor_links(report_html: str) -> None:
    assert re.search(r"<h2[^>]*>Summary section</h2>", report_html)
    assert "<em>markdown</em>" in report_html
    soup = BeautifulSoup(report_html, "html.parser")
    assert soup.select("a.anchor-link") == [] and "¶" not in report_html
    assert "external link" in report_html  # link text kept, remote href dropped


def test_vegalite_and_script_only_outputs_become_static_or_vanish() -> None:
    """A notebook run interactively (Vega-Lite mimebundles, JS) still renders statically."""
    spec = _clipped_chart(3).to_dict()
    cell = nbformat.v4.new_code_cell("chart")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.vegalite.v6+json": spec,
                "text/html": "<div id='vis'></div><script src='https://cdn.example/vega.js'></script>",
                "text/plain": "alt",
            },
        ),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(5)", "text/plain": "<JS>"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "PLAIN_OK"}, execution_count=1),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    html = render.notebook_to_html(nb, title="t", meta={})
    assert html.count("<svg") == 1 and "<path" in html and 'id="vis"' not in html
    assert "PLAIN_OK" in html and "&lt;JS&gt;" not in html and "alert(5)" not in html
    assert "image/svg+xml" not in nb.cells[0].outputs[0].data  # input notebook untouched


def test_html_page_size_option(executed: nbformat.NotebookNode) -> None:
    html = render.notebook_to_html(executed, title="t", meta={}, page_size="letter")
    assert "@page { size: Letter; }" in html
    with pytest.raises(ValueError, match="A4"):
        render.notebook_to_html(executed, title="t", meta={}, page_size="A3")


@requires_chromium
def test_browser_offline_no_errors_charts_rendered(report_file: Path) -> None:
    with open_page(report_file) as page:
        assert page.console_errors == []
        assert page.foreign_requests == []
        assert page.dialogs == []
        assert page.evaluate("document.querySelectorAll('svg path, svg rect').length") > 0
        assert page.evaluate("document.querySelectorAll('script, img, iframe').length") == 0
        assert HOSTILE in page.evaluate("document.body.innerText")
        box = page.evaluate(
            "(() => { const r = document.querySelector('svg').getBoundingClientRect(); return [r.width, r.height]; })()"
        )
        assert box[0] > 100 and box[1] > 100


# --- PDF -------------------------------------------------------------------------


def test_pdf_text_title_period_page_numbers(report_pdf: Path) -> None:
    reader = PdfReader(report_pdf)
    n = len(reader.pages)
    assert n >= 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    for needle in (TITLE, PERIOD, PROJECT, f"Page 1 of {n}", "alert(1)", "**bold**"):
        assert needle in text
    assert "STDERR_NOISE" not in text and CODE_MARKER not in text


def test_pdf_first_page_is_not_blank(report_pdf: Path, tmp_path: Path) -> None:
    cmd = [require_program("pdftoppm"), "-png", "-r", "50", "-f", "1", "-l", "1"]
    subprocess.run([*cmd, str(report_pdf), str(tmp_path / "page")], check=True)
    (png,) = sorted(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 10


@pytest.mark.parametrize(("size", "width", "height"), [("A4", 595.3, 841.9), ("Letter", 612, 792)])
def test_pdf_page_size(size: str, width: float, height: float) -> None:
    pdf = render.html_to_pdf("<!DOCTYPE html><html><head></head><body>x</body></html>", page_size=size)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert float(box.width) == pytest.approx(width, abs=0.5)
    assert float(box.height) == pytest.approx(height, abs=0.5)


def test_pdf_rejects_unknown_page_size() -> None:
    with pytest.raises(ValueError, match="Letter"):
        render.html_to_pdf("<p>x</p>", page_size="Tabloid")


# --- helpers -----------------------------------------------------------------------


def test_sanitize_html_removes_active_and_remote_content() -> None:
    dirty = (
        '<p onclick="x()">a<script>alert(1)</script></p><a href="javascript:alert(1)">j</a>'
        '<a href=" JaVa\tscript:alert(1)">k</a><a href="https://evil.example/">e</a>'
        '<a href="alpha/report.html">ok</a><a href="#sec">frag</a>'
        '<img src="http://evil.example/p.png"><img src="data:image/png;base64,AAAA">'
        '<link rel="stylesheet" href="https://cdn.example/x.css"><iframe src="x"></iframe>'
        "<style>@import url(https://cdn.example/y.css); p > b { background: url(http://e/i.png) }"
        "</style><div style=\"background-image:url('https://e/i.png')\">s</div>"
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>t</text></a>'
        '<use xlink:href="#clip"/><image href="https://evil.example/i.svg"/></svg><!-- c -->'
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
    )
    clean = render.sanitize_html(dirty)
    for needle in (
        "script",
        "onclick",
        "javascript",
        "evil.example",
        "cdn.example",
        "iframe",
        "animate",
        "<!--",
        "refresh",
        "@import",
        "http://e/",
        "https://e/",
    ):
        assert needle not in clean.lower(), needle
    for needle in (
        'href="alpha/report.html"',
        'href="#sec"',
        'src="data:image/png;base64,AAAA"',
        'xlink:href="#clip"',
        "p > b",
        "<text>t</text>",
    ):
        assert needle in clean, needle


def test_text_block_escapes_and_keeps_paragraphs() -> None:
    html = render.text_block("a <b>x</b> & *y*\r\nsecond\n\n\nthird")._repr_html_()
    assert html == ('<div class="pmo-text"><p>a &lt;b&gt;x&lt;/b&gt; &amp; *y*<br>second</p><p>third</p></div>')
    assert render.text_block("")._repr_html_() == '<div class="pmo-text"></div>'


def _clipped_chart(n: int) -> alt.Chart:
    df = pd.DataFrame({"x": range(n), "y": range(n)})
    return alt.Chart(df).mark_area(clip=True).encode(x="x:Q", y="y:Q")


def test_svg_chart_is_static_and_ids_do_not_collide() -> None:
    a, b = charts_display.svg_chart(_clipped_chart(3)), charts_display.svg_chart(_clipped_chart(5))
    assert a.startswith("<svg") and "<path" in a
    assert set(re.findall(r"https?://[^\s\"'<>)]+", a)) <= XML_NAMESPACES
    ids_a, ids_b = (set(re.findall(r'\bid="([^"]+)"', s)) for s in (a, b))
    assert ids_a and not ids_a & ids_b
    for ident in ids_a:
        assert f"url(#{ident})" in a or f'href="#{ident}"' in a


def test_show_static_vs_interactive(capsys: pytest.CaptureFixture[str]) -> None:
    chart = _clipped_chart(3)
    try:
        charts_display.set_static(False)
        assert charts_display.show(chart) is chart
        charts_display.set_static(True)
        assert charts_display.show(chart) is None
    finally:
        charts_display.set_static(None)
    capsys.readouterr()


def test_static_mode_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(charts_display.STATIC_ENV_VAR, "1")
    assert charts_display.is_static()
    monkeypatch.setenv(charts_display.STATIC_ENV_VAR, "0")
    assert not charts_display.is_static()


# --- atomic output -----------------------------------------------------------------


def test_atomic_write_replaces_without_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    render.atomic_write_text(target, "old")
    render.atomic_write_bytes(target, b"new\r\n")
    assert target.read_bytes() == b"new\r\n"
    assert os.listdir(tmp_path) == ["report.html"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_staged_output_dir_success_replaces_whole_dir(tmp_path: Path) -> None:
    final = tmp_path / "2024-03" / "alpha"
    final.mkdir(parents=True)
    (final / "stale.txt").write_text("last run")
    with render.staged_output_dir(final) as stage:
        assert stage.parent == final.parent and stage != final
        (stage / "report.html").write_text("new")
    assert sorted(p.name for p in final.iterdir()) == ["report.html"]
    assert sorted(p.name for p in final.parent.iterdir()) == ["alpha"]


def test_staged_output_dir_failure_leaves_last_outputs(tmp_path: Path) -> None:
    final = tmp_path / "alpha"
    final.mkdir()
    (final / "report.html").write_text("last month")
    with pytest.raises(RuntimeError), render.staged_output_dir(final) as stage:
        (stage / "report.html").write_text("half")
        raise RuntimeError("cell 7 failed")
    assert (final / "report.html").read_text() == "last month"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alpha"]


def test_staged_output_dir_keeps_failed_run_when_asked(tmp_path: Path) -> None:
    final, failed = tmp_path / "alpha", tmp_path / "alpha.failed"
    with pytest.raises(KeyError), render.staged_output_dir(final, keep_failed=failed) as stage:
        (stage / "executed.ipynb").write_text("{}")
        raise KeyError("boom")
    assert not final.exists()
    assert (failed / "executed.ipynb").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alpha.failed"]
