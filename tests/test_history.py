"""The reporting history, with real runs: three monthly batches of two demo projects (the
workbooks of the multi-period demo, as their managers sent them), then the database, the
CLI, the library call, rebuilds, replacement of a period and the report sections.

The same store tests run against a real PostgreSQL server in ``test_history_postgres.py``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from history_runs import PERIODS, history_batches

from pmoreports.cli import main
from pmoreports.pipeline.history import CHECKS_FILE, HISTORY_FILE, INPUTS_FILE, History, read_history
from pmoreports.pipeline.run import run_project
from pmoreports.workbook.demo import RESTATED_PROJECT


@pytest.fixture(scope="module")
def history_kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three real batches (HTML only), oldest first, into one output root."""
    return history_batches(tmp_path_factory)


def _metric(output: Path, period: str, project: str, group: str, key: str) -> Any:
    data = json.loads((output / period / project / "metrics.json").read_text(encoding="utf-8"))
    value = data[group][key]
    return value["value"] if isinstance(value, dict) else value


# -- (1) every batch records its period -----------------------------------------------------------


def test_every_batch_recorded_its_period_with_inputs_and_checks(history_kit: dict[str, Any]) -> None:
    output: Path = history_kit["output"]
    assert (output / HISTORY_FILE).is_file()
    with History.open(output) as store:
        assert store.periods() == PERIODS
        reports = store.reports()
    assert sorted(set(reports["project"])) == ["ALPHA", "BRAVO"]
    assert len(reports) == 2 * len(PERIODS)
    for period in PERIODS:
        for pid in ("ALPHA", "BRAVO"):
            folder = output / period / pid
            assert (folder / INPUTS_FILE).read_bytes()[:2] == b"PK"  # the workbook as sent
            checks = json.loads((folder / CHECKS_FILE).read_text(encoding="utf-8"))
            assert checks["period"] == period and checks["project_id"] == pid


def test_the_tidy_frame_holds_what_the_reports_show(history_kit: dict[str, Any]) -> None:
    output: Path = history_kit["output"]
    frame = read_history(output)
    assert list(frame.columns) == ["period", "project", "group", "metric", "value", "text"]
    assert not frame.duplicated(["period", "project", "group", "metric"]).any()
    for period in PERIODS:
        for pid in ("ALPHA", "BRAVO"):
            row = frame[(frame["period"] == period) & (frame["project"] == pid) & (frame["group"] == "status")]
            values = dict(zip(row["metric"], row["value"], strict=True))
            assert values["cpi"] == pytest.approx(_metric(output, period, pid, "status", "cpi"))
            assert values["eac"] == pytest.approx(_metric(output, period, pid, "status", "eac"))
    rag = read_history(output, projects=["BRAVO"], metrics=["overall"])
    assert set(rag["period"]) == set(PERIODS) and set(rag["project"]) == {"BRAVO"}
    assert rag["text"].isin(["red", "amber", "green", "grey"]).all()


# -- (3) restatements against the previous period --------------------------------------------------


def test_the_latest_report_lists_the_corrected_actual(history_kit: dict[str, Any]) -> None:
    output: Path = history_kit["output"]
    latest = output / PERIODS[-1] / RESTATED_PROJECT
    checks = json.loads((latest / CHECKS_FILE).read_text(encoding="utf-8"))
    assert checks["previous_period"] == PERIODS[-2]
    codes = [r["code"] for r in checks["restatements"]]
    assert codes == ["DQ-RESTATED-ACTUAL"], codes
    found = checks["restatements"][0]
    assert found["sheet"] == "Actuals" and found["cell"] and found["severity"] == "major"
    assert found["change"] > 0  # the late invoice: the corrected actual is higher
    html = (latest / "report.html").read_text(encoding="utf-8")
    assert "Changed since last report" in html
    assert f"Actuals!{found['cell']}" in html and found["title"] in html
    # BRAVO's workbooks only rolled forward: nothing restated, and the report says so
    bravo = json.loads((output / PERIODS[-1] / "BRAVO" / CHECKS_FILE).read_text(encoding="utf-8"))
    assert bravo["restatements"] == [] and bravo["previous_period"] == PERIODS[-2]
    with History.open(output) as store:
        stored = store.findings(period=PERIODS[-1], projects=[RESTATED_PROJECT])
    assert list(stored.loc[stored["kind"] == "restatement", "code"]) == ["DQ-RESTATED-ACTUAL"]


def test_first_period_has_nothing_to_compare_with(history_kit: dict[str, Any]) -> None:
    first = history_kit["output"] / PERIODS[0] / "ALPHA"
    checks = json.loads((first / CHECKS_FILE).read_text(encoding="utf-8"))
    assert checks["previous_period"] is None and checks["restatements"] == []
    assert "nothing to compare with" in checks["comparison_note"]


# -- (4) trends in the reports ----------------------------------------------------------------------


def test_reports_show_trends_over_every_period(history_kit: dict[str, Any]) -> None:
    output: Path = history_kit["output"]
    project = (output / PERIODS[-1] / "BRAVO" / "report.html").read_text(encoding="utf-8")
    assert "Trends across reports" in project and "Team EAC" in project  # BRAVO's slipping forecast
    for period in PERIODS:
        assert period in project
    portfolio = (output / PERIODS[-1] / "portfolio.html").read_text(encoding="utf-8")
    assert "Trends across periods" in portfolio and "Largest EAC growth" in portfolio
    for period in PERIODS:
        assert period in portfolio
    latest = (output / PERIODS[-1] / "index.html").read_text(encoding="utf-8")
    root = (output / "index.html").read_text(encoding="utf-8")
    for period in PERIODS:  # the latest index page and the root index link every period
        assert (f"<strong>{period}</strong>" if period == PERIODS[-1] else f'href="../{period}/index.html"') in latest
        assert f'href="{period}/index.html"' in root


# -- (2) the CLI --------------------------------------------------------------------------------------


def test_history_cli_list_show_export(history_kit: dict[str, Any], tmp_path: Path) -> None:
    output = str(history_kit["output"])
    runner = CliRunner()
    listed = runner.invoke(main, ["history", "list", "--output", output])
    assert listed.exit_code == 0, listed.output
    for period in PERIODS:
        assert period in listed.output
    shown = runner.invoke(main, ["history", "show", "BRAVO", "--output", output])
    assert shown.exit_code == 0, shown.output
    assert all(p in shown.output for p in PERIODS)
    unknown = runner.invoke(main, ["history", "show", "NOPE", "--output", output])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output and "Traceback" not in unknown.output
    target = tmp_path / "history.csv"
    exported = runner.invoke(main, ["history", "export", str(target), "--output", output])
    assert exported.exit_code == 0, exported.output
    frame = pd.read_csv(target)
    assert len(frame) == len(read_history(history_kit["output"]))


# -- rebuilds and atomic replacement ------------------------------------------------------------------


def _snapshot(output: Path, db: Path | None = None) -> pd.DataFrame:
    target = db or output / HISTORY_FILE
    with sqlite3.connect(target) as conn:
        return pd.read_sql_query(
            "SELECT period, project, grp, metric, value, text_value FROM pmo_metrics ORDER BY 1, 2, 3, 4", conn
        )


def test_corrupt_or_missing_database_is_rebuilt_with_a_message(history_kit: dict[str, Any], tmp_path: Path) -> None:
    output = tmp_path / "output"
    shutil.copytree(history_kit["output"], output)
    before = _snapshot(output)
    (output / HISTORY_FILE).write_bytes(b"this is not a database" * 100)
    runner = CliRunner()
    listed = runner.invoke(main, ["history", "list", "--output", str(output)])
    assert listed.exit_code == 0, listed.output
    assert "rebuilding it from the output folders" in listed.output and "Traceback" not in listed.output
    pd.testing.assert_frame_equal(_snapshot(output), before)
    (output / HISTORY_FILE).unlink()
    rebuilt = runner.invoke(main, ["history", "rebuild", "--output", str(output)])
    assert rebuilt.exit_code == 0, rebuilt.output
    pd.testing.assert_frame_equal(_snapshot(output), before)


def test_a_failed_write_leaves_the_database_as_it_was(
    history_kit: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "output"
    shutil.copytree(history_kit["output"], output)
    before = _snapshot(output)
    from pmoreports.pipeline import history as H

    real = H._SqliteWriter.insert
    calls = {"n": 0}

    def failing(self: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # after the deletes and two tables' inserts: a crash mid-write
            raise KeyboardInterrupt
        real(self, table, rows)

    monkeypatch.setattr(H._SqliteWriter, "insert", failing)
    with History.open(output) as store, pytest.raises(KeyboardInterrupt):
        store.record(output / PERIODS[-1])
    pd.testing.assert_frame_equal(_snapshot(output), before)


def test_rerunning_a_period_replaces_its_rows(history_kit: dict[str, Any], tmp_path: Path) -> None:
    """A real re-run of one project of the middle period: its rows are replaced, the
    other periods' and projects' rows are untouched, and the next period's comparison
    still uses the period before it."""
    output = tmp_path / "output"
    shutil.copytree(history_kit["output"], output)
    before = _snapshot(output)
    folder: Path = history_kit["folders"][PERIODS[1]]
    run_project(folder / "alpha.yaml", output=output, formats=["html"])
    after = _snapshot(output)
    pd.testing.assert_frame_equal(after, before)  # same workbook: the same numbers, no duplicates
    with History.open(output) as store:
        reports = store.reports()
    assert len(reports) == 2 * len(PERIODS)
    checks = json.loads((output / PERIODS[1] / "ALPHA" / CHECKS_FILE).read_text(encoding="utf-8"))
    assert checks["previous_period"] == PERIODS[0]


def test_removed_period_folder_leaves_the_history_on_sync(history_kit: dict[str, Any], tmp_path: Path) -> None:
    output = tmp_path / "output"
    shutil.copytree(history_kit["output"], output)
    shutil.rmtree(output / PERIODS[0])
    frame = read_history(output)
    assert sorted(set(frame["period"])) == PERIODS[1:]
