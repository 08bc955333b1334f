"""The template writer: what a project manager receives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from xlsx_helpers import fingerprint

from pmoreports import SCHEMA, TEMPLATE_VERSION, TemplateSpec, check_workbook, write_template
from pmoreports.paths import blank_template_path
from pmoreports.workbook.template import BLANK_MONTHS, month_range


@pytest.fixture(scope="module")
def prefilled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = TemplateSpec(
        fields={"project_id": "P1", "name": "Pilot", "manager": "Mo", "currency": "EUR"},
        months=month_range(dt.date(2026, 11, 1), dt.date(2027, 4, 1)),
        wbs=("1 Design", "2 Build"),
        categories=("Labour", "Software"),
    )
    return write_template(tmp_path_factory.mktemp("t") / "p1.xlsx", spec)


def test_committed_blank_template_matches_the_writer(tmp_path: Path) -> None:
    """Regenerate with `pmoreports demo --out .` when the schema or writer changes."""
    fresh = write_template(tmp_path / "blank.xlsx")
    assert fingerprint(fresh) == fingerprint(blank_template_path())


def test_every_schema_sheet_and_header_is_written(prefilled: Path) -> None:
    wb = openpyxl.load_workbook(prefilled)
    assert wb.sheetnames == list(SCHEMA.sheet_names)
    for grid in SCHEMA.grids:
        headers = [c.value for c in wb[grid.name][2]]
        assert [f.header for f in grid.row_fields] == headers[: len(grid.row_fields)]
    for table in SCHEMA.tables:
        headers = [c.value for c in wb[table.name][2]]
        assert headers == [f.header for f in table.fields]
        assert table.table_name in wb[table.name].tables
    labels = [wb["Project"].cell(row=r, column=1).value for r in range(3, 4 + len(SCHEMA.project.fields))]
    assert labels[0] == SCHEMA.project.version_label
    assert [str(x).rstrip(" *") for x in labels[1:]] == [f.header for f in SCHEMA.project.fields]
    assert wb["Project"]["B3"].value == TEMPLATE_VERSION


def test_prefilled_months_rows_formats_and_totals(prefilled: Path) -> None:
    ws = openpyxl.load_workbook(prefilled)["Budget"]
    months = [c.value for c in ws[2][2:8]]
    assert [m.date() for m in months] == list(month_range(dt.date(2026, 11, 1), dt.date(2027, 4, 1)))
    assert ws["I2"].value == "Total"
    assert [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(3, 7)] == [
        ("1 Design", "Labour"),
        ("1 Design", "Software"),
        ("2 Build", "Labour"),
        ("2 Build", "Software"),
    ]
    assert ws["I3"].value == "=SUM(C3:H3)"
    assert ws["C3"].number_format == "#,##0;[Red]-#,##0"
    total_row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "Total")
    assert ws.cell(total_row, 3).value == f"=SUM(C3:C{total_row - 1})"
    assert ws.freeze_panes == "C3"


def test_protection_locks_formulas_only(prefilled: Path) -> None:
    wb = openpyxl.load_workbook(prefilled)
    budget = wb["Budget"]
    assert budget.protection.sheet and not budget.protection.password
    assert budget.protection.insertRows is False  # rows may be inserted
    assert budget["C3"].protection.locked is False
    assert budget["A3"].protection.locked is False
    assert budget["I3"].protection.locked is True  # the row total formula
    assert wb["Project"]["B3"].protection.locked is True  # template version
    assert wb["Project"]["B4"].protection.locked is False


def test_drop_downs_and_validations(prefilled: Path) -> None:
    wb = openpyxl.load_workbook(prefilled)
    rules = {(dv.type, dv.formula1) for dv in wb["Budget"].data_validations.dataValidation}
    assert ("list", '"' + ",".join(SCHEMA.budget.row_fields[1].choices) + '"') in rules
    assert ("decimal", "0") in rules
    progress = {(dv.type, dv.formula1, dv.formula2) for dv in wb["Progress"].data_validations.dataValidation}
    assert ("decimal", "0", "1") in progress
    changes = {dv.formula1 for dv in wb["Changes"].data_validations.dataValidation}
    assert '"proposed,approved,rejected"' in changes


def test_blank_template_months_follow_the_baseline_start(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(blank_template_path())["Budget"]
    first = ws.cell(2, 3).value
    assert first.startswith("=IF(ISNUMBER('Project'!$B$10)")
    assert ws.cell(2, 4).value == '=IF(ISNUMBER(C2),EDATE(C2,1),"")'
    assert ws.cell(2, 3 + BLANK_MONTHS).value == "Total"


def test_prefilled_template_checks_with_only_missing_fields(prefilled: Path) -> None:
    result = check_workbook(prefilled)
    assert {(i.sheet, i.cell) for i in result.errors} == {
        ("Project", "B10"),
        ("Project", "B11"),
        ("Project", "B12"),
    }


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    spec = TemplateSpec(fields={"name": '=HYPERLINK("http://evil")'})
    path = write_template(tmp_path / "f.xlsx", spec)
    cell = openpyxl.load_workbook(path)["Project"]["B5"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
