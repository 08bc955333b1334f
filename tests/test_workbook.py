"""The reader: typed fields and tidy frames, from openpyxl- and LibreOffice-saved files."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
from conftest import require_program
from xlsx_helpers import mutate

from pmoreports import ProjectData, read_workbook, write_project_workbook
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, build_demo_project

FRAMES = ("budget", "actuals", "progress", "forecast", "changes", "risks", "milestones", "benefits")


def assert_same_data(a: ProjectData, b: ProjectData) -> None:
    assert a.info == b.info
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False, obj=name)


def test_round_trip_every_demo_project(tmp_path: Path) -> None:
    for i, spec in enumerate(DEMO_PROJECTS):
        data = build_demo_project(spec, SEED + i)
        back = read_workbook(write_project_workbook(tmp_path / f"{spec.project_id}.xlsx", data))
        assert back.info == data.info
        for name in ("changes", "risks", "milestones", "benefits", "forecast"):
            pd.testing.assert_frame_equal(getattr(back, name), getattr(data, name), check_dtype=False)
        written = data.budget.set_index([C.WBS, C.CATEGORY, C.MONTH])[C.VALUE]
        read = back.budget.set_index([C.WBS, C.CATEGORY, C.MONTH])[C.VALUE]
        pd.testing.assert_series_equal(read.loc[written.index], written)
        assert read.drop(written.index).eq(0).all()


def test_frames_are_tidy_and_typed(alpha_xlsx: Path) -> None:
    data = read_workbook(alpha_xlsx)
    assert list(data.budget.columns) == [C.WBS, C.CATEGORY, C.MONTH, C.VALUE]
    assert list(data.progress.columns) == [C.WBS, C.MONTH, C.VALUE]
    assert data.budget[C.MONTH].dtype == "datetime64[ns]"
    assert data.budget[C.VALUE].dtype == "float64"
    assert data.budget[C.MONTH].dt.day.eq(1).all()
    assert data.progress[C.MONTH].max() == pd.Timestamp(data.info.status_date)
    assert data.progress[C.VALUE].between(0, 1).all()
    assert data.info.status_date == dt.date(2026, 10, 1)
    assert data.template_version == "1.0"


def test_appended_month_iso_text_header_and_blank_rows(alpha_xlsx: Path, tmp_path: Path) -> None:
    """A manager adds a month as text '2027-01', leaves blank rows and types a date serial."""

    def change(wb: openpyxl.Workbook) -> None:
        budget = wb["Budget"]
        budget.insert_rows(5, amount=2)
        budget["P2"] = "2027-01"
        budget["P3"] = 700
        wb["Milestones"]["B3"] = 46100  # Excel date serial for 2026-03-19
        wb["Milestones"]["C3"] = "2026-04-02"

    data = read_workbook(mutate(alpha_xlsx, tmp_path / "a.xlsx", change))
    jan = data.budget[data.budget[C.MONTH] == pd.Timestamp("2027-01-01")]
    assert len(jan) == 15 and jan[C.VALUE].sum() == 700
    assert data.milestones.loc[0, C.BASELINE_DATE] == pd.Timestamp("2026-03-19")
    assert data.milestones.loc[0, C.FORECAST_DATE] == pd.Timestamp("2026-04-02")


def test_month_columns_found_by_date_not_position(alpha_xlsx: Path, tmp_path: Path) -> None:
    def swap(wb: openpyxl.Workbook) -> None:
        ws = wb["Actuals"]
        for r in range(2, ws.max_row + 1):
            ws.cell(r, 3).value, ws.cell(r, 4).value = ws.cell(r, 4).value, ws.cell(r, 3).value

    original = read_workbook(alpha_xlsx)
    swapped = read_workbook(mutate(alpha_xlsx, tmp_path / "s.xlsx", swap))
    pd.testing.assert_frame_equal(
        original.actuals.sort_values([C.WBS, C.CATEGORY, C.MONTH]).reset_index(drop=True),
        swapped.actuals.sort_values([C.WBS, C.CATEGORY, C.MONTH]).reset_index(drop=True),
    )


def test_progress_blanks_carry_forward(alpha_xlsx: Path, tmp_path: Path) -> None:
    def blank(wb: openpyxl.Workbook) -> None:
        wb["Progress"]["E3"] = None  # Apr 2026 of '1 Discovery'

    data = read_workbook(mutate(alpha_xlsx, tmp_path / "p.xlsx", blank))
    p = data.progress[data.progress[C.WBS] == "1 Discovery"].set_index(C.MONTH)[C.VALUE]
    assert p[pd.Timestamp("2026-04-01")] == p[pd.Timestamp("2026-03-01")]


def test_warnings_for_suspicious_but_legal_data(demo_dir: Path) -> None:
    data = read_workbook(demo_dir / "examples" / "foxtrot.xlsx")
    found = {(w.sheet, w.message.split(";")[0].split(" in ")[0]) for w in data.warnings}
    assert ("Actuals", "actual cost") in found
    assert any(s == "Progress" and "backwards" in m for s, m in found)
    assert any(s == "Project" and "does not match the approved budget" in m for s, m in found)
    assert all(w.severity == "warning" and w.cell for w in data.warnings)


def test_libreoffice_saved_workbook_reads_the_same(alpha_xlsx: Path, tmp_path: Path) -> None:
    """A workbook filled, then opened and saved by LibreOffice Calc, gives identical frames."""
    soffice = require_program("soffice")
    out = tmp_path / "lo"
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(alpha_xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert_same_data(read_workbook(alpha_xlsx), read_workbook(out / "alpha.xlsx"))
