"""The demo portfolio: deterministic, committed, and of the promised variety."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from conftest import REPO
from test_workbook import assert_same_data

from pmoreports import read_workbook
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PERIOD, DEMO_PROJECTS
from pmoreports.workbook.schema import COST_CATEGORIES


def test_committed_examples_match_the_generator(demo_dir: Path) -> None:
    """Regenerate with `pmoreports demo --out .` when the generator changes."""
    committed = sorted(p.name for p in (REPO / "examples").glob("*.xlsx"))
    assert committed == sorted(f"{s.project_id.lower()}.xlsx" for s in DEMO_PROJECTS)
    for name in committed:
        assert_same_data(read_workbook(REPO / "examples" / name), read_workbook(demo_dir / "examples" / name))


def test_generator_is_deterministic(demo_dir: Path, tmp_path: Path) -> None:
    from pmoreports.workbook.demo import write_demo

    write_demo(tmp_path / "examples", tmp_path / "params")
    for spec in DEMO_PROJECTS:
        name = f"{spec.project_id.lower()}.xlsx"
        assert_same_data(read_workbook(tmp_path / "examples" / name), read_workbook(demo_dir / "examples" / name))


def test_params_point_at_their_workbooks() -> None:
    for spec in DEMO_PROJECTS:
        params = yaml.safe_load((REPO / "params" / f"{spec.project_id.lower()}.yaml").read_text())
        assert params["project_id"] == spec.project_id
        assert (REPO / "params" / params["workbook"]).resolve() == (
            REPO / "examples" / f"{spec.project_id.lower()}.xlsx"
        )


def test_portfolio_variety(demo_dir: Path) -> None:
    data = {s.project_id: read_workbook(demo_dir / "examples" / f"{s.project_id.lower()}.xlsx") for s in DEMO_PROJECTS}
    assert 6 <= len(data) <= 8
    assert len({d.info.currency for d in data.values()}) >= 4
    lengths = {len(pd.period_range(d.info.baseline_start, d.info.baseline_finish, freq="M")) for d in data.values()}
    assert min(lengths) == 6 and max(lengths) == 36
    assert all(d.info.status_date == DEMO_PERIOD for d in data.values())
    assert all(set(d.budget[C.CATEGORY]) <= set(COST_CATEGORIES) for d in data.values())
    delta = data["DELTA"]  # finished late: status after the baseline finish, all work done
    assert delta.info.status_date > delta.info.baseline_finish
    assert delta.progress[delta.progress[C.MONTH] == pd.Timestamp(DEMO_PERIOD)][C.VALUE].eq(1.0).all()
    echo = data["ECHO"]  # early stage
    assert echo.progress[echo.progress[C.MONTH] == pd.Timestamp(DEMO_PERIOD)][C.VALUE].mean() < 0.15
    assert [k for k, d in data.items() if d.warnings] == ["FOXTROT"]


def test_committed_history_matches_the_generator(tmp_path: Path) -> None:
    """The earlier periods under examples/history/ are what `pmoreports demo --out .` writes
    (a schema change must regenerate them too, or `make demo` fails on them)."""
    from pmoreports.workbook.demo import HISTORY_DIR, write_demo_history

    written = [p for p in write_demo_history(tmp_path / "examples", tmp_path / "params") if p.suffix == ".xlsx"]
    committed = sorted(p.relative_to(REPO / "examples") for p in (REPO / "examples" / HISTORY_DIR).rglob("*.xlsx"))
    assert committed == sorted(p.relative_to(tmp_path / "examples") for p in written)
    for name in committed:
        assert_same_data(read_workbook(REPO / "examples" / name), read_workbook(tmp_path / "examples" / name))
