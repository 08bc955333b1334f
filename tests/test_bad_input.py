"""A corpus of broken workbooks: each gives its own clear message, never a traceback.

Every case starts from a valid demo workbook (or raw bytes) built here, breaks
one thing, and checks the CLI's exit status and the message a project manager
would read: file, sheet, cell, value found and what was expected. Exit 0 cases
are values with one sensible reading: read, with a warning that states it.
"today" is pinned by conftest (the month after the demo's status month).
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.workbook.workbook import Workbook
from xlsx_helpers import cell_style, cell_xml, mutate, patch_member, set_cell, sheet_member

from pmoreports import UnreadableWorkbookError, WorkbookError, read_workbook
from pmoreports.cli import main
from pmoreports.errors import SEVERITIES, Issue
from pmoreports.metrics.quality import quality_score
from pmoreports.workbook import _xlsx
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


def cells(sheet: str, values: dict[str, object]) -> Callable[[Path, Path], Path]:
    def change(wb: Workbook) -> None:
        for ref, value in values.items():
            wb[sheet][ref] = value

    return edit(change)


def raw_cell(sheet: str, ref: str, value: object, style_of: str | None = None) -> Callable[[Path, Path], Path]:
    """Set one cell in the sheet XML as a spreadsheet saves it (keeping ``style_of``'s style, default
    the cell's own): numbers in date-formatted headers, error values, inline strings."""

    def change(data: bytes) -> bytes:
        return set_cell(data, ref, cell_xml(ref, value, cell_style(data, style_of or ref)))

    return xml(sheet, change)


def general(sheet: str, ref: str, value: object) -> Callable[[Path, Path], Path]:
    """A value in a cell formatted General (not as a date), as after "Clear formats"."""

    def change(wb: Workbook) -> None:
        wb[sheet][ref] = value
        wb[sheet][ref].number_format = "General"

    return edit(change)


def _rename(old: str, new: str) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        wb[old].title = new

    return change


def _two_budget_sheets(wb: Workbook) -> None:
    wb["Budget"].title = "Budget "
    wb.copy_worksheet(wb["Budget "]).title = "budget"


def _double_space_duplicate(wb: Workbook) -> None:
    ws = wb["Budget"]
    ws["A4"], ws["B4"] = "1  Discovery", "Labour"


def _empty_status_month(wb: Workbook) -> None:
    for r in range(3, 40):
        wb["Actuals"][f"L{r}"] = None  # Oct 2026, the status month
        wb["Progress"][f"K{r}"] = None


def _hidden_rows(wb: Workbook) -> None:
    for r in (5, 6, 7):
        wb["Actuals"].row_dimensions[r].hidden = True
    wb["Actuals"].column_dimensions["D"].hidden = True


def _filtered_risks(wb: Workbook) -> None:
    wb["Risks"].row_dimensions[4].hidden = True


def _huge_sheet(data: bytes) -> bytes:
    padding = b" " * (_xlsx.MAX_MEMBER_BYTES + 1)
    return data.replace(b"</sheetData>", b"</sheetData>" + padding, 1)


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
    # -- numbers stored as text: one reading is a warning stating it, two readings an error
    Case(
        "German thousands group as text",
        cell("Budget", "C3", "39.000"),
        1,
        ("Budget!C3", "ambiguous number stored as text", "39 (. as the decimal point)", "39000", "without separators"),
    ),
    Case(
        "English thousands group as text",
        cell("Actuals", "D3", "1,200"),
        1,
        ("Actuals!D3", "ambiguous", "1.2 (, as the decimal point) or 1200 (, as a thousands separator)"),
    ),
    Case(
        "German amount with decimals as text",
        cell("Budget", "C3", "1.234,50"),
        0,
        ("minor    Budget!C3", "number stored as text, read as 1234.5"),
    ),
    Case("French amount as text", cell("Actuals", "C3", "1 234,50"), 0, ("Actuals!C3", "read as 1234.5")),
    Case("Swiss amount as text", cell("Actuals", "C3", "1'234.50"), 0, ("Actuals!C3", "read as 1234.5")),
    Case("two thousands groups as text", cell("Budget", "C3", "1.234.567"), 0, ("Budget!C3", "read as 1234567")),
    Case(
        "currency sign in an amount",
        cell("Budget", "C3", "€1,200"),
        1,
        ("Budget!C3", "currency sign '€'", "type the number only"),
    ),
    Case(
        "currency code in an amount",
        cell("Actuals", "C3", "1200 EUR"),
        1,
        ("Actuals!C3", "currency code 'EUR'", "e.g. 1200"),
    ),
    Case(
        "accounting brackets, ambiguous",
        cell("Changes", "F3", "(1,200)"),
        1,
        ("Changes!F3", "-1.2", "-1200"),
    ),
    Case("accounting brackets", cell("Changes", "F3", "(1200)"), 0, ("Changes!F3", "read as -1200")),
    Case(
        "percent in a money cell",
        cell("Budget", "C3", "12.5%"),
        1,
        ("Budget!C3", "a percent in an amount cell"),
    ),
    Case("percent as text in a percent cell", cell("Progress", "B3", "15%"), 0, ("Progress!B3", "read as 15%")),
    Case("infinite amount", raw_cell("Budget", "C3", "inf"), 1, ("Budget!C3",)),
    Case(
        "error value in an amount cell",
        raw_cell("Actuals", "C3", "#DIV/0!"),
        1,
        ("Actuals!C3", "holds the error value #DIV/0!"),
    ),
    # -- month headers of every type
    Case(
        "month header typed as 202602 (date cell)",
        raw_cell("Budget", "D2", 202602),
        1,
        ("Budget!D2", "the number 202602 shown as a date", "if you meant Feb 2026, type 2026-02-01"),
    ),
    Case(
        "month header 04.2026 read as a number (date cell)",
        raw_cell("Budget", "D2", 4.2026),
        1,
        ("Budget!D2", "the number 4.2026", "if you meant Apr 2026", "2026-04-01"),
    ),
    Case(
        "month header 04.2026 read as a number (General cell)",
        general("Actuals", "D2", 4.2026),
        1,
        ("Actuals!D2", "month header: a number, not a date", "Apr 2026"),
    ),
    Case(
        "month header 202602 (General cell)",
        general("Progress", "C2", 202602),
        1,
        ("Progress!C2", "a number, not a date", "Feb 2026"),
    ),
    Case(
        "month header an Excel serial shown as a number",
        general("Budget", "D2", 46054),
        0,
        ("minor    Budget!D2", "date serial number", "read as Feb 2026"),
    ),
    Case(
        "month header ambiguous text",
        cell("Budget", "D2", "02/03/2026"),
        1,
        ("Budget!D2", "ambiguous date", "2026-02-03 or 2026-03-02"),
    ),
    Case(
        "month header with a two-digit year",
        cell("Budget", "D2", "Feb-26"),
        1,
        ("Budget!D2", "month header is not a date", "4 digits"),
    ),
    Case("month header as text 'Feb 2026'", cell("Budget", "D2", "Feb 2026"), 0, ("OK",)),
    Case(
        "month headers not on the 1st",
        cells("Actuals", {"C2": dt.date(2026, 1, 31), "D2": dt.date(2026, 2, 28)}),
        0,
        (
            "minor    Actuals!C2",
            "2 month header(s) are not the 1st",
            "C2 2026-01-31 = Jan 2026",
            "D2 2026-02-28 = Feb 2026",
        ),
    ),
    Case(
        "month header in 1900",
        cell("Budget", "D2", dt.date(1900, 1, 4)),
        1,
        ("Budget!D2", "implausible date", "the number 4 shown as a date"),
    ),
    Case(
        "month header far after the project",
        cell("Budget", "N2", dt.date(2062, 12, 1)),
        1,
        ("Budget!N2", "Dec 2062 is more than 5 years after 2026-12", "a typo?"),
    ),
    Case(
        "month header holding an error value",
        raw_cell("Budget", "D2", "#REF!"),
        1,
        ("Budget!D2", "month header holds the error value #REF!"),
    ),
    Case(
        "month header duplicated by a mid-month date",
        cell("Budget", "E2", dt.date(2026, 2, 15)),
        1,
        ("Budget!E2", "month Feb 2026 appears twice", "also in D2"),
    ),
    # -- dates far outside the project's span
    Case(
        "milestone date decades away",
        cell("Milestones", "C3", dt.date(2046, 2, 28)),
        0,
        ("major    Milestones!C3", "'Forecast date' 2046-02-28 is more than 5 years after 2026-12", "a typo?"),
    ),
    Case(
        "change raised long before the project",
        cell("Changes", "B3", dt.date(2016, 2, 1)),
        0,
        ("major    Changes!B3", "more than 5 years before the baseline start 2026-01"),
    ),
    Case(
        "benefit year far away", cell("Benefits", "A3", 2066), 0, ("major    Benefits!A3", "'Year' 2066 is far outside")
    ),
    Case(
        "milestone date as ambiguous text",
        cell("Milestones", "B4", "05/06/2026"),
        1,
        ("Milestones!B4", "ambiguous date", "2026-05-06 or 2026-06-05"),
    ),
    Case(
        "milestone date as one-reading text",
        cell("Milestones", "B4", "31/05/2026"),
        0,
        ("minor    Milestones!B4", "read as 2026-05-31 (day/month/year)"),
    ),
    # -- the status month
    Case(
        "status date in the future",
        cell("Project", "B12", dt.date(2026, 12, 1)),
        0,
        ("major    Project!B12", "status date Dec 2026 is after the current month (Nov 2026): filled early?"),
    ),
    Case(
        "status month with nothing entered",
        edit(_empty_status_month),
        0,
        ("major    Project!B12", "no actual cost and progress entered for the status month Oct 2026"),
    ),
    # -- sheet names, row keys
    Case(
        "sheet name with a trailing space",
        edit(_rename("Budget", "Budget ")),
        0,
        ("minor    Budget:", "sheet 'Budget ' is read as the Budget sheet", "rename it"),
    ),
    Case(
        "sheet name in other capitals",
        edit(_rename("Risks", " risks")),
        0,
        ("sheet ' risks' is read as the Risks sheet",),
    ),
    Case(
        "two sheets that could be Budget",
        edit(_two_budget_sheets),
        1,
        ("several sheets could be the Budget sheet", "'Budget '", "'budget'"),
    ),
    Case(
        "duplicate WBS row differing by a double space",
        edit(_double_space_duplicate),
        1,
        ("Budget!A4", "row '1 Discovery / Labour' appears twice (also row 3)", "differ only in spaces"),
    ),
    Case(
        "duplicate Project field row",
        cell("Project", "A25", "Status date"),
        1,
        ("Project!A25", "row 'Status date' appears twice (also row 12)"),
    ),
    # -- negative money
    Case(
        "credit note in actuals",
        cell("Actuals", "D3", -5000),
        0,
        ("minor    Actuals!D3", "negative actual cost (a credit note?)", "reduces the cost to date"),
    ),
    Case(
        "credit note larger than the costs booked",
        cell("Actuals", "C3", -5000),
        1,
        ("Actuals!C3", "cumulative actual cost of '1 Discovery / Labour' falls below zero in Jan 2026", "credit note"),
    ),
    Case(
        "negative planned cost has advice",
        cell("Budget", "C3", -100),
        1,
        ("Budget!C3", "negative amount", "a credit note goes on the Actuals sheet"),
    ),
    # -- hidden and filtered rows
    Case(
        "hidden rows and column in the data",
        edit(_hidden_rows),
        0,
        ("minor    Actuals!5:7", "rows 5-7 and column D of Actuals are hidden (or filtered out)", "included"),
    ),
    Case("filtered-out table row", edit(_filtered_risks), 0, ("minor    Risks!4:4", "row 4 of Risks is hidden")),
    # -- values that a reader would otherwise drop or misplace without a word
    Case(
        "month header deleted over values",
        cell("Actuals", "E2", None),
        1,
        ("Actuals!E2", "column E has values (E3, E4, E5", "but no month header"),
    ),
    Case(
        "optional column renamed",
        cell("Changes", "F2", "Cost impakt"),
        0,
        ("major    Changes!A2:H2", "column 'Cost impact' is missing; its values are read as empty", "'Cost impakt'"),
    ),
    Case(
        "forecast for an unknown WBS element",
        cell("Forecast", "A4", "9 Unplanned"),
        1,
        ("Forecast!A4", "WBS element '9 Unplanned' has no Budget row"),
    ),
    Case(
        "number that no spreadsheet writes, in a date cell",
        raw_cell("Milestones", "B3", float("-inf")),
        1,
        ("Milestones!B3", "a number no spreadsheet can show"),
    ),
    Case(
        "duplicate column header",
        cell("Risks", "J2", "Probability"),
        1,
        ("Risks!J2", "column 'Probability' appears twice (also D2)"),
    ),
    # -- size limits quote the limit applied
    Case(
        "sheet part over the size limit",
        xml("Forecast", _huge_sheet),
        2,
        ("sheet 'Forecast'", "refusing a part larger than 100,000,000 bytes"),
    ),
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
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)


JSON_CASES = [c for c in CASES if c.exit_code < 2][::3]


@pytest.mark.parametrize("case", JSON_CASES, ids=[c.name for c in JSON_CASES])
def test_broken_workbook_as_json(case: Case, alpha_xlsx: Path, tmp_path: Path) -> None:
    """``--json`` lists the same findings as the text output, as data (with code, severity, the
    score and the counts per severity), with the same exit status; both most severe first."""
    path = case.build(alpha_xlsx, tmp_path / "broken.xlsx")
    text = CliRunner().invoke(main, ["template", "check", str(path)])
    result = CliRunner().invoke(main, ["template", "check", "--json", str(path)])
    assert result.exit_code == text.exit_code == case.exit_code and "Traceback" not in result.output
    [report] = json.loads(result.output)
    issues = [Issue(**i) for i in report["issues"]]
    assert issues
    lines = [line.split(maxsplit=1) for line in text.output.splitlines()[1:]]
    assert [(i.severity, f"{i.describe()} [{i.code}]") for i in issues] == [(a, b) for a, b in lines]
    rank = [SEVERITIES.index(i.severity) for i in issues]
    assert rank == sorted(rank)
    assert report["counts"] == {s: sum(i.severity == s for i in issues) for s in SEVERITIES}
    assert report["score"] == quality_score(issues)
    assert f"data-quality score {report['score']} " in text.output.splitlines()[0]


def test_total_size_limit_quotes_the_limit_applied(
    alpha_xlsx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_xlsx, "MAX_TOTAL_BYTES", 50_000)
    result = CliRunner().invoke(main, ["template", "check", str(alpha_xlsx)])
    assert result.exit_code == 2
    assert "refusing workbooks larger than 50,000 bytes uncompressed" in result.output


def test_read_workbook_raises_with_all_problems(alpha_xlsx: Path, tmp_path: Path) -> None:
    path = edit(_multiple)(alpha_xlsx, tmp_path / "multi.xlsx")
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    cells = {(i.sheet, i.cell) for i in info.value.issues if i.critical}
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


RUN_CASES = [c for c in CASES if c.exit_code == 1 and "!" in c.expected[0]]


def _params_for(book: Path, folder: Path) -> Path:
    params = folder / "p.yaml"
    params.write_text(f"project_id: ALPHA\nworkbook: {book.name}\n")
    return params


@pytest.mark.parametrize("case", RUN_CASES, ids=[c.name for c in RUN_CASES])
def test_run_refuses_a_broken_workbook_in_one_line(case: Case, alpha_xlsx: Path, tmp_path: Path) -> None:
    """``pmoreports run`` validates the workbook before any kernel starts: one message naming the cell."""
    book = case.build(alpha_xlsx, tmp_path / "broken.xlsx")
    result = CliRunner().invoke(main, ["run", str(_params_for(book, tmp_path)), "--output", str(tmp_path / "out")])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("error: broken.xlsx: ")
    assert case.expected[0] in result.output
    assert not (tmp_path / "out").exists()


def test_run_on_a_202602_month_header_is_a_clear_message(alpha_xlsx: Path, tmp_path: Path) -> None:
    """The issue's example, through the real command: no OutOfBoundsDatetime traceback."""
    book = raw_cell("Budget", "D2", 202602)(alpha_xlsx, tmp_path / "late.xlsx")
    result = subprocess.run(
        [sys.executable, "-m", "pmoreports", "run", str(_params_for(book, tmp_path))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "OutOfBounds" not in result.stderr
    assert "Budget!D2" in result.stderr and "if you meant Feb 2026, type 2026-02-01" in result.stderr
    assert not (tmp_path / "output").exists()
