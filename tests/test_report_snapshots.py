"""Golden (snapshot) tests of report sections of the ALPHA demo project.

Each section's HTML is compared, whitespace-normalised and one tag per line, with
``tests/golden/alpha_<section>.html``. After an intended change, regenerate with::

    PMOREPORTS_UPDATE_GOLDEN=1 pytest tests/test_report_snapshots.py

and review the diff of ``tests/golden/`` before committing it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from IPython.core.display import HTML

from pmoreports.report.project import ProjectReport

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_ENV = "PMOREPORTS_UPDATE_GOLDEN"
SECTIONS: dict[str, Callable[[ProjectReport], HTML]] = {
    "kpi_tiles": lambda r: r.kpi_tiles(),
    "cost_table_category": lambda r: r.cost_table("category"),
    "forecast_table": lambda r: r.forecast_table(),
    "milestones_table": lambda r: r.milestones_table(),
    "changes_table": lambda r: r.changes_table(),
}


@pytest.fixture(scope="module")
def alpha(demo_dir: Path) -> ProjectReport:
    """The freshly generated ALPHA demo project (built-in defaults: no _defaults.yaml)."""
    return ProjectReport.load(demo_dir / "params" / "alpha.yaml")


def normalise(fragment: str) -> str:
    """Collapse whitespace runs to one space and put each tag on its own line."""
    text = re.sub(r"\s+", " ", fragment).strip()
    return re.sub(r"\s*(<[^>]+>)\s*", r"\n\1\n", text).replace("\n\n", "\n").strip() + "\n"


@pytest.mark.parametrize("section", list(SECTIONS))
def test_section_matches_golden(alpha: ProjectReport, section: str) -> None:
    actual = normalise(str(SECTIONS[section](alpha).data))
    path = GOLDEN / f"alpha_{section}.html"
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    how = (
        f"set {UPDATE_ENV}=1 and rerun (`{UPDATE_ENV}=1 pytest tests/test_report_snapshots.py`) "
        "to regenerate it, then review the diff of tests/golden/"
    )
    assert path.exists(), f"no golden file {path.relative_to(GOLDEN.parents[1])}: {how}"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"report section {section}() no longer matches {path.relative_to(GOLDEN.parents[1])}; "
        f"if the change is intended, {how}"
    )


def test_normalise_is_whitespace_insensitive() -> None:
    a = normalise('<p class="x">\n  Total:  <strong>EUR 1,000</strong>\n</p>')
    assert a == normalise('<p class="x">Total: <strong>EUR 1,000</strong></p>')
    assert a == '<p class="x">\nTotal:\n<strong>\nEUR 1,000\n</strong>\n</p>\n'


def test_golden_files_have_no_stale_sections() -> None:
    expected = {f"alpha_{name}.html" for name in SECTIONS}
    assert {p.name for p in GOLDEN.glob("alpha_*.html")} <= expected
