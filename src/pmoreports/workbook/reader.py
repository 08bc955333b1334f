"""Read and check a filled project workbook.

:func:`read_workbook` returns a :class:`~pmoreports.model.ProjectData` or
raises :class:`~pmoreports.errors.WorkbookError` listing every problem at once;
:func:`check_workbook` returns all problems and warnings without raising on
workbook content. Both raise :class:`~pmoreports.errors.UnreadableWorkbookError`
when the file is not a usable xlsx workbook at all.

Only input cells are read, as values: formulas are trusted only through the
cached value a spreadsheet program saved with them. Month columns are found by
their header dates (Excel dates or ISO text such as ``2026-03``), so months
may be added; blank rows are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as calamine
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from ..errors import Issue, TemplateVersionError, UnreadableWorkbookError, WorkbookError
from . import columns as C
from ._cells import CellProblem, found_text, is_blank, parse_cell, parse_month_header
from ._xlsx import Container, SheetScan, open_container
from .model import ProjectData, ProjectInfo
from .schema import SCHEMA, Field, GridSheet, Kind, Schema, TableSheet

__all__ = ["CheckResult", "check_workbook", "read_workbook"]

_HEADER_SCAN_ROWS = 10
_MONEY_TOLERANCE = 0.5


@dataclass
class CheckResult:
    """Everything found in one workbook: errors, warnings and (if usable) the data."""

    file: str
    issues: list[Issue]
    data: ProjectData | None

    @property
    def errors(self) -> list[Issue]:
        """Problems that make the workbook unusable."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Suspicious but legal data, shown in the report's data-quality section."""
        return [i for i in self.issues if i.severity == "warning"]


def read_workbook(path: str | Path) -> ProjectData:
    """Read a filled workbook; raise :class:`WorkbookError` listing all errors if any."""
    result = check_workbook(path)
    if result.errors or result.data is None:
        raise WorkbookError(result.file, result.issues)
    return result.data


def check_workbook(path: str | Path) -> CheckResult:
    """Validate a filled workbook and return every error and warning found."""
    reader = _Reader(Path(path))
    data = reader.read()
    return CheckResult(reader.file, reader.issues, data)


@dataclass
class _Grid:
    """A parsed grid: non-blank values per row key and month, and where each came from."""

    keys: list[tuple[str, ...]] = field(default_factory=list)
    months: list[dt.date] = field(default_factory=list)
    data: dict[tuple[str, ...], dict[dt.date, float]] = field(default_factory=dict)
    rows: dict[tuple[str, ...], int] = field(default_factory=dict)
    cols: dict[dt.date, int] = field(default_factory=dict)

    def cell(self, key: tuple[str, ...], month: dt.date) -> str:
        """A1 reference of the cell holding ``key`` x ``month``."""
        return _ref(self.rows[key], self.cols[month])

    def items(self) -> Iterator[tuple[tuple[str, ...], dt.date, float]]:
        """Every non-blank value as ``(key, month, value)``."""
        for key, values in self.data.items():
            for month, value in values.items():
                yield key, month, value


class _Reader:
    """One pass over one workbook, collecting issues as it goes."""

    def __init__(self, path: Path, schema: Schema = SCHEMA) -> None:
        self.path = path
        self.file = path.name
        self.schema = schema
        self.issues: list[Issue] = []
        self.container: Container = open_container(path)
        try:
            self.book = calamine.CalamineWorkbook.from_path(str(path))
        except (calamine.CalamineError, calamine.PasswordError, ValueError, OSError) as exc:
            raise UnreadableWorkbookError(
                f"{path}: the workbook cannot be opened ({exc}); open it in Excel, save it again as .xlsx and resend it"
            ) from None
        self.version_row = 0
        self.field_rows: dict[str, int] = {}

    # -- issue helpers ----------------------------------------------------------------------

    def error(self, sheet: str, cell: str, message: str, found: str = "", expected: str = "") -> None:
        self.issues.append(Issue("error", self.file, sheet, cell, found, expected, message))

    def warn(self, sheet: str, cell: str, message: str, found: str = "", expected: str = "") -> None:
        self.issues.append(Issue("warning", self.file, sheet, cell, found, expected, message))

    # -- top level ----------------------------------------------------------------------------

    def read(self) -> ProjectData | None:
        present = {s.lower() for s in self.container.sheets}
        if not present & {s.lower() for s in self.schema.sheet_names[1:]}:
            found = ", ".join(repr(s) for s in self.container.sheets) or "no sheets"
            raise UnreadableWorkbookError(
                f"{self.path}: not a pmoreports project workbook: none of the template's sheets "
                f"({', '.join(self.schema.sheet_names[1:])}) is there (found {found}). Start from "
                "the template: `pmoreports template new -o project.xlsx`"
            )
        project_rows = self.sheet(self.schema.project.name)
        version = self.check_version(project_rows)
        info = self.project(project_rows) if project_rows is not None else None
        budget, actuals, progress = (self.grid(g) for g in self.schema.grids)
        forecast, changes, risks, milestones, benefits = (self.table(t) for t in self.schema.tables)
        if info is None or budget is None or actuals is None or progress is None:
            return None
        self.cross_check(info, budget, actuals, progress, forecast)
        if any(i.severity == "error" for i in self.issues):
            return None
        self.warnings(info, budget, actuals, progress)
        return ProjectData(
            info=info,
            budget=_long(budget, (C.WBS, C.CATEGORY)),
            actuals=_long(actuals, (C.WBS, C.CATEGORY)),
            progress=_long(_fill_progress(progress, info.status_date), (C.WBS,)),
            forecast=forecast,
            changes=changes,
            risks=risks,
            milestones=milestones,
            benefits=benefits,
            template_version=version,
            source=str(self.path),
            warnings=[i for i in self.issues if i.severity == "warning"],
        )

    def sheet(self, name: str) -> list[list[Any]] | None:
        """Cell values of sheet ``name`` from A1, or ``None`` (with an issue) if unusable."""
        actual = next((s for s in self.container.sheets if s == name), None)
        actual = actual or next((s for s in self.container.sheets if s.lower() == name.lower()), None)
        if actual is None:
            found = ", ".join(repr(s) for s in self.container.sheets) or "none"
            self.error(name, "", f"sheet '{name}' is missing", found, "the template's sheets")
            return None
        scan = self.container.sheets[actual]
        if scan.far_cell:
            self.error(
                name,
                scan.far_cell,
                "a cell far outside the data area makes the sheet "
                f"{scan.max_row:,} rows x {scan.max_col:,} columns; delete that cell (or the "
                "rows/columns after your data) and save again",
                "a value",
                "data within the template's area",
            )
            return None
        try:
            sheet = self.book.get_sheet_by_name(actual)
            rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
        except calamine.CalamineError as exc:
            self.error(name, "", f"the sheet cannot be read ({exc})")
            return None
        self.check_merged(name, sheet.merged_cell_ranges or [])
        return rows

    def sheet_with_header(self, name: str, first: str) -> tuple[list[list[Any]], int] | None:
        """Cell values of a sheet and the index of its header row (the row naming ``first``)."""
        rows = self.sheet(name)
        if rows is None:
            return None
        header = _find_header(rows, first)
        if header is None:
            self.error(name, "A1:A10", f"header row with '{first}' not found", "", "the template's header row")
            return None
        return rows, header

    def scan(self, name: str) -> SheetScan:
        match = [s for s in self.container.sheets if s.lower() == name.lower()]
        return self.container.sheets[match[0]] if match else SheetScan()

    def check_merged(self, name: str, merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
        for (r0, c0), (r1, c1) in merged:
            if r1 >= 1:
                ref = f"{_ref(r0, c0)}:{_ref(r1, c1)}"
                self.error(
                    name,
                    ref,
                    "merged cells in the data area; unmerge them (Home > Merge & Center)",
                    "merged cells",
                    "one value per cell",
                )

    # -- Project sheet ------------------------------------------------------------------------

    def check_version(self, rows: list[list[Any]] | None) -> str:
        sheet = self.schema.project
        label = _norm(sheet.version_label)
        for r, row in enumerate(rows or []):
            if row and _norm(row[0]) == label:
                self.version_row = r
                version = _text(row[1] if len(row) > 1 else "")
                major = version.split(".")[0]
                if major != self.schema.version.split(".")[0]:
                    raise TemplateVersionError(
                        f"{self.path}: made from template version {version or '(blank)'} "
                        f"({sheet.name}!{_ref(r, 1)}); this pmoreports reads version "
                        f"{self.schema.version.split('.')[0]}.x. Download the current template "
                        "with `pmoreports template new -o project.xlsx` and copy the data over"
                    )
                return version
        if rows is None:
            return ""
        raise TemplateVersionError(
            f"{self.path}: no '{sheet.version_label}' row on the {sheet.name} sheet, so this is "
            "not a pmoreports workbook (or the row was deleted). Start from the template: "
            "`pmoreports template new -o project.xlsx`"
        )

    def project(self, rows: list[list[Any]]) -> ProjectInfo | None:
        sheet = self.schema.project
        where = {_norm(row[0]): r for r, row in enumerate(rows) if row and not is_blank(row[0])}
        values: dict[str, Any] = {}
        ok = True
        for f in sheet.fields:
            r = where.get(_norm(f.header))
            if r is None:
                self.error(sheet.name, "A:A", f"row '{f.header}' is missing", "", "the template's rows")
                ok = False
                continue
            self.field_rows[f.key] = r
            raw = rows[r][1] if len(rows[r]) > 1 else ""
            value, good = self.parse(sheet.name, r, 1, f, raw)
            ok = ok and good
            values[f.key] = value if value is not None else _default(f)
        if not ok:
            return None
        info = ProjectInfo(**values)
        if info.baseline_finish < info.baseline_start:
            r = where[_norm(_field(sheet.fields, "baseline_finish").header)]
            self.error(
                sheet.name,
                _ref(r, 1),
                "baseline finish is before baseline start",
                info.baseline_finish.isoformat(),
                f"a month from {info.baseline_start:%Y-%m}",
            )
        return info

    def parse(self, sheet: str, r: int, c: int, f: Field, raw: Any) -> tuple[Any, bool]:
        """Parse one cell; record an issue and return ``(None, False)`` when it is wrong."""
        ref = _ref(r, c)
        if ref in self.scan(sheet).uncached_formulas:
            self.error(
                sheet,
                ref,
                f"'{f.header}' is a formula with no calculated value; open the "
                "workbook in Excel or LibreOffice and save it, or type the value",
                "an uncalculated formula",
                f.describe(),
            )
            return None, False
        if is_blank(raw):
            if f.required:
                self.error(sheet, ref, f"'{f.header}' is required", "an empty cell", f.describe())
                return None, False
            return None, True
        try:
            return parse_cell(f, raw), True
        except CellProblem as p:
            self.error(sheet, ref, f"'{f.header}': {p.message}", p.found, p.expected)
            return None, False

    # -- Grids --------------------------------------------------------------------------------

    def grid(self, grid: GridSheet) -> _Grid | None:
        found = self.sheet_with_header(grid.name, grid.row_fields[0].header)
        if found is None:
            return None
        rows, header = found
        label_cols, month_cols = self.grid_columns(grid, rows[header], header)
        if label_cols is None:
            return None
        out = _Grid(months=sorted(month_cols.values()), cols={m: c for c, m in month_cols.items()})
        uncached = self.uncached_in(grid.name, header, {*label_cols.values(), *month_cols})
        for r in range(header + 1, len(rows)):
            self.grid_row(grid, rows[r], r, label_cols, month_cols, out, uncached)
        return out

    def grid_columns(
        self, grid: GridSheet, header: list[Any], r: int
    ) -> tuple[dict[str, int] | None, dict[int, dt.date]]:
        labels = {_norm(f.header): f.key for f in grid.row_fields}
        label_cols: dict[str, int] = {}
        month_cols: dict[int, dt.date] = {}
        seen: dict[dt.date, int] = {}
        scan = self.scan(grid.name)
        header = header + [""] * (scan.max_col - len(header))
        uncalculated = [c for c in range(len(header)) if _ref(r, c) in scan.uncached_formulas]
        for c, raw in enumerate(header):
            name = _norm(raw)
            if name in labels:
                label_cols[labels[name]] = c
            elif c in uncalculated or is_blank(raw) or name == _norm(grid.total_label):
                continue
            elif (month := parse_month_header(raw)) is None:
                self.error(
                    grid.name,
                    _ref(r, c),
                    "month header is not a date",
                    found_text(raw),
                    "a date such as 2026-03-01 (or the text 2026-03)",
                )
            elif month in seen:
                self.error(
                    grid.name,
                    _ref(r, c),
                    f"month {month:%b %Y} appears twice (also in {_ref(r, seen[month])})",
                    month.strftime("%Y-%m"),
                    "each month once",
                )
            else:
                seen[month] = c
                month_cols[c] = month
        if uncalculated:
            self.error(
                grid.name,
                f"{_ref(r, uncalculated[0])}:{_ref(r, uncalculated[-1])}",
                f"{len(uncalculated)} month header(s) are formulas with no calculated value; "
                "open and save the workbook in Excel or LibreOffice (or make a pre-filled "
                "template with `pmoreports template new --start YYYY-MM --finish YYYY-MM`)",
                "uncalculated formulas",
                "month dates",
            )
        missing = [f for f in grid.row_fields if f.key not in label_cols]
        for f in missing:
            self.error(
                grid.name,
                f"A{r + 1}:{_ref(r, len(header) - 1)}",
                f"column '{f.header}' is missing",
                ", ".join(repr(_text(h)) for h in header if not is_blank(h))[:120] or "no headers",
                f"a '{f.header}' column",
            )
        if not month_cols and not missing and not uncalculated:
            self.error(
                grid.name,
                f"{_ref(r, 0)}",
                "no month columns found in the header row",
                "",
                "one column per month headed by its date",
            )
        return (None if missing else label_cols), month_cols

    def uncached_in(self, sheet: str, header: int, cols: set[int]) -> set[tuple[int, int]]:
        found: set[tuple[int, int]] = set()
        for ref in self.scan(sheet).uncached_formulas:
            letters, row = coordinate_from_string(ref)
            r, c = row - 1, column_index_from_string(letters) - 1
            if r > header and c in cols:
                found.add((r, c))
        return found

    def grid_row(
        self,
        grid: GridSheet,
        row: list[Any],
        r: int,
        label_cols: dict[str, int],
        month_cols: dict[int, dt.date],
        out: _Grid,
        uncached: set[tuple[int, int]],
    ) -> None:
        raw_labels = [row[label_cols[f.key]] for f in grid.row_fields]
        if not is_blank(raw_labels[0]) and _norm(raw_labels[0]) == _norm(grid.total_label):
            return
        cells = [(c, row[c]) for c in month_cols if row[c] != "" or (r, c) in uncached]
        if not cells and all(is_blank(v) for v in raw_labels):
            return
        key: list[str] = []
        ok = True
        for f, raw in zip(grid.row_fields, raw_labels, strict=True):
            value, good = self.parse(grid.name, r, label_cols[f.key], f, raw)
            ok = ok and good
            key.append(value or "")
        k = tuple(key)
        if ok and k in out.rows:
            label = " / ".join(k)
            self.error(
                grid.name,
                _ref(r, 0),
                f"row '{label}' appears twice (also row {out.rows[k] + 1})",
                label,
                "one row per " + " x ".join(f.header for f in grid.row_fields),
            )
            return
        values = self.grid_values(grid, r, cells, month_cols, uncached)
        if ok:
            out.rows[k] = r
            out.keys.append(k)
            out.data[k] = values

    def grid_values(
        self,
        grid: GridSheet,
        r: int,
        cells: list[tuple[int, Any]],
        month_cols: dict[int, dt.date],
        uncached: set[tuple[int, int]],
    ) -> dict[dt.date, float]:
        """The valid non-blank values of one grid row by month (problems are recorded)."""
        values: dict[dt.date, float] = {}
        money = grid.value_kind is Kind.MONEY
        value_field = Field(C.VALUE, grid.value_label, grid.value_kind)
        for c, raw in cells:
            if type(raw) is float and raw >= 0.0 and (money or raw <= 1.0) and (r, c) not in uncached:
                values[month_cols[c]] = raw
                continue
            if is_blank(raw) and (r, c) not in uncached:
                continue
            value, good = self.parse(grid.name, r, c, value_field, raw)
            if good and value is not None:
                values[month_cols[c]] = value
        return values

    # -- Tables -------------------------------------------------------------------------------

    def table(self, table: TableSheet) -> pd.DataFrame:
        empty = _frame([], table.fields)
        found = self.sheet_with_header(table.name, table.fields[0].header)
        if found is None:
            return empty
        rows, header = found
        cols = {_norm(v): c for c, v in enumerate(rows[header]) if not is_blank(v)}
        where: dict[str, int] = {}
        for f in table.fields:
            if _norm(f.header) in cols:
                where[f.key] = cols[_norm(f.header)]
            elif f.required:
                self.error(
                    table.name,
                    f"A{header + 1}:{_ref(header, len(rows[header]) - 1)}",
                    f"column '{f.header}' is missing",
                    ", ".join(repr(_text(h)) for h in rows[header] if not is_blank(h))[:120],
                    f"a '{f.header}' column",
                )
        if any(f.required and f.key not in where for f in table.fields):
            return empty
        records = self.table_rows(table, rows, header, where)
        return _frame(records, table.fields)

    def table_rows(
        self, table: TableSheet, rows: list[list[Any]], header: int, where: dict[str, int]
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        seen: dict[tuple[Any, ...], int] = {}
        uncached = self.uncached_in(table.name, header, set(where.values()))
        for r in range(header + 1, len(rows)):
            row = rows[r]
            if all(is_blank(row[c]) and (r, c) not in uncached for c in where.values()):
                continue
            record: dict[str, Any] = {}
            ok = True
            for f in table.fields:
                c = where.get(f.key)
                value, good = self.parse(table.name, r, c, f, row[c]) if c is not None else (None, True)
                ok = ok and good
                record[f.key] = value
            key = tuple(record[k] for k in table.key)
            if ok and key in seen:
                self.error(
                    table.name,
                    _ref(r, where[table.key[0]]),
                    f"duplicate {table.fields[0].header} (also row {seen[key] + 1})",
                    found_text(key[0]),
                    "each value once",
                )
                ok = False
            if ok:
                seen[key] = r
                records.append(record)
        return records

    # -- Whole-workbook checks ------------------------------------------------------------------

    def cross_check(
        self,
        info: ProjectInfo,
        budget: _Grid,
        actuals: _Grid,
        progress: _Grid,
        forecast: pd.DataFrame,
    ) -> None:
        s = self.schema
        p = s.project.name
        status_row = self.field_row("status_date")
        last = max(budget.months, default=info.baseline_finish)
        if not info.baseline_start <= info.status_date <= max(last, info.baseline_finish):
            self.error(
                p,
                f"B{status_row}",
                "status date is outside the project's months",
                f"{info.status_date:%Y-%m}",
                f"a month from {info.baseline_start:%Y-%m} to "
                f"{max(last, info.baseline_finish):%Y-%m} "
                "(add month columns to the grids for a late project)",
            )
        if not budget.keys:
            self.error(
                s.budget.name,
                "",
                f"the {s.budget.name} sheet has no rows",
                "no rows",
                "one row per WBS element x cost category",
            )
        wbs = {k[0] for k in budget.keys}
        for sheet, grid in ((s.actuals, actuals), (s.progress, progress)):
            for k in grid.keys:
                if (k[0] not in wbs) if sheet is s.progress else (k not in budget.rows):
                    self.error(
                        sheet.name,
                        f"A{grid.rows[k] + 1}",
                        f"row '{' / '.join(k)}' has no matching {s.budget.name} row",
                        " / ".join(k),
                        f"a row listed on the {s.budget.name} sheet",
                    )
        for i, w in enumerate(forecast[C.WBS] if not forecast.empty else []):
            if w not in wbs:
                self.error(
                    s.forecast.name,
                    "",
                    f"WBS element '{w}' (record {i + 1}) has no {s.budget.name} row",
                    repr(w),
                    f"a WBS element on the {s.budget.name} sheet",
                )

    def field_row(self, key: str) -> int:
        """1-based Excel row of a Project field."""
        return self.field_rows.get(key, 0) + 1

    def warnings(self, info: ProjectInfo, budget: _Grid, actuals: _Grid, progress: _Grid) -> None:
        status = info.status_date
        for k, month, value in sorted(actuals.items(), key=lambda kmv: kmv[1]):
            if month > status and value:
                self.warn(
                    self.schema.actuals.name,
                    actuals.cell(k, month),
                    f"actual cost in {month:%b %Y}, after the status date {status:%b %Y}; it is ignored",
                    f"{value:,.0f}",
                    "0 after the status date",
                )
        self.progress_warnings(progress, status)
        reported = {k[0] for k in progress.keys}
        for k in budget.keys:
            if k[0] not in reported:
                reported.add(k[0])
                self.warn(
                    self.schema.budget.name,
                    f"A{budget.rows[k] + 1}",
                    f"WBS element '{k[0]}' has budget but no progress row; its earned value is 0",
                    "no progress row",
                    f"a row on the {self.schema.progress.name} sheet",
                )
        self.budget_warnings(info, budget, progress)

    def progress_warnings(self, progress: _Grid, status: dt.date) -> None:
        for k in progress.keys:
            previous = 0.0
            for month in progress.months:
                value = progress.data[k].get(month)
                if value is None:
                    continue
                cell = progress.cell(k, month)
                if month > status:
                    self.warn(
                        self.schema.progress.name,
                        cell,
                        f"progress entered for {month:%b %Y}, after the status date; it is ignored",
                        f"{value:.0%}",
                        "empty after the status date",
                    )
                elif value < previous - 1e-9:
                    self.warn(
                        self.schema.progress.name,
                        cell,
                        f"'{k[0]}' progress goes backwards in {month:%b %Y}",
                        f"{value:.0%}",
                        f"at least {previous:.0%}, as in the previous month",
                    )
                previous = max(previous, value)

    def budget_warnings(self, info: ProjectInfo, budget: _Grid, progress: _Grid) -> None:
        if info.approved_budget is None:
            return
        total = sum(v for _, _, v in budget.items())
        cell = f"B{self.field_row('approved_budget')}"
        if abs(total - info.approved_budget) > _MONEY_TOLERANCE:
            self.warn(
                self.schema.project.name,
                cell,
                "the Budget sheet total does not match the approved budget",
                f"Budget total {total:,.0f}",
                f"{info.approved_budget:,.0f}",
            )
        bac = _bac_by_wbs(budget)
        pct = _fill_progress(progress, info.status_date)
        ev = sum(bac.get(k[0], 0.0) * v for k, m, v in pct.items() if m == info.status_date)
        if ev > info.approved_budget + _MONEY_TOLERANCE:
            self.warn(
                self.schema.project.name,
                cell,
                "earned value is above the approved budget (BAC)",
                f"EV {ev:,.0f}",
                f"at most {info.approved_budget:,.0f}",
            )


# -- helpers ----------------------------------------------------------------------------------


def _ref(r: int, c: int) -> str:
    """A1 reference of 0-based row ``r`` and column ``c``."""
    return f"{get_column_letter(c + 1)}{r + 1}"


def _norm(raw: Any) -> str:
    return " ".join(str(raw).replace("*", " ").split()).lower() if not is_blank(raw) else ""


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _field(fields: tuple[Field, ...], key: str) -> Field:
    return next(f for f in fields if f.key == key)


def _default(f: Field) -> Any:
    if f.kind in (Kind.MONEY, Kind.SIGNED_MONEY) and f.key != "approved_budget":
        return 0.0
    if f.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.IDENT, Kind.CHOICE, Kind.CURRENCY):
        return ""
    return None


def _find_header(rows: list[list[Any]], first: str) -> int | None:
    target = _norm(first)
    for r, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        if any(_norm(v) == target for v in row[:3]):
            return r
    return None


def _fill_progress(progress: _Grid, status: dt.date) -> _Grid:
    """Cumulative progress for every month up to ``status``; blanks carry the previous value."""
    months = [m for m in progress.months if m <= status]
    if status not in months:
        months.append(status)
    out = _Grid(keys=progress.keys, months=months, rows=progress.rows)
    for k in progress.keys:
        current = 0.0
        for month in months:
            current = progress.data[k].get(month, current)
            out.data.setdefault(k, {})[month] = current
    return out


def _bac_by_wbs(budget: _Grid) -> dict[str, float]:
    bac: dict[str, float] = {}
    for k, _, value in budget.items():
        bac[k[0]] = bac.get(k[0], 0.0) + value
    return bac


def _long(grid: _Grid, keys: tuple[str, ...]) -> pd.DataFrame:
    """Every row x month of a grid in long form (blank money cells are 0)."""
    records = [(*k, m, grid.data[k].get(m, 0.0)) for k in grid.keys for m in grid.months]
    frame = pd.DataFrame.from_records(records, columns=[*keys, C.MONTH, C.VALUE])
    frame[C.MONTH] = pd.to_datetime(frame[C.MONTH]).astype("datetime64[ns]")
    frame[C.VALUE] = frame[C.VALUE].astype("float64")
    for k in keys:
        frame[k] = frame[k].astype(str)
    return frame


def _frame(records: list[dict[str, Any]], fields: tuple[Field, ...]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=[f.key for f in fields])
    for f in fields:
        col = frame[f.key]
        if f.kind in (Kind.DATE, Kind.MONTH):
            frame[f.key] = pd.to_datetime(col).astype("datetime64[ns]")
        elif f.kind in (Kind.MONEY, Kind.SIGNED_MONEY, Kind.DAYS):
            frame[f.key] = pd.to_numeric(col).fillna(0.0).astype("float64")
        elif f.kind in (Kind.PROBABILITY, Kind.PERCENT, Kind.RATE):
            frame[f.key] = pd.to_numeric(col).astype("float64")
        elif f.kind is Kind.YEAR:
            frame[f.key] = pd.to_numeric(col).astype("int64")
        else:
            frame[f.key] = col.fillna("").astype(str)
    return frame
