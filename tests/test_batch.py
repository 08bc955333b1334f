"""The monthly batch, run for real: parallel workers, injected failures, skips and reruns,
the portfolio pages, the Excel export, Ctrl-C/SIGTERM, many kernels at once, and Dask."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import openpyxl
import pytest
from browser import open_page, requires_chromium
from conftest import REPO, make_kit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbclient import NotebookClient
from xlsx_helpers import mutate

from pmoreports.errors import ParamsError
from pmoreports.pipeline import batch as batch_module
from pmoreports.pipeline.batch import ProjectTask, TaskResult, render_task, run_batch
from pmoreports.pipeline.run import IpcKernelManager

DEMO = ("ALPHA", "DELTA", "FOXTROT")
FAILING = ("BROKEN", "RAISER", "KILLED", "HANG")


def _project(root: Path, src: Path, pid: str, name: str, extra: str = "", **cells: object) -> None:
    """A params file + workbook copied from ``src`` with another project ID and name."""

    def change(wb: openpyxl.Workbook) -> None:
        wb["Project"]["B4"], wb["Project"]["B5"] = pid, name
        wb["Project"]["B5"].data_type = "s"  # a name starting with '=' is text, not a formula
        for ref, value in cells.items():
            sheet, cell = ref.split("_")
            wb[sheet][cell] = value

    mutate(src, root / "examples" / f"{pid.lower()}.xlsx", change)
    (root / "params" / f"{pid.lower()}.yaml").write_text(
        f"project_id: {pid}\nworkbook: ../examples/{pid.lower()}.xlsx\n{extra}", encoding="utf-8"
    )


def _notebook(root: Path, name: str, source: str) -> str:
    nb = nbformat.read(REPO / "notebooks" / "project_status.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(source))
    path = root / "params" / name
    nbformat.write(nb, path)
    return name


@pytest.fixture(scope="module")
def portfolio_dir(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 demo projects, 4 failing ones, and one whose name is a formula, in one params folder."""
    root = tmp_path_factory.mktemp("batch")
    make_kit(demo_dir, root, DEMO)
    alpha = demo_dir / "examples" / "alpha.xlsx"
    _project(root, alpha, "BROKEN", "Broken workbook", Budget_C3=-1)
    raiser = _notebook(root, "raiser.ipynb", 'raise RuntimeError("boom from the test")')
    _project(root, alpha, "RAISER", "Raises in a cell", f"execution: {{notebook: {raiser}}}\n")
    killed = _notebook(root, "killed.ipynb", "import os\nos._exit(1)")
    _project(root, alpha, "KILLED", "Kernel dies", f"execution: {{notebook: {killed}}}\n")
    hang = _notebook(root, "hang.ipynb", "import time\ntime.sleep(600)")
    _project(root, alpha, "HANG", "Hangs", f"execution: {{notebook: {hang}, timeout: 5}}\n")
    _project(root, alpha, "EVIL", '=HYPERLINK("http://evil.example","click") <b>x</b>')
    return root


@pytest.fixture(scope="module")
def first_run(portfolio_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmoreports", "batch", "params", "--jobs", "2", "--output", "out"],
        cwd=portfolio_dir,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _manifest(folder: Path) -> dict[str, dict[str, object]]:
    data = json.loads((folder / "manifest.json").read_text())
    return {p["project_id"]: p for p in data["projects"]}


def test_failures_are_isolated_and_reported(first_run: subprocess.CompletedProcess[str], portfolio_dir: Path) -> None:
    assert first_run.returncode == 1, first_run.stderr
    assert "Traceback" not in first_run.stdout + first_run.stderr
    period = portfolio_dir / "out" / "2026-10"
    m = _manifest(period)
    assert {pid for pid, p in m.items() if p["status"] == "ok"} == {*DEMO, "EVIL"}
    assert {pid for pid, p in m.items() if p["status"] == "failed"} == set(FAILING)
    assert "Budget!C3" in str(m["BROKEN"]["error"]) and "negative amount" in str(m["BROKEN"]["error"])
    assert "RuntimeError: boom from the test" in str(m["RAISER"]["error"])
    assert 'raise RuntimeError("boom from the test")' in str(m["RAISER"]["failing_cell"])
    assert "kernel died" in str(m["KILLED"]["error"])
    assert "5 s timeout" in str(m["HANG"]["error"])
    assert (period / "_failed" / "RAISER" / "project_status.ipynb").is_file()
    for pid in (*DEMO, "EVIL"):
        assert {"report.html", "report.pdf", "metrics.json"} <= {p.name for p in (period / pid).iterdir()}
        assert set(m[pid]["inputs"]) == {"workbook", "params", "notebook", "template", "package", "history"}
    for pid in FAILING:
        assert not (period / pid).exists()
    for line in ("RAISER", "index:", "4 failed"):
        assert line in first_run.stdout


def test_portfolio_outputs(first_run: subprocess.CompletedProcess[str], portfolio_dir: Path) -> None:
    period = portfolio_dir / "out" / "2026-10"
    for name in ("portfolio.html", "portfolio.pdf", "index.html", "portfolio_metrics.xlsx", "manifest.json"):
        assert (period / name).is_file(), name
    html = (period / "portfolio.html").read_text()
    for pid in FAILING:
        assert pid in html  # listed under "Projects that did not report"
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "Portfolio total" in html


def test_excel_export_keeps_text_as_text(first_run: subprocess.CompletedProcess[str], portfolio_dir: Path) -> None:
    wb = openpyxl.load_workbook(portfolio_dir / "out" / "2026-10" / "portfolio_metrics.xlsx")
    ws = wb["Projects"]
    names = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    evil = names["EVIL"]
    assert evil.data_type == "s" and evil.value.startswith("=HYPERLINK")
    assert ws.conditional_formatting, "RAG columns have conditional colours"
    assert ws["J1"].value == "CPI" and ws["J2"].number_format == "0.00"
    assert "Portfolio total" in [c.value for c in wb["Programmes"]["A"]]


def test_unchanged_projects_are_skipped(first_run: subprocess.CompletedProcess[str], portfolio_dir: Path) -> None:
    period = portfolio_dir / "out" / "2026-10"
    before = {pid: (period / pid / "report.html").stat().st_mtime_ns for pid in DEMO}
    result = run_batch(portfolio_dir / "params", only=list(DEMO), output=portfolio_dir / "out", portfolio=False)
    assert all(o.seconds == 0.0 for o in result.outcomes if o.project_id in DEMO)  # nothing was rendered
    assert {o.project_id: o.status for o in result.outcomes if o.project_id in DEMO} == dict.fromkeys(DEMO, "skipped")
    assert {pid: (period / pid / "report.html").stat().st_mtime_ns for pid in DEMO} == before
    assert _manifest(period)["RAISER"]["status"] == "failed"  # --only keeps the others' lines


def test_changed_workbook_reruns_only_that_project(
    first_run: subprocess.CompletedProcess[str], portfolio_dir: Path
) -> None:
    period = portfolio_dir / "out" / "2026-10"
    book = portfolio_dir / "examples" / "delta.xlsx"
    mutate(book, book, lambda wb: wb["Project"].__setitem__("B18", "Handed over to operations."))
    delta_before = (period / "DELTA" / "report.html").read_bytes()
    foxtrot_before = (period / "FOXTROT" / "report.html").stat().st_mtime_ns
    result = run_batch(
        portfolio_dir / "params", only=["DELTA", "FOXTROT"], output=portfolio_dir / "out", portfolio=False
    )
    status = {o.project_id: o.status for o in result.outcomes}
    assert status["DELTA"] == "ok" and status["FOXTROT"] == "skipped"
    assert (period / "DELTA" / "report.html").read_bytes() != delta_before
    assert "Handed over to operations." in (period / "DELTA" / "report.html").read_text()
    assert (period / "FOXTROT" / "report.html").stat().st_mtime_ns == foxtrot_before


def test_a_failure_keeps_last_runs_outputs(
    first_run: subprocess.CompletedProcess[str], portfolio_dir: Path, tmp_path: Path
) -> None:
    period = portfolio_dir / "out" / "2026-10"
    book = portfolio_dir / "examples" / "foxtrot.xlsx"
    saved = tmp_path / "foxtrot.xlsx"
    shutil.copy(book, saved)
    before = {p.name: p.read_bytes() for p in (period / "FOXTROT").iterdir()}
    try:
        mutate(book, book, lambda wb: wb["Actuals"].__setitem__("C3", "lots"))
        result = run_batch(portfolio_dir / "params", only=["FOXTROT"], output=portfolio_dir / "out", portfolio=False)
        assert result.outcomes[0].status == "failed" and "Actuals!C3" in result.outcomes[0].error
        assert {p.name: p.read_bytes() for p in (period / "FOXTROT").iterdir()} == before
    finally:
        shutil.copy(saved, book)


def test_force_reruns(first_run: subprocess.CompletedProcess[str], portfolio_dir: Path) -> None:
    period = portfolio_dir / "out" / "2026-10"
    before = (period / "ALPHA" / "metrics.json").stat().st_mtime_ns
    result = run_batch(
        portfolio_dir / "params", only=["ALPHA"], force=True, output=portfolio_dir / "out", portfolio=False
    )
    assert result.outcomes[0].status == "ok"
    assert (period / "ALPHA" / "metrics.json").stat().st_mtime_ns != before


@requires_chromium
def test_index_and_portfolio_pages_in_a_browser(
    first_run: subprocess.CompletedProcess[str], portfolio_dir: Path
) -> None:
    period = portfolio_dir / "out" / "2026-10"
    with open_page(period / "index.html") as page:
        assert page.console_errors == [] and page.foreign_requests == [] and page.dialogs == []
        hrefs = page.evaluate("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
        assert "ALPHA/report.html" in hrefs and "portfolio.pdf" in hrefs
        assert all((period / h).is_file() for h in hrefs)
    with open_page(period / "portfolio.html") as page:
        assert page.console_errors == [] and page.foreign_requests == [] and page.dialogs == []
        assert page.evaluate("document.querySelectorAll('svg circle, svg path').length") > 0
        first = "() => document.querySelector('.pmo-sortable-table tbody').children"
        order = (
            f"[...({first})()].map(r => [getComputedStyle(r).order * 1, r.cells[0].innerText])"
            ".sort((a, b) => a[0] - b[0]).map(x => x[1])"
        )
        page.page.click("label[for='pmo-sort-7a']")  # CPI ascending
        by_cpi = page.evaluate(order)
        page.page.click("label[for='pmo-sort-7d']")  # CPI descending
        by_cpi_desc = page.evaluate(order)
        cpi = {pid: json.loads((period / pid / "metrics.json").read_text())["status"]["cpi"]["value"] for pid in by_cpi}
        assert [cpi[p] for p in by_cpi] == sorted(cpi.values())
        assert [cpi[p] for p in by_cpi_desc] == sorted(cpi.values(), reverse=True)


def test_task_carries_its_inputs(demo_dir: Path, tmp_path: Path) -> None:
    """A task renders with no access to the files it came from (as on a Dask worker)."""
    from pmoreports.report.params import load_params

    params = load_params(demo_dir / "params" / "echo.yaml")
    task = ProjectTask(
        "ECHO",
        params.to_dict() | {"period": "2026-10", "formats": ["html"]},
        "echo.xlsx",
        params.workbook.read_bytes(),
        (REPO / "notebooks" / "project_status.ipynb").read_bytes(),
    )
    moved = tmp_path / "moved"
    shutil.move(demo_dir / "examples", moved)
    try:
        result = render_task(task)
    finally:
        shutil.move(moved, demo_dir / "examples")
    assert result.ok, result.error
    assert b"New headquarters fit-out" in result.files["report.html"]


def test_many_kernels_start_at_once_without_port_races() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])

    def run(_: int) -> str:
        client = NotebookClient(
            nbformat.from_dict(nb), kernel_name="python3", timeout=120, kernel_manager_class=IpcKernelManager
        )
        return str(client.execute().cells[0].outputs[0]["text"]).strip()

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert list(pool.map(run, range(12))) == ["42"] * 12


def test_interrupt_leaves_no_half_written_files(
    first_run: subprocess.CompletedProcess[str], portfolio_dir: Path
) -> None:
    out = portfolio_dir / "out_interrupt"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pmoreports",
            "batch",
            "params",
            "--jobs",
            "2",
            "--force",
            "--output",
            str(out),
            "--only",
            ",".join(DEMO),
        ],
        cwd=portfolio_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.time() + 90  # stop it once the first project is in and the others are running
    while time.time() < deadline and not [p for p in (out / "2026-10").glob("[A-Z]*") if p.is_dir()]:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in stderr, stderr
    period = out / "2026-10"
    assert not [p for p in period.rglob(".*") if "staging" in p.name or ".old-" in p.name]
    for folder in (p for p in period.iterdir() if p.is_dir() and not p.name.startswith("_")):
        assert {"report.html", "report.pdf", "metrics.json"} <= {f.name for f in folder.iterdir()}, folder
    manifest = {p["project_id"]: p["status"] for p in json.loads((period / "manifest.json").read_text())["projects"]}
    assert "cancelled" in manifest.values()
    for folder in (p for p in period.iterdir() if p.is_dir() and not p.name.startswith("_")):
        assert manifest[folder.name] == "ok"  # a report on disk is a finished, recorded one
    assert proc.returncode == 130 and "interrupted" in stderr


def test_dask_local_cluster(first_run: subprocess.CompletedProcess[str], portfolio_dir: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        result = run_batch(
            portfolio_dir / "params",
            only=list(DEMO),
            output=portfolio_dir / "out_dask",
            scheduler=cluster.scheduler_address,
        )
    assert {o.project_id: o.status for o in result.outcomes} == dict.fromkeys(DEMO, "ok")
    period = portfolio_dir / "out_dask" / "2026-10"
    assert (period / "index.html").is_file() and (period / "portfolio.html").is_file()
    manifest = json.loads((period / "manifest.json").read_text())
    assert manifest["executor"].startswith("dask:tcp://127.0.0.1")


# --- one project, one parameter file -----------------------------------------------------


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    copies=st.lists(
        st.tuples(st.sampled_from(DEMO), st.sampled_from(["params copied", "workbook copied"])),
        min_size=1,
        max_size=3,
    )
)
def test_a_project_in_two_parameter_files_is_refused_before_any_kernel(
    copies: list[tuple[str, str]], portfolio_dir: Path
) -> None:
    """Copy-pasted parameter files (or a copied workbook under a new name) would report one
    project as another: the batch refuses, naming every file of each duplicated project."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(portfolio_dir / "params", root / "params")
        shutil.copytree(portfolio_dir / "examples", root / "examples")
        files: dict[str, list[str]] = {pid: [str(root / "params" / f"{pid.lower()}.yaml")] for pid in DEMO}
        for i, (pid, how) in enumerate(copies):
            copy = root / "params" / f"copy{i}.yaml"
            if how == "params copied":
                shutil.copy(root / "params" / f"{pid.lower()}.yaml", copy)
            else:
                shutil.copy(root / "examples" / f"{pid.lower()}.xlsx", root / "examples" / f"copy{i}.xlsx")
                copy.write_text(f"workbook: ../examples/copy{i}.xlsx\n")
            files[pid].append(str(copy))
        with pytest.raises(ParamsError) as info:
            run_batch(root / "params", output=root / "out", only=[copies[0][0]])
        message = str(info.value)
        for pid, names in files.items():
            if len(names) > 1:
                assert f"are {'both' if len(names) == 2 else 'all'} project {pid}" in message
                assert all(name in message for name in names), message
        assert "\n" not in message and "nothing was run" in message
        assert not (root / "out").exists()


def test_cancelled_only_when_the_batch_was_interrupted(
    portfolio_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project whose result never came back, in a batch nobody interrupted, is a failure
    that says so, not "batch interrupted"."""

    def loses_results(self: object, tasks: list[ProjectTask]) -> Iterator[TaskResult]:
        yield from ()

    # one project renders in this process, several in workers: both lose their results
    monkeypatch.setattr(batch_module._LocalPool, "results", loses_results)
    monkeypatch.setattr(batch_module._InProcess, "results", loses_results)
    for only in (["ALPHA"], ["ALPHA", "DELTA"]):
        result = run_batch(portfolio_dir / "params", only=only, output=tmp_path, portfolio=False, jobs=2)
        assert [(o.status, o.error) for o in result.outcomes] == [
            ("failed", "no result came back for this project")
        ] * len(only)


def test_a_failed_portfolio_notebook_keeps_last_runs_pages(
    first_run: subprocess.CompletedProcess[str], portfolio_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The portfolio notebook runs in a staging folder: when it fails, last run's notebook and
    pages stay, the partial notebook goes to _failed/, and the index is still written."""
    from pmoreports.errors import ReportError
    from pmoreports.pipeline import portfolio

    period = tmp_path / "2026-10"
    shutil.copytree(portfolio_dir / "out" / "2026-10", period)
    before = {name: (period / name).read_bytes() for name in ("portfolio.ipynb", "portfolio.html", "portfolio.pdf")}
    nb = nbformat.read(REPO / "notebooks" / "portfolio_summary.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("portfolio boom")'))
    nbformat.write(nb, tmp_path / "portfolio_summary.ipynb")
    monkeypatch.setattr(portfolio, "PORTFOLIO_NOTEBOOK", tmp_path / "portfolio_summary.ipynb")
    (period / "index.html").unlink()
    with pytest.raises(ReportError, match="portfolio boom"):
        portfolio.write_portfolio(period, portfolio_dir / "params")
    assert {name: (period / name).read_bytes() for name in before} == before
    assert "portfolio boom" in (period / "_failed" / "portfolio.ipynb").read_text()
    assert (period / "index.html").is_file()
    assert not list(period.glob(".*"))
