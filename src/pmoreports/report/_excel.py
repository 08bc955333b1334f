"""Excel export of the portfolio table (``portfolio_metrics.xlsx``).

Formats per column, frozen header, filters, conditional RAG colours. Text that
came from workbooks or parameter files is written as text cells, so no spreadsheet
evaluates it as a formula (a project named ``=HYPERLINK(...)`` stays a name); a text
that would be a formula if typed (:func:`~pmoreports.metrics._export.needs_escape`)
also gets the cell's quote prefix, so it stays text when someone edits the cell.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

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

__all__ = ["write_frame_workbook", "write_portfolio_workbook"]

_RAG_FILLS = {"green": "C8E6C9", "amber": "FFE082", "red": "EF9A9A", "grey": "E0E0E0"}
_MONEY, _INDEX, _PCT = "#,##0;[Red]-#,##0", "0.00", "0.0%"


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
    wb = Workbook()
    ws = wb.active
    ws.title = "Projects"
    cols = _columns(currency)
    _sheet(
        ws,
        [h for h, _, _ in cols],
        [[_value(r.get(k)) for _, k, _ in cols] for _, r in table.iterrows()],
        [f for _, _, f in cols],
    )
    rag_cols = [i for i, (_, k, _) in enumerate(cols, 1) if k.startswith("rag")]
    _rag_colours(ws, rag_cols, len(table) + 1)
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
    _sheet(
        wb.create_sheet("Programmes"),
        headers,
        [[_value(r.get(k)) for k, _ in keys] for _, r in roll.iterrows()],
        [f for _, f in keys],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())
    return path


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
    if value is None or (isinstance(value, float) and value != value):
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
        ws.column_dimensions[get_column_letter(c)].width = max(12, len(header) + 2)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows) + 1, 2)}"


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
