"""Safe look inside an xlsx container before any spreadsheet parser touches it.

Refuses, with a message a project manager can act on, files that are not xlsx
workbooks (CSV, PDF, legacy .xls), encrypted workbooks, corrupt zips, XML with a
DOCTYPE (entity-expansion bombs), oversized members, and sheets whose used
area is so large that a dense reader would exhaust memory. Also finds, from the
raw sheet XML, what a value reader does not say: formula cells that carry no
cached value (a file written by a script and never opened in Excel or
LibreOffice), cells holding an error value (``#N/A``: a value reader returns
them as blank), and hidden or filtered-out rows and hidden columns.

Size limits (named here, quoted in messages and in the README):
:data:`MAX_MEMBER_BYTES` per part, :data:`MAX_TOTAL_BYTES` for the whole
workbook (both uncompressed), :data:`MAX_MEMBERS` parts, and
:data:`MAX_SHEET_CELLS` cells in a sheet's used area.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from openpyxl.utils import column_index_from_string

from ..errors import UnreadableWorkbookError

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_SHEET_CELLS",
    "MAX_TOTAL_BYTES",
    "Container",
    "SheetScan",
    "open_container",
]

MAX_MEMBER_BYTES = 100_000_000
"""Largest part (e.g. one sheet's XML) of a workbook, uncompressed, in bytes."""
MAX_TOTAL_BYTES = 300_000_000
"""Largest workbook, all parts uncompressed, in bytes."""
MAX_MEMBERS = 10_000
"""Most parts (zip members) in a workbook; Excel writes a few dozen."""
MAX_SHEET_CELLS = 4_000_000
"""Largest used area of one sheet (rows x columns) read; beyond it a stray far cell is named."""
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>')
_ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,7})"')
_FORMULA = re.compile(rb"<f[\s>/]")
_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_CACHED = re.compile(rb"<v>[^<]+</v>|<is>")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROW_TAG = re.compile(rb"<row\b([^>]*)>")
_COL_TAG = re.compile(rb"<col\b([^>]*)>")
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')
_COL_SPAN = re.compile(rb'\bmin="([0-9]{1,5})".*?\bmax="([0-9]{1,5})"|\bmax="([0-9]{1,5})".*?\bmin="([0-9]{1,5})"')
_ERROR_CELL = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<v>([^<]{0,40})</v>")
_NOT_FINITE = re.compile(rb"<v>\s*[-+]?(?:inf(?:inity)?|nan)\s*</v>", re.IGNORECASE)
_ZIP_PROBLEMS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
    UnicodeDecodeError,
    KeyError,
)


@dataclass
class SheetScan:
    """What the raw XML of one worksheet tells before parsing it."""

    max_row: int = 0
    max_col: int = 0
    far_cell: str = ""
    uncached_formulas: set[str] = field(default_factory=set)
    error_cells: dict[str, str] = field(default_factory=dict)
    """A1 reference -> the error value (``#N/A``...) saved in that cell."""
    not_finite: dict[str, str] = field(default_factory=dict)
    """A1 reference -> a number saved as ``inf`` or ``NaN`` (no spreadsheet writes these; a broken export)."""
    hidden_rows: set[int] = field(default_factory=set)
    """1-based numbers of hidden (or filtered-out) rows."""
    hidden_cols: list[tuple[int, int]] = field(default_factory=list)
    """1-based inclusive column spans that are hidden."""
    filtered: bool = False
    """The sheet has an AutoFilter, so hidden rows may be filtered out rather than hidden."""

    def col_hidden(self, col: int) -> bool:
        """True when 1-based column ``col`` is hidden."""
        return any(lo <= col <= hi for lo, hi in self.hidden_cols)


@dataclass
class Container:
    """A vetted xlsx file: its sheets (in order) and a scan of each."""

    path: Path
    sheets: dict[str, SheetScan]


def open_container(path: Path) -> Container:
    """Vet ``path`` as an xlsx workbook; raise :class:`UnreadableWorkbookError` if unusable."""
    if not path.exists():
        raise UnreadableWorkbookError(f"{path}: file not found")
    if path.is_dir():
        raise UnreadableWorkbookError(f"{path}: is a folder, expected an .xlsx file")
    head = _head(path)
    if not head:
        raise UnreadableWorkbookError(f"{path}: the file is empty (0 bytes); expected an .xlsx workbook")
    if not head.startswith(b"PK"):
        raise UnreadableWorkbookError(f"{path}: {_describe_non_zip(path, head)}")
    try:
        with zipfile.ZipFile(path) as zf:
            return Container(path, _scan_zip(path, zf))
    except zipfile.BadZipFile as exc:
        raise UnreadableWorkbookError(
            f"{path}: the file is damaged (not a complete zip archive: {_short(exc)}); "
            "ask for the workbook to be sent again"
        ) from None
    except _ZIP_PROBLEMS as exc:
        raise UnreadableWorkbookError(
            f"{path}: the file is damaged or truncated ({_short(exc)}); ask for it to be sent again"
        ) from None


def _short(exc: BaseException) -> str:
    """An exception's text, on one line and bounded (for messages about damaged files)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(2048)


def _describe_non_zip(path: Path, head: bytes) -> str:
    if head.startswith(_OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            return (
                "the workbook is password-protected (encrypted); save it again in Excel "
                "without a password (File > Info > Protect Workbook > Encrypt with Password, "
                "clear the password)"
            )
        return "this is a legacy Excel 97-2003 .xls file; save it as .xlsx (Excel Workbook)"
    if head.startswith(b"%PDF"):
        return "this is a PDF document renamed to .xlsx; send the Excel workbook itself"
    if head.startswith(b"{\\rtf"):
        return "this is an RTF document, not an Excel workbook"
    if b"<html" in head.lower() or b"<!doctype html" in head.lower():
        return "this is an HTML page, not an Excel workbook"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "not an Excel .xlsx workbook (unrecognised binary content)"
    if "," in text or ";" in text or "\t" in text:
        return "this is a CSV/text file renamed to .xlsx; fill the pmoreports Excel template instead"
    return "this is a text file, not an Excel .xlsx workbook"


def _scan_zip(path: Path, zf: zipfile.ZipFile) -> dict[str, SheetScan]:
    infos = {i.filename: i for i in zf.infolist()}
    if "xl/workbook.xml" not in infos:
        raise UnreadableWorkbookError(
            f"{path}: a zip archive but not an Excel workbook (no xl/workbook.xml); is it a Word or PowerPoint file?"
        )
    if len(infos) > MAX_MEMBERS:
        raise UnreadableWorkbookError(
            f"{path}: the file holds {len(infos):,} parts; refusing workbooks with more than "
            f"{MAX_MEMBERS:,} parts (Excel writes a few dozen)"
        )
    big = sorted((i for i in infos.values() if i.file_size > MAX_MEMBER_BYTES), key=lambda i: -i.file_size)
    if big:
        raise UnreadableWorkbookError(
            f"{path}: {_part_name(zf, big[0].filename)} expands to {big[0].file_size:,} bytes; refusing a "
            f"part larger than {MAX_MEMBER_BYTES:,} bytes uncompressed (delete unused rows and columns, "
            "images or pasted objects, and save again)"
        )
    total = sum(i.file_size for i in infos.values())
    if total > MAX_TOTAL_BYTES:
        raise UnreadableWorkbookError(
            f"{path}: the workbook expands to {total:,} bytes; refusing workbooks larger than "
            f"{MAX_TOTAL_BYTES:,} bytes uncompressed (delete unused rows and columns, images or "
            "pasted objects, and save again)"
        )
    for name, info in infos.items():
        if name.endswith((".xml", ".rels")) and _has_dtd(zf, info):
            raise UnreadableWorkbookError(
                f"{path}: {name} declares a DOCTYPE/ENTITY, which Excel never writes; "
                "refusing it as unsafe (possible XML entity-expansion attack)"
            )
    return {name: _scan_sheet(zf, member) for name, member in _sheet_members(path, zf).items()}


def _part_name(zf: zipfile.ZipFile, member: str) -> str:
    """``sheet 'Budget' (xl/worksheets/sheet3.xml)`` when ``member`` is a sheet, else the member."""
    try:
        if zf.getinfo("xl/workbook.xml").file_size <= MAX_MEMBER_BYTES:
            names = {m: n for n, m in _sheet_members(Path(zf.filename or ""), zf).items()}
            if member in names:
                return f"sheet {names[member]!r} ({member})"
    except (KeyError, UnreadableWorkbookError, *_ZIP_PROBLEMS):
        pass
    return member


def _has_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    with zf.open(info) as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            if _DTD.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _sheet_members(path: Path, zf: zipfile.ZipFile) -> dict[str, str]:
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as exc:
        raise UnreadableWorkbookError(
            f"{path}: the workbook structure is damaged ({exc}); ask for it to be sent again"
        ) from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
    members: dict[str, str] = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        member = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        members[sheet.get("name", "")] = posixpath.normpath(member)
    return members


def _scan_sheet(zf: zipfile.ZipFile, member: str) -> SheetScan:
    try:
        xml = zf.read(member)
    except KeyError:
        return SheetScan()
    scan = SheetScan()
    rows = _ROW.findall(xml)
    if rows:
        scan.max_row = max(int(r) for r in rows)
        scan.max_col = max((_last_col(chunk) for chunk in xml.split(b"</row>")), default=0)
    if scan.max_row * scan.max_col > MAX_SHEET_CELLS:
        _exact_bounds(xml, scan)
    if b"<f" in xml:
        scan.uncached_formulas = _uncached(xml)
    if b't="e"' in xml:
        scan.error_cells = _error_cells(xml, _ERROR_CELL, in_tag=True)
    if _NOT_FINITE.search(xml):
        scan.not_finite = _error_cells(xml, _NOT_FINITE, in_tag=False)
    if b"hidden=" in xml:
        _hidden(xml, scan)
    scan.filtered = b"<autoFilter" in xml
    return scan


def _hidden(xml: bytes, scan: SheetScan) -> None:
    """Hidden rows (1-based numbers) and hidden column spans from the sheet XML."""
    for m in _ROW_TAG.finditer(xml):
        attrs = m[1]
        if _HIDDEN.search(attrs) and (number := _ROW_NUMBER.search(attrs)):
            scan.hidden_rows.add(int(number[1]))
    head = xml[: xml.find(b"<sheetData")]
    for m in _COL_TAG.finditer(head):
        attrs = m[1]
        if _HIDDEN.search(attrs) and (span := _COL_SPAN.search(attrs)):
            lo, hi = (span[1], span[2]) if span[1] else (span[4], span[3])
            scan.hidden_cols.append((int(lo), int(hi)))


def _error_cells(xml: bytes, marker: re.Pattern[bytes], *, in_tag: bool) -> dict[str, str]:
    """References of the cells where ``marker`` matches (``in_tag``: in the cell's opening tag,
    as ``t="e"``; else in its content, as a ``<v>``), and the value saved (``#DIV/0!``, ``inf``...)."""
    found: dict[str, str] = {}
    for m in marker.finditer(xml):
        start = xml.rfind(b"<c ", 0, m.start())
        end = xml.find(b"</c>", m.end())
        tag_end = xml.find(b">", start)
        if start < 0 or xml.find(b"</c>", start, m.start()) >= 0 or (tag_end > m.start()) != in_tag:
            continue  # not where the marker means something
        cell = xml[start : end if end >= 0 else m.end()]
        ref = _REF.search(cell)
        value = _VALUE.search(cell)
        if ref:
            found[ref[1].decode()] = value[1].decode("utf-8", "replace").strip() if value else "#error"
    return found


def _last_col(chunk: bytes) -> int:
    """Column number of the last cell in one row's XML (cells are in column order)."""
    start = chunk.rfind(b"<c ")
    match = _CELL.match(chunk, start) if start >= 0 else None
    return column_index_from_string(match[1].decode()) if match else 0


def _exact_bounds(xml: bytes, scan: SheetScan) -> None:
    """Bounds from cells that hold something (styled empty cells are ignored)."""
    best, best_key = "", (0, 0)
    max_row = max_col = 0
    for col, row, empty in _CELL.findall(xml):
        if empty:
            continue
        key = (int(row), column_index_from_string(col.decode()))
        max_row, max_col = max(max_row, key[0]), max(max_col, key[1])
        if key > best_key:
            best, best_key = col.decode() + row.decode(), key
    scan.max_row, scan.max_col = max_row, max_col
    if max_row * max_col > MAX_SHEET_CELLS:
        scan.far_cell = best


def _uncached(xml: bytes) -> set[str]:
    """References of formula cells saved without a calculated value."""
    found: set[str] = set()
    for m in _FORMULA.finditer(xml):
        start = xml.rfind(b"<c ", 0, m.start())
        end = xml.find(b"</c>", m.end())
        cell = xml[start:end]
        ref = _REF.search(cell)
        if ref and not _CACHED.search(cell):
            found.add(ref[1].decode())
    return found
