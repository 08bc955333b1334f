"""The committed notebooks: one parameters cell, no outputs, thin cells; interactive vs static charts."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import REPO
from report_runs import alpha_run

from pmoreports.pipeline.run import EXECUTED_NOTEBOOK, KERNEL, RunResult
from pmoreports.report import charts_display

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
MAX_LINES = 6
VEGALITE_MIME = re.compile(r"application/vnd\.vegalite\.v5\+json")
"""What JupyterLab 4 draws offline with its built-in Vega-Lite 5 extension."""
VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/"


def _read(path: Path) -> nbformat.NotebookNode:
    nb: nbformat.NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return nb


def _code_lines(source: str) -> list[str]:
    return [x for x in source.splitlines() if x.strip() and not x.strip().startswith("#")]


def test_the_kit_ships_its_notebooks() -> None:
    assert {"project_status.ipynb", "explore.ipynb"} <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path: Path) -> None:
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == KERNEL
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert tagged[0].cell_type == "code"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"outputs committed in {cell.source[:40]!r}"
            assert cell.execution_count is None, f"execution count in {cell.source[:40]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_cells_are_thin(path: Path) -> None:
    """Every computation lives in pmoreports: cells import it and call one thing."""
    for cell in _read(path).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        defines = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        assert defines == [], f"logic defined in a notebook cell: {cell.source[:60]!r}"
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.For | ast.While | ast.Lambda)]
        if "parameters" in cell.metadata.get("tags", []):  # assignments only, one per parameter
            assert all(isinstance(n, ast.Assign) for n in tree.body), cell.source
        else:
            assert len(_code_lines(cell.source)) <= MAX_LINES, cell.source
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert all(str(n).split(".")[0] == "pmoreports" for n in names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_default_parameter_paths_exist(path: Path) -> None:
    """Opened in JupyterLab as committed, a notebook finds the repo's params."""
    (cell,) = [c for c in _read(path).cells if "parameters" in c.metadata.get("tags", [])]
    values: dict[str, Any] = {}
    exec(cell.source, {}, values)  # literal assignments only
    for name, value in values.items():
        if name.startswith("params_") and isinstance(value, str):
            assert (path.parent / value).exists(), (name, value)


# --- executed ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explored(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> nbformat.NotebookNode:
    """notebooks/explore.ipynb executed by papermill on the demo portfolio (with the kit's
    ``_portfolio.yaml``: FX rates for every demo currency), not in static mode."""
    import shutil

    import papermill

    out = tmp_path_factory.mktemp("explore") / "explore.ipynb"
    params = out.parent / "params"
    shutil.copytree(demo_dir / "params", params)
    shutil.copytree(demo_dir / "examples", out.parent / "examples")
    shutil.copyfile(REPO / "params" / "_portfolio.yaml", params / "_portfolio.yaml")
    output = out.parent / "output"
    output.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(charts_display.STATIC_ENV_VAR, raising=False)
        papermill.execute_notebook(
            str(REPO / "notebooks" / "explore.ipynb"),
            str(out),
            parameters={
                "params_folder": str(params),
                "output_folder": str(output),  # no batch has run: an empty history
            },
            kernel_name=KERNEL,
            progress_bar=False,
            cwd=str(REPO / "notebooks"),
        )
    return _read(out)


def _chart_outputs(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Output data of the cells that display a chart (``show(...)``)."""
    return [
        dict(o.data)
        for c in nb.cells
        if c.cell_type == "code" and c.source.startswith("show(")
        for o in c.outputs
        if "data" in o
    ]


def _is_interactive_altair(data: dict[str, Any]) -> bool:
    """A Vega-Lite 5 spec for JupyterLab to draw itself (Altair's ``mimetype`` renderer),
    not Altair's default HTML that loads Vega from a CDN (blank charts offline)."""
    assert "cdn.jsdelivr" not in str(data.get("text/html", "")), "chart needs the network"
    return any(VEGALITE_MIME.fullmatch(k) for k in data)


def test_explore_notebook_runs_with_interactive_charts(explored: nbformat.NotebookNode) -> None:
    outputs = [o for c in explored.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    assert [o.text for o in outputs if o.get("name") == "stderr"] == []  # no warnings
    charts = _chart_outputs(explored)
    assert len(charts) >= 1  # the portfolio quadrant; the project charts are in explore_project.ipynb
    for data in charts:
        assert _is_interactive_altair(data), sorted(data)
        assert "image/svg+xml" not in data
    # the portfolio table lists every demo project
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    for project in ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF"):
        assert project in html


def test_executed_report_charts_are_static_svg(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> None:
    run: RunResult = alpha_run(tmp_path_factory, demo_dir)
    charts = _chart_outputs(_read(run.out_dir / EXECUTED_NOTEBOOK))
    assert len(charts) >= 5
    for data in charts:
        assert str(data["image/svg+xml"]).lstrip().startswith("<svg")
        assert not _is_interactive_altair(data)
        assert "text/html" not in data
