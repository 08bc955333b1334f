"""The reader: typed fields and tidy frames, from openpyxl- and LibreOffice-saved files;
no guessing on numbers and dates stored as text (generated inputs); what the reader says
about hidden rows, spaces in keys, credit notes and the status date."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import REPO, require_program
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsx_helpers import english_date, mutate

from pmoreports import ProjectData, read_workbook, write_project_workbook
from pmoreports.errors import PmoError
from pmoreports.workbook import columns as C
from pmoreports.workbook._cells import CellProblem, parse_cell, parse_month_header
from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, build_demo_project
from pmoreports.workbook.reader import TODAY_ENV, check_workbook, current_month
from pmoreports.workbook.schema import Field, Kind

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
    assert data.template_version == "1.1"


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
    assert any(s == "Project" and "does not reconcile with the approved budget" in m for s, m in found)
    assert all(not w.critical and w.cell for w in data.warnings)
    assert {w.code for w in data.warnings} == {"DQ-AC-AFTER-STATUS", "DQ-PROGRESS-BACKWARDS", "DQ-BAC-RECONCILE"}


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


# -- no guessing: generated inputs ------------------------------------------------------------

AMOUNT = Field("value", "Amount", Kind.SIGNED_MONEY)


def _group(digits: str, sep: str, indian: bool = False) -> str:
    if indian and len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
        return sep.join([*pairs, tail])
    return f"{int(digits):,}".replace(",", sep)


# (grouping separator, decimal mark, Indian grouping) of conventions seen in workbooks
CONVENTIONS = [
    (",", ".", False),  # 1,234.50 (English)
    (".", ",", False),  # 1.234,50 (German, Italian, Spanish...)
    (" ", ",", False),  # 1 234,50 (French, Nordic)
    ("\u00a0", ",", False),  # 1 234,50 with a no-break space
    ("\u202f", ",", False),  # 1 234,50 with a narrow no-break space
    ("'", ".", False),  # 1'234.50 (Swiss)
    (",", ".", True),  # 12,34,567.50 (Indian)
    ("", ".", False),  # 1234.50
    ("", ",", False),  # 1234,50
]


@given(
    whole=st.integers(0, 10**12),
    frac=st.sampled_from(["", "0", "5", "25", "50", "125", "999"]),
    convention=st.sampled_from(CONVENTIONS),
    style=st.sampled_from(["{}", "-{}", "({})", "  {} ", "+{}"]),
)
@settings(max_examples=400, deadline=None)
def test_number_text_is_read_exactly_or_refused_as_ambiguous(
    whole: int, frac: str, convention: tuple[str, str, bool], style: str
) -> None:
    """Any thousands/decimal convention: the value typed, with a warning stating it, or an error
    listing both readings (one of them the value typed). Never another value without a word."""
    group, mark, indian = convention
    text = style.format(
        _group(str(whole), group, indian) + (mark + frac if frac else "")
        if group
        else f"{whole}{mark + frac if frac else ''}"
    )
    value = float(f"{whole}.{frac or '0'}") * (-1 if style[0] in "-(" else 1)
    try:
        reading = parse_cell(AMOUNT, text)
    except CellProblem as p:
        assert "ambiguous" in p.message, (text, p.message)
        assert f"{value:.15g}" in p.message, (text, p.message)
        return
    assert reading.value == value, text
    assert reading.note.startswith(f"number stored as text, read as {value:.15g};"), reading.note


@given(text=st.text(max_size=30), kind=st.sampled_from(list(Kind)))
@settings(max_examples=600, deadline=None)
def test_any_text_is_read_or_refused_never_crashes(text: str, kind: Kind) -> None:
    f = Field("x", "X", kind, choices=("open", "closed"))
    try:
        parse_cell(f, text)
    except CellProblem as p:
        assert p.message and p.expected


@given(
    day=st.dates(dt.date(1990, 1, 1), dt.date(2200, 12, 31)),
    form=st.sampled_from(
        [
            "%d/%m/%Y",
            "%m/%d/%Y",
            "%d.%m.%Y",
            "%d-%m-%Y",
            "%Y-%m-%d",
            "%Y/%m/%d",
            "%d %B %Y",
            "%B %d, %Y",
            "%b %d %Y",
            "%d-%b-%Y",
        ]
    ),
)
@settings(max_examples=400, deadline=None)
def test_date_text_is_read_exactly_or_refused_as_ambiguous(day: dt.date, form: str) -> None:
    text = english_date(day, form)
    try:
        reading = parse_cell(Field("d", "D", Kind.DATE), text)
    except CellProblem as p:
        assert "ambiguous date" in p.message and day.isoformat() in p.message, (text, p.message)
        return
    assert reading.value == day, text


@given(
    day=st.dates(dt.date(1990, 1, 1), dt.date(2200, 12, 1)),
    form=st.sampled_from(["%Y-%m", "%b %Y", "%B %Y", "%m/%Y", "%m.%Y", "%Y-%m-%d"]),
)
@settings(max_examples=200, deadline=None)
def test_month_header_text_forms_with_one_reading(day: dt.date, form: str) -> None:
    assert parse_month_header(english_date(day, form)).value.replace(day=1) == day.replace(day=1)


@given(month=st.integers(1, 12), year=st.integers(1990, 2200), as_yyyymm=st.booleans())
@settings(max_examples=200, deadline=None)
def test_a_number_is_never_taken_for_a_month(month: int, year: int, as_yyyymm: bool) -> None:
    """``04.2026`` read as the number 4.2026, or 202604: an error that says what to type."""
    number = float(year * 100 + month) if as_yyyymm else float(f"{month}.{year}")
    with pytest.raises(CellProblem) as info:
        parse_month_header(number)
    assert f"type {year}-{month:02d}-01" in info.value.message


# -- the reader on real workbooks ---------------------------------------------------------------


def test_keys_compare_equal_whatever_the_spaces(alpha_xlsx: Path, tmp_path: Path) -> None:
    """A WBS label with extra spaces on one sheet still matches the others, and reads the same."""

    def spaces(wb: openpyxl.Workbook) -> None:
        wb["Actuals"]["A3"] = "  1   Discovery "
        wb["Progress"]["A3"] = "1\u00a0 Discovery"
        wb["Forecast"]["A3"] = " 1 Discovery"
        wb["Budget"]["B3"] = " Labour "

    assert_same_data(read_workbook(alpha_xlsx), read_workbook(mutate(alpha_xlsx, tmp_path / "s.xlsx", spaces)))


def test_month_headers_as_text_read_the_same(alpha_xlsx: Path, tmp_path: Path) -> None:
    def text(wb: openpyxl.Workbook) -> None:
        for col, label in zip("CDEF", ["2026-01", "Feb 2026", "March 2026", "04/2026"], strict=True):
            wb["Budget"][f"{col}2"] = label

    changed = check_workbook(mutate(alpha_xlsx, tmp_path / "t.xlsx", text))
    assert changed.issues == [] and changed.data is not None
    assert_same_data(read_workbook(alpha_xlsx), changed.data)


def test_hidden_rows_are_read_with_one_warning(alpha_xlsx: Path, tmp_path: Path) -> None:
    def hide(wb: openpyxl.Workbook) -> None:
        for r in (3, 4, 9):
            wb["Budget"].row_dimensions[r].hidden = True
        wb["Budget"].column_dimensions["E"].hidden = True
        wb["Budget"].column_dimensions["Q"].hidden = True  # outside the data: not listed

    result = check_workbook(mutate(alpha_xlsx, tmp_path / "h.xlsx", hide))
    assert result.data is not None
    assert_same_data(read_workbook(alpha_xlsx), result.data)
    [warning] = result.warnings
    assert (warning.sheet, warning.cell) == ("Budget", "3:4")
    assert "rows 3-4, 9 and column E of Budget are hidden" in warning.message


def test_credit_note_reduces_actual_cost(alpha_xlsx: Path, tmp_path: Path) -> None:
    def credit(wb: openpyxl.Workbook) -> None:
        wb["Actuals"]["G3"] = -2500  # May 2026, after 113,760 booked on the row

    data = read_workbook(mutate(alpha_xlsx, tmp_path / "c.xlsx", credit))
    row = data.actuals[(data.actuals[C.WBS] == "1 Discovery") & (data.actuals[C.CATEGORY] == "Labour")]
    assert row.set_index(C.MONTH)[C.VALUE][pd.Timestamp("2026-05-01")] == -2500
    assert [(w.sheet, w.cell) for w in data.warnings] == [("Actuals", "G3")]


def test_status_date_is_compared_with_the_today_given(alpha_xlsx: Path) -> None:
    early = check_workbook(alpha_xlsx, today=dt.date(2026, 9, 17))
    assert [(w.cell, "filled early?" in w.message) for w in early.warnings] == [("B12", True)]
    assert check_workbook(alpha_xlsx, today=dt.date(2026, 10, 31)).warnings == []


def test_current_month_reads_the_clock_once_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    assert current_month(dt.date(2026, 3, 19)) == dt.date(2026, 3, 1)
    monkeypatch.setenv(TODAY_ENV, "2027-02")
    assert current_month() == dt.date(2027, 2, 1)
    monkeypatch.setenv(TODAY_ENV, "next week")
    with pytest.raises(PmoError, match="PMOREPORTS_TODAY='next week' is not a month"):
        current_month()
    monkeypatch.delenv(TODAY_ENV)
    assert current_month() == dt.date.today().replace(day=1)


def test_committed_examples_read_with_no_new_warnings() -> None:
    """Only the deliberate data-quality warnings of the FOXTROT demo project."""
    for book in sorted((REPO / "examples").glob("*.xlsx")):
        result = check_workbook(book, today=dt.date(2026, 11, 1))
        assert result.errors == [], book
        expected = 3 if book.stem == "foxtrot" else 0
        assert len(result.warnings) == expected, [w.describe() for w in result.warnings]
