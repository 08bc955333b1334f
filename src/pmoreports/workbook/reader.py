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

Nothing is guessed (see :mod:`._cells`): a value with one sensible reading that
is not the plain typed value (a number stored as text, a date not on the 1st
as a month header, a sheet named ``'Budget '``) is read with a warning stating
the reading; anything with two readings is an error naming the cell. "Today"
is read once, by :func:`current_month`, and can be passed in for tests.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import python_calamine as calamine
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from ..errors import Issue, PmoError, TemplateVersionError, UnreadableWorkbookError, WorkbookError
from . import columns as C
from ._cells import (
    MAX_AMOUNT,
    CellProblem,
    found_text,
    is_blank,
    parse_cell,
    parse_month_header,
    show_month,
)
from ._xlsx import MAX_SHEET_CELLS, Container, SheetScan, open_container
from .model import CellIndex, ProjectData, ProjectInfo
from .schema import (
    CHANGE_STATUSES,
    PROJECT_ELEMENT,
    SCHEMA,
    VARIANCE_STATUSES,
    Field,
    GridSheet,
    Kind,
    Schema,
    TableSheet,
    version_tuple,
)

__all__ = [
    "BENEFIT_HORIZON_YEARS",
    "FAR_OUTSIDE_YEARS",
    "LONG_BASELINE_YEARS",
    "TODAY_ENV",
    "CheckResult",
    "check_workbook",
    "current_month",
    "read_workbook",
]

TODAY_ENV = "PMOREPORTS_TODAY"
"""Environment variable that sets "today" (``YYYY-MM`` or ``YYYY-MM-DD``) for the checks, e.g. in tests."""
FAR_OUTSIDE_YEARS = 5
"""A date (or month header) more than this many years before the baseline start or after the
baseline finish (or status date) is far outside the project: a warning (an error for month headers)."""
BENEFIT_HORIZON_YEARS = 10
"""Benefit years later than this many years after the baseline finish are warned about."""
LONG_BASELINE_YEARS = 15
"""A baseline longer than this many years is warned about (a typo in a baseline date?)."""

_HEADER_SCAN_ROWS = 10
_MONEY_TOLERANCE = 0.5
_LISTED = 4
T = TypeVar("T")


def current_month(today: dt.date | None = None) -> dt.date:
    """First day of the current month: of ``today`` if given, else of the date in the
    ``PMOREPORTS_TODAY`` environment variable, else of the system clock.

    The only place the reader reads the clock; tests pass ``today`` (or set the variable).
    """
    if today is not None:
        return today.replace(day=1)
    text = os.environ.get(TODAY_ENV, "").strip()
    if not text:
        return dt.date.today().replace(day=1)
    try:
        return dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01").replace(day=1)
    except ValueError:
        raise PmoError(f"{TODAY_ENV}={text!r} is not a month; use YYYY-MM (or unset it)") from None


@dataclass
class CheckResult:
    """Everything found in one workbook: errors, warnings and (if usable) the data."""

    file: str
    issues: list[Issue]
    data: ProjectData | None

    @property
    def errors(self) -> list[Issue]:
        """Critical problems: the workbook is unusable and no report is made from it."""
        return [i for i in self.issues if i.critical]

    @property
    def warnings(self) -> list[Issue]:
        """Major and minor findings: suspicious but legal data, shown in the report's data-quality section."""
        return [i for i in self.issues if not i.critical]


def read_workbook(path: str | Path, *, today: dt.date | None = None) -> ProjectData:
    """Read a filled workbook; raise :class:`WorkbookError` listing all errors if any.

    ``today`` is the date the status date is compared with (default: :func:`current_month`).
    """
    result = check_workbook(path, today=today)
    if result.errors or result.data is None:
        raise WorkbookError(result.file, result.issues)
    return result.data


def check_workbook(path: str | Path, *, today: dt.date | None = None) -> CheckResult:
    """Validate a filled workbook and return every error and warning found.

    ``today`` is the date the status date is compared with (default: :func:`current_month`).
    """
    reader = _Reader(Path(path), current_month(today))
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
    labels: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

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

    def __init__(self, path: Path, today: dt.date, schema: Schema = SCHEMA) -> None:
        self.path = path
        self.file = path.name
        self.schema = schema
        self.today = today
        self.issues: list[Issue] = []
        self.container: Container = open_container(path)
        try:
            self.book = _calamine(lambda: calamine.CalamineWorkbook.from_path(str(path)))
        except _CalamineFailure as exc:
            raise UnreadableWorkbookError(
                f"{path}: the workbook cannot be opened ({exc}); open it in Excel, save it again as .xlsx and resend it"
            ) from None
        self.version_row = 0
        self.field_rows: dict[str, int] = {}
        self.names: dict[str, str] = {}
        self.span: tuple[dt.date, dt.date] | None = None
        self.record_cells: dict[str, list[str]] = {}
        self.record_rows: dict[str, list[int]] = {}
        self.table_where: dict[str, dict[str, int]] = {}
        self.next_rows: dict[str, int] = {}
        self.version: tuple[int, ...] = version_tuple(schema.version)

    # -- issue helpers ----------------------------------------------------------------------

    def error(self, code: str, sheet: str, cell: str, message: str, found: str = "", expected: str = "") -> None:
        """Record a critical finding (``code`` must be critical in the registry)."""
        issue = Issue.of(code, self.file, sheet, cell, message, found, expected)
        assert issue.critical, code
        self.issues.append(issue)

    def warn(self, code: str, sheet: str, cell: str, message: str, found: str = "", expected: str = "") -> None:
        """Record a major or minor finding (``code`` must not be critical)."""
        issue = Issue.of(code, self.file, sheet, cell, message, found, expected)
        assert not issue.critical, code
        self.issues.append(issue)

    # -- top level ----------------------------------------------------------------------------

    def read(self) -> ProjectData | None:
        present = {_sheet_key(s) for s in self.container.sheets}
        if not present & {_sheet_key(s) for s in self.schema.sheet_names[1:]}:
            found = ", ".join(repr(s) for s in self.container.sheets) or "no sheets"
            raise UnreadableWorkbookError(
                f"{self.path}: not a pmoreports project workbook: none of the template's sheets "
                f"({', '.join(self.schema.sheet_names[1:])}) is there (found {found}). Start from "
                "the template: `pmoreports template new -o project.xlsx`"
            )
        self.names = self.resolve_sheets()
        project_rows = self.sheet(self.schema.project.name)
        version = self.check_version(project_rows)
        self.version = version_tuple(version) or version_tuple(self.schema.version)
        info = self.project(project_rows) if project_rows is not None else None
        if info is not None and info.baseline_start <= info.baseline_finish:
            self.span = (info.baseline_start, max(info.baseline_finish, info.status_date))
        budget, actuals, progress = (self.grid(g) for g in self.schema.grids)
        tables = {t.name: self.table(t) for t in self.schema.tables}
        s = self.schema
        forecast, changes, risks, milestones, benefits, variances = (tables[t.name] for t in s.tables)
        if info is None or budget is None or actuals is None or progress is None:
            return None
        self.cross_check(info, budget, actuals, progress, forecast)
        self.credit_check(info, actuals)
        if any(i.critical for i in self.issues):
            return None
        self.warnings(info, budget, actuals, progress, changes)
        self.variance_checks(info, budget, variances)
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
            variances=variances,
            template_version=version,
            source=str(self.path),
            warnings=[i for i in self.issues if not i.critical],
            cells=self.cell_index({s.budget.name: budget, s.actuals.name: actuals, s.progress.name: progress}),
        )

    def cell_index(self, grids: dict[str, _Grid]) -> CellIndex:
        """Where the grids' rows and months and the tables' records sit (1-based rows)."""
        return CellIndex(
            grid_rows={name: {k: r + 1 for k, r in g.rows.items()} for name, g in grids.items()},
            grid_columns={name: {m: get_column_letter(c + 1) for m, c in g.cols.items()} for name, g in grids.items()},
            table_rows={name: tuple(rows) for name, rows in self.record_rows.items()},
            table_columns={
                name: {key: get_column_letter(c + 1) for key, c in where.items()}
                for name, where in self.table_where.items()
            },
            next_rows=dict(self.next_rows),
        )

    def added_since(self, since: str) -> bool:
        """``True`` when the workbook's template version is older than ``since``."""
        return self.version < version_tuple(since)

    def resolve_sheets(self) -> dict[str, str]:
        """Schema sheet name -> the workbook's sheet; a name that differs only in surrounding
        or doubled spaces or in case is used, with a warning naming the real sheet."""
        present = list(self.container.sheets)
        names: dict[str, str] = {}
        for name in self.schema.sheet_names[1:]:
            if name in present:
                names[name] = name
                continue
            near = [s for s in present if _sheet_key(s) == _sheet_key(name)]
            if len(near) == 1:
                names[name] = near[0]
                self.warn(
                    "DQ-SHEET-RENAMED",
                    name,
                    "",
                    f"sheet {near[0]!r} is read as the {name} sheet (the names differ only in spaces "
                    f"or capitals); rename it to '{name}'",
                    repr(near[0]),
                    repr(name),
                )
            elif near:
                self.error(
                    "DQ-SHEET-AMBIGUOUS",
                    name,
                    "",
                    f"several sheets could be the {name} sheet: " + ", ".join(repr(s) for s in near),
                    ", ".join(repr(s) for s in near),
                    f"one sheet named '{name}'",
                )
        return names

    def sheet(self, name: str) -> list[list[Any]] | None:
        """Cell values of sheet ``name`` from A1, or ``None`` (with an issue) if unusable."""
        actual = self.names.get(name)
        if actual is None:
            if any(_sheet_key(s) == _sheet_key(name) for s in self.container.sheets):
                return None  # ambiguous: reported by resolve_sheets
            since = next((t.since for t in self.schema.tables if t.name == name), "")
            if since and self.added_since(since):
                self.warn(
                    "DQ-TEMPLATE-OLDER",
                    name,
                    "",
                    f"no '{name}' sheet: it was added in template version {since}, after this workbook's "
                    f"template; it is read as empty (start next month's workbook from the current template "
                    "to fill it)",
                    "no sheet",
                    f"a '{name}' sheet (template {since})",
                )
                return None
            found = ", ".join(repr(s) for s in self.container.sheets) or "none"
            self.error("DQ-SHEET-MISSING", name, "", f"sheet '{name}' is missing", found, "the template's sheets")
            return None
        scan = self.container.sheets[actual]
        if scan.far_cell:
            self.error(
                "DQ-SHEET-TOO-LARGE",
                name,
                scan.far_cell,
                "a cell far outside the data area makes the sheet "
                f"{scan.max_row:,} rows x {scan.max_col:,} columns, more than the "
                f"{MAX_SHEET_CELLS:,} cells read; delete that cell (or the rows/columns after "
                "your data) and save again",
                "a value",
                "data within the template's area",
            )
            return None
        try:
            sheet = _calamine(lambda: self.book.get_sheet_by_name(actual))
            rows: list[list[Any]] = _calamine(lambda: sheet.to_python(skip_empty_area=False))
            merged = _calamine(lambda: sheet.merged_cell_ranges) or []
        except _CalamineFailure as exc:
            for ref, value in list(scan.not_finite.items())[:_LISTED]:
                self.error(
                    "DQ-CELL-NOT-FINITE",
                    name,
                    ref,
                    "the cell holds a number no spreadsheet can show, so the sheet cannot be read; "
                    "type the value again (or delete it)",
                    value,
                    "a finite number",
                )
            if not scan.not_finite:
                self.error(
                    "DQ-SHEET-UNREADABLE",
                    name,
                    "",
                    f"the sheet cannot be read ({exc}); open the workbook in Excel or LibreOffice, "
                    "save it and resend it",
                )
            return None
        self.check_merged(name, merged)
        return rows

    def sheet_with_header(self, name: str, first: str) -> tuple[list[list[Any]], int] | None:
        """Cell values of a sheet and the index of its header row (the row naming ``first``)."""
        rows = self.sheet(name)
        if rows is None:
            return None
        header = _find_header(rows, first)
        if header is None:
            self.error(
                "DQ-HEADER-MISSING",
                name,
                "A1:A10",
                f"header row with '{first}' not found",
                "",
                "the template's header row",
            )
            return None
        return rows, header

    def scan(self, name: str) -> SheetScan:
        """The raw-XML scan of schema sheet ``name`` (empty when the sheet is missing)."""
        actual = self.names.get(name)
        return self.container.sheets[actual] if actual is not None else SheetScan()

    def hidden_warning(self, name: str, rows: list[list[Any]], header: int, cols: list[int]) -> None:
        """One warning listing the hidden (or filtered-out) data rows and hidden data columns."""
        scan = self.scan(name)
        if not scan.hidden_rows and not scan.hidden_cols:
            return
        data_rows = [
            r + 1
            for r in range(header + 1, len(rows))
            if r + 1 in scan.hidden_rows and any(not is_blank(rows[r][c]) for c in cols if c < len(rows[r]))
        ]
        hidden_cols = sorted(c + 1 for c in cols if scan.col_hidden(c + 1))
        if not data_rows and not hidden_cols:
            return
        parts, cells = [], []
        if data_rows:
            blocks = _blocks(data_rows)
            parts.append(("rows " if len(data_rows) > 1 else "row ") + _listed(blocks, str))
            cells.append(f"{blocks[0][0]}:{blocks[0][1]}")
        if hidden_cols:
            blocks = _blocks(hidden_cols)
            parts.append(("columns " if len(hidden_cols) > 1 else "column ") + _listed(blocks, get_column_letter))
            lo, hi = (get_column_letter(c) for c in blocks[0])
            cells.append(f"{lo}:{hi}")
        self.warn(
            "DQ-HIDDEN-DATA",
            name,
            cells[0],
            f"{' and '.join(parts)} of {name} {'are' if len(data_rows) + len(hidden_cols) > 1 else 'is'} "
            "hidden (or filtered out); their values are included, as in the sheet's own totals",
            "hidden cells with data",
            "visible data (unhide them to review what is counted)",
        )

    def check_merged(self, name: str, merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
        for (r0, c0), (r1, c1) in merged:
            if r1 >= 1:
                ref = f"{_ref(r0, c0)}:{_ref(r1, c1)}"
                self.error(
                    "DQ-MERGED-CELLS",
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
        where: dict[str, int] = {}
        known = {_norm(f.header) for f in sheet.fields}
        ok = True
        for r, row in enumerate(rows):
            label = _norm(row[0]) if row and not is_blank(row[0]) else ""
            if label in where and label in known:
                self.error(
                    "DQ-DUPLICATE-ROW",
                    sheet.name,
                    _ref(r, 0),
                    f"row '{_text(row[0])}' appears twice (also row {where[label] + 1}); which value counts is unclear",
                    _text(row[0]),
                    "each field once",
                )
                ok = False
            elif label:
                where[label] = r
        values: dict[str, Any] = {}
        for f in sheet.fields:
            found = where.get(_norm(f.header))
            if found is None and self.added_since(f.since):
                values[f.key] = _default(f)
                continue
            if found is None:
                self.error(
                    "DQ-FIELD-MISSING", sheet.name, "A:A", f"row '{f.header}' is missing", "", "the template's rows"
                )
                ok = False
                continue
            r = found
            self.field_rows[f.key] = r
            raw = rows[r][1] if len(rows[r]) > 1 else ""
            value, good = self.parse(sheet.name, r, 1, f, raw)
            ok = ok and good
            values[f.key] = value if value is not None else _default(f)
        if not ok:
            return None
        info = ProjectInfo(**values)
        finish_ref = _ref(where[_norm(_field(sheet.fields, "baseline_finish").header)], 1)
        if info.baseline_finish < info.baseline_start:
            self.error(
                "DQ-BASELINE-ORDER",
                sheet.name,
                finish_ref,
                "baseline finish is before baseline start",
                info.baseline_finish.isoformat(),
                f"a month from {info.baseline_start:%Y-%m}",
            )
        elif _years_after(info.baseline_start, LONG_BASELINE_YEARS) < info.baseline_finish:
            self.warn(
                "DQ-BASELINE-LONG",
                sheet.name,
                finish_ref,
                f"the baseline runs more than {LONG_BASELINE_YEARS} years ({info.baseline_start:%Y-%m} to "
                f"{info.baseline_finish:%Y-%m}); a typo in the baseline start or finish?",
                f"{info.baseline_start:%Y-%m} to {info.baseline_finish:%Y-%m}",
                f"a baseline of at most {LONG_BASELINE_YEARS} years",
            )
        return info

    def parse(self, sheet: str, r: int, c: int, f: Field, raw: Any) -> tuple[Any, bool]:
        """Parse one cell; record an issue and return ``(None, False)`` when it is wrong.

        A value read from a form that deserves a warning (a number stored as text...) is
        returned with a warning that states the reading.
        """
        ref = _ref(r, c)
        scan = self.scan(sheet)
        if ref in scan.error_cells:
            self.error(
                "DQ-CELL-ERROR-VALUE",
                sheet,
                ref,
                f"'{f.header}' holds the error value {scan.error_cells[ref]} (a formula that failed); "
                "correct the formula or type the value",
                scan.error_cells[ref],
                f.describe(),
            )
            return None, False
        if ref in scan.uncached_formulas:
            self.error(
                "DQ-CELL-UNCALCULATED",
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
                self.error("DQ-CELL-REQUIRED", sheet, ref, f"'{f.header}' is required", "an empty cell", f.describe())
                return None, False
            return None, True
        try:
            reading = parse_cell(f, raw)
        except CellProblem as p:
            self.error("DQ-CELL-INVALID", sheet, ref, f"'{f.header}': {p.message}", p.found, p.expected)
            return None, False
        if reading.note:
            self.warn("DQ-CELL-READING", sheet, ref, f"'{f.header}': {reading.note}", found_text(raw), f.describe())
        return reading.value, True

    def far_date(self, sheet: str, ref: str, f: Field, value: Any) -> None:
        """Warn when a date or year lies far outside the project's span."""
        if self.span is None or value is None:
            return
        start, end = self.span
        if f.kind is Kind.YEAR:
            lo, hi = start.year - FAR_OUTSIDE_YEARS, end.year + BENEFIT_HORIZON_YEARS
            if not lo <= value <= hi:
                self.warn(
                    "DQ-DATE-FAR",
                    sheet,
                    ref,
                    f"'{f.header}' {value} is far outside the project ({start.year}-{end.year}); a typo?",
                    str(value),
                    f"a year from {lo} to {hi}",
                )
            return
        first, last = _years_after(start, -FAR_OUTSIDE_YEARS), _years_after(end, FAR_OUTSIDE_YEARS)
        month = value.replace(day=1)
        if not first <= month <= last:
            side = f"before the baseline start {start:%Y-%m}" if month < first else f"after {end:%Y-%m}"
            self.warn(
                "DQ-DATE-FAR",
                sheet,
                ref,
                f"'{f.header}' {value.isoformat()} is more than {FAR_OUTSIDE_YEARS} years {side}; a typo?",
                value.isoformat(),
                f"a date from {first:%Y-%m} to {last:%Y-%m}",
            )

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
        flagged = self.flagged_in(grid.name, header, {*label_cols.values(), *month_cols})
        for r in range(header + 1, len(rows)):
            self.grid_row(grid, rows[r], r, label_cols, month_cols, out, flagged)
        self.hidden_warning(grid.name, rows, header, sorted({*label_cols.values(), *month_cols}))
        self.unheaded_columns(grid, rows, header, label_cols, month_cols)
        return out

    def unheaded_columns(
        self,
        grid: GridSheet,
        rows: list[list[Any]],
        header: int,
        label_cols: dict[str, int],
        month_cols: dict[int, dt.date],
    ) -> None:
        """Values in a column inside the grid whose header is blank (or 'Total') would be
        dropped without a word: an error naming the header cell."""
        if not month_cols:
            return
        total = _norm(grid.total_label)
        first_label = grid.row_fields[0].key
        for c in range(min(label_cols.values()), max(month_cols)):
            head = rows[header][c] if c < len(rows[header]) else ""
            if c in month_cols or c in label_cols.values() or not (is_blank(head) or _norm(head) == total):
                continue
            if _ref(header, c) in self.scan(grid.name).error_cells:
                continue
            filled = [
                _ref(r, c)
                for r in range(header + 1, len(rows))
                if c < len(rows[r]) and not is_blank(rows[r][c]) and _norm(rows[r][label_cols[first_label]]) != total
            ]
            if filled:
                self.error(
                    "DQ-MONTH-HEADER-MISSING",
                    grid.name,
                    _ref(header, c),
                    f"column {get_column_letter(c + 1)} has values ({', '.join(filled[:_LISTED])}"
                    f"{' ...' if len(filled) > _LISTED else ''}) but no month header; type its month "
                    f"in {_ref(header, c)} (or delete the values)",
                    found_text(head) if not is_blank(head) else "an empty header",
                    "a month such as 2026-04-01",
                )

    def grid_columns(
        self, grid: GridSheet, header: list[Any], r: int
    ) -> tuple[dict[str, int] | None, dict[int, dt.date]]:
        labels = {_norm(f.header): f.key for f in grid.row_fields}
        label_cols: dict[str, int] = {}
        month_cols: dict[int, dt.date] = {}
        off_start: list[tuple[int, dt.date]] = []
        scan = self.scan(grid.name)
        header = header + [""] * (scan.max_col - len(header))
        uncalculated = [c for c in range(len(header)) if _ref(r, c) in scan.uncached_formulas]
        for c, raw in enumerate(header):
            name = _norm(raw)
            if name in labels:
                if labels[name] in label_cols:
                    self.error(
                        "DQ-DUPLICATE-COLUMN",
                        grid.name,
                        _ref(r, c),
                        f"column '{_text(raw)}' appears twice (also {_ref(r, label_cols[labels[name]])})",
                        _text(raw),
                        "each column once",
                    )
                label_cols[labels[name]] = c
            elif _ref(r, c) in scan.error_cells:
                self.error(
                    "DQ-CELL-ERROR-VALUE",
                    grid.name,
                    _ref(r, c),
                    f"month header holds the error value {scan.error_cells[_ref(r, c)]}",
                    scan.error_cells[_ref(r, c)],
                    "a month such as 2026-04-01",
                )
            elif not (c in uncalculated or is_blank(raw) or name == _norm(grid.total_label)):
                self.add_month(grid, r, c, raw, month_cols, off_start)
        self.off_start_warning(grid, r, off_start)
        if uncalculated:
            self.error(
                "DQ-CELL-UNCALCULATED",
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
                "DQ-COLUMN-MISSING",
                grid.name,
                f"A{r + 1}:{_ref(r, len(header) - 1)}",
                f"column '{f.header}' is missing",
                ", ".join(repr(_text(h)) for h in header if not is_blank(h))[:120] or "no headers",
                f"a '{f.header}' column",
            )
        if not month_cols and not missing and not uncalculated:
            self.error(
                "DQ-MONTHS-MISSING",
                grid.name,
                f"{_ref(r, 0)}",
                "no month columns found in the header row",
                "",
                "one column per month headed by its date",
            )
        return (None if missing else label_cols), month_cols

    def add_month(
        self,
        grid: GridSheet,
        r: int,
        c: int,
        raw: Any,
        month_cols: dict[int, dt.date],
        off_start: list[tuple[int, dt.date]],
    ) -> None:
        """Record header cell ``c`` as a month column (or its problem)."""
        day = self.month_header(grid, r, c, raw)
        if day is None:
            return
        month = day.replace(day=1)
        twin = next((col for col, m in month_cols.items() if m == month), None)
        if twin is not None:
            self.error(
                "DQ-DUPLICATE-MONTH",
                grid.name,
                _ref(r, c),
                f"month {month:%b %Y} appears twice (also in {_ref(r, twin)})",
                month.strftime("%Y-%m"),
                "each month once",
            )
            return
        month_cols[c] = month
        if day.day != 1:
            off_start.append((c, day))

    def month_header(self, grid: GridSheet, r: int, c: int, raw: Any) -> dt.date | None:
        """The date a month header gives (errors and readings are recorded), or ``None``."""
        ref = _ref(r, c)
        try:
            reading = parse_month_header(raw)
        except CellProblem as p:
            self.error("DQ-MONTH-HEADER-INVALID", grid.name, ref, p.message, p.found, p.expected)
            return None
        day: dt.date = reading.value
        month = day.replace(day=1)
        if self.span is not None:
            start, end = self.span
            lo, hi = _years_after(start, -FAR_OUTSIDE_YEARS), _years_after(end, FAR_OUTSIDE_YEARS)
            if not lo <= month <= hi:
                side = f"before the baseline start {start:%Y-%m}" if month < lo else f"after {end:%Y-%m}"
                self.error(
                    "DQ-MONTH-HEADER-FAR",
                    grid.name,
                    ref,
                    f"month header {show_month(month)} is more than {FAR_OUTSIDE_YEARS} years {side}; "
                    "a typo? type the month (or delete the column)",
                    found_text(raw),
                    f"a month from {lo:%Y-%m} to {hi:%Y-%m}",
                )
                return None
        if reading.note:
            self.warn(
                "DQ-MONTH-HEADER-READING",
                grid.name,
                ref,
                f"month header: {reading.note}; read as {show_month(month)}",
                found_text(raw),
                "a date cell such as 2026-04-01",
            )
        return day

    def off_start_warning(self, grid: GridSheet, r: int, off_start: list[tuple[int, dt.date]]) -> None:
        """One warning for the month headers that are dates other than the 1st of a month."""
        if not off_start:
            return
        listed = ", ".join(f"{_ref(r, c)} {d.isoformat()} = {show_month(d)}" for c, d in off_start[:_LISTED])
        more = f" and {len(off_start) - _LISTED} more" if len(off_start) > _LISTED else ""
        self.warn(
            "DQ-MONTH-HEADER-DAY",
            grid.name,
            _ref(r, off_start[0][0]),
            f"{len(off_start)} month header(s) are not the 1st of a month; each is read as the month "
            f"it falls in: {listed}{more}",
            f"{off_start[0][1].isoformat()}" + (" ..." if len(off_start) > 1 else ""),
            "the 1st of each month, e.g. 2026-04-01",
        )

    def flagged_in(self, sheet: str, header: int, cols: set[int]) -> set[tuple[int, int]]:
        """Cells below the header in ``cols`` that a value reader shows as blank but are not:
        formulas with no cached value and cells holding an error value."""
        found: set[tuple[int, int]] = set()
        scan = self.scan(sheet)
        for ref in (*scan.uncached_formulas, *scan.error_cells):
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
        flagged: set[tuple[int, int]],
    ) -> None:
        raw_labels = [row[label_cols[f.key]] for f in grid.row_fields]
        if not is_blank(raw_labels[0]) and _norm(raw_labels[0]) == _norm(grid.total_label):
            return
        cells = [(c, v) for c in month_cols if (v := row[c]) != "" and (type(v) is not str or v.strip())]
        if flagged:
            cells += [(c, row[c]) for c in month_cols if (r, c) in flagged and not any(c == x for x, _ in cells)]
        labels_flagged = any((r, label_cols[f.key]) in flagged for f in grid.row_fields)
        if not cells and not labels_flagged and all(is_blank(v) for v in raw_labels):
            return
        key: list[str] = []
        ok = True
        for f, raw in zip(grid.row_fields, raw_labels, strict=True):
            value, good = self.parse(grid.name, r, label_cols[f.key], f, raw)
            ok = ok and good
            key.append(_key(value) if isinstance(value, str) else "")
        k = tuple(key)
        shown = tuple(_text(v) for v in raw_labels)
        if ok and k in out.rows:
            label = " / ".join(k)
            spaces = " (the labels differ only in spaces)" if shown != out.labels[k] else ""
            self.error(
                "DQ-DUPLICATE-ROW",
                grid.name,
                _ref(r, 0),
                f"row '{label}' appears twice (also row {out.rows[k] + 1}){spaces}",
                " / ".join(shown),
                "one row per " + " x ".join(f.header for f in grid.row_fields),
            )
            return
        values = self.grid_values(grid, r, cells, month_cols, flagged)
        if ok:
            out.rows[k] = r
            out.keys.append(k)
            out.data[k] = values
            out.labels[k] = shown

    def grid_values(
        self,
        grid: GridSheet,
        r: int,
        cells: list[tuple[int, Any]],
        month_cols: dict[int, dt.date],
        flagged: set[tuple[int, int]],
    ) -> dict[dt.date, float]:
        """The valid non-blank values of one grid row by month (problems are recorded)."""
        values: dict[dt.date, float] = {}
        money = grid.value_kind in (Kind.MONEY, Kind.SIGNED_MONEY)
        top = MAX_AMOUNT if money else 1.0
        value_field = Field(C.VALUE, grid.value_label, grid.value_kind)
        for c, raw in cells:
            if type(raw) is float and 0.0 <= raw <= top and (r, c) not in flagged:
                values[month_cols[c]] = raw
                continue
            if is_blank(raw) and (r, c) not in flagged:
                continue
            value, good = self.parse(grid.name, r, c, value_field, raw)
            if good and value is not None:
                values[month_cols[c]] = value
                if value < 0:
                    self.warn(
                        "DQ-AC-CREDIT-NOTE",
                        grid.name,
                        _ref(r, c),
                        f"negative {grid.value_label} (a credit note?); it reduces the cost to date",
                        found_text(raw),
                        "an amount >= 0, or a credit note",
                    )
        return values

    # -- Tables -------------------------------------------------------------------------------

    def table(self, table: TableSheet) -> pd.DataFrame:
        empty = _frame([], table.fields)
        found = self.sheet_with_header(table.name, table.fields[0].header)
        if found is None:
            return empty
        rows, header = found
        cols: dict[str, int] = {}
        known = {_norm(f.header) for f in table.fields}
        for c, v in enumerate(rows[header]):
            name = _norm(v)
            if name in cols and name in known:
                self.error(
                    "DQ-DUPLICATE-COLUMN",
                    table.name,
                    _ref(header, c),
                    f"column '{_text(v)}' appears twice (also {_ref(header, cols[name])})",
                    _text(v),
                    "each column once",
                )
            elif name:
                cols[name] = c
        where: dict[str, int] = {}
        for f in table.fields:
            if _norm(f.header) in cols:
                where[f.key] = cols[_norm(f.header)]
            elif f.required:
                self.error(
                    "DQ-COLUMN-MISSING",
                    table.name,
                    f"A{header + 1}:{_ref(header, len(rows[header]) - 1)}",
                    f"column '{f.header}' is missing",
                    ", ".join(repr(_text(h)) for h in rows[header] if not is_blank(h))[:120],
                    f"a '{f.header}' column",
                )
        if any(f.required and f.key not in where for f in table.fields):
            return empty
        for f in table.fields:
            if f.key not in where:
                self.warn(
                    "DQ-COLUMN-OPTIONAL-MISSING",
                    table.name,
                    f"A{header + 1}:{_ref(header, max(len(rows[header]) - 1, 0))}",
                    f"column '{f.header}' is missing; its values are read as empty",
                    ", ".join(repr(_text(h)) for h in rows[header] if not is_blank(h))[:120],
                    f"a '{f.header}' column",
                )
        self.table_where[table.name] = dict(where)
        records = self.table_rows(table, rows, header, where)
        self.hidden_warning(table.name, rows, header, sorted(where.values()))
        self.next_rows[table.name] = _next_free_row(rows, header, list(where.values()))
        return _frame(records, table.fields)

    def table_rows(
        self, table: TableSheet, rows: list[list[Any]], header: int, where: dict[str, int]
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        seen: dict[tuple[Any, ...], int] = {}
        flagged = self.flagged_in(table.name, header, set(where.values()))
        for r in range(header + 1, len(rows)):
            row = rows[r]
            if all(is_blank(row[c]) and (r, c) not in flagged for c in where.values()):
                continue
            record: dict[str, Any] = {}
            ok = True
            for f in table.fields:
                c = where.get(f.key)
                value, good = self.parse(table.name, r, c, f, row[c]) if c is not None else (None, True)
                if good and c is not None and f.kind in (Kind.DATE, Kind.YEAR):
                    self.far_date(table.name, _ref(r, c), f, value)
                if f.key in table.key and isinstance(value, str):
                    value = _key(value)
                ok = ok and good
                record[f.key] = value
            key = tuple(record[k] for k in table.key)
            if ok and key in seen:
                self.error(
                    "DQ-DUPLICATE-KEY",
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
                self.record_cells.setdefault(table.name, []).append(_ref(r, where[table.key[0]]))
                self.record_rows.setdefault(table.name, []).append(r + 1)
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
                "DQ-STATUS-OUTSIDE",
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
                "DQ-BUDGET-EMPTY",
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
                        "DQ-ROW-UNMATCHED",
                        sheet.name,
                        f"A{grid.rows[k] + 1}",
                        f"row '{' / '.join(k)}' has no matching {s.budget.name} row",
                        " / ".join(k),
                        f"a row listed on the {s.budget.name} sheet",
                    )
        cells = self.record_cells.get(s.forecast.name, [])
        for i, w in enumerate(forecast[C.WBS] if not forecast.empty else []):
            if w not in wbs:
                self.error(
                    "DQ-ROW-UNMATCHED",
                    s.forecast.name,
                    cells[i] if i < len(cells) else "",
                    f"WBS element '{w}' has no {s.budget.name} row",
                    repr(w),
                    f"a WBS element on the {s.budget.name} sheet",
                )

    def credit_check(self, info: ProjectInfo, actuals: _Grid) -> None:
        """A row's cumulative actual cost may dip (credit notes) but never below zero."""
        if self.schema.actuals.value_kind is not Kind.SIGNED_MONEY:
            return
        for k in actuals.keys:
            total = 0.0
            for month in actuals.months:
                if month > info.status_date:
                    break
                total += actuals.data[k].get(month, 0.0)
                if total < -_MONEY_TOLERANCE:
                    self.error(
                        "DQ-AC-NEGATIVE-TOTAL",
                        self.schema.actuals.name,
                        actuals.cell(k, month),
                        f"the cumulative {self.schema.actuals.value_label} of '{' / '.join(k)}' falls below "
                        f"zero in {show_month(month)}: a credit note can only reduce costs booked before it "
                        "on the same row; book it on the row (WBS element x category) and after the month "
                        "of the cost it reverses, or check the sign",
                        f"cumulative {total:,.0f}",
                        "a cumulative actual cost >= 0",
                    )
                    break

    def field_row(self, key: str) -> int:
        """1-based Excel row of a Project field."""
        return self.field_rows.get(key, 0) + 1

    def status_warnings(self, info: ProjectInfo, actuals: _Grid, progress: _Grid) -> None:
        """A status date after the current month; a status month with nothing entered."""
        status = info.status_date
        cell = f"B{self.field_row('status_date')}"
        p = self.schema.project.name
        if status > self.today:
            self.warn(
                "DQ-STATUS-FUTURE",
                p,
                cell,
                f"the status date {show_month(status)} is after the current month ({show_month(self.today)}): "
                "filled early? a month that has not ended has incomplete actuals and progress",
                show_month(status),
                f"{show_month(self.today)} or earlier",
            )
        spent = [v for _, m, v in actuals.items() if m == status]
        reported = any(m == status for _, m, _ in progress.items())
        filled = _fill_progress(progress, status)
        finished = bool(filled.keys) and all(filled.data[k][status] >= 1.0 for k in filled.keys)
        if not spent and not reported and not finished:
            self.warn(
                "DQ-STATUS-MONTH-EMPTY",
                p,
                cell,
                f"no actual cost and no progress entered for the status month {show_month(status)}: "
                "is this month's update missing?",
                f"empty {self.schema.actuals.name} and {self.schema.progress.name} columns for {show_month(status)}",
                "the status month's actual cost and progress",
            )
        elif reported and not any(spent) and not finished:
            column = actuals.cols.get(status)
            self.warn(
                "DQ-STATUS-NO-AC",
                self.schema.actuals.name,
                f"{get_column_letter(column + 1)}:{get_column_letter(column + 1)}" if column is not None else "",
                f"progress is reported for {show_month(status)} but no actual cost: work was done at no cost, "
                "or this month's actuals are missing?",
                f"no actual cost in {show_month(status)}",
                "the status month's actual cost",
            )

    def warnings(
        self, info: ProjectInfo, budget: _Grid, actuals: _Grid, progress: _Grid, changes: pd.DataFrame
    ) -> None:
        self.status_warnings(info, actuals, progress)
        status = info.status_date
        for k, month, value in sorted(actuals.items(), key=lambda kmv: kmv[1]):
            if month > status and value:
                self.warn(
                    "DQ-AC-AFTER-STATUS",
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
                    "DQ-PROGRESS-ROW-MISSING",
                    self.schema.budget.name,
                    f"A{budget.rows[k] + 1}",
                    f"WBS element '{k[0]}' has budget but no progress row; its earned value is 0",
                    "no progress row",
                    f"a row on the {self.schema.progress.name} sheet",
                )
        self.budget_warnings(info, budget, progress, changes)

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
                        "DQ-PROGRESS-AFTER-STATUS",
                        self.schema.progress.name,
                        cell,
                        f"progress entered for {month:%b %Y}, after the status date; it is ignored",
                        f"{value:.0%}",
                        "empty after the status date",
                    )
                elif value < previous - 1e-9:
                    self.warn(
                        "DQ-PROGRESS-BACKWARDS",
                        self.schema.progress.name,
                        cell,
                        f"'{k[0]}' progress goes backwards in {month:%b %Y}",
                        f"{value:.0%}",
                        f"at least {previous:.0%}, as in the previous month",
                    )
                previous = max(previous, value)

    def budget_warnings(self, info: ProjectInfo, budget: _Grid, progress: _Grid, changes: pd.DataFrame) -> None:
        """The Budget total reconciles with the approved budget, with or without the approved
        changes (either reading of 'approved budget' is accepted); EV stays within it."""
        if info.approved_budget is None:
            return
        total = sum(v for _, _, v in budget.items())
        approved = _approved_changes(changes)
        cell = f"B{self.field_row('approved_budget')}"
        targets = [info.approved_budget] + ([info.approved_budget + approved] if approved else [])
        if all(abs(total - t) > _MONEY_TOLERANCE for t in targets):
            with_changes = f" or {targets[1]:,.0f} with the approved changes ({approved:+,.0f})" if approved else ""
            self.warn(
                "DQ-BAC-RECONCILE",
                self.schema.project.name,
                cell,
                "the Budget sheet total does not reconcile with the approved budget"
                + (" plus the approved changes" if approved else ""),
                f"Budget total {total:,.0f}",
                f"{info.approved_budget:,.0f}{with_changes}",
            )
        bac = _bac_by_wbs(budget)
        pct = _fill_progress(progress, info.status_date)
        ev = sum(bac.get(k[0], 0.0) * v for k, m, v in pct.items() if m == info.status_date)
        ceiling = max(targets)
        if ev > ceiling + _MONEY_TOLERANCE:
            self.warn(
                "DQ-EV-ABOVE-APPROVED",
                self.schema.project.name,
                cell,
                "earned value is above the approved budget (BAC)",
                f"EV {ev:,.0f}",
                f"at most {ceiling:,.0f}",
            )

    def variance_checks(self, info: ProjectInfo, budget: _Grid, variances: pd.DataFrame) -> None:
        """Each explanation names an existing element; an open corrective action is not overdue."""
        sheet = self.schema.variances
        if variances.empty:
            return
        known = {_key(k[0]).casefold() for k in budget.keys} | {k[1].casefold() for k in budget.keys}
        known |= {PROJECT_ELEMENT.casefold(), info.project_id.casefold()}
        rows = self.record_rows.get(sheet.name, [])
        where = self.table_where.get(sheet.name, {})
        month_end = (pd.Timestamp(info.status_date) + pd.offsets.MonthEnd(0)).date()
        closed = VARIANCE_STATUSES[-1]
        for i, record in enumerate(variances.to_dict("records")):
            r = rows[i] - 1 if i < len(rows) else -1

            def ref(key: str, r: int = r) -> str:
                return _ref(r, where[key]) if r >= 0 and key in where else ""

            element = str(record[C.ELEMENT])
            if element.casefold() not in known:
                self.warn(
                    "DQ-VAR-UNKNOWN-ELEMENT",
                    sheet.name,
                    ref(C.ELEMENT),
                    f"'{sheet.header(C.ELEMENT)}' {element!r} is not a WBS element or cost category of the "
                    f"{self.schema.budget.name} sheet, nor '{PROJECT_ELEMENT}': this explanation matches no variance",
                    repr(element),
                    f"a WBS element or cost category as on the {self.schema.budget.name} sheet, or '{PROJECT_ELEMENT}'",
                )
            due = record[C.DUE_DATE]
            if pd.notna(due) and pd.Timestamp(due).date() < month_end and record[C.STATUS] != closed:
                self.warn(
                    "DQ-VAR-ACTION-OVERDUE",
                    sheet.name,
                    ref(C.DUE_DATE),
                    f"the corrective action for {element!r} was due on {pd.Timestamp(due).date().isoformat()}, "
                    f"before the end of the status month, and is not '{closed}'",
                    f"{pd.Timestamp(due).date().isoformat()}, status {record[C.STATUS] or '(blank)'}",
                    f"'{closed}', or a new due date",
                )


# -- helpers ----------------------------------------------------------------------------------


def _next_free_row(rows: list[list[Any]], header: int, cols: list[int]) -> int:
    """1-based row after the last row of a table with a value in one of ``cols``."""
    last = header
    for r in range(header + 1, len(rows)):
        if any(c < len(rows[r]) and not is_blank(rows[r][c]) for c in cols):
            last = r
    return last + 2


def _ref(r: int, c: int) -> str:
    """A1 reference of 0-based row ``r`` and column ``c``."""
    return f"{get_column_letter(c + 1)}{r + 1}"


def _norm(raw: Any) -> str:
    return " ".join(str(raw).replace("*", " ").split()).lower() if not is_blank(raw) else ""


def _key(text: str) -> str:
    """A row key (WBS element, milestone...) with surrounding spaces removed and inner runs collapsed."""
    return " ".join(text.split())


def _sheet_key(name: str) -> str:
    """How sheet names are matched when not exactly equal: spaces and capitals ignored."""
    return " ".join(name.split()).casefold()


def _years_after(month: dt.date, years: int) -> dt.date:
    """``month`` (a first of month) moved by whole ``years`` (negative: earlier)."""
    return month.replace(year=min(max(month.year + years, dt.MINYEAR), dt.MAXYEAR))


def _blocks(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted numbers as inclusive runs: [3, 4, 5, 9] -> [(3, 5), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _listed(blocks: list[tuple[int, int]], name: Callable[[int], str]) -> str:
    """``12-14, 20`` (or ``D-E``) for runs, at most a few of them."""
    shown = [name(a) if a == b else f"{name(a)}-{name(b)}" for a, b in blocks[:_LISTED]]
    return ", ".join(shown) + (f" and {len(blocks) - _LISTED} more" if len(blocks) > _LISTED else "")


class _CalamineFailure(Exception):
    """Any failure inside the spreadsheet parser, as one exception with a short message."""


def _calamine(call: Callable[[], T]) -> T:
    """Run a python-calamine call; its errors (and Rust panics, which are not ``Exception``)
    become :class:`_CalamineFailure`."""
    try:
        return call()
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # a Rust panic surfaces as a BaseException subclass
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        text = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise _CalamineFailure(text) from None


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


def _approved_changes(changes: pd.DataFrame) -> float:
    """Sum of the cost impact of approved changes (money; a saving is negative)."""
    if changes.empty:
        return 0.0
    approved = changes[C.STATUS] == CHANGE_STATUSES[1]
    return float(pd.to_numeric(changes.loc[approved, C.COST_IMPACT], errors="coerce").fillna(0.0).sum())


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
