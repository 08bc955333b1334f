"""Shared fixtures: a freshly generated demo portfolio in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmoreports.workbook.demo import write_demo

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with examples/*.xlsx and params/*.yaml written by the demo generator."""
    root = tmp_path_factory.mktemp("demo")
    write_demo(root / "examples", root / "params")
    return root


@pytest.fixture(scope="session")
def alpha_xlsx(demo_dir: Path) -> Path:
    """The on-track demo project's workbook (do not modify: copy it first)."""
    return demo_dir / "examples" / "alpha.xlsx"


def require_program(name: str) -> str:
    """Path of a system program the test needs; skip without it, or fail under CI.

    ``.ci/run`` sets ``PMOREPORTS_REQUIRE_SYSTEM=1`` so a missing install step is
    a red build, not a quietly skipped test.
    """
    import os
    import shutil

    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (scripts/install-system-deps installs it)"
    if os.environ.get("PMOREPORTS_REQUIRE_SYSTEM") == "1":
        pytest.fail(message)
    pytest.skip(message)
