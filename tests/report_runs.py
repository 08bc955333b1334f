"""Real report runs shared by several test modules (each papermill run takes seconds).

A run is cached per pytest session (keyed by the session's base temp folder), so
``test_run.py`` and ``test_notebooks.py`` execute the ALPHA report once between them.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from pmoreports.pipeline.run import RunResult, run_project


def make_kit(root: Path, demo_dir: Path) -> Path:
    """``root/examples/alpha.xlsx`` and ``root/params/{alpha,_defaults}.yaml``; returns params/."""
    (root / "examples").mkdir(parents=True, exist_ok=True)
    (root / "params").mkdir(exist_ok=True)
    shutil.copyfile(demo_dir / "examples" / "alpha.xlsx", root / "examples" / "alpha.xlsx")
    shutil.copyfile(demo_dir / "params" / "alpha.yaml", root / "params" / "alpha.yaml")
    shutil.copyfile(REPO / "params" / "_defaults.yaml", root / "params" / "_defaults.yaml")
    return root / "params"


@functools.cache
def _alpha_run(root: Path, demo_dir: Path) -> RunResult:
    params = make_kit(root / "kit", demo_dir)
    return run_project(params / "alpha.yaml", output=root / "output")


def alpha_run(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> RunResult:
    """The ALPHA demo report, run once per session with the repo's notebook (HTML + PDF).

    Outputs are in ``<root>/output``; the kit (params, workbook) in ``<root>/kit``.
    Tests must not modify them.
    """
    return _alpha_run(tmp_path_factory.getbasetemp() / "shared-alpha-run", demo_dir)
