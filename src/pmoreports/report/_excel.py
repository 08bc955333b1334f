"""Excel exports: the portfolio table (``portfolio_metrics.xlsx``) and any table an analyst
is looking at (:func:`write_sheets`, behind ``Portfolio.export``).

Formats per column (the report's number formats, by unit: :func:`excel_format`), frozen
header, filters, conditional RAG colours. Text that
came from workbooks or parameter files is written as text cells, so no spreadsheet
evaluates it as a formula (a project named ``=HYPERLINK(...)`` stays a name); a text
that would be a formula if typed (:func:`~pmoreports.metrics._export.needs_escape`)
also gets the cell's quote prefix, so it stays text when someone edits the cell.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .._files import atomic_write_bytes
from ..metrics import glossary as g
from ..metrics._export import needs_escape
from ..workbook import columns as C
from .portfolio_kpis import excel_kpi_columns

__all__ = [
    "EXCEL_FORMATS",
    "SheetData",
    "excel_format",
    "write_frame_workbook",
    "write_portfolio_workbook",
    "write_sheets",
]

_RAG_FILLS = {"green": "C8E6C9", "amber": "FFE082", "red": "EF9A9A", "grey": "E0E0E0"}
_MONEY, _INDEX, _PCT = "#,##0;[Red]-#,##0", "0.00", "0.0%"
EXCEL_FORMATS: Final = {
    "money": _MONEY,
    "index": _INDEX,
    "fraction": _PCT,
    "months": '0.0 "months"',
    "years": '0.0 "years"',
    "days": '#,##0 "days"',
    "count": "#,##0",
    "rate": "0.0000",
}
"""Excel number format of each unit (the report's formats: ``1,234,567``, ``0.93``, ``12.3%``)."""


def excel_format(unit: str) -> str | None:
    """The Excel number format of a column of ``unit`` (None: text, dates, RAG words)."""
    return EXCEL_FORMATS.get(unit)


@dataclass(frozen=True)
class SheetData:
    """One worksheet: ``headers``, ``rows`` of values, the number format of each column
    (None for text) and which columns (0-based) hold RAG statuses, coloured like the report."""

    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    formats: Sequence[str | None]
    rag_columns: Sequence[int] = ()


def write_sheets(path: str | os.PathLike[str], sheets: Sequence[SheetData]) -> Path:
    """Write ``sheets`` to the workbook ``path`` atomically (the folder is created); text is
    always a text cell, never a formula; returns the path."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        _sheet(ws, list(sheet.headers), [[_value(v) for v in r] for r in sheet.rows], list(sheet.formats))
        _rag_colours(ws, [c + 1 for c in sheet.rag_columns], len(sheet.rows) + 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, buffer.getvalue())
    return target


def _columns(currency: str) -> list[tuple[str, str, str | None]]:
    """(header, table column, number format) of the Projects sheet."""
    return [
        ("Project", C.PROJECT, None),
        ("Name", "name", None),
        ("Programme", C.PROGRAMME, None),
        ("Currency", "currency", None),
        ("Overall RAG", "rag", None),
        ("Cost RAG", "rag_cost", None),
        ("Schedule RAG", "rag_schedule", None),
        ("Forecast RAG", "rag_forecast", None),
        ("Previous RAG", "rag_previous", None),
        ("CPI", g.CPI, _INDEX),
        ("SPI", g.SPI, _INDEX),
        ("SPI(t)", g.SPI_T, _INDEX),
        ("% complete", g.PCT_COMPLETE, _PCT),
        ("BAC", g.BAC, _MONEY),
        ("AC", g.AC, _MONEY),
        ("EAC", g.EAC, _MONEY),
        ("VAC", g.VAC, _MONEY),
        ("VAC %", g.VAC_PCT, _PCT),
        (f"BAC ({currency})", f"{g.BAC}_rc", _MONEY),
        (f"EAC ({currency})", f"{g.EAC}_rc", _MONEY),
    ]


def write_portfolio_workbook(
    path: Path, table: pd.DataFrame, programmes: pd.DataFrame, total: pd.DataFrame, currency: str
) -> Path:
    """Write the portfolio table and the programme roll-ups to ``path``."""
    cols = _columns(currency) + excel_kpi_columns(table)
    projects = SheetData(
        "Projects",
        [h for h, _, _ in cols],
        [[_value(r.get(k)) for _, k, _ in cols] for _, r in table.iterrows()],
        [f for _, _, f in cols],
        [i for i, (_, k, _) in enumerate(cols) if k.startswith("rag")],
    )
    roll = (
        pd.concat([programmes, total.assign(**{C.PROGRAMME: "Portfolio total"})], ignore_index=True)
        if not programmes.empty
        else pd.DataFrame()
    )
    keys = [
        (C.PROGRAMME, None),
        (g.PV, _MONEY),
        (g.EV, _MONEY),
        (g.AC, _MONEY),
        (g.BAC, _MONEY),
        (g.EAC, _MONEY),
        (g.CPI, _INDEX),
        (g.SPI, _INDEX),
        (g.SPI_T, _INDEX),
    ]
    headers = [
        "Programme",
        *(f"{k.upper()} ({currency})" for k, _ in keys[1:6]),
        "CPI",
        "SPI",
        "SPI(t)",
    ]
    programmes_sheet = SheetData(
        "Programmes",
        headers,
        [[_value(r.get(k)) for k, _ in keys] for _, r in roll.iterrows()],
        [f for _, f in keys],
    )
    return write_sheets(path, [projects, programmes_sheet])


def write_frame_workbook(path: Path, frame: pd.DataFrame, sheet: str = "Data") -> Path:
    """Write ``frame`` as one sheet (header row, filters, frozen header) to ``path``, text as
    text cells exactly as for the portfolio export."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    rows = [[_value(v) for v in row] for row in frame.itertuples(index=False)]
    _sheet(ws, [str(c) for c in frame.columns], rows, [None] * len(frame.columns))
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _value(value: Any) -> Any:
    """A cell value: None for missing (None, NaN, NaT, pd.NA), plain Python scalars."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _sheet(ws: Worksheet, headers: list[str], rows: list[list[Any]], formats: list[str | None]) -> None:
    for c, header in enumerate(headers, 1):
        cell = _put(ws, 1, c, header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3864")
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row, 1):
            cell = _put(ws, r, c, value)
            if formats[c - 1]:
                cell.number_format = formats[c - 1]
    for c, header in enumerate(headers, 1):
        longest = max((_shown_width(row[c - 1]) for row in rows), default=0)
        ws.column_dimensions[get_column_letter(c)].width = min(max(12, len(header) + 2, longest + 2), 60)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows) + 1, 2)}"


def _shown_width(value: Any) -> int:
    """About how many characters a cell shows (so a figure is never ``####``)."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int | float):
        return len(f"{value:,.0f}") + 1
    return len(str(value))


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write one cell; text is always a text cell, never a formula, whatever it starts with.
    Control characters, which xlsx cannot hold, show as U+FFFD."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if needs_escape(value):
            cell.quotePrefix = True  # shown as typed, and still text after an edit
    return cell


def _rag_colours(ws: Worksheet, columns: list[int], last_row: int) -> None:
    for c in columns:
        letter = get_column_letter(c)
        ref = f"{letter}2:{letter}{max(last_row, 2)}"
        for status, colour in _RAG_FILLS.items():
            fill = PatternFill("solid", fgColor=colour, bgColor=colour)
            ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=[f'"{status}"'], fill=fill))
