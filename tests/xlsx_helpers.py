"""Helpers for tests that build, break and compare xlsx workbooks."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
