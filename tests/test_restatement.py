"""Restatements: what a new workbook changed in what the previous period reported.

Generated inputs: the demo projects rolled forward month by month (no finding), then
random single changes to reported actuals, progress, the baseline and the structure (the
one matching finding, with its amount), plus a round trip through real workbooks (the
cell named holds the new value) and ``template check --previous``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmoreports.cli import main
from pmoreports.errors import FINDING_CODES, MAJOR, MINOR
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import (
    DEMO_PROJECTS,
    RESTATED_PROJECT,
    SEED,
    as_of,
    build_demo_project,
    demo_periods,
)
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.reader import read_workbook
from pmoreports.workbook.restatement import RULES, find_restatements
from pmoreports.workbook.template import write_project_workbook

PERIODS = demo_periods()
SPECS = {s.project_id: (i, s) for i, s in enumerate(DEMO_PROJECTS)}


def _project(pid: str, period: dt.date) -> ProjectData:
    i, spec = SPECS[pid]
    return as_of(build_demo_project(spec, seed=SEED + i), period)


@pytest.fixture(scope="module")
def charlie() -> tuple[ProjectData, ProjectData]:
    """CHARLIE's two latest workbooks (only rolled forward)."""
    return _project("CHARLIE", PERIODS[-2]), _project("CHARLIE", PERIODS[-1])


def test_every_rule_is_a_registered_major_or_minor_code() -> None:
    for code, rule in RULES.items():
        assert FINDING_CODES[code].severity == rule.severity in (MAJOR, MINOR)


@pytest.mark.parametrize("pid", [s.project_id for s in DEMO_PROJECTS])
def test_rolling_forward_restates_nothing_but_the_demo_correction(pid: str) -> None:
    _, spec = SPECS[pid]
    periods = [p for p in PERIODS if p >= spec.start]
    for old, new in itertools.pairwise(periods):
        found = find_restatements(_project(pid, old), _project(pid, new))
        expected = ["DQ-RESTATED-ACTUAL"] if pid == RESTATED_PROJECT and new == PERIODS[-1] else []
        assert [f.code for f in found] == expected, (pid, old, new, found)


def _reported_actuals(data: ProjectData, status: dt.date) -> pd.DataFrame:
    a = data.actuals
    return a[(a[C.MONTH] <= pd.Timestamp(status)) & (a[C.VALUE] != 0)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(min_value=0, max_value=10_000), delta=st.integers(min_value=1, max_value=500_000))
def test_a_changed_reported_actual_is_found_once_with_its_amount(
    charlie: tuple[ProjectData, ProjectData], pick: int, delta: int
) -> None:
    old, new = charlie
    reported = _reported_actuals(old, old.info.status_date)
    at = reported.index[pick % len(reported)]
    changed = dataclasses.replace(new, actuals=new.actuals.copy())
    row = old.actuals.loc[at]
    hit = (
        (changed.actuals[C.WBS] == row[C.WBS])
        & (changed.actuals[C.CATEGORY] == row[C.CATEGORY])
        & (changed.actuals[C.MONTH] == row[C.MONTH])
    )
    assert hit.sum() == 1
    changed.actuals.loc[hit, C.VALUE] = changed.actuals.loc[hit, C.VALUE] + delta
    found = find_restatements(old, changed)
    assert [f.code for f in found] == ["DQ-RESTATED-ACTUAL"]
    assert found[0].change == pytest.approx(delta) and found[0].severity == MAJOR
    assert row[C.WBS] in found[0].item and f"{row[C.MONTH]:%Y-%m}" in found[0].item


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(min_value=0, max_value=10_000), delta=st.integers(min_value=1, max_value=500_000))
def test_the_new_month_may_change_freely(charlie: tuple[ProjectData, ProjectData], pick: int, delta: int) -> None:
    """Actuals of the month being reported now are new, not restated."""
    old, new = charlie
    month = pd.Timestamp(new.info.status_date)
    rows = new.actuals.index[new.actuals[C.MONTH] == month]
    changed = dataclasses.replace(new, actuals=new.actuals.copy())
    changed.actuals.loc[rows[pick % len(rows)], C.VALUE] += delta
    assert find_restatements(old, changed) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(min_value=0, max_value=10_000), step=st.integers(min_value=1, max_value=40))
def test_a_changed_reported_progress_is_found(charlie: tuple[ProjectData, ProjectData], pick: int, step: int) -> None:
    old, new = charlie
    p = new.progress
    reported = p.index[p[C.MONTH] <= pd.Timestamp(old.info.status_date)]
    at = reported[pick % len(reported)]
    changed = dataclasses.replace(new, progress=p.copy())
    value = float(p.loc[at, C.VALUE])
    changed.progress.loc[at, C.VALUE] = round(value - step / 100 if value >= step / 100 else value + step / 100, 2)
    found = find_restatements(old, changed)
    assert [f.code for f in found] == ["DQ-RESTATED-PROGRESS"]
    assert str(p.loc[at, C.WBS]) in found[0].item


def _approved(data: ProjectData, cost: float) -> ProjectData:
    row = {
        C.CHANGE_ID: "CR-99",
        C.RAISED: pd.Timestamp(data.info.status_date),
        C.TITLE: "Extra scope",
        C.TYPE: "scope",
        C.STATUS: "approved",
        C.COST_IMPACT: cost,
        C.SCHEDULE_IMPACT_DAYS: 0,
        C.DECIDED_ON: pd.Timestamp(data.info.status_date) + pd.Timedelta(days=3),
    }
    changes = pd.concat([data.changes, pd.DataFrame([row])], ignore_index=True)
    return dataclasses.replace(data, changes=changes)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(min_value=0, max_value=10_000), amount=st.integers(min_value=1, max_value=300))
def test_a_baseline_change_is_major_unless_change_control_approved_it(
    charlie: tuple[ProjectData, ProjectData], pick: int, amount: int
) -> None:
    old, new = charlie
    cost = amount * 100.0
    future = new.budget.index[new.budget[C.MONTH] > pd.Timestamp(new.info.status_date)]
    at = future[pick % len(future)]
    budget = new.budget.copy()
    budget.loc[at, C.VALUE] += cost
    rebaselined = dataclasses.replace(new, budget=budget)
    unapproved = find_restatements(old, rebaselined)
    assert {f.code for f in unapproved} >= {"DQ-BASELINE-CHANGED"}
    assert all(f.severity == MAJOR for f in unapproved)
    approved = find_restatements(old, _approved(rebaselined, cost))
    assert [f.code for f in approved] == ["DQ-BASELINE-CHANGED-APPROVED"]
    assert approved[0].severity == MINOR


def test_structure_changes_removed_and_renamed(charlie: tuple[ProjectData, ProjectData]) -> None:
    old, new = charlie
    first = str(old.budget[C.WBS].iloc[0])
    renamed = copy.copy(new)
    for name in ("budget", "actuals", "progress"):
        frame = getattr(new, name).copy()
        frame[C.WBS] = frame[C.WBS].replace(first, first + " (renamed)")
        setattr(renamed, name, frame)
    found = find_restatements(old, renamed)
    assert [f.code for f in found] == ["DQ-WBS-RENAMED"] and found[0].severity == MINOR
    removed = copy.copy(new)
    for name in ("budget", "actuals", "progress"):
        frame = getattr(new, name)
        setattr(removed, name, frame[frame[C.WBS] != first].reset_index(drop=True))
    gone = find_restatements(old, removed)
    codes = [f.code for f in gone]
    assert codes.count("DQ-WBS-REMOVED") == 1 and "DQ-BAC-MISMATCH" in codes, codes
    assert "DQ-RESTATED-ACTUAL" not in codes  # its cells are covered by the one removal finding
    assert all(f.severity == MAJOR for f in gone)


# -- through real workbooks ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alpha_books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """ALPHA's 2026-09 and 2026-10 workbooks (the latter corrects one actual)."""
    root = tmp_path_factory.mktemp("restated")
    old, new = root / "alpha-old.xlsx", root / "alpha-new.xlsx"
    write_project_workbook(old, _project("ALPHA", PERIODS[-2]))
    write_project_workbook(new, _project("ALPHA", PERIODS[-1]))
    return old, new


def test_the_cell_named_holds_the_new_value(alpha_books: tuple[Path, Path]) -> None:
    old, new = alpha_books
    found = find_restatements(read_workbook(old), read_workbook(new))
    assert [f.code for f in found] == ["DQ-RESTATED-ACTUAL"]
    f = found[0]
    sheet = openpyxl.load_workbook(new, data_only=True)[f.sheet]
    before = openpyxl.load_workbook(old, data_only=True)[f.sheet]
    assert float(sheet[f.cell].value) - float(before[f.cell].value) == pytest.approx(f.change)
    assert f.change is not None and f.change > 0


def test_template_check_previous(alpha_books: tuple[Path, Path]) -> None:
    old, new = alpha_books
    runner = CliRunner()
    text = runner.invoke(main, ["template", "check", str(new), "--previous", str(old)])
    assert text.exit_code == 0, text.output
    assert "1 restatement(s) against alpha-old.xlsx (1 major, 0 minor)" in text.output
    assert "DQ-RESTATED-ACTUAL" in text.output and "as reported" in text.output
    same = runner.invoke(main, ["template", "check", str(old), "--previous", str(old)])
    assert same.exit_code == 0 and "nothing reported in alpha-old.xlsx was changed" in same.output
    as_json = runner.invoke(main, ["template", "check", str(new), "--previous", str(old), "--json"])
    entry = json.loads(as_json.output)[0]
    assert [r["code"] for r in entry["restatements"]] == ["DQ-RESTATED-ACTUAL"]
    broken = old.parent / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    refused = runner.invoke(main, ["template", "check", str(new), "--previous", str(broken)])
    assert refused.exit_code == 2 and "--previous" in refused.output and "Traceback" not in refused.output
    swapped = runner.invoke(main, ["template", "check", str(old), "--previous", str(new)])
    assert swapped.exit_code == 0 and "not compared with --previous" in swapped.output
    assert "which is after" in swapped.output
