"""One project's report end to end: params -> papermill -> HTML, PDF, metrics (real runs).

Each scenario that needs a kernel runs once per module (or session, for the plain
ALPHA run shared with test_notebooks.py); the tests below only inspect the results.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pdfplumber
import pytest
from browser import open_page, requires_chromium
from bs4 import BeautifulSoup, Tag
from conftest import REPO, require_program
from openpyxl.workbook.workbook import Workbook
from PIL import Image, ImageStat
from pypdf import PdfReader
from report_runs import alpha_run, make_kit
from xlsx_helpers import mutate

from pmoreports.errors import ReportError, WorkbookError
from pmoreports.metrics.evm import Metric
from pmoreports.metrics.project import METRICS_FILES
from pmoreports.pipeline.history import CHECKS_FILE, HISTORY_FILE, INPUTS_FILE
from pmoreports.pipeline.history import LOCK_NAME as HISTORY_LOCK
from pmoreports.pipeline.run import EXECUTED_NOTEBOOK, FAILED_DIR, RunResult, run_project
from pmoreports.report._format import fmt_metric
from pmoreports.report.project import KPI_KEYS

PERIOD = "2026-10"
XML_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
A4, LETTER = (595.3, 841.9), (612.0, 792.0)
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_SUMMARY = "<img src=x onerror=alert(2)> **bold** <b>not bold</b>"
SECTIONS = (
    "Key figures",
    "Summary",
    "Changed since last report",
    "Cost and schedule",
    "Trends across reports",
    "Budget vs actual by cost category",
    "Budget vs actual by WBS element",
    "Variance analysis",
    "Forecast at completion",
    "Forecast realism",
    "Milestones",
    "Risks",
    "Changes and reserves",
    "Business case",
    "Data quality",
    "Glossary",
)
# Every SVG chart, with the number of drawn mark items (lines, symbols, bars, cells) in it.
JS_CHART_MARKS = """Array.from(document.querySelectorAll('svg')).map(svg => {
    const r = svg.getBoundingClientRect();
    return {marks: svg.querySelectorAll('g.role-mark > *').length, w: r.width, h: r.height};
})"""
JS_KPIS = """Array.from(document.querySelectorAll('.pmo-kpi .pmo-kpi-value .pmo-value')).map(e => ({
    metric: e.dataset.metric, value: e.dataset.value, text: e.innerText}))"""


# --- runs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alpha(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> RunResult:
    return alpha_run(tmp_path_factory, demo_dir)


@pytest.fixture(scope="module")
def alpha_html(alpha: RunResult) -> str:
    return (alpha.out_dir / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def alpha_metrics(alpha: RunResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((alpha.out_dir / "metrics.json").read_text())
    return data


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    """This module's own params folder (alpha.yaml + _defaults.yaml) and examples/."""
    return make_kit(tmp_path_factory.mktemp("kit"), demo_dir)


@dataclass(frozen=True)
class Hostile:
    result: RunResult
    html: str
    pdf_text: str


@pytest.fixture(scope="module")
def hostile(kit: Path, tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    """ALPHA with markup as its name and summary, printed on Letter paper."""

    def change(wb: Workbook) -> None:
        sheet = wb["Project"]
        assert sheet["A5"].value.startswith("Project name")
        assert sheet["A17"].value.startswith("Executive summary")
        sheet["B5"] = HOSTILE_NAME
        sheet["B17"] = HOSTILE_SUMMARY

    examples = kit.parent / "examples"
    mutate(examples / "alpha.xlsx", examples / "hostile.xlsx", change)
    params = kit / "hostile.yaml"
    params.write_text("workbook: ../examples/hostile.xlsx\nreport:\n  page_size: Letter\n")
    result = run_project(params, output=tmp_path_factory.mktemp("hostile-out"))
    html = (result.out_dir / "report.html").read_text(encoding="utf-8")
    return Hostile(result, html, _pdf_text(result.out_dir / "report.pdf"))


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _fmt(entry: dict[str, Any], currency: str) -> str:
    """What a KPI tile shows for a metrics.json status entry."""
    metric = Metric(entry["key"], entry["value"], entry["unit"], entry["reason"])
    return fmt_metric(metric, currency)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- (a) files, executed notebook, HTML content ------------------------------------------


def test_run_writes_report_notebook_and_metrics(alpha: RunResult) -> None:
    assert (alpha.project_id, alpha.period) == ("ALPHA", PERIOD)
    assert alpha.out_dir == alpha.out_dir.parents[1] / PERIOD / "ALPHA"
    names = {p.name for p in alpha.out_dir.iterdir()}
    assert names == {"report.html", "report.pdf", EXECUTED_NOTEBOOK, INPUTS_FILE, CHECKS_FILE, *METRICS_FILES}
    assert {p.name for p in alpha.files} == names
    assert all(p.stat().st_size > 0 for p in alpha.files)
    # the output root holds the period folder and the reporting history, nothing
    # half-written beside them (_failed/ appears once the atomicity test below has run)
    root = alpha.out_dir.parents[1]
    assert {p.name for p in alpha.out_dir.parent.iterdir()} - {FAILED_DIR} == {"ALPHA"}
    assert sorted(p.name for p in root.iterdir()) == sorted([PERIOD, HISTORY_FILE, HISTORY_LOCK])


def test_executed_notebook_has_injected_parameters(alpha: RunResult) -> None:
    nb = nbformat.read(alpha.out_dir / EXECUTED_NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    tagged = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    source = tagged[0].source
    assert "static = True" in source and '"project_id": "ALPHA"' in source
    assert f'"period": "{PERIOD}"' in source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_html_is_a_document_without_code_or_parameters(alpha: RunResult, alpha_html: str) -> None:
    for needle in ("ProjectReport.load", "report.kpi_tiles", "show(report", "import ", "params_file"):
        assert needle not in alpha_html, needle
    soup = BeautifulSoup(alpha_html, "html.parser")
    assert soup.body is not None
    body = str(soup.body)
    for needle in ("injected-parameters", "jp-InputPrompt", "In&nbsp;[", "Out["):
        assert needle not in body, needle  # (the stylesheet may name the classes it hides)
    # markdown cells sit in an input area; code cells must not show theirs
    assert soup.select(".jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt") == []
    # nothing of the injected parameters cell: no local paths, no parameter dict
    assert str(alpha.out_dir.parents[2]) not in alpha_html
    assert '"rag": {' not in alpha_html and "static = True" not in alpha_html
    headings = [h.get_text(strip=True) for h in soup.find_all("h2")]
    assert headings == list(SECTIONS)
    assert soup.title is not None and soup.title.get_text() == "Project status report: CRM replacement"
    meta = {
        dt.get_text(): dd.get_text()
        for dt, dd in zip(soup.select(".pmo-meta dt"), soup.select(".pmo-meta dd"), strict=True)
    }
    assert meta["Project"] == "ALPHA - CRM replacement" and meta["Period"] == PERIOD
    assert meta["Prepared by"] == "PMO"  # report.author from the params


def test_html_is_self_contained(alpha_html: str) -> None:
    assert not re.search(r"<\s*(script|link|iframe|object|embed|base)\b", alpha_html, re.I)
    assert "@import" not in alpha_html
    assert set(re.findall(r"https?://[^\s\"'<>)]+", alpha_html)) == XML_NAMESPACES
    soup = BeautifulSoup(alpha_html, "html.parser")
    for tag in soup.find_all(True):
        assert isinstance(tag, Tag)
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name
        for attr in ("src", "href", "xlink:href", "srcset", "action"):
            value = str(tag.get(attr) or "")
            assert not value or value.startswith(("#", "data:image/")), (tag.name, attr, value)


def test_html_has_static_svg_charts_with_marks(alpha_html: str) -> None:
    soup = BeautifulSoup(alpha_html, "html.parser")
    svgs = soup.find_all("svg")
    assert len(svgs) >= 5
    for svg in svgs:
        assert isinstance(svg, Tag)
        assert svg.select("g.role-mark > path, g.role-mark > rect, g.role-mark > line"), svg
    titles = " ".join(svg.get_text(" ") for svg in svgs)
    for title in ("S-curve", "Performance indices", "Budget vs actual", "probability x impact"):
        assert title in titles


# --- (b) in a browser ----------------------------------------------------------------------


@requires_chromium
def test_browser_offline_no_errors_and_kpis_match_metrics(alpha: RunResult, alpha_metrics: dict[str, Any]) -> None:
    status, currency = alpha_metrics["status"], alpha_metrics["project"]["currency"]
    with open_page(alpha.out_dir / "report.html") as page:
        assert page.console_errors == []
        assert page.foreign_requests == []
        assert page.requests == [page.url]
        assert page.dialogs == []
        charts = page.evaluate(JS_CHART_MARKS)
        assert len(charts) >= 5
        assert all(c["marks"] > 0 and c["w"] > 100 and c["h"] > 100 for c in charts), charts
        kpis = page.evaluate(JS_KPIS)
    assert [k["metric"] for k in kpis] == list(KPI_KEYS)
    for kpi in kpis:
        entry = status[kpi["metric"]]
        raw = entry["value"]
        assert (float(kpi["value"]) if kpi["value"] else None) == raw, kpi
        assert kpi["text"] == _fmt(entry, currency), kpi


# --- (c) PDF -------------------------------------------------------------------------------


def test_pdf_text_has_project_period_pages_and_key_figures(alpha: RunResult, alpha_metrics: dict[str, Any]) -> None:
    status, currency = alpha_metrics["status"], alpha_metrics["project"]["currency"]
    cpi, eac = _fmt(status["cpi"], currency), _fmt(status["eac"], currency)
    assert re.fullmatch(r"\d\.\d\d", cpi) and eac.startswith("EUR ")
    pdf = alpha.out_dir / "report.pdf"
    # Compare after folding whitespace: where a line breaks depends on the fonts a machine
    # has, and is not what this test is about (no wrap *inside* a value is checked below).
    text = " ".join(_pdf_text(pdf).split())
    n = len(PdfReader(pdf).pages)
    assert n >= 2
    for needle in ("CRM replacement", PERIOD, f"Page 1 of {n}", f"Page {n} of {n}", cpi, eac):
        assert needle in text, needle
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, 1):
            assert (page.width, page.height) == pytest.approx(A4, abs=0.5)
            words = _squash(page.extract_text())
            # running header and footer on every page
            assert "ALPHA - CRM replacement" in words and PERIOD in words, number
            assert f"Page {number} of {n}" in words, number
    lines = [" ".join(line.split()) for line in _pdf_text(pdf).splitlines()]
    for value in (cpi, eac):  # a figure never wraps: currency and amount stay on one line
        assert any(value in line for line in lines), value


def test_pdf_first_page_is_not_blank(alpha: RunResult, tmp_path: Path) -> None:
    cmd = [require_program("pdftoppm"), "-png", "-r", "40", "-f", "1", "-l", "1"]
    subprocess.run([*cmd, str(alpha.out_dir / "report.pdf"), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p*.png")
    with Image.open(png) as image:
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 10


def test_letter_page_size_from_params(hostile: Hostile) -> None:
    assert "@page { size: Letter; }" in hostile.html
    with pdfplumber.open(hostile.result.out_dir / "report.pdf") as doc:
        assert {(round(p.width), round(p.height)) for p in doc.pages} == {(612, 792)}


# --- (d) hostile workbook text --------------------------------------------------------------


def test_hostile_text_is_escaped_in_html(hostile: Hostile) -> None:
    html = hostile.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt; **bold** &lt;b&gt;not bold&lt;/b&gt;" in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all(["script", "img", "iframe"]) == []
    assert [t for t in soup.find_all(["b", "strong"]) if "bold" in t.get_text()] == []
    text = soup.get_text()
    assert HOSTILE_NAME in text and HOSTILE_SUMMARY in text


@requires_chromium
def test_hostile_text_is_inert_in_browser(hostile: Hostile) -> None:
    with open_page(hostile.result.out_dir / "report.html") as page:
        assert page.dialogs == []
        assert page.console_errors == []
        assert page.foreign_requests == []
        text = page.evaluate("document.body.innerText")
        assert HOSTILE_NAME in text and HOSTILE_SUMMARY in text
        assert HOSTILE_NAME in page.evaluate("document.title")
        assert page.evaluate("document.querySelectorAll('script, img, iframe').length") == 0
        bold = "Array.from(document.querySelectorAll('b, strong')).map(e => e.textContent)"
        assert not [t for t in page.evaluate(bold) if "bold" in t]


def test_hostile_text_is_literal_in_pdf(hostile: Hostile) -> None:
    text = _squash(hostile.pdf_text)
    assert HOSTILE_NAME in text
    assert HOSTILE_SUMMARY in text


# --- (e) atomic output ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def failing_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report notebook with one cell calling a section that does not exist."""
    nb = nbformat.read(REPO / "notebooks" / "project_status.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    (cell,) = [c for c in nb.cells if c.source.strip() == "report.forecast_table()"]
    cell.source = "report.forecast_tabel()"
    path = tmp_path_factory.mktemp("badnb") / "project_status.ipynb"
    nbformat.write(nb, path)  # type: ignore[no-untyped-call]
    return path


def test_failed_run_keeps_last_output_and_the_partial_notebook(alpha: RunResult, failing_notebook: Path) -> None:
    period_dir = alpha.out_dir.parent
    before = _snapshot(alpha.out_dir)
    params = alpha.out_dir.parents[2] / "kit" / "params" / "alpha.yaml"
    with pytest.raises(ReportError) as info:
        run_project(params, output=alpha.out_dir.parents[1], notebook=failing_notebook)
    message = str(info.value)
    assert "\n" not in message  # one readable line
    assert "report.forecast_tabel()" in message
    assert "AttributeError" in message and "forecast_tabel" in message
    # last run's files: same bytes, not even rewritten
    assert _snapshot(alpha.out_dir) == before
    assert sorted(p.name for p in period_dir.iterdir()) == ["ALPHA", FAILED_DIR]
    assert not [p for p in period_dir.rglob(".ALPHA.*")]
    # the partially executed notebook is kept; the message names its failing cell
    failed = period_dir / FAILED_DIR / "ALPHA" / EXECUTED_NOTEBOOK
    nb = nbformat.read(failed, as_version=4)  # type: ignore[no-untyped-call]
    (bad,) = [c for c in nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert bad.source == "report.forecast_tabel()"
    assert f"cell [{bad.execution_count}]" in message
    done = [c for c in nb.cells if c.cell_type == "code" and c.outputs]
    assert len(done) >= 4  # the cells before it ran (header, KPIs, ...)
    assert sorted(p.name for p in failed.parent.iterdir()) == [EXECUTED_NOTEBOOK]


# --- (f, g) refused before any kernel starts --------------------------------------------------


def test_broken_workbook_fails_before_a_kernel_starts(kit: Path, tmp_path: Path) -> None:
    def change(wb: Workbook) -> None:
        wb["Project"]["B9"] = "EURO"
        wb["Project"]["B12"] = "someday"

    examples = kit.parent / "examples"
    mutate(examples / "alpha.xlsx", examples / "broken.xlsx", change)
    params = kit / "broken.yaml"
    params.write_text("workbook: ../examples/broken.xlsx\n")
    output = tmp_path / "out"
    with pytest.raises(WorkbookError) as info:  # not ReportError: the missing notebook is never reached
        run_project(params, output=output, notebook=tmp_path / "no-such-notebook.ipynb")
    message = str(info.value)
    assert "Project!B9" in message and "Project!B12" in message  # all problems at once
    assert not output.exists()


def test_stale_period_is_refused(kit: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    with pytest.raises(ReportError) as info:
        run_project(kit / "alpha.yaml", period="2026-09", output=output)
    message = str(info.value)
    assert "2026-09" in message and f"status date {PERIOD}" in message
    assert not output.exists()


# --- (h, i) the command line --------------------------------------------------------------


@pytest.fixture
def clean_env() -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.pop("PMOREPORTS_STATIC", None)
    yield env


def test_cli_run_html_only_writes_only_under_output(kit: Path, tmp_path: Path, clean_env: dict[str, str]) -> None:
    cwd = tmp_path / "work"
    cwd.mkdir()
    kit_before, notebooks_before = _tree(kit.parent), _tree(REPO / "notebooks")
    exe = shutil.which("pmoreports")
    cli = [exe] if exe else [sys.executable, "-m", "pmoreports"]
    proc = subprocess.run(
        [*cli, "run", str(kit / "alpha.yaml"), "--format", "html"],
        cwd=cwd,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = Path("output") / PERIOD / "ALPHA"  # the default output root, under the cwd
    assert "report.html" in proc.stdout and "report.pdf" not in proc.stdout
    written = _tree(cwd)
    assert {p for p in written if not p.startswith(str(out) + os.sep)} == {
        "output",
        str(out.parent),
        str(out),
        str(Path("output") / HISTORY_FILE),  # the reporting history and its lock
        str(Path("output") / HISTORY_LOCK),
    }
    names = {Path(p).name for p in written if p.startswith(str(out) + os.sep)}
    assert names == {"report.html", EXECUTED_NOTEBOOK, INPUTS_FILE, CHECKS_FILE, *METRICS_FILES}  # no report.pdf
    assert _tree(kit.parent) == kit_before
    assert _tree(REPO / "notebooks") == notebooks_before
