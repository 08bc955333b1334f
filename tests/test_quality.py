"""Data-quality findings: the code registry, the EVM integrity checks and the score.

The checks are tested by mutation: the clean demo project ALPHA has no finding at all;
each mutation of one class (on a generated choice of element) must raise exactly its
code, naming the element, and, when the data comes from a workbook, the cell.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmoreports.errors import CRITICAL, FINDING_CODES, MAJOR, MINOR, SEVERITIES, Issue, register_code
from pmoreports.metrics.project import project_metrics
from pmoreports.metrics.quality import SCORE_WEIGHTS, DataQuality, check_quality, evm_findings, quality_score
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PERIOD, DEMO_PROJECTS, SEED, build_demo_project
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.reader import check_workbook, read_workbook
from pmoreports.workbook.template import write_project_workbook

SRC = REPO / "src" / "pmoreports"
STATUS = pd.Timestamp(DEMO_PERIOD)


# --- the registry ---------------------------------------------------------------------------


def test_registry_is_well_formed() -> None:
    assert {c.severity for c in FINDING_CODES.values()} == set(SEVERITIES)
    for code, entry in FINDING_CODES.items():
        assert entry.code == code and re.fullmatch(r"DQ-[A-Z0-9-]+", code)
        assert entry.meaning and not entry.meaning.endswith(".")


def test_every_code_in_the_source_is_registered_and_every_registered_code_is_used() -> None:
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name != "errors.py":
            used |= set(re.findall(r'"(DQ-[A-Z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert used <= set(FINDING_CODES), used - set(FINDING_CODES)
    assert set(FINDING_CODES) <= used, set(FINDING_CODES) - used


def test_register_code_is_idempotent_and_refuses_conflicts() -> None:
    entry = FINDING_CODES["DQ-AC-NO-EV"]
    assert register_code(entry.code, entry.severity, entry.meaning) == entry
    with pytest.raises(ValueError, match="already registered as major"):
        register_code("DQ-AC-NO-EV", MINOR, entry.meaning)
    for bad in ("AC-NO-EV", "DQ-", "DQ-lower", "DQ-A B"):
        with pytest.raises(ValueError, match="expected DQ-"):
            register_code(bad, MINOR, "x")
    with pytest.raises(ValueError, match="severity 'warning'"):
        register_code("DQ-TEST-SEVERITY", "warning", "x")


def test_issue_severity_comes_from_its_code() -> None:
    issue = Issue.of("DQ-PROGRESS-BACKWARDS", "f.xlsx", "Progress", "F3", "goes backwards", "90%", "100%")
    assert issue.severity == MAJOR and not issue.critical
    assert Issue(**issue.to_dict()) == issue
    assert Issue.of("DQ-CELL-INVALID", "f", "Budget", "C3", "bad").critical
    with pytest.raises(ValueError, match="unknown finding code"):
        Issue.of("DQ-NOT-A-CODE", "f", "s", "", "m")
    with pytest.raises(ValueError, match="is major, not 'minor'"):
        Issue(MINOR, "f", "s", "", "", "", "m", "DQ-AC-NO-EV")


def test_score() -> None:
    def issues(critical: int, major: int, minor: int) -> list[Issue]:
        codes = {CRITICAL: "DQ-CELL-INVALID", MAJOR: "DQ-AC-NO-EV", MINOR: "DQ-HIDDEN-DATA"}
        counts = {CRITICAL: critical, MAJOR: major, MINOR: minor}
        return [Issue.of(codes[s], "f", "s", "", "m") for s in SEVERITIES for _ in range(counts[s])]

    assert SCORE_WEIGHTS == {CRITICAL: 25, MAJOR: 5, MINOR: 1}
    assert quality_score([]) == 100
    assert quality_score(issues(0, 2, 3)) == 100 - 10 - 3
    assert quality_score(issues(1, 1, 1)) == 100 - 25 - 5 - 1
    assert quality_score(issues(4, 1, 0)) == 0  # floored
    assert quality_score(issues(0, 0, 150)) == 0
    dq = DataQuality(tuple(issues(0, 1, 2)[::-1]))
    assert dq.counts() == {CRITICAL: 0, MAJOR: 1, MINOR: 2}
    assert [i.severity for i in dq.by_severity()] == [MAJOR, MINOR, MINOR]
    assert dq.to_dict()["score"] == 93 and dq.to_dict()["findings"][0]["code"] == "DQ-AC-NO-EV"


# --- the EVM integrity checks, by mutation -----------------------------------------------------


def alpha() -> ProjectData:
    i, spec = next((i, s) for i, s in enumerate(DEMO_PROJECTS) if s.project_id == "ALPHA")
    return build_demo_project(spec, seed=SEED + i)


def test_the_clean_demo_project_has_no_finding() -> None:
    data = alpha()
    assert evm_findings(data) == []
    assert project_metrics(data).quality.findings == ()


def _set(frame: pd.DataFrame, mask: pd.Series, value: float) -> None:
    frame.loc[mask, C.VALUE] = value


def done_elements(data: ProjectData) -> list[str]:
    p = data.progress
    return sorted(p[(p[C.MONTH] < STATUS - pd.DateOffset(months=1)) & (p[C.VALUE] >= 1.0)][C.WBS].unique())


def open_elements(data: ProjectData) -> list[str]:
    p = data.progress
    return sorted(p[(p[C.MONTH] == STATUS) & (p[C.VALUE] < 1.0)][C.WBS].unique())


def no_progress(data: ProjectData, wbs: str) -> None:
    _set(data.progress, data.progress[C.WBS] == wbs, 0.0)


def no_actuals(data: ProjectData, wbs: str) -> None:
    _set(data.actuals, data.actuals[C.WBS] == wbs, 0.0)


def no_budget(data: ProjectData, wbs: str) -> None:
    _set(data.budget, data.budget[C.WBS] == wbs, 0.0)


def etc(value: float) -> Callable[[ProjectData, str], None]:
    def mutate(data: ProjectData, wbs: str) -> None:
        data.forecast.loc[data.forecast[C.WBS] == wbs, C.ETC] = value

    return mutate


def cost_after_completion(data: ProjectData, wbs: str) -> None:
    a = data.actuals
    first = a[(a[C.WBS] == wbs) & (a[C.MONTH] == STATUS)].index[0]
    a.loc[first, C.VALUE] = 2_500.0


def started_early(data: ProjectData, wbs: str) -> None:
    """A new element planned for after the status month, but already earning and spending."""
    later = STATUS + pd.DateOffset(months=1)
    row = {C.WBS: wbs, C.CATEGORY: "Labour", C.MONTH: later, C.VALUE: 10_000.0}
    data.budget = pd.concat([data.budget, pd.DataFrame([row])], ignore_index=True)
    data.actuals = pd.concat([data.actuals, pd.DataFrame([row | {C.MONTH: STATUS, C.VALUE: 900.0}])], ignore_index=True)
    data.progress = pd.concat(
        [data.progress, pd.DataFrame([{C.WBS: wbs, C.MONTH: STATUS, C.VALUE: 0.1}])], ignore_index=True
    )


MUTATIONS: dict[str, tuple[Callable[[ProjectData, str], None], Callable[[ProjectData], list[str]], set[str]]] = {
    "DQ-AC-NO-EV": (no_progress, open_elements, {"DQ-AC-NO-EV"}),
    "DQ-EV-NO-AC": (no_actuals, open_elements, {"DQ-EV-NO-AC"}),
    "DQ-PROGRESS-NO-BUDGET": (no_budget, open_elements, {"DQ-PROGRESS-NO-BUDGET", "DQ-AC-NO-BUDGET"}),
    "DQ-ETC-ON-COMPLETE": (etc(12_000.0), done_elements, {"DQ-ETC-ON-COMPLETE"}),
    "DQ-ETC-BELOW-AC": (etc(0.0), open_elements, {"DQ-ETC-BELOW-AC"}),
    "DQ-AC-AFTER-COMPLETE": (cost_after_completion, done_elements, {"DQ-AC-AFTER-COMPLETE"}),
    "DQ-EV-NO-PV": (started_early, lambda d: ["7 Started early"], {"DQ-EV-NO-PV"}),
}
EVM_CODES = {c for *_, codes in MUTATIONS.values() for c in codes} | {"DQ-EV-ABOVE-BAC"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(MUTATIONS)), st.integers(0, 10))
def test_each_mutation_raises_its_code_on_its_element(kind: str, pick: int) -> None:
    data = alpha()
    mutate, candidates, expected = MUTATIONS[kind]
    elements = candidates(data)
    wbs = elements[pick % len(elements)]
    mutate(data, wbs)
    found = [i for i in evm_findings(data) if i.code in EVM_CODES]
    assert {i.code for i in found} == expected
    assert all(f"'{wbs}'" in i.message for i in found)


def test_earned_value_above_budget_in_data_built_in_code() -> None:
    data = alpha()
    wbs = open_elements(data)[0]
    data.progress.loc[(data.progress[C.WBS] == wbs) & (data.progress[C.MONTH] == STATUS), C.VALUE] = 1.2
    etc(0.0)(data, wbs)  # (it counts as complete: an ETC left on it would be a finding too)
    found = [i for i in evm_findings(data) if i.code in EVM_CODES]
    assert [i.code for i in found] == ["DQ-EV-ABOVE-BAC"]


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_findings_name_the_cell_of_a_read_workbook(kind: str, tmp_path: Path) -> None:
    data = alpha()
    mutate, candidates, expected = MUTATIONS[kind]
    mutate(data, candidates(data)[0])
    path = write_project_workbook(tmp_path / "p.xlsx", data)
    result = check_quality(check_workbook(path))
    assert not result.errors
    found = [i for i in result.issues if i.code in expected]
    assert {i.code for i in found} == expected
    sheets = {"DQ-AC-NO-EV": "Progress", "DQ-EV-NO-AC": "Actuals", "DQ-ETC-ON-COMPLETE": "Forecast"}
    for issue in found:
        assert issue.file == "p.xlsx" and re.fullmatch(r"[A-Z]+\d+", issue.cell), issue
        if issue.code in sheets:
            assert issue.sheet == sheets[issue.code]
    progress_cells = [i.cell for i in found if i.sheet == "Progress"]
    book = openpyxl.load_workbook(path)
    for cell in progress_cells:  # the status month's column of the element's Progress row
        column = "".join(ch for ch in cell if ch.isalpha())
        header = book["Progress"][f"{column}2"].value
        assert pd.Timestamp(header).to_period("M") == STATUS.to_period("M")


def test_status_month_with_progress_but_no_actuals(tmp_path: Path) -> None:
    data = alpha()
    _set(data.actuals, data.actuals[C.MONTH] == STATUS, 0.0)
    result = check_workbook(write_project_workbook(tmp_path / "p.xlsx", data))
    [issue] = [i for i in result.issues if i.code == "DQ-STATUS-NO-AC"]
    assert issue.sheet == "Actuals" and issue.severity == MAJOR and "Oct 2026" in issue.message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(-50, 50), st.sampled_from(["without", "with", "wrong"]))
def test_budget_reconciles_with_the_approved_budget_and_changes(thousands: int, reading: str) -> None:
    data = alpha()
    total = float(data.budget[C.VALUE].sum())
    approved_changes = float(data.changes.loc[data.changes[C.STATUS] == "approved", C.COST_IMPACT].sum())
    assert approved_changes  # ALPHA has approved changes
    data.changes.loc[data.changes[C.STATUS] == "approved", C.COST_IMPACT] += thousands * 1_000.0 / 2
    approved_changes += thousands * 1_000.0
    approved = {
        "without": total - approved_changes,  # the original BAC: Budget = it + approved changes
        "with": total,  # the approved budget already includes the changes
        "wrong": total + 7_001.0 + 2 * abs(approved_changes),  # neither reading reconciles
    }[reading]
    data.info = dataclasses.replace(data.info, approved_budget=approved)
    path = write_project_workbook(Path(tempfile.mkdtemp()) / "p.xlsx", data)
    found = [i for i in check_workbook(path).issues if i.code == "DQ-BAC-RECONCILE"]
    assert bool(found) == (reading == "wrong")
    if found:
        assert found[0].sheet == "Project" and f"{approved:,.0f}" in found[0].expected


def test_read_workbook_keeps_warnings_and_the_report_counts_them(alpha_xlsx: Path) -> None:
    data = read_workbook(alpha_xlsx)
    assert data.warnings == []
    assert data.cells.grid_cell("Progress", ("1 Discovery",), DEMO_PERIOD)
    assert data.cells.next_cell("Variances", C.ELEMENT) == "A3"
