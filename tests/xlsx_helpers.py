"""Helpers for tests that build, break and compare xlsx workbooks."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.workbook.workbook import Workbook


def mutate(src: Path, dst: Path, change: Callable[[Workbook], None]) -> Path:
    """Copy ``src`` to ``dst`` through openpyxl, applying ``change`` to the workbook."""
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


def patch_member(src: Path, dst: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """Copy the zip ``src`` to ``dst`` with one member's bytes rewritten."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, change(data) if info.filename == member else data)
    return dst


def sheet_member(path: Path, sheet: str) -> str:
    """The zip member holding ``sheet`` (openpyxl writes sheets in order as sheetN.xml)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def fingerprint(path: Path) -> dict[str, Any]:
    """What a person sees in a workbook, independent of zip bytes and timestamps."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {
            c.coordinate: (
                str(c.value),
                c.number_format,
                bool(c.protection.locked),
                c.fill.fgColor.rgb,
            )
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.fill.fill_type
        }
        out[ws.title] = {
            "cells": cells,
            "validations": sorted(
                (str(dv.sqref), dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation
            ),
            "tables": sorted((t.displayName, t.ref) for t in ws.tables.values()),
            "freeze": ws.freeze_panes,
            "protected": ws.protection.sheet,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        }
    return out


def copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


# -- raw sheet XML edits (fast: no openpyxl round trip) ---------------------------------------

_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell_xml(ref: str, value: object, style: int | None = None) -> bytes:
    """The XML of one cell holding ``value`` as a spreadsheet saves it.

    ``None`` is an empty (styled) cell; ``bool`` a TRUE/FALSE cell; ``int``/``float``
    a number (shown as a date when ``style`` is a date format); ``str`` an inline
    string, except ``'=...'`` (a formula with no cached value) and ``'#...!'``/``'#N/A'``
    (an error value).
    """
    s = f' s="{style}"' if style is not None else ""
    if value is None:
        return f'<c r="{ref}"{s}/>'.encode()
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s} t="n"><v>{value!r}</v></c>'.encode()
    text = str(value)
    if text.startswith("="):
        return f'<c r="{ref}"{s}><f>{escape(text[1:])}</f><v/></c>'.encode()
    if text.startswith("#") and (text.endswith(("!", "?")) or text == "#N/A"):
        return f'<c r="{ref}"{s} t="e"><v>{escape(text)}</v></c>'.encode()
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'.encode()


def cell_style(xml: bytes, ref: str) -> int | None:
    """The style index of cell ``ref`` in a sheet's XML (``None`` if absent or unstyled)."""
    m = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?\bs="([0-9]+)"', xml)
    return int(m[1]) if m else None


def set_cell(xml: bytes, ref: str, new: bytes) -> bytes:
    """Sheet XML with cell ``ref`` replaced by ``new`` (inserted in order when absent)."""
    cell = re.compile(rb'<c r="' + ref.encode() + rb'"(?:\s[^>]*?)?(?:/>|>.*?</c>)', re.S)
    if cell.search(xml):
        return cell.sub(lambda _: new, xml, count=1)
    letters, number = _CELL_REF.fullmatch(ref).groups()  # type: ignore[union-attr]
    row_no, col_no = int(number), _col_number(letters)
    row = re.search(rb'<row r="' + number.encode() + rb'"[^>]*?(/?)>', xml)
    if row is None:
        later = next(
            (m for m in re.finditer(rb'<row r="([0-9]+)"', xml) if int(m[1]) > row_no),
            None,
        )
        block = b'<row r="' + number.encode() + b'">' + new + b"</row>"
        if later is not None:
            return xml[: later.start()] + block + xml[later.start() :]
        if b"<sheetData/>" in xml:
            return xml.replace(b"<sheetData/>", b"<sheetData>" + block + b"</sheetData>", 1)
        return xml.replace(b"</sheetData>", block + b"</sheetData>", 1)
    if row[1]:  # <row r="N"/>
        return xml[: row.start()] + row[0][:-2] + b">" + new + b"</row>" + xml[row.end() :]
    end = xml.index(b"</row>", row.end())
    for m in re.finditer(rb'<c r="([A-Z]{1,3})[0-9]+"', xml[row.end() : end]):
        if _col_number(m[1].decode()) > col_no:
            at = row.end() + m.start()
            return xml[:at] + new + xml[at:]
    return xml[:end] + new + xml[end:]


ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def english_date(day: dt.date, form: str) -> str:
    """``day`` formatted with ``form`` (strftime) with English month names (``%B``, ``%b``),
    whatever the machine's locale."""
    name = ENGLISH_MONTHS[day.month - 1]
    return day.strftime(form.replace("%B", name).replace("%b", name[:3]))
