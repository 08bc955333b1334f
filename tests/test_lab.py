"""The explore notebooks in a real JupyterLab, driven by headless Chromium (Playwright).

JupyterLab serves a copy of the kit (the notebooks, the demo's params and workbooks) from a
temporary folder, sandboxed (see ``lab.py``); the browser runs every cell as an analyst
would (Run > Run All Cells) and the test checks what the page shows: every chart drawn
with marks, no error output, no console error, no request off the machine, and that
clicking a project in the portfolio quadrant changes the chart beside it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM
from conftest import REPO, make_kit, require_program
from lab import Lab, LabServer, jupyter_lab, open_lab

pytestmark = pytest.mark.lab  # about 2 minutes; alone: `pytest -m lab`

NOTEBOOKS = ("explore.ipynb", "explore_project.ipynb")

_CHARTS = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')]
    .filter(o => o.querySelector('.vega-embed'))
    .map(o => ({
        svg: o.querySelectorAll('.vega-embed svg').length,
        canvas: o.querySelectorAll('.vega-embed canvas').length,
        marks: o.querySelectorAll('.vega-embed svg .mark-symbol path, .vega-embed svg .mark-rect path,'
            + ' .vega-embed svg .mark-line path, .vega-embed svg .mark-area path').length,
    }))"""
_ERRORS = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')]
    .filter(o => o.matches('[data-mime-type="application/vnd.jupyter.error"], [data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(o => o.textContent.slice(0, 500))"""
_EXPLORER = "[...document.querySelectorAll('.vega-embed')].find(e => e.querySelector('.mark-symbol'))"
_BAR_ROWS = f"""() => {{
    const chart = {_EXPLORER};
    return [...chart.querySelectorAll('.mark-rect path')].map(p => p.getAttribute('aria-label') || '')
        .filter(label => label.includes('Project: ')).map(label => label.match(/Project: ([^;]+)/)[1]);
}}"""


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    """The folder JupyterLab serves: ``notebooks/`` (copies), ``params/`` and ``examples/``."""
    root = make_kit(demo_dir, tmp_path_factory.mktemp("lab-kit"))
    (root / "notebooks").mkdir()
    for name in NOTEBOOKS:
        shutil.copyfile(REPO / "notebooks" / name, root / "notebooks" / name)
    return root


@pytest.fixture(scope="module")
def server(kit: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    if not CHROMIUM.exists():
        require_program(str(CHROMIUM))
    pytest.importorskip("playwright")
    with jupyter_lab(kit, tmp_path_factory.mktemp("lab-home")) as running:
        yield running


@contextmanager
def _run(server: LabServer, notebook: str) -> Iterator[Lab]:
    with open_lab(server) as lab:
        lab.open(f"notebooks/{notebook}")
        lab.run_all()
        yield lab


def _check_page(lab: Lab, expected_charts: int) -> list[dict[str, Any]]:
    """Every cell ran without error output; every chart is drawn with marks; nothing
    left the machine; the console is clean. Returns the charts found."""
    assert lab.evaluate(_ERRORS) == []
    charts: list[dict[str, Any]] = lab.evaluate(_CHARTS)
    assert len(charts) == expected_charts, charts
    for chart in charts:
        assert chart["svg"] + chart["canvas"] >= 1, chart
        assert chart["marks"] > 0, chart
    actions: list[str] = lab.evaluate("() => [...document.querySelectorAll('.vega-actions a')].map(a => a.textContent)")
    assert actions and not [a for a in actions if "Editor" in a], actions  # nothing sends a chart off the machine
    assert lab.foreign_requests == []
    assert lab.console_errors == []
    return charts


def _chart_cells(notebook: str) -> int:
    import nbformat

    nb = nbformat.read(REPO / "notebooks" / notebook, as_version=4)
    return sum(1 for c in nb.cells if c.cell_type == "code" and c.source.startswith("show("))


def test_portfolio_explorer_runs_and_a_click_drills(server: LabServer) -> None:
    with _run(server, "explore.ipynb") as lab:
        _check_page(lab, _chart_cells("explore.ipynb"))
        text = lab.evaluate("() => document.querySelector('.jp-NotebookPanel').innerText")
        for project in ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF"):
            assert project in text
        assert "change RAG" in text  # the what-if cells

        shown_first = set(lab.evaluate(_BAR_ROWS))
        assert len(shown_first) == 1, shown_first  # the worst project, selected at first
        bubbles: list[str] = lab.evaluate(
            f"""() => [...{_EXPLORER}.querySelectorAll('.mark-symbol path')]
                .map(p => (p.getAttribute('aria-label') || '').match(/Project: ([^;]+)/)?.[1] || '')"""
        )
        other = next(p for p in bubbles if p and p not in shown_first)
        lab.page.locator(f"{_css_explorer()} .mark-symbol path[aria-label*='Project: {other};']").click(force=True)
        lab.page.wait_for_function(f"() => ({_BAR_ROWS})().includes({other!r})")
        assert set(lab.evaluate(_BAR_ROWS)) == {other}
        assert lab.console_errors == []


def _css_explorer() -> str:
    return ".jp-OutputArea-output .vega-embed:has(.mark-symbol)"


def test_project_explorer_runs(server: LabServer) -> None:
    with _run(server, "explore_project.ipynb") as lab:
        _check_page(lab, _chart_cells("explore_project.ipynb"))
        text = lab.evaluate("() => document.querySelector('.jp-NotebookPanel').innerText")
        assert "FOXTROT" in text and "335,310" in text  # the actuals pivot's total is the report's AC
