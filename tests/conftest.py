"""Shared fixtures: a freshly generated demo portfolio in a temporary folder.

"Today" is pinned for the whole session (and the processes tests start) to the month
after the demo period, so no test depends on the machine's clock.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from pmoreports.workbook.demo import DEMO_PERIOD, write_demo
from pmoreports.workbook.reader import TODAY_ENV

REPO = Path(__file__).resolve().parents[1]
TODAY = DEMO_PERIOD.replace(year=DEMO_PERIOD.year + DEMO_PERIOD.month // 12, month=DEMO_PERIOD.month % 12 + 1)
"""The "current month" every test runs in: the month after the demo's status month."""


def pytest_configure(config: pytest.Config) -> None:
    os.environ[TODAY_ENV] = TODAY.isoformat()


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


def make_kit(demo_dir: Path, root: Path, projects: Sequence[str] | None = None) -> Path:
    """A kit folder at ``root``: ``examples/`` and ``params/`` with the demo projects
    ``projects`` (ids, any case; None: all of them) and the kit's shared ``_defaults.yaml``
    and ``_portfolio.yaml``. Returns ``root``."""
    for sub in ("examples", "params"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    chosen = [p.stem for p in sorted((demo_dir / "examples").glob("*.xlsx"))] if projects is None else projects
    for pid in (p.lower() for p in chosen):
        shutil.copy(demo_dir / "examples" / f"{pid}.xlsx", root / "examples")
        shutil.copy(demo_dir / "params" / f"{pid}.yaml", root / "params")
    for name in ("_defaults.yaml", "_portfolio.yaml"):
        shutil.copy(REPO / "params" / name, root / "params")
    return root
