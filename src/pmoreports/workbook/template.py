"""Write the project workbook template (blank, pre-filled for a project, or filled).

Everything a project manager sees is laid out from :data:`pmoreports.schema.SCHEMA`:
an Instructions sheet, the Project key/value sheet, the Budget/Actuals/Progress
month grids (row and column totals as protected formulas) and Excel tables for
the lists, with drop-downs, number formats, frozen headers and column widths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from . import columns as C
from .model import VARIANCE_COLUMNS, ProjectData
from .schema import (
    NUMBER_FORMATS,
    SCHEMA,
    Field,
    GridSheet,
    KeyValueSheet,
    Kind,
    Schema,
    TableSheet,
)

__all__ = [
    "BLANK_MONTHS",
    "TemplateSpec",
    "month_range",
    "write_project_workbook",
    "write_template",
]

BLANK_MONTHS = 36
"""Month columns in the blank template (headers follow the Project sheet's baseline start)."""

HEADER_ROW = 2
FIRST_DATA_ROW = 3
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_INPUT_FILL = PatternFill("solid", fgColor="FFF8E1")
_FORMULA_FILL = PatternFill("solid", fgColor="E7E6E6")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=13, color="1F3864")
_NOTE_FONT = Font(italic=True, color="595959")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
_UNLOCKED = Protection(locked=False)
_MONTH_WIDTH = 11


@dataclass(frozen=True)
class TemplateSpec:
    """What to pre-fill in a template.

    ``fields`` maps Project-sheet keys (see ``SCHEMA.project``) to values;
    ``months`` are month-start dates (empty: a blank template whose month
    headers follow the baseline start typed on the Project sheet); ``wbs`` and
    ``categories`` lay out one Budget/Actuals row per WBS element x category;
    ``variances`` are rows of the Variances sheet, as mappings of its field keys
    (e.g. one per threshold breach still to explain, from
    :func:`pmoreports.metrics.variances.unexplained_breaches`; missing keys are blank).
    """

    fields: Mapping[str, Any] = field(default_factory=dict)
    months: tuple[dt.date, ...] = ()
    wbs: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    spare_rows: int = 20
    variances: tuple[Mapping[str, Any], ...] = ()


def month_range(start: dt.date, finish: dt.date) -> tuple[dt.date, ...]:
    """Month-start dates from ``start``'s month through ``finish``'s month, inclusive."""
    months = pd.period_range(pd.Period(start, "M"), pd.Period(finish, "M"), freq="M")
    return tuple(p.start_time.date() for p in months)


def write_template(path: Path, spec: TemplateSpec | None = None) -> Path:
    """Write a blank or pre-filled template to ``path`` (overwriting it)."""
    spec = spec or TemplateSpec()
    rows = [(w, c) for w in spec.wbs for c in (spec.categories or ("",))]
    grid_rows = {g.name: rows if len(g.row_fields) == 2 else [(w,) for w in spec.wbs] for g in SCHEMA.grids}
    variances = pd.DataFrame([{k: row.get(k) for k in VARIANCE_COLUMNS} for row in spec.variances])
    return _save(path, spec, grid_rows, {}, {SCHEMA.variances.name: variances})


def write_project_workbook(path: Path, data: ProjectData) -> Path:
    """Write ``data`` as a filled workbook, exactly as a project manager would fill it."""
    info = {k: v for k, v in vars(data.info).items()}
    grids = (data.budget, data.actuals, data.progress)
    frames = {g.name: frame for g, frame in zip(SCHEMA.grids, grids, strict=True)}
    months = sorted({m for f in frames.values() for m in pd.to_datetime(f[C.MONTH]).dt.date})
    span = month_range(min([data.info.baseline_start, *months]), max([data.info.baseline_finish, *months]))
    grid_rows: dict[str, list[tuple[str, ...]]] = {}
    grid_values: dict[str, dict[tuple[tuple[str, ...], dt.date], float]] = {}
    for grid in SCHEMA.grids:
        keys = [f.key for f in grid.row_fields]
        frame = frames[grid.name]
        grid_rows[grid.name] = list(dict.fromkeys(frame[keys].itertuples(index=False, name=None)))
        grid_values[grid.name] = {
            (tuple(r[:-2]), pd.Timestamp(r[-2]).date()): float(r[-1])
            for r in frame[[*keys, C.MONTH, C.VALUE]].itertuples(index=False, name=None)
        }
    lists = (data.forecast, data.changes, data.risks, data.milestones, data.benefits, data.variances)
    tables = {t.name: frame for t, frame in zip(SCHEMA.tables, lists, strict=True)}
    spec = TemplateSpec(fields=info, months=span, spare_rows=5)
    return _save(path, spec, grid_rows, grid_values, tables)


def _save(
    path: Path,
    spec: TemplateSpec,
    grid_rows: Mapping[str, Sequence[tuple[str, ...]]],
    grid_values: Mapping[str, Mapping[tuple[tuple[str, ...], dt.date], float]],
    tables: Mapping[str, pd.DataFrame],
    schema: Schema = SCHEMA,
) -> Path:
    wb = Workbook()
    _instructions(wb.active, schema)
    start_ref = _project(wb.create_sheet(schema.project.name), schema, spec.fields)
    for grid in schema.grids:
        ws = wb.create_sheet(grid.name)
        _grid(ws, grid, grid_rows.get(grid.name, ()), spec, grid_values.get(grid.name, {}), start_ref)
    for table in schema.tables:
        _table(wb.create_sheet(table.name), table, tables.get(table.name), spec.spare_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# -- Instructions ---------------------------------------------------------------------------


def _instructions(ws: Worksheet, schema: Schema) -> None:
    ws.title = schema.instructions_sheet
    ws.column_dimensions["A"].width = 110
    ws.sheet_view.showGridLines = False
    lines = [
        ("Project status workbook - how to fill it", _TITLE_FONT),
        (
            f"pmoreports template version {schema.version}. Yellow cells are yours; grey cells are "
            "calculated and protected (Review > Unprotect Sheet if you really must).",
            None,
        ),
        ("", None),
    ]
    steps = [schema.project.name + ": " + schema.project.help]
    steps += [f"{g.name}: {g.help}" for g in schema.grids]
    steps += [f"{t.name}: {t.help}" for t in schema.tables]
    lines += [(f"{i}. {s}", None) for i, s in enumerate(steps, 1)]
    lines += [
        ("", None),
        ("Rules", Font(bold=True)),
        (
            "- Months are found by the dates in the header row: to extend a late project, add a "
            "column with the next month's date (e.g. 2027-04-01) before the Total column.",
            None,
        ),
        (
            "- Money is in the project currency, without currency symbols; an empty cell is 0.",
            None,
        ),
        (
            "- Progress is the cumulative percent complete at the end of the month: type 45% "
            "(not 45), never more than 100%.",
            None,
        ),
        ("- Do not rename sheets or column headers; add rows inside the tables.", None),
        ("", None),
        ("Example", Font(bold=True)),
        (
            "Budget row '1.2 Design' / Labour: 10,000 in Jan, 20,000 in Feb. Actuals: 12,000 in "
            "Jan. Progress '1.2 Design': 30% in Jan means 30% of its total budget is earned.",
            None,
        ),
        ("", None),
        ("Check your workbook before sending it: pmoreports template check FILE.xlsx", _NOTE_FONT),
    ]
    for r, (text, font) in enumerate(lines, 1):
        cell = ws.cell(row=r, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
    ws.protection.sheet = True


# -- Project ----------------------------------------------------------------------------------


def _project(ws: Worksheet, schema: Schema, values: Mapping[str, Any]) -> str:
    """Write the key/value sheet; return the absolute reference of the baseline start cell."""
    sheet: KeyValueSheet = schema.project
    _title(ws, f"{sheet.name} - {sheet.help}")
    for col, (text, width) in enumerate((("Field", 30), ("Value", 60), ("Help", 60)), 1):
        _header(ws.cell(row=HEADER_ROW, column=col, value=text))
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.cell(row=FIRST_DATA_ROW, column=1, value=sheet.version_label).font = Font(bold=True)
    version = ws.cell(row=FIRST_DATA_ROW, column=2, value=schema.version)
    version.fill = _FORMULA_FILL
    start_ref = ""
    for i, f in enumerate(sheet.fields, FIRST_DATA_ROW + 1):
        label = ws.cell(row=i, column=1, value=f.header + (" *" if f.required else ""))
        label.font = Font(bold=f.required)
        label.alignment = Alignment(vertical="top")
        cell = ws.cell(row=i, column=2, value=_cell_value(values.get(f.key)))
        _input(cell, f.kind)
        if f.kind is Kind.LONG_TEXT:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[i].height = 60
        ws.cell(row=i, column=3, value=f.describe() + (f"; {f.help}" if f.help else "")).font = _NOTE_FONT
        _validate(ws, f, f"B{i}")
        if f.key == "baseline_start":
            start_ref = f"'{sheet.name}'!$B${i}"
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    _protect(ws)
    return start_ref


# -- Grids ------------------------------------------------------------------------------------


def _grid(
    ws: Worksheet,
    grid: GridSheet,
    rows: Sequence[tuple[str, ...]],
    spec: TemplateSpec,
    values: Mapping[tuple[tuple[str, ...], dt.date], float],
    start_ref: str,
) -> None:
    _title(ws, f"{grid.name} - {grid.help}")
    n_labels = len(grid.row_fields)
    for col, f in enumerate(grid.row_fields, 1):
        _header(ws.cell(row=HEADER_ROW, column=col, value=f.header))
        ws.column_dimensions[get_column_letter(col)].width = f.width
    months: Sequence[dt.date | None] = spec.months or [None] * BLANK_MONTHS
    first_col = n_labels + 1
    last_col = n_labels + len(months)
    for j, month in enumerate(months):
        col = first_col + j
        cell = ws.cell(row=HEADER_ROW, column=col, value=month or _month_formula(j, col, start_ref))
        _header(cell)
        cell.number_format = NUMBER_FORMATS[Kind.MONTH]
        ws.column_dimensions[get_column_letter(col)].width = _MONTH_WIDTH
    n_rows = len(rows) + spec.spare_rows
    last_row = FIRST_DATA_ROW + max(n_rows, 1) - 1
    totals = not grid.cumulative
    for r in range(FIRST_DATA_ROW, last_row + 1):
        key = rows[r - FIRST_DATA_ROW] if r - FIRST_DATA_ROW < len(rows) else ()
        for col, f in enumerate(grid.row_fields, 1):
            cell = ws.cell(row=r, column=col, value=key[col - 1] if key else None)
            _input(cell, f.kind)
        for j, month in enumerate(months):
            value = values.get((key, month)) if key and month else None
            _input(ws.cell(row=r, column=first_col + j, value=value or None), grid.value_kind)
    data_ref = f"{get_column_letter(first_col)}{FIRST_DATA_ROW}:{get_column_letter(last_col)}{last_row}"
    for f in grid.row_fields:
        col = get_column_letter(grid.row_fields.index(f) + 1)
        _validate(ws, f, f"{col}{FIRST_DATA_ROW}:{col}{last_row}")
    _validate(ws, Field(C.VALUE, grid.name, grid.value_kind), data_ref)
    if totals:
        _grid_totals(ws, grid, first_col, last_col, last_row)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=first_col).coordinate
    _protect(ws)


def _month_formula(j: int, col: int, start_ref: str) -> str:
    if j == 0:
        return f'=IF(ISNUMBER({start_ref}),DATE(YEAR({start_ref}),MONTH({start_ref}),1),"")'
    prev = f"{get_column_letter(col - 1)}{HEADER_ROW}"
    return f'=IF(ISNUMBER({prev}),EDATE({prev},1),"")'


def _grid_totals(ws: Worksheet, grid: GridSheet, first_col: int, last_col: int, last_row: int) -> None:
    total_col = last_col + 1
    _header(ws.cell(row=HEADER_ROW, column=total_col, value=grid.total_label))
    ws.column_dimensions[get_column_letter(total_col)].width = 14
    first, last = get_column_letter(first_col), get_column_letter(last_col)
    for r in range(FIRST_DATA_ROW, last_row + 1):
        _formula(ws.cell(row=r, column=total_col, value=f"=SUM({first}{r}:{last}{r})"))
    total_row = last_row + 1
    label = ws.cell(row=total_row, column=1, value=grid.total_label)
    label.font = Font(bold=True)
    label.fill = _FORMULA_FILL
    for col in range(first_col, total_col + 1):
        letter = get_column_letter(col)
        cell = ws.cell(row=total_row, column=col, value=f"=SUM({letter}{FIRST_DATA_ROW}:{letter}{last_row})")
        _formula(cell)
        cell.font = Font(bold=True)


# -- Tables -----------------------------------------------------------------------------------


def _table(ws: Worksheet, table: TableSheet, frame: pd.DataFrame | None, spare_rows: int) -> None:
    _title(ws, f"{table.name} - {table.help}")
    for col, f in enumerate(table.fields, 1):
        _header(ws.cell(row=HEADER_ROW, column=col, value=f.header))
        ws.column_dimensions[get_column_letter(col)].width = f.width
    records = _records(frame, table.fields)
    last_row = FIRST_DATA_ROW + len(records) + max(spare_rows, 1) - 1
    for r in range(FIRST_DATA_ROW, last_row + 1):
        record = records[r - FIRST_DATA_ROW] if r - FIRST_DATA_ROW < len(records) else {}
        for col, f in enumerate(table.fields, 1):
            cell = ws.cell(row=r, column=col, value=_cell_value(record.get(f.key)))
            _input(cell, f.kind)
            if f.kind is Kind.LONG_TEXT:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, f in enumerate(table.fields, 1):
        letter = get_column_letter(col)
        _validate(ws, f, f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
    ref = f"A{HEADER_ROW}:{get_column_letter(len(table.fields))}{last_row}"
    excel_table = Table(displayName=table.table_name, ref=ref)
    excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(excel_table)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"


def _records(frame: pd.DataFrame | None, fields: Iterable[Field]) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    keys = [f.key for f in fields if f.key in frame.columns]
    return [dict(zip(keys, row, strict=True)) for row in frame[keys].itertuples(index=False, name=None)]


# -- Cell helpers -----------------------------------------------------------------------------


def _cell_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def _title(ws: Worksheet, text: str) -> None:
    """Title row plus print set-up: landscape, one page wide, header row repeated."""
    ws.cell(row=1, column=1, value=text).font = _TITLE_FONT
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _header(cell: Any) -> None:
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = _BORDER


def _input(cell: Any, kind: Kind) -> None:
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"  # text typed by a person is never a formula
    cell.fill = _INPUT_FILL
    cell.border = _BORDER
    cell.protection = _UNLOCKED
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]


def _formula(cell: Any) -> None:
    cell.fill = _FORMULA_FILL
    cell.border = _BORDER
    cell.number_format = NUMBER_FORMATS[Kind.MONEY]


def _protect(ws: Worksheet) -> None:
    """Protect formula cells without a password; inputs stay editable, rows/columns insertable."""
    p = ws.protection
    p.sheet = True
    p.formatCells = p.formatColumns = p.formatRows = False
    p.insertRows = p.insertColumns = p.deleteRows = False
    p.sort = p.autoFilter = False


def _validate(ws: Worksheet, f: Field, sqref: str) -> None:
    rule = _VALIDATIONS.get(f.kind)
    if f.kind is Kind.CHOICE:
        dv = DataValidation(type="list", formula1='"' + ",".join(f.choices) + '"')
    elif rule is None:
        return
    else:
        dv = DataValidation(type=rule[0], operator=rule[1], formula1=rule[2], formula2=rule[3])
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = f"{f.header}: invalid value"
    dv.error = f"Expected {f.describe()}."
    dv.showInputMessage = bool(f.help)
    dv.prompt = f.help or None
    dv.add(sqref)
    ws.add_data_validation(dv)


_VALIDATIONS: dict[Kind, tuple[str, str | None, str, str | None]] = {
    Kind.MONEY: ("decimal", "greaterThanOrEqual", "0", None),
    Kind.PERCENT: ("decimal", "between", "0", "1"),
    Kind.RATE: ("decimal", "between", "0", "0.99"),
    Kind.PROBABILITY: ("decimal", "between", "0.0001", "100"),
    Kind.DATE: ("date", "between", "32874", "109574"),
    Kind.MONTH: ("date", "between", "32874", "109574"),
    Kind.DAYS: ("whole", "between", "-3650", "3650"),
    Kind.YEAR: ("whole", "between", "1990", "2200"),
    Kind.CURRENCY: ("textLength", "equal", "3", None),
}
