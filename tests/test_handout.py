"""`pmoreports template next`: next month's workbooks, their page, locks and carried items."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmoreports.cli import main
from pmoreports.errors import PmoError
from pmoreports.metrics.project import project_metrics
from pmoreports.metrics.variances import VarianceThresholds, unexplained_breaches
from pmoreports.pipeline.handout import HANDOUT_PAGE, handout_link, write_handout
from pmoreports.report.params import load_params, params_files
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, build_demo_project
from pmoreports.workbook.kinds import KINDS
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.nextmonth import LOCKED_FILL, next_month, roll_forward, write_next_workbook
from pmoreports.workbook.reader import read_workbook
from pmoreports.workbook.schema import SCHEMA
from pmoreports.workbook.template import write_project_workbook

LATER = dt.date(2030, 1, 1)
"""A 'today' after every status month used here (no 'filled early' warning)."""


@pytest.fixture(scope="module")
def handout(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ProjectData]]:
    out = tmp_path_factory.mktemp("out")
    CliRunner().invoke(
        main, ["template", "next", str(demo_dir / "params"), "--output", str(out)], catch_exceptions=False
    )
    sources = [read_workbook(load_params(p).workbook, today=LATER) for p in params_files(demo_dir / "params")]
    return out, sources


def _next_dir(out: Path, data: ProjectData) -> Path:
    return out / f"{next_month(data.info.status_date):%Y-%m}" / "_templates"


def test_each_project_gets_its_workbook_listed_with_its_manager(handout: tuple[Path, list[ProjectData]]) -> None:
    out, sources = handout
    for data in sources:
        folder = _next_dir(out, data)
        book = folder / f"{data.info.project_id}_{next_month(data.info.status_date):%Y-%m}.xlsx"
        assert book.is_file()
        page = (folder / HANDOUT_PAGE).read_text(encoding="utf-8")
        assert f'href="{book.name}"' in page and data.info.manager in page
        for kind in KINDS.values():
            assert f'href="gallery/{kind.file_name}"' in page
            assert (folder / "gallery" / kind.file_name).is_file()
        assert "<script" not in page


def test_next_workbook_keeps_everything_and_moves_the_status_date(handout: tuple[Path, list[ProjectData]]) -> None:
    out, sources = handout
    for data in sources:
        period = next_month(data.info.status_date)
        new = read_workbook(_next_dir(out, data) / f"{data.info.project_id}_{period:%Y-%m}.xlsx", today=LATER)
        assert new.info.status_date == period
        assert dataclasses.replace(new.info, status_date=data.info.status_date) == data.info
        reported = pd.Timestamp(data.info.status_date)
        for name in ("budget", "actuals", "progress", "forecast", "changes", "risks", "milestones", "benefits"):
            frame, before = getattr(new, name), getattr(data, name)
            if name == "progress":  # the reader carries progress forward to the (new) status month
                frame = frame[pd.to_datetime(frame[C.MONTH]) <= reported]
            if name in ("budget", "actuals"):  # a month column added reads as zeros
                frame, before = frame[frame[C.VALUE] != 0], before[before[C.VALUE] != 0]
            pd.testing.assert_frame_equal(
                frame.reset_index(drop=True), before.reset_index(drop=True), check_dtype=False
            )
        kept = new.variances.iloc[: len(data.variances)].reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, data.variances.reset_index(drop=True), check_dtype=False)


def test_one_open_variance_row_per_unexplained_breach(handout: tuple[Path, list[ProjectData]]) -> None:
    out, sources = handout
    added_somewhere = False
    for data in sources:
        thresholds = _thresholds(data)
        todo = unexplained_breaches(project_metrics(data, variance=thresholds))
        period = next_month(data.info.status_date)
        new = read_workbook(_next_dir(out, data) / f"{data.info.project_id}_{period:%Y-%m}.xlsx", today=LATER)
        added = new.variances.iloc[len(data.variances) :].reset_index(drop=True)
        assert list(zip(added[C.ELEMENT], added[C.VARIANCE_TYPE], strict=True)) == list(
            zip(todo[C.ELEMENT], todo[C.VARIANCE_TYPE], strict=True)
        ), data.info.project_id
        assert set(added[C.STATUS]) <= {"open"}
        added_somewhere |= len(added) > 0
    assert added_somewhere, "no demo project has an unexplained breach: the test would prove nothing"


def _thresholds(data: ProjectData) -> VarianceThresholds:
    """The variance thresholds of the demo project's parameter file."""
    params = Path(data.source).parent.parent / "params" / f"{Path(data.source).stem}.yaml"
    return load_params(params).variance


def test_reported_months_are_locked_and_greyed_the_next_one_open(handout: tuple[Path, list[ProjectData]]) -> None:
    out, sources = handout
    for data in sources:
        period = next_month(data.info.status_date)
        wb = openpyxl.load_workbook(_next_dir(out, data) / f"{data.info.project_id}_{period:%Y-%m}.xlsx")
        for grid in (SCHEMA.actuals, SCHEMA.progress):
            ws = wb[grid.name]
            assert ws.protection.sheet and not ws.protection.password
            _assert_locks(ws, len(grid.row_fields), data.info.status_date)


def _assert_locks(ws: openpyxl.worksheet.worksheet.Worksheet, label_cols: int, reported: dt.date) -> None:
    header = 2
    seen_open = False
    for col in range(label_cols + 1, ws.max_column + 1):
        month = ws.cell(row=header, column=col).value
        if not isinstance(month, dt.datetime | dt.date):
            continue
        month = pd.Timestamp(month).date()
        for row in range(header + 1, ws.max_row + 1):
            cell = ws.cell(row=row, column=col)
            if ws.cell(row=row, column=1).value in (None, "Total"):
                continue
            if month <= reported:
                assert cell.protection.locked and cell.fill.fgColor.rgb.endswith(LOCKED_FILL), cell.coordinate
            else:
                assert not cell.protection.locked, cell.coordinate
                seen_open = True
    assert seen_open, "the new status month has no open cells"


def test_a_period_past_the_last_month_adds_month_columns(tmp_path: Path) -> None:
    spec = next(s for s in DEMO_PROJECTS if s.project_id == "FOXTROT")
    data = build_demo_project(spec, SEED + DEMO_PROJECTS.index(spec))
    last = max(pd.to_datetime(data.budget[C.MONTH])).date()
    target = (pd.Timestamp(last) + pd.DateOffset(months=4)).date()
    written = write_next_workbook(tmp_path / "late.xlsx", data, target)
    new = read_workbook(written.path, today=LATER)
    assert new.info.status_date == target
    wb = openpyxl.load_workbook(written.path)
    headers = [pd.Timestamp(c.value).date() for c in wb[SCHEMA.actuals.name][2] if isinstance(c.value, dt.datetime)]
    assert target in headers and max(headers) == target


def test_a_period_not_after_the_status_month_is_refused(tmp_path: Path) -> None:
    data = build_demo_project(DEMO_PROJECTS[0], SEED)
    with pytest.raises(PmoError, match="must be after the status month"):
        roll_forward(data, data.info.status_date)
    assert not list(tmp_path.iterdir())


def test_an_unusable_workbook_means_nothing_is_written(alpha_xlsx: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["template", "next", str(alpha_xlsx), str(broken), "--output", str(out)])
    assert result.exit_code == 1
    assert "broken.xlsx" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_second_run_replaces_the_folder_and_a_failed_one_keeps_it(alpha_xlsx: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = write_handout([alpha_xlsx], out, today=LATER)[0]
    stale = first.folder / "stale.txt"
    stale.write_text("from an earlier run")
    write_handout([alpha_xlsx], out, today=LATER)
    assert not stale.exists() and first.page.is_file()
    copy = tmp_path / "again.xlsx"
    shutil.copy(alpha_xlsx, copy)
    with pytest.raises(PmoError, match="several workbooks"):
        write_handout([alpha_xlsx, copy], out, today=LATER)
    assert first.page.is_file()


def test_index_page_links_the_handout_when_written(alpha_xlsx: Path, tmp_path: Path) -> None:
    data = read_workbook(alpha_xlsx, today=LATER)
    period = f"{data.info.status_date:%Y-%m}"
    assert "template next" in handout_link(tmp_path / period, period)
    write_handout([alpha_xlsx], tmp_path, today=LATER)
    nxt = f"{next_month(data.info.status_date):%Y-%m}"
    assert f'href="../{nxt}/_templates/{HANDOUT_PAGE}"' in handout_link(tmp_path / period, period)


def test_every_kind_rolls_forward(tmp_path: Path) -> None:
    from pmoreports.metrics.kinds import data_as_kind

    data = build_demo_project(DEMO_PROJECTS[0], SEED)
    for kind in KINDS:
        written = write_next_workbook(tmp_path / f"{kind}.xlsx", data_as_kind(data, kind))
        new = read_workbook(written.path, today=LATER)
        assert new.kind == kind and new.info.status_date == next_month(data.info.status_date)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(DEMO_PROJECTS) - 1), back=st.integers(0, 6), ahead=st.integers(1, 5))
def test_generated_roll_forwards_lock_exactly_the_reported_months(
    tmp_path: Path, which: int, back: int, ahead: int
) -> None:
    """Any demo project, reported at an earlier month, rolled forward 1-5 months: the locks
    cover exactly the months up to the old status month, and the workbook reads back."""
    data = build_demo_project(DEMO_PROJECTS[which], SEED + which)
    status = (pd.Timestamp(data.info.status_date) - pd.DateOffset(months=back)).date()
    status = max(status, data.info.baseline_start)
    keep = pd.Timestamp(status)
    data = dataclasses.replace(
        data,
        info=dataclasses.replace(data.info, status_date=status),
        actuals=data.actuals[pd.to_datetime(data.actuals[C.MONTH]) <= keep],
        progress=data.progress[pd.to_datetime(data.progress[C.MONTH]) <= keep],
    )
    source = tmp_path / f"p{which}-{back}-{ahead}.xlsx"
    write_project_workbook(source, data)
    data = read_workbook(source, today=LATER)
    target = (pd.Timestamp(status) + pd.DateOffset(months=ahead)).date()
    written = write_next_workbook(tmp_path / f"n{which}-{back}-{ahead}.xlsx", data, target)
    assert read_workbook(written.path, today=LATER).info.status_date == target
    wb = openpyxl.load_workbook(written.path)
    for grid in (SCHEMA.actuals, SCHEMA.progress):
        _assert_locks(wb[grid.name], len(grid.row_fields), status)
