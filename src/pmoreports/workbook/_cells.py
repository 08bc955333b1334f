"""Parse one raw cell value (as a spreadsheet reader returns it) by its schema kind.

Each parser returns the typed value or raises :class:`CellProblem` saying what
was found and what was expected. Blank cells are handled by the caller.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from .schema import Field, Kind

__all__ = ["CellProblem", "found_text", "is_blank", "parse_cell", "parse_month_header"]

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!")
_ALIASES = {"realized": "realised"}


class CellProblem(ValueError):
    """A cell value that does not fit its field."""

    def __init__(self, found: str, expected: str, message: str) -> None:
        super().__init__(message)
        self.found = found
        self.expected = expected
        self.message = message


def is_blank(raw: Any) -> bool:
    """True for an empty cell or one holding only spaces."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def found_text(raw: Any) -> str:
    """How a raw value is quoted in a message."""
    if isinstance(raw, str):
        return repr(raw.strip()[:60])
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return f"{int(raw):,}"
    if isinstance(raw, float):
        return f"{raw:,.6g}"
    return str(raw)


def parse_cell(f: Field, raw: Any) -> Any:
    """The typed value of a non-blank cell for field ``f``."""
    if isinstance(raw, str) and raw.strip() in _ERRORS:
        raise CellProblem(repr(raw.strip()), f.describe(), "the formula in this cell gives an error")
    return _PARSERS[f.kind](f, raw)


def parse_month_header(raw: Any) -> dt.date | None:
    """The month a grid header names (first day), or ``None`` if it is not a date."""
    try:
        return _to_date(raw).replace(day=1)
    except CellProblem:
        return None


def _to_number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise CellProblem(str(raw).upper(), "a number", "expected a number, found TRUE/FALSE")
    if isinstance(raw, int | float):
        value = float(raw)
        if math.isfinite(value):
            return value
    if isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "")
        if _NUMBER.match(text):
            return float(text.replace(",", ""))
    raise CellProblem(found_text(raw), "a number", "expected a number")


def _percent_number(raw: Any) -> float:
    if isinstance(raw, str) and raw.strip().endswith("%"):
        return _to_number(raw.strip()[:-1]) / 100.0
    return _to_number(raw)


def _to_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
    if isinstance(raw, str):
        text = raw.strip()
        month = _ISO_MONTH.match(text)
        try:
            if month:
                return dt.date(int(month[1]), int(month[2]), 1)
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise CellProblem(found_text(raw), "a date (e.g. 2026-03-31)", "expected a date")


def _text(f: Field, raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.date):
        return found_text(raw)
    return str(raw).strip()


def _ident(f: Field, raw: Any) -> str:
    text = _text(f, raw)
    if not _IDENT.match(text):
        raise CellProblem(found_text(raw), f.describe(), "not a valid identifier")
    return text


def _currency(f: Field, raw: Any) -> str:
    text = _text(f, raw).upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise CellProblem(found_text(raw), f.describe(), "not a currency code")
    return text


def _money(f: Field, raw: Any) -> float:
    value = _to_number(raw)
    if value < 0 and f.kind is Kind.MONEY:
        raise CellProblem(found_text(raw), "an amount >= 0", "negative amount")
    return value


def _percent(f: Field, raw: Any) -> float:
    value = _percent_number(raw)
    if not 0.0 <= value <= 1.0:
        hint = " (to enter 45 %, type 45% in the cell)" if 1.0 < value <= 100.0 else ""
        raise CellProblem(f"{value:.0%}", "a percent between 0% and 100%", "percent out of range" + hint)
    return value


def _rate(f: Field, raw: Any) -> float:
    value = _percent_number(raw)
    if not 0.0 <= value < 1.0:
        raise CellProblem(f"{value:.1%}", "an annual rate from 0% to 99%", "rate out of range")
    return value


def _probability(f: Field, raw: Any) -> float:
    value = _percent_number(raw)
    if not 0.0 < value <= 100.0:
        raise CellProblem(found_text(raw), f.describe(), "probability out of range")
    return value


def _date(f: Field, raw: Any) -> dt.date:
    value = _to_date(raw)
    if not dt.date(1990, 1, 1) <= value <= dt.date(2200, 12, 31):
        raise CellProblem(value.isoformat(), "a date between 1990 and 2200", "implausible date")
    return value


def _month(f: Field, raw: Any) -> dt.date:
    return _date(f, raw).replace(day=1)


def _whole(f: Field, raw: Any) -> int:
    value = _to_number(raw)
    if not value.is_integer():
        raise CellProblem(found_text(raw), f.describe(), "expected a whole number")
    return int(value)


def _year(f: Field, raw: Any) -> int:
    value = _whole(f, raw)
    if not 1990 <= value <= 2200:
        raise CellProblem(found_text(raw), "a year such as 2027", "implausible year")
    return value


def _choice(f: Field, raw: Any) -> str:
    text = _text(f, raw)
    wanted = _ALIASES.get(text.lower(), text.lower())
    for choice in f.choices:
        if choice.lower() == wanted:
            return choice
    raise CellProblem(found_text(raw), f.describe(), "not one of the allowed values")


_PARSERS: dict[Kind, Callable[[Field, Any], Any]] = {
    Kind.TEXT: _text,
    Kind.LONG_TEXT: _text,
    Kind.IDENT: _ident,
    Kind.CURRENCY: _currency,
    Kind.MONEY: _money,
    Kind.SIGNED_MONEY: _money,
    Kind.PERCENT: _percent,
    Kind.RATE: _rate,
    Kind.PROBABILITY: _probability,
    Kind.DATE: _date,
    Kind.MONTH: _month,
    Kind.DAYS: _whole,
    Kind.YEAR: _year,
    Kind.CHOICE: _choice,
}
