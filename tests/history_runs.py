"""Real batches shared by the history test modules: three monthly periods of two demo
projects (ALPHA, BRAVO), the workbooks of the multi-period demo as their managers sent
them, run once per pytest session (HTML only) into one output root.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from pmoreports.pipeline.batch import run_batch
from pmoreports.workbook.demo import HISTORY_DIR, demo_periods, write_demo, write_demo_history

PROJECTS = ("alpha", "bravo")
PERIODS = [f"{p:%Y-%m}" for p in demo_periods()[-3:]]
"""The three periods the tests report: two earlier ones, then the demo's latest."""


def history_kit_folders(root: Path) -> dict[str, Path]:
    """A demo kit with only ALPHA and BRAVO: its params folder per period, oldest first."""
    examples, params = root / "examples", root / "params"
    params.mkdir(parents=True)
    for name in ("_defaults.yaml", "_portfolio.yaml"):
        shutil.copyfile(REPO / "params" / name, params / name)
    write_demo(examples, params)
    write_demo_history(examples, params)
    folders = {p: params / HISTORY_DIR / p for p in PERIODS[:-1]} | {PERIODS[-1]: params}
    for folder in folders.values():
        for extra in folder.glob("*.yaml"):
            if not extra.name.startswith("_") and extra.stem not in PROJECTS:
                extra.unlink()
    return folders


@functools.cache
def _batches(root: Path) -> dict[str, Any]:
    folders = history_kit_folders(root / "kit")
    output = root / "output"
    for period, folder in folders.items():
        result = run_batch(folder, output=output, formats=["html"], jobs=2)
        assert not result.failed and not result.portfolio_error, (period, result.portfolio_error)
        assert result.period == period
    return {"root": root, "output": output, "folders": folders}


def history_batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``{"output": output root, "folders": {period: params folder}}`` of the shared
    batches (tests copy the output before changing it)."""
    return _batches(tmp_path_factory.getbasetemp() / "history-batches")
