"""Fuzz the workbook reader with mutated copies of the real demo workbooks.

Each case takes one committed demo workbook (``examples/*.xlsx``), applies one
random mutation the way a spreadsheet program saves it (in the sheet XML or the
zip), checks the result in a worker process under a timeout, and asserts the
reader's contract:

- never a traceback (only ``UnreadableWorkbookError`` for a file that is not a
  usable workbook) and never a hang (each case is bounded by ``CASE_TIMEOUT``);
- a cell changed **outside the data area** (titles, help text, notes beside a
  grid or table, the Instructions sheet): the same issues, project info and
  frames as the clean source; a stray cell far away may instead be an error
  naming exactly that cell;
- a **value cell** changed: read as exactly the value typed (an oracle written
  here, from the documented rules, says what that is), or an error or warning
  naming that cell (for a table record or a grid row, its row); every other
  value unchanged. On the Project sheet, cross-field errors may name the related
  field instead, but every error names a cell;
- a **month header** changed: the column read under the month typed, or an
  issue naming the header cell;
- a **row label** changed, a row **cleared** or **duplicated**: the frames with
  that key renamed or gone, or errors that name a cell (a duplicate: its row);
- the **zip** truncated, its members shuffled, a byte corrupted, a member
  removed or cut short: unusable with a one-line message, or errors naming a
  sheet, or the same frames as the clean source.

Every eighth case also goes through ``pmoreports template check`` (text and
``--json``): the exit status agrees (0 usable, 1 errors, 2 unusable) and no
traceback is printed.

The default run is ``DEFAULT_CASES`` cases with a fixed seed (about 30 s). A longer
run, e.g. before a release or after touching the reader::

    PMOREPORTS_FUZZ_CASES=3000 PMOREPORTS_FUZZ_SEED=7 .venv/bin/python -m pytest tests/test_fuzz.py

A failure lists the seed, case number and mutation of every failing case, and
keeps each failing workbook under pytest's temporary folder.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import multiprocessing
import os
import random
import re
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import python_calamine
from conftest import REPO, TODAY
from xlsx_helpers import cell_style, cell_xml, english_date, set_cell

from pmoreports.workbook.schema import SCHEMA, Field, Kind

DEFAULT_CASES = 200
CASE_TIMEOUT = 60.0
SEED = int(os.environ.get("PMOREPORTS_FUZZ_SEED", "20261129"))
CASES = int(os.environ.get("PMOREPORTS_FUZZ_CASES", str(DEFAULT_CASES)))
EPOCH = dt.date(1899, 12, 30)
FIRST_SERIAL, LAST_SERIAL = 32874, 109574  # 1990-01-01 .. 2200-12-31
GRID = {g.name: g for g in SCHEMA.grids}
TABLE = {t.name: t for t in SCHEMA.tables}


# -- what the worker reports ---------------------------------------------------------------------


@dataclass
class Outcome:
    """What checking one workbook gave, in plain picklable values."""

    status: str  # ok | unusable | crash | hang
    message: str = ""
    issues: list[tuple[str, str, str, str]] = field(default_factory=list)  # severity, sheet, cell, message
    info: dict[str, Any] | None = None
    frames: dict[str, Any] | None = None
    cli: str = ""  # a problem seen through the CLI, if any

    @property
    def errors(self) -> list[tuple[str, str, str, str]]:
        return [i for i in self.issues if i[0] == "critical"]


def _plain(value: Any) -> Any:
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _grid_dict(frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[tuple[Any, ...], float]:
    cols = [*keys, "month", "value"]
    return {(*row[:-2], row[-2].date().isoformat()): row[-1] for row in frame[cols].itertuples(index=False)}


def check_in_worker(path: str, today: dt.date, through_cli: bool) -> Outcome:
    """Check one workbook (runs in the worker process); never raises."""
    from pmoreports.errors import UnreadableWorkbookError
    from pmoreports.workbook.reader import check_workbook

    try:
        result = check_workbook(path, today=today)
    except UnreadableWorkbookError as exc:
        outcome = Outcome("unusable", str(exc))
    except BaseException:
        return Outcome("crash", traceback.format_exc())
    else:
        issues = [(i.severity, i.sheet, i.cell, i.message) for i in result.issues]
        outcome = Outcome("ok", issues=issues)
        if result.data is not None:
            d = result.data
            outcome.info = {k: _plain(v) for k, v in vars(d.info).items()}
            outcome.frames = {
                "budget": _grid_dict(d.budget, ("wbs", "category")),
                "actuals": _grid_dict(d.actuals, ("wbs", "category")),
                "progress": _grid_dict(d.progress, ("wbs",)),
                **{
                    t.name: [
                        tuple(_plain(v) for v in rec) for rec in getattr(d, t.name.lower()).itertuples(index=False)
                    ]
                    for t in SCHEMA.tables
                },
            }
    if through_cli:
        outcome.cli = _cli_problem(path, outcome)
    return outcome


def _cli_problem(path: str, outcome: Outcome) -> str:
    """Run ``template check`` (text and --json) and say what disagrees with the library, if anything."""
    import json

    from click.testing import CliRunner

    from pmoreports.cli import main

    expected = 2 if outcome.status == "unusable" else 1 if outcome.errors else 0
    for args in (["template", "check", path], ["template", "check", "--json", path]):
        result = CliRunner().invoke(main, args)
        if "Traceback" in result.output or not isinstance(result.exception, SystemExit | None):
            return f"{args}: traceback or exception {result.exception!r}\n{result.output[-2000:]}"
        if result.exit_code != expected:
            return f"{args}: exit {result.exit_code}, expected {expected}\n{result.output[-2000:]}"
        if "--json" in args:
            json.loads(result.output)
        elif outcome.status == "unusable" and len(result.output.strip().splitlines()) != 2:
            return f"{args}: unusable file is not one line:\n{result.output}"
    return ""


class Worker:
    """One checking process; restarted when a case hangs."""

    def __init__(self) -> None:
        self.ctx = multiprocessing.get_context("spawn")
        self.pool = self.ctx.Pool(1)

    def check(self, path: Path, through_cli: bool = False) -> Outcome:
        job = self.pool.apply_async(check_in_worker, (str(path), TODAY, through_cli))
        try:
            return job.get(CASE_TIMEOUT)
        except multiprocessing.TimeoutError:
            self.pool.terminate()
            self.pool = self.ctx.Pool(1)
            return Outcome("hang", f"no answer within {CASE_TIMEOUT:.0f} s")

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


# -- the clean sources and their layout ----------------------------------------------------------


@dataclass
class Sheet:
    """Where a sheet's data area is, from the clean file (0-based rows and columns)."""

    name: str
    member: str
    rows: list[list[Any]]
    header: int = 1
    label_cols: list[int] = field(default_factory=list)  # grids: row labels; tables: field columns
    month_cols: list[int] = field(default_factory=list)
    data_rows: list[int] = field(default_factory=list)
    spare_rows: list[int] = field(default_factory=list)
    last_col: int = 0  # last column of the data area
    fields: dict[int, Field] = field(default_factory=dict)  # column (or Project row) -> field


@dataclass
class Source:
    name: str
    path: Path
    infos: list[zipfile.ZipInfo]
    members: dict[str, bytes]
    sheets: dict[str, Sheet]
    date_styles: list[int]
    clean: Outcome

    def zip(self, changed: dict[str, bytes | None], order: list[str] | None = None) -> bytes:
        """The workbook's bytes with some members replaced (``None``: removed), optionally reordered."""
        buf = io.BytesIO()
        names = order or [i.filename for i in self.infos]
        info_of = {i.filename: i for i in self.infos}
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name in names:
                data = changed.get(name, self.members[name])
                if data is not None:
                    z.writestr(info_of[name], data)
        return buf.getvalue()


def _date_styles(styles: bytes) -> list[int]:
    custom = {int(i): code for i, code in re.findall(rb'<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"', styles)}
    xfs = re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    found = []
    for index, fmt in enumerate(re.findall(rb'<xf [^>]*?numFmtId="([0-9]+)"', xfs[1] if xfs else b"")):
        n = int(fmt)
        code = custom.get(n, b"").lower().replace(b"[red]", b"")
        if 14 <= n <= 22 or (code and re.search(rb"[ymd]", code) and not re.search(rb"[#0]", code)):
            found.append(index)
    return found


def _layout(name: str, member: str, rows: list[list[Any]]) -> Sheet:
    sheet = Sheet(name, member, rows)
    width = max((len(r) for r in rows), default=0)
    header = rows[1] if len(rows) > 1 else []
    if name in GRID:
        grid = GRID[name]
        labels = {f.header: f for f in grid.row_fields}
        sheet.label_cols = [c for c, h in enumerate(header) if h in labels]
        sheet.fields = {c: labels[header[c]] for c in sheet.label_cols}
        sheet.month_cols = [c for c, h in enumerate(header) if isinstance(h, dt.date)]
        sheet.last_col = max(c for c, h in enumerate(header) if h not in ("", None))
        for r in range(2, len(rows)):
            label = rows[r][0]
            if label == grid.total_label:
                break
            (sheet.data_rows if label not in ("", None) else sheet.spare_rows).append(r)
    elif name in TABLE:
        table = TABLE[name]
        by_header = {f.header: f for f in table.fields}
        sheet.label_cols = [c for c, h in enumerate(header) if h in by_header]
        sheet.fields = {c: by_header[header[c]] for c in sheet.label_cols}
        sheet.last_col = max(sheet.label_cols)
        for r in range(2, len(rows)):
            filled = any(rows[r][c] not in ("", None) for c in sheet.label_cols)
            (sheet.data_rows if filled else sheet.spare_rows).append(r)
    elif name == SCHEMA.project.name:
        labels = {f.header: f for f in SCHEMA.project.fields}
        for r, row in enumerate(rows):
            label = str(row[0]).replace("*", "").strip() if row else ""
            if label in labels:
                sheet.fields[r] = labels[label]
                sheet.data_rows.append(r)
            elif label == SCHEMA.project.version_label:
                sheet.data_rows.append(r)
        sheet.last_col = 1
    else:
        sheet.last_col = width
    if (name in GRID or name in TABLE) and not sheet.spare_rows:
        sheet.spare_rows = [len(rows), len(rows) + 1]  # the (empty, styled) rows right after the data
    return sheet


def load_source(path: Path, worker: Worker) -> Source:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        members = {i.filename: z.read(i.filename) for i in infos}
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rels = {}
    for tag in re.findall(rb"<Relationship [^>]*>", members["xl/_rels/workbook.xml.rels"]):
        rid, target = re.search(rb'Id="([^"]+)"', tag), re.search(rb'Target="/?(?:xl/)?([^"]+)"', tag)
        if rid and target:
            rels[rid[1]] = target[1]
    sheets: dict[str, Sheet] = {}
    for sheet_name, rid in re.findall(
        rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="(rId[0-9]+)"', members["xl/workbook.xml"]
    ):
        name = sheet_name.decode()
        member = "xl/" + rels[rid].decode()
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheets[name] = _layout(name, member, rows)
    clean = worker.check(path)
    assert clean.status == "ok" and not clean.errors and clean.frames is not None, clean
    return Source(path.stem, path, infos, members, sheets, _date_styles(members["xl/styles.xml"]), clean)


# -- random values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateCell:
    """A date typed into a date-formatted cell (stored as its serial number)."""

    day: dt.date


def _number_text(rng: random.Random) -> str:
    whole = rng.choice([0, 7, 39, 120, 1200, 39000, 1234567, rng.randint(0, 10**9)])
    frac = rng.choice(["", "5", "50", "000", "125"])
    group, mark = rng.choice([(",", "."), (".", ","), (" ", ","), ("'", "."), ("", "."), ("", ",")])
    text = f"{whole:,}".replace(",", group) if group else str(whole)
    text += mark + frac if frac else ""
    return rng.choice(["{}", "-{}", "({})", "€{}", "{} EUR", "{}%", " {} "]).format(text)


def _date_text(rng: random.Random) -> str:
    day = dt.date(rng.randint(1985, 2210), rng.randint(1, 12), rng.choice([1, 1, 12, 28]))
    form = rng.choice(["%Y-%m", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%b %Y", "%B %Y", "%m/%Y", "%b-%y"])
    return english_date(day, form)


WORDS = [
    "twelve",
    "n/a",
    "TBD",
    "-",
    "?",
    "  ",
    "",
    "Ünïcödé ✓",
    "数据",
    "a\nb",
    "x" * 300,
    "=SUM(A1:A3)",
    "#N/A",
    "#DIV/0!",
    "#REF!",
    "Total",
    "open",
    "Labour",
    "approved",
    "R-99",
    "TRUE",
]


def random_value(rng: random.Random, near: dt.date) -> object:
    """One value a person (or a broken export) could leave in a cell."""
    kind = rng.randrange(14)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, 3, 5, 7, 45, 100, 2027, 2062, 202602, 46054, -1, -500, 10**16])
    if kind == 3:
        return round(rng.uniform(0, 1), rng.choice([1, 2, 4]))
    if kind == 4:
        return rng.choice([round(rng.uniform(-1e6, 1e6), 2), float(rng.randint(0, 10**7)), 4.2026, 12.2026, 1e-9, 0.5])
    if kind == 5:
        return rng.choice([math.inf, -math.inf, 1e300])
    if kind in (6, 7):
        return _number_text(rng)
    if kind == 8:
        return _date_text(rng)
    if kind == 9:
        return rng.choice(WORDS)
    if kind in (10, 11):  # a date near the project, on the 1st or not
        return DateCell(near + dt.timedelta(days=rng.randint(-400, 800)))
    if kind == 12:
        return DateCell(near.replace(day=1) + dt.timedelta(days=31 * rng.randint(-3, 14)))
    return DateCell(dt.date(rng.choice([1900, 1950, 1989, 2201, 2400]), rng.randint(1, 12), 1))


def value_for(f: Field, rng: random.Random, near: dt.date) -> object:
    """Any value 40 % of the time; else one at the edges of what field ``f`` accepts."""
    if rng.random() < 0.4:
        return random_value(rng, near)
    edges: dict[Kind, list[object]] = {
        Kind.MONEY: [-0.01, -1200.0, 0.0, 1e15, 1.5e15, 10**16, "1.234,50", "39.000", "€1,200", "12.5%"],
        Kind.SIGNED_MONEY: [-0.01, -1200.0, -5e6, -1.5e15, 1e15, "(1200)", "(1,200)", "-39.000", "1 234,50"],
        Kind.PERCENT: [-0.01, 0.0, 1.0, 1.0001, 45, 100, "45%", "45,5%", "0.45", "1.000"],
        Kind.RATE: [-0.01, 0.0, 0.99, 1.0, 8, "8%"],
        Kind.PROBABILITY: [0, 0.0001, 3, 5, 100, 100.5, -1, "30%", "3"],
        Kind.DAYS: [-3651, -3650, 0, 2.5, 3650, 3651, "14"],
        Kind.YEAR: [1989, 1990, 2200, 2201, 2027.5, "2027", "2.027"],
        Kind.DATE: [
            DateCell(near),
            DateCell(dt.date(1989, 12, 31)),
            DateCell(dt.date(2201, 1, 1)),
            "31/05/2026",
            "05/06/2026",
            46100.0,
            4.2026,
            20260319,
        ],
        Kind.MONTH: [DateCell(near), DateCell(near.replace(day=17)), "2026-04", "Apr 2026", "04/2026", 202604, 4.2026],
    }
    return rng.choice(edges.get(f.kind) or [" x ", "x  y", "", "  ", 12.0, True])


def write_value(
    source: Source, sheet: Sheet, xml: bytes, ref: str, value: object, rng: random.Random
) -> tuple[bytes, bool]:
    """Sheet XML with ``value`` in ``ref``, and whether the cell is date-formatted."""
    own = cell_style(xml, ref)
    if isinstance(value, DateCell):
        style = rng.choice(source.date_styles)
        return set_cell(xml, ref, cell_xml(ref, float((value.day - EPOCH).days), style)), True
    style = rng.choice([own, own, None])
    return set_cell(xml, ref, cell_xml(ref, value, style)), style in source.date_styles


# -- the oracle: what the documented rules say a value reads as ---------------------------------

ERROR = ("error",)
UNKNOWN = ("unknown",)  # read only with an issue naming the cell (a warning stating the reading, or an error)


def expect(f: Field, value: object, date_styled: bool) -> tuple[Any, ...]:
    """``("value", x)`` when the value must be read as exactly ``x`` (frame form), else ERROR or UNKNOWN."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ERROR if f.required else ("value", _default(f))
    if isinstance(value, str) and value.startswith(("=", "#")):
        return ERROR  # a formula with no cached value, or an error value
    if isinstance(value, DateCell) or (date_styled and isinstance(value, int | float) and not isinstance(value, bool)):
        serial = (value.day - EPOCH).days if isinstance(value, DateCell) else value
        assert isinstance(serial, int | float)
        if f.kind in (Kind.DATE, Kind.MONTH):
            if not math.isfinite(serial) or not FIRST_SERIAL <= math.floor(serial) <= LAST_SERIAL:
                return ERROR
            day = EPOCH + dt.timedelta(days=math.floor(serial))
            return ("value", (day.replace(day=1) if f.kind is Kind.MONTH else day).isoformat())
        if f.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.IDENT) and 1 <= serial < 2958466 and float(serial).is_integer():
            return ("value", _calamine_date(int(serial)).isoformat())  # the date as the cell shows it
        if f.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.IDENT):
            return UNKNOWN
        return UNKNOWN if serial >= 2958466 else ERROR
    numeric = {Kind.MONEY, Kind.SIGNED_MONEY, Kind.PERCENT, Kind.RATE, Kind.PROBABILITY, Kind.DAYS, Kind.YEAR}
    if isinstance(value, bool):
        return ("value", str(value)) if f.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.IDENT) else ERROR
    if isinstance(value, int | float):
        v = float(value)
        if f.kind in numeric:
            return ("value", _number_read(f.kind, v)) if _number_ok(f.kind, v) else ERROR
        text = str(int(v)) if math.isfinite(v) and v.is_integer() else str(v)
        if f.kind in (Kind.TEXT, Kind.LONG_TEXT):
            return ("value", text)  # the number as text, as the cell shows it
        if f.kind is Kind.IDENT:
            return ("value", text) if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text) else ERROR
        return UNKNOWN
    text = str(value)
    if f.kind in (Kind.TEXT, Kind.LONG_TEXT):
        return ("value", text.strip() if f.key not in _KEYS else " ".join(text.split()))
    if f.kind is Kind.CHOICE:
        wanted = " ".join(text.split()).lower().replace("realized", "realised")
        match = [c for c in f.choices if c.lower() == wanted]
        return ("value", match[0]) if match else ERROR
    if f.kind is Kind.IDENT:
        return ("value", text.strip()) if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text.strip()) else ERROR
    if f.kind in (Kind.DATE, Kind.MONTH) and (day := _explicit_date(text.strip(), month=f.kind is Kind.MONTH)):
        return ("value", day.isoformat()) if FIRST_SERIAL <= (day - EPOCH).days <= LAST_SERIAL else ERROR
    return UNKNOWN


_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _explicit_date(text: str, *, month: bool) -> dt.date | None:
    """Dates written in a form with one reading that needs no warning: 2026-04-15, and for a
    month also 2026-04, 04/2026 and Apr 2026 (the first of that month)."""
    forms = [(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", (1, 2, 3))]
    if month:
        forms += [(r"([0-9]{4})-([0-9]{2})", (1, 2, 0)), (r"([0-9]{2})/([0-9]{4})", (2, 1, 0))]
    for pattern, (y, m, d) in forms:
        if match := re.fullmatch(pattern, text):
            try:
                day = dt.date(int(match[y]), int(match[m]), int(match[d]) if d else 1)
            except ValueError:
                return None
            return day.replace(day=1) if month else day
    named = re.fullmatch(r"([A-Za-z]{3})[a-z]* ([0-9]{4})", text)
    if month and named and named[1].lower() in _MONTHS:
        return dt.date(int(named[2]), _MONTHS.index(named[1].lower()) + 1, 1)
    return None


_KEYS = {"wbs", "milestone"}


def _calamine_date(serial: int) -> dt.date:
    """The date a spreadsheet shows for a serial (Excel's 1900 counts a 29 February that never was)."""
    return dt.date(1899, 12, 31 if serial < 61 else 30) + dt.timedelta(days=serial)


def _number_ok(kind: Kind, v: float) -> bool:
    if not math.isfinite(v):
        return False
    return {
        Kind.MONEY: 0 <= v <= 1e15,
        Kind.SIGNED_MONEY: abs(v) <= 1e15,
        Kind.PERCENT: 0 <= v <= 1,
        Kind.RATE: 0 <= v < 1,
        Kind.PROBABILITY: 0 < v <= 100,
        Kind.DAYS: v.is_integer() and abs(v) <= 3650,
        Kind.YEAR: v.is_integer() and 1990 <= v <= 2200,
    }[kind]


def _number_read(kind: Kind, v: float) -> Any:
    return int(v) if kind is Kind.YEAR else v


def _default(f: Field) -> Any:
    if f.kind in (Kind.MONEY, Kind.SIGNED_MONEY, Kind.DAYS):
        return 0.0
    if f.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.IDENT, Kind.CHOICE, Kind.CURRENCY):
        return ""
    return None


# -- mutations -----------------------------------------------------------------------------------


@dataclass
class Case:
    """One mutated workbook and the property it must satisfy."""

    number: int
    source: Source
    what: str
    data: bytes
    judge: Callable[[Outcome], str]  # "" when the outcome satisfies the property, else why not


def _ref(r: int, c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def _names(issue: tuple[str, str, str, str], sheet: str, ref: str, whole_row: bool = False) -> bool:
    """True when the issue names cell ``ref`` of ``sheet`` (or a range holding it, or its row)."""
    if issue[1] != sheet:
        return False
    if issue[2] == ref or ref in issue[3]:
        return True
    col, row = re.fullmatch(r"([A-Z]+)([0-9]+)", ref).groups()  # type: ignore[union-attr]
    span = re.fullmatch(r"([A-Z]*)([0-9]*):([A-Z]*)([0-9]*)", issue[2])
    if span:
        c0, r0, c1, r1 = span.groups()
        in_rows = not r0 or int(r0) <= int(row) <= int(r1 or r0)
        in_cols = not c0 or (len(c0), c0) <= (len(col), col) <= (len(c1 or c0), c1 or c0)
        return in_rows and in_cols
    cell = re.fullmatch(r"([A-Z]+)([0-9]+)", issue[2])
    return bool(whole_row and cell and cell[2] == row)


def _same_as_clean(source: Source, out: Outcome, *, issues: bool = True) -> str:
    clean = source.clean
    if out.status != "ok" or out.frames is None:
        return f"not read: {out.status} {out.message[:300]} {out.errors[:3]}"
    if issues and sorted(out.issues) != sorted(clean.issues):
        return f"issues differ: {sorted(set(out.issues) ^ set(clean.issues))[:4]}"
    if out.info != clean.info:
        return f"info differs: { {k: (v, out.info[k]) for k, v in clean.info.items() if out.info[k] != v} }"  # type: ignore[index, union-attr]
    for name, frame in clean.frames.items():  # type: ignore[union-attr]
        if out.frames[name] != frame:
            return f"frame {name} differs"
    return ""


def _unexpected(out: Outcome) -> str:
    """Outcomes that are never acceptable."""
    if out.status in ("crash", "hang"):
        return f"{out.status}: {out.message[-3000:]}"
    if out.cli:
        return f"CLI: {out.cli}"
    if out.status == "unusable" and "\n" in out.message.strip():
        return f"unusable message is not one line: {out.message!r}"
    return ""


def mutate_outside(n: int, source: Source, rng: random.Random) -> Case:
    candidates = [s for s in source.sheets.values()]
    sheet = rng.choice(candidates)
    far = rng.random() < 0.08
    if far:
        r, c = rng.randint(2000, 1048575), rng.randint(max(sheet.last_col + 1, 2), 16383)
    elif sheet.name == SCHEMA.instructions_sheet:
        r, c = rng.randint(0, 60), rng.randint(0, 20)
    elif rng.random() < 0.3 or (sheet.name == SCHEMA.project.name and rng.random() < 0.5):
        r, c = 0, rng.randint(0, sheet.last_col + 5)  # the title row
    else:
        r, c = rng.randint(2, len(sheet.rows) + 20), rng.randint(sheet.last_col + 1, sheet.last_col + 12)
    if sheet.name == SCHEMA.project.name and not far and r > 0:
        c = rng.randint(2, 8)  # help column and beyond
    value = random_value(rng, dt.date(2026, 6, 1))
    ref = _ref(r, c)
    xml, _ = write_value(source, sheet, source.members[sheet.member], ref, value, rng)
    what = f"outside: {sheet.name}!{ref} = {value!r}"

    def judge(out: Outcome) -> str:
        if far and out.errors:
            ok = out.errors == [out.errors[0]] and out.errors[0][1] == sheet.name and out.errors[0][2] == ref
            return "" if ok else f"far cell: errors {out.errors[:3]}"
        return _same_as_clean(source, out)

    return Case(n, source, what, source.zip({sheet.member: xml}), judge)


def _value_target(source: Source, rng: random.Random) -> tuple[Sheet, int, int, Field]:
    """A value cell: in a month grid half the time (most of the numbers are there)."""
    while True:
        names = [g.name for g in SCHEMA.grids] * 4 + [t.name for t in SCHEMA.tables] * 2 + [SCHEMA.project.name] * 3
        sheet = source.sheets[rng.choice(names)]
        if sheet.name in GRID and sheet.month_cols:
            grid = GRID[sheet.name]
            rows = sheet.spare_rows[:2] if rng.random() < 0.1 else sheet.data_rows
            return (
                sheet,
                rng.choice(rows),
                rng.choice(sheet.month_cols),
                Field("value", grid.value_label, grid.value_kind),
            )
        if sheet.name in TABLE and sheet.label_cols:
            c = rng.choice(sheet.label_cols)
            rows = sheet.spare_rows[:1] if rng.random() < 0.15 or not sheet.data_rows else sheet.data_rows
            return sheet, rng.choice(rows), c, sheet.fields[c]
        if sheet.name == SCHEMA.project.name:
            r = rng.choice([r for r in sheet.data_rows if r in sheet.fields])
            return sheet, r, 1, sheet.fields[r]


def mutate_value(n: int, source: Source, rng: random.Random) -> Case:
    sheet, r, c, f = _value_target(source, rng)
    ref = _ref(r, c)
    value = value_for(f, rng, dt.date.fromisoformat(source.clean.info["status_date"]))  # type: ignore[index]
    xml, date_styled = write_value(source, sheet, source.members[sheet.member], ref, value, rng)
    expectation = expect(f, value, date_styled)
    what = f"value: {sheet.name}!{ref} ({f.header}) = {value!r}{' [date-formatted]' if date_styled else ''} -> {expectation}"

    def judge(out: Outcome) -> str:
        if out.status != "ok":
            return f"not read: {out.status} {out.message[:300]}"
        if r in sheet.spare_rows and (value is None or (isinstance(value, str) and not value.strip())):
            return _same_as_clean(source, out)  # nothing typed in an empty row
        named = [i for i in out.issues if _names(i, sheet.name, ref, whole_row=sheet.name != SCHEMA.project.name)]
        if out.errors:
            if sheet.name == SCHEMA.project.name:
                return "" if all(e[1] and e[2] for e in out.errors) else f"unlocated error: {out.errors[:3]}"
            return "" if any(e in named for e in out.errors) else f"errors do not name {ref}: {out.errors[:3]}"
        if expectation == ERROR:
            return f"accepted a value that must be refused: {out.issues[:3]}"
        return _value_diff(source, sheet, r, c, f, expectation, out, bool(named))

    return Case(n, source, what, source.zip({sheet.member: xml}), judge)


def _value_diff(
    source: Source, sheet: Sheet, r: int, c: int, f: Field, expectation: tuple[Any, ...], out: Outcome, named: bool
) -> str:
    """Compare with the clean data: only the mutated cell's entry may differ, and only as expected."""
    assert out.frames is not None and out.info is not None and source.clean.frames is not None
    clean = source.clean
    if sheet.name == SCHEMA.project.name:
        diff = {k for k, v in clean.info.items() if out.info[k] != v}  # type: ignore[union-attr]
        if diff - {f.key}:
            return f"other Project fields changed: {diff}"
        if expectation == UNKNOWN:
            return "" if named or not diff else f"{f.key} read as {out.info[f.key]!r} without a word"
        want = expectation[1]
        got = out.info[f.key]
        if f.kind in (Kind.MONEY, Kind.SIGNED_MONEY) and want == 0.0 and f.key == "approved_budget":
            want = None
        return "" if got == want else f"{f.key} read as {got!r}, typed {want!r}"
    for name, frame in clean.frames.items():
        if name not in (sheet.name.lower(), sheet.name) and out.frames[name] != frame:
            return f"frame {name} changed"
    if sheet.name in GRID:
        return _grid_entry_diff(source, sheet, r, c, expectation, out, named)
    got_rows, clean_rows = out.frames[sheet.name], clean.frames[sheet.name]
    cols = [x.key for x in TABLE[sheet.name].fields]
    index = sheet.data_rows.index(r) if r in sheet.data_rows else None
    if index is None:  # a new record in a spare row: the others unchanged
        if got_rows[: len(clean_rows)] != clean_rows:
            return "existing records changed"
        if expectation == UNKNOWN or named:
            return ""
        if len(got_rows) != len(clean_rows) + 1 or got_rows[-1][cols.index(f.key)] != expectation[1]:
            return f"new record read as {got_rows[len(clean_rows) :]}, typed {expectation[1]!r}"
        return ""
    if len(got_rows) != len(clean_rows):
        return f"{len(got_rows)} records, expected {len(clean_rows)}"
    for i, (got, want) in enumerate(zip(got_rows, clean_rows, strict=True)):
        for j, (g, w) in enumerate(zip(got, want, strict=True)):
            if i == index and j == cols.index(f.key):
                if expectation == UNKNOWN:
                    if g != w and not named:
                        return f"{f.key} read as {g!r} without a word"
                elif g != expectation[1] and not named:
                    return f"{f.key} read as {g!r}, typed {expectation[1]!r}"
            elif g != w:
                return f"record {i} field {cols[j]} changed: {w!r} -> {g!r}"
    return ""


def _grid_entry_diff(
    source: Source, sheet: Sheet, r: int, c: int, expectation: tuple[Any, ...], out: Outcome, named: bool
) -> str:
    assert out.frames is not None and source.clean.frames is not None
    name = sheet.name.lower()
    got, clean = out.frames[name], source.clean.frames[name]
    labels = tuple(sheet.rows[r][lc] for lc in sheet.label_cols)
    month = sheet.rows[1][c].isoformat()
    if r in sheet.spare_rows:  # values in a row with no labels are an error; nothing else may change
        return "" if got == clean else "a value in an unlabelled row changed the frame"
    status = source.clean.info["status_date"]  # type: ignore[index]
    if name == "progress":
        raw = _raw_grid(sheet)
        if expectation != UNKNOWN:
            raw[(labels, sheet.rows[1][c])] = expectation[1] if expectation[1] is not None else None
        want = _filled(raw, [sheet.rows[1][mc] for mc in sheet.month_cols], dt.date.fromisoformat(status))
        bad = {k for k in set(got) | set(want) if got.get(k) != want.get(k)}
        if expectation == UNKNOWN:
            bad = {k for k in bad if not (k[0] == labels[0] and k[1] >= month)}
            return "" if not bad or named else f"progress changed without a word at {sorted(bad)[:3]}"
        return (
            ""
            if not bad or named
            else f"progress read wrong at {sorted(bad)[:3]}: {[(got.get(k), want.get(k)) for k in sorted(bad)[:3]]}"
        )
    key = (*labels, month)
    want = dict(clean)
    if expectation != UNKNOWN:
        want[key] = expectation[1] if expectation[1] is not None else 0.0
    bad = {k for k in set(got) | set(want) if got.get(k) != want.get(k)}
    if expectation == UNKNOWN:
        return "" if bad <= {key} and (not bad or named) else f"{sorted(bad)[:3]} changed without a word"
    return (
        "" if not bad or (bad == {key} and named) else f"read {[(k, got.get(k), want.get(k)) for k in sorted(bad)[:3]]}"
    )


def _raw_grid(sheet: Sheet) -> dict[tuple[tuple[Any, ...], dt.date], Any]:
    raw = {}
    for r in sheet.data_rows:
        labels = tuple(sheet.rows[r][lc] for lc in sheet.label_cols)
        for c in sheet.month_cols:
            value = sheet.rows[r][c]
            raw[(labels, sheet.rows[1][c])] = None if value in ("", None) else value
    return raw


def _filled(
    raw: dict[tuple[tuple[Any, ...], dt.date], Any], months: list[dt.date], status: dt.date
) -> dict[tuple[Any, ...], float]:
    """Cumulative progress as documented: months up to the status date, blanks carry the previous month."""
    keys = sorted({k for k, _ in raw}, key=str)
    upto = sorted(m for m in months if m <= status)
    if status not in upto:
        upto.append(status)
    out = {}
    for k in keys:
        current = 0.0
        for m in upto:
            value = raw.get((k, m))
            current = value if value is not None else current
            out[(*k, m.isoformat())] = current
    return out


def mutate_header(n: int, source: Source, rng: random.Random) -> Case:
    sheet = source.sheets[rng.choice([g.name for g in SCHEMA.grids])]
    c = rng.choice(sheet.month_cols)
    ref = _ref(1, c)
    old = sheet.rows[1][c]
    value: object = rng.choice(
        [
            random_value(rng, old),
            DateCell(old),
            DateCell(old + dt.timedelta(days=rng.randint(1, 27))),
            f"{old:%Y-%m}",
            f"{old:%b %Y}",
        ]
    )
    xml, date_styled = write_value(source, sheet, source.members[sheet.member], ref, value, rng)
    new = _header_month(value, date_styled)
    what = f"header: {sheet.name}!{ref} ({old:%Y-%m}) = {value!r}{' [date-formatted]' if date_styled else ''} -> {new}"

    def judge(out: Outcome) -> str:
        if out.status != "ok":
            return f"not read: {out.status} {out.message[:300]}"
        named = [i for i in out.issues if _names(i, sheet.name, ref)]
        if out.errors:
            return "" if any(e in named for e in out.errors) else f"errors do not name {ref}: {out.errors[:3]}"
        assert out.frames is not None
        if new is None:
            return "" if named else "an unreadable header accepted without a word"
        if new == "gone":
            return _column_gone(source, sheet, c, out)
        return _column_moved(source, sheet, c, new, out, bool(named))

    return Case(n, source, what, source.zip({sheet.member: xml}), judge)


def _header_month(value: object, date_styled: bool) -> dt.date | str | None:
    """The month a header must be read as; ``"gone"`` for no header; ``None``: only with an issue."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == "Total":
        return "gone"
    if isinstance(value, DateCell):
        return value.day.replace(day=1) if FIRST_SERIAL <= (value.day - EPOCH).days <= LAST_SERIAL else None
    if date_styled and isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        if FIRST_SERIAL <= math.floor(value) <= LAST_SERIAL:
            return (EPOCH + dt.timedelta(days=math.floor(value))).replace(day=1)
        return None
    if isinstance(value, str) and (m := re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)):
        return dt.date(int(m[1]), int(m[2]), 1) if 1 <= int(m[2]) <= 12 else None
    abbr = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    if isinstance(value, str) and (m := re.fullmatch(r"([A-Z][a-z]{2}) ([0-9]{4})", value)) and m[1] in abbr:
        return dt.date(int(m[2]), abbr.index(m[1]) + 1, 1)
    return None


def _column_gone(source: Source, sheet: Sheet, c: int, out: Outcome) -> str:
    """A header emptied over a column with no values: that month simply disappears."""
    if any(sheet.rows[r][c] not in ("", None) for r in sheet.data_rows):
        return "values under an emptied header dropped without an error"
    return _column_moved(source, sheet, c, None, out, False)


def _column_moved(source: Source, sheet: Sheet, c: int, new: dt.date | None, out: Outcome, named: bool) -> str:
    assert out.frames is not None and source.clean.frames is not None
    old = sheet.rows[1][c]
    name = sheet.name.lower()
    months = [sheet.rows[1][mc] for mc in sheet.month_cols if mc != c] + ([new] if new else [])
    status = dt.date.fromisoformat(source.clean.info["status_date"])  # type: ignore[index]
    if name == "progress":
        raw = {(k, new if m == old else m): v for (k, m), v in _raw_grid(sheet).items() if m != old or new}
        want = _filled(raw, months, status)
    else:
        want = {}
        for k, v in source.clean.frames[name].items():
            if k[-1] == old.isoformat():
                if new:
                    want[(*k[:-1], new.isoformat())] = v
            else:
                want[k] = v
    got = out.frames[name]
    if got == want:
        return ""
    bad = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    return f"column read under another month without a word: {bad[:3]}" if not named else ""


def mutate_label(n: int, source: Source, rng: random.Random) -> Case:
    sheet = source.sheets[rng.choice([g.name for g in SCHEMA.grids])]
    r, c = rng.choice(sheet.data_rows), rng.choice(sheet.label_cols)
    ref = _ref(r, c)
    others = [sheet.rows[x][c] for x in sheet.data_rows]
    value = rng.choice(
        [
            random_value(rng, dt.date(2026, 1, 1)),
            rng.choice(others),
            f"  {sheet.rows[r][c]}  ",
            str(sheet.rows[r][c]).replace(" ", "  "),
        ]
    )
    xml, _ = write_value(source, sheet, source.members[sheet.member], ref, value, rng)
    what = f"label: {sheet.name}!{ref} {sheet.rows[r][c]!r} -> {value!r}"

    def judge(out: Outcome) -> str:
        if out.status != "ok":
            return f"not read: {out.status} {out.message[:300]}"
        if out.errors:
            return "" if all(e[1] and e[2] for e in out.errors) else f"unlocated errors: {out.errors[:3]}"
        if isinstance(value, str) and " ".join(value.split()) == sheet.rows[r][c]:
            return _same_as_clean(source, out)
        return (
            ""
            if any(_names(i, sheet.name, ref, whole_row=True) for i in out.issues)
            or _renamed_only(source, sheet, r, out)
            else "label change not visible"
        )

    return Case(n, source, what, source.zip({sheet.member: xml}), judge)


def _renamed_only(source: Source, sheet: Sheet, r: int, out: Outcome) -> bool:
    """Only that row's key changed in its frame; everything else equal."""
    assert out.frames is not None and source.clean.frames is not None
    name = sheet.name.lower()
    labels = tuple(sheet.rows[r][lc] for lc in sheet.label_cols)
    keep = {k: v for k, v in source.clean.frames[name].items() if k[: len(labels)] != labels}
    got = out.frames[name]
    rest = {k: v for k, v in got.items() if k in keep}
    return rest == keep and len(got) == len(source.clean.frames[name])


def _row_cells(xml: bytes, r: int) -> list[tuple[str, bytes]]:
    row = re.search(rb'<row r="' + str(r + 1).encode() + rb'"[^>]*>(.*?)</row>', xml, re.S)
    if not row:
        return []
    return [(m[1].decode(), m[0]) for m in re.finditer(rb'<c r="([A-Z]+)[0-9]+"[^>]*?(?:/>|>.*?</c>)', row[1], re.S)]


def mutate_rows(n: int, source: Source, rng: random.Random) -> Case:
    names = [g.name for g in SCHEMA.grids] + [t.name for t in SCHEMA.tables]
    sheet = source.sheets[rng.choice([x for x in names if source.sheets[x].data_rows])]
    r = rng.choice(sheet.data_rows)
    xml = source.members[sheet.member]
    cols = sorted({*sheet.label_cols, *sheet.month_cols})
    duplicate = bool(sheet.spare_rows) and rng.random() < 0.5
    if duplicate:
        target = sheet.spare_rows[0]
        for col, cell in _row_cells(xml, r):
            new_ref = f"{col}{target + 1}"
            xml = set_cell(xml, new_ref, re.sub(rb'r="[A-Z]+[0-9]+"', b'r="' + new_ref.encode() + b'"', cell, count=1))
    else:
        for c in cols:
            xml = set_cell(xml, _ref(r, c), cell_xml(_ref(r, c), None))
    what = f"rows: {sheet.name} row {r + 1} {'duplicated to row ' + str(sheet.spare_rows[0] + 1) if duplicate else 'cleared'}"
    key_col = sheet.label_cols[0]

    def judge(out: Outcome) -> str:
        if out.status != "ok":
            return f"not read: {out.status} {out.message[:300]}"
        if duplicate:
            new_ref = _ref(sheet.spare_rows[0], key_col)
            return (
                ""
                if any(_names(e, sheet.name, new_ref, whole_row=True) for e in out.errors)
                else f"duplicate row not named: {out.errors[:3]}"
            )
        if out.errors:
            return "" if all(e[1] and e[2] for e in out.errors) else f"unlocated errors: {out.errors[:3]}"
        assert out.frames is not None and source.clean.frames is not None
        if sheet.name in GRID:
            labels = tuple(sheet.rows[r][lc] for lc in sheet.label_cols)
            want = {k: v for k, v in source.clean.frames[sheet.name.lower()].items() if k[: len(labels)] != labels}
            return "" if out.frames[sheet.name.lower()] == want else "clearing a row changed other rows"
        want_rows = [rec for i, rec in enumerate(source.clean.frames[sheet.name]) if i != sheet.data_rows.index(r)]
        return "" if out.frames[sheet.name] == want_rows else "clearing a record changed other records"

    return Case(n, source, what, source.zip({sheet.member: xml}), judge)


def mutate_zip(n: int, source: Source, rng: random.Random) -> Case:
    kind = rng.choice(["truncate", "shuffle", "corrupt", "remove", "cut"])
    names = [i.filename for i in source.infos]
    data = source.path.read_bytes()
    if kind == "truncate":
        data = data[: rng.randint(0, len(data) - 1)]
        what = f"zip: truncated to {len(data)} bytes"
    elif kind == "shuffle":
        order = names[:]
        rng.shuffle(order)
        data = source.zip({}, order)
        what = "zip: members shuffled"
    elif kind == "corrupt":
        at = rng.randrange(len(data))
        data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
        what = f"zip: bit flipped at byte {at}"
    elif kind == "remove":
        member = rng.choice(names)
        data = source.zip({member: None})
        what = f"zip: {member} removed"
    else:
        member = rng.choice(names)
        content = source.members[member]
        data = source.zip({member: content[: rng.randint(0, len(content))]})
        what = f"zip: {member} cut short"

    def judge(out: Outcome) -> str:
        if out.status == "unusable":
            return ""
        if out.errors:
            return "" if all(e[1] for e in out.errors) else f"errors naming no sheet: {out.errors[:3]}"
        return _same_as_clean(source, out, issues=False)

    return Case(n, source, what, data, judge)


MUTATIONS = [
    (mutate_outside, 3),
    (mutate_value, 10),
    (mutate_header, 3),
    (mutate_label, 1),
    (mutate_rows, 2),
    (mutate_zip, 3),
]


def cases(sources: list[Source], count: int, seed: int) -> Iterator[Case]:
    rng = random.Random(seed)
    makers = [m for m, weight in MUTATIONS for _ in range(weight)]
    for n in range(count):
        yield rng.choice(makers)(n, rng.choice(sources), rng)


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


def test_mutated_demo_workbooks_are_read_exactly_or_refused_by_cell(worker: Worker, tmp_path: Path) -> None:
    sources = [load_source(p, worker) for p in sorted((REPO / "examples").glob("*.xlsx"))]
    failures: list[str] = []
    kinds, outcomes = set(), set()
    for case in cases(sources, CASES, SEED):
        path = tmp_path / f"case{case.number:05d}_{case.source.name}.xlsx"
        path.write_bytes(case.data)
        out = worker.check(path, through_cli=case.number % 8 == 0)
        kinds.add(case.what.split(":")[0])
        outcomes.add("unusable" if out.status == "unusable" else "errors" if out.errors else "read")
        problem = _unexpected(out) or case.judge(out)
        if problem:
            failures.append(
                f"case {case.number} (seed {SEED}) {case.source.name}: {case.what}\n    {problem}\n    kept: {path}"
            )
        else:
            path.unlink()
    assert not failures, f"{len(failures)} of {CASES} cases failed:\n" + "\n".join(failures[:25])
    # the property is only as good as its cases: every mutation kind ran, and the judges saw
    # workbooks read, refused by cell and refused as unusable
    assert kinds == {"outside", "value", "header", "label", "rows", "zip"}
    assert outcomes == {"read", "errors", "unusable"}
