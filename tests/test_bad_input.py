"""A corpus of broken workbooks: each gives its own clear message, never a traceback.

Every case starts from a valid demo workbook (or raw bytes) built here, breaks
one thing, and checks the CLI's exit status and the message a project manager
would read: file, sheet, cell, value found and what was expected.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.workbook.workbook import Workbook
from xlsx_helpers import mutate, patch_member, sheet_member

from pmoreports import UnreadableWorkbookError, WorkbookError, read_workbook
from pmoreports.cli import main
from pmoreports.workbook.reader import check_workbook


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path, Path], Path]
    exit_code: int
    expected: tuple[str, ...]


def edit(change: Callable[[Workbook], None]) -> Callable[[Path, Path], Path]:
    return lambda src, dst: mutate(src, dst, change)


def cell(sheet: str, ref: str, value: object) -> Callable[[Path, Path], Path]:
    def change(wb: Workbook) -> None:
        wb[sheet][ref] = value

    return edit(change)


def raw(data: bytes) -> Callable[[Path, Path], Path]:
    def build(src: Path, dst: Path) -> Path:
        dst.write_bytes(data)
        return dst

    return build


def xml(sheet: str, change: Callable[[bytes], bytes]) -> Callable[[Path, Path], Path]:
    return lambda src, dst: patch_member(src, dst, sheet_member(src, sheet), change)


def _rename_sheet(wb: Workbook) -> None:
    wb["Risks"].title = "Risk register"


def _delete_column(wb: Workbook) -> None:
    wb["Changes"]["E2"] = None


def _merge(wb: Workbook) -> None:
    wb["Budget"].merge_cells("C3:E3")


def _duplicate_row(wb: Workbook) -> None:
    ws = wb["Budget"]
    ws["A4"], ws["B4"] = ws["A3"].value, ws["B3"].value


def _duplicate_month(wb: Workbook) -> None:
    wb["Budget"]["E2"] = wb["Budget"]["D2"].value


def _empty_workbook(src: Path, dst: Path) -> Path:
    openpyxl.Workbook().save(dst)
    return dst


def _encrypted(src: Path, dst: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with src.open("rb") as fin, dst.open("wb") as fout:
        OOXMLFile(fin).encrypt("secret", fout)
    return dst


def _truncated(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def _docx(src: Path, dst: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(dst, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return dst


def _far_cell(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')


def _entity_bomb(data: bytes) -> bytes:
    lol = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    lol += b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    return data.replace(b"<worksheet", lol + b"<worksheet", 1).replace(b"<v>", b"<v>&lol3;", 1)


def _multiple(wb: Workbook) -> None:
    wb["Budget"]["C3"] = -1
    wb["Progress"]["B3"] = 2
    wb["Risks"]["D3"] = 0


CASES = [
    Case("missing sheet", edit(lambda wb: wb.remove(wb["Budget"])), 1, ("sheet 'Budget' is missing",)),
    Case("renamed sheet", edit(_rename_sheet), 1, ("sheet 'Risks' is missing", "'Risk register'")),
    Case("missing column", edit(_delete_column), 1, ("Changes!A2:", "column 'Status' is missing")),
    Case(
        "renamed grid column",
        cell("Budget", "B2", "Category"),
        1,
        ("Budget!A2:", "column 'Cost category' is missing", "'Category'"),
    ),
    Case(
        "text in money cell",
        cell("Actuals", "C3", "twelve"),
        1,
        ("Actuals!C3", "expected a number", "found 'twelve'"),
    ),
    Case("boolean in money cell", cell("Actuals", "D3", True), 1, ("Actuals!D3", "TRUE")),
    Case(
        "negative cost",
        cell("Budget", "D4", -500),
        1,
        ("Budget!D4", "negative amount", "found -500"),
    ),
    Case(
        "percent above 100",
        cell("Progress", "B3", 1.5),
        1,
        ("Progress!B3", "percent out of range", "found 150%", "0% and 100%"),
    ),
    Case(
        "percent typed as number",
        cell("Progress", "C3", 45),
        1,
        ("Progress!C3", "type 45% in the cell"),
    ),
    Case("percent below 0", cell("Progress", "D4", -0.1), 1, ("Progress!D4", "found -10%")),
    Case(
        "month header not a date",
        cell("Budget", "D2", "Febuary"),
        1,
        ("Budget!D2", "month header is not a date", "'Febuary'"),
    ),
    Case("duplicate months", edit(_duplicate_month), 1, ("Budget!E2", "appears twice", "also in D2")),
    Case(
        "duplicate WBS/category row",
        edit(_duplicate_row),
        1,
        ("Budget!A4", "row '1 Discovery / Labour' appears twice", "also row 3"),
    ),
    Case(
        "unknown category",
        cell("Budget", "B3", "Catering"),
        1,
        ("Budget!B3", "not one of the allowed values", "'Catering'", "Labour, Contractors"),
    ),
    Case(
        "status date outside the baseline",
        cell("Project", "B12", dt.date(2031, 1, 31)),
        1,
        ("Project!B12", "status date is outside", "found 2031-01", "2026-01 to 2026-12"),
    ),
    Case(
        "baseline finish before start",
        cell("Project", "B11", dt.date(2025, 1, 1)),
        1,
        (
            "Project!B11",
            "baseline finish is before baseline start",
        ),
    ),
    Case(
        "unknown template version",
        cell("Project", "B3", "2.0"),
        2,
        ("template version 2.0", "Project!B3", "reads version 1.x", "pmoreports template new"),
    ),
    Case("no template version", cell("Project", "A3", "Version?"), 2, ("no 'Template version' row",)),
    Case(
        "formula with no cached value",
        cell("Actuals", "C3", "=1000*2"),
        1,
        ("Actuals!C3", "formula with no calculated value", "save it"),
    ),
    Case("merged cells across the grid", edit(_merge), 1, ("Budget!C3:E3", "merged cells")),
    Case(
        "missing required field",
        cell("Project", "B9", None),
        1,
        ("Project!B9", "'Currency' is required"),
    ),
    Case(
        "bad currency code",
        cell("Project", "B9", "Euro"),
        1,
        ("Project!B9", "currency code", "'Euro'"),
    ),
    Case(
        "bad project id",
        cell("Project", "B4", "Alpha project/2"),
        1,
        ("Project!B4", "not a valid identifier"),
    ),
    Case(
        "text in a date cell",
        cell("Milestones", "B3", "next week"),
        1,
        ("Milestones!B3", "expected a date", "'next week'"),
    ),
    Case(
        "probability out of range",
        cell("Risks", "D3", 150),
        1,
        ("Risks!D3", "probability out of range"),
    ),
    Case(
        "duplicate risk id",
        cell("Risks", "A4", "R-01"),
        1,
        ("Risks!A4", "duplicate Risk ID", "also row 3"),
    ),
    Case(
        "unknown change status",
        cell("Changes", "E3", "maybe"),
        1,
        ("Changes!E3", "proposed, approved, rejected"),
    ),
    Case(
        "actuals row unknown to budget",
        cell("Actuals", "A3", "9 Unplanned"),
        1,
        ("Actuals!A3", "has no matching Budget row"),
    ),
    Case("fractional days", cell("Changes", "G3", 2.5), 1, ("Changes!G3", "whole number")),
    Case("several problems at once", edit(_multiple), 1, ("Budget!C3", "Progress!B3", "Risks!D3")),
    Case("empty workbook", _empty_workbook, 2, ("not a pmoreports project workbook", "'Sheet'")),
    Case("CSV renamed to .xlsx", raw(b"project,budget\nalpha,100\n"), 2, ("CSV",)),
    Case("PDF renamed to .xlsx", raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), 2, ("PDF document",)),
    Case(
        "legacy xls",
        raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        2,
        ("Excel 97-2003 .xls",),
    ),
    Case("zero-byte file", raw(b""), 2, ("empty (0 bytes)",)),
    Case("truncated zip", _truncated, 2, ("damaged",)),
    Case("word document renamed", _docx, 2, ("not an Excel workbook",)),
    Case("password-protected workbook", _encrypted, 2, ("password-protected",)),
    Case(
        "far-away cell (million-row sheet)",
        xml("Forecast", _far_cell),
        1,
        ("Forecast!XFD1048576", "far outside the data area", "1,048,576 rows"),
    ),
    Case("XML entity-expansion bomb", xml("Budget", _entity_bomb), 2, ("DOCTYPE", "unsafe")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_workbook_gives_specific_message(case: Case, alpha_xlsx: Path, tmp_path: Path) -> None:
    path = case.build(alpha_xlsx, tmp_path / "broken.xlsx")
    result = CliRunner().invoke(main, ["template", "check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code == case.exit_code, result.output
    for text in case.expected:
        assert text in result.output, f"{text!r} not in:\n{result.output}"


def test_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


def test_read_workbook_raises_with_all_problems(alpha_xlsx: Path, tmp_path: Path) -> None:
    path = edit(_multiple)(alpha_xlsx, tmp_path / "multi.xlsx")
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    cells = {(i.sheet, i.cell) for i in info.value.issues if i.severity == "error"}
    assert {("Budget", "C3"), ("Progress", "B3"), ("Risks", "D3")} <= cells
    assert "multi.xlsx: 3 problem(s)" in str(info.value)


def test_missing_file_is_unusable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableWorkbookError, match="file not found"):
        check_workbook(tmp_path / "nope.xlsx")


def test_huge_dimension_with_little_data_reads_fast(alpha_xlsx: Path, tmp_path: Path) -> None:
    """A sheet claiming A1:XFD1048576 but holding little data must not hang or eat memory."""

    def claim_everything(data: bytes) -> bytes:
        start = data.index(b"<dimension ref=")
        end = data.index(b"/>", start) + 2
        return data[:start] + b'<dimension ref="A1:XFD1048576"/>' + data[end:]

    path = xml("Budget", claim_everything)(alpha_xlsx, tmp_path / "dim.xlsx")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    data = read_workbook(path)
    elapsed = time.perf_counter() - start
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(data.budget) == 180
    assert elapsed < 10 and grown_mb < 500
