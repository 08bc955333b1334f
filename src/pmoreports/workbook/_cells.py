"""Parse one raw cell value (as a spreadsheet reader returns it) by its schema kind.

The rule is *no guessing*. A value is read only when it has exactly one
sensible reading:

- a real number, date or text of the expected type is read as it is;
- a number or date stored as text with one reading (``'1.234,50'``,
  ``'1,234.50'``, ``'19/03/2026'``) is read, and the :class:`Reading` carries a
  note stating the reading, which the reader turns into a warning;
- a value with two readings (``'39.000'``: 39 or 39000; ``'01/04/2026'``: 1 April
  or 4 January), a currency sign or code, a percent in an amount cell, a number
  where a date is expected, or a date outside 1990-2200 raises
  :class:`CellProblem` saying what was found, the readings and what to type.

Blank cells are handled by the caller.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .schema import Field, Kind

__all__ = [
    "MAX_AMOUNT",
    "MAX_DATE",
    "MAX_DAYS",
    "MIN_DATE",
    "CellProblem",
    "Reading",
    "found_text",
    "is_blank",
    "parse_cell",
    "parse_month_header",
    "show_month",
]

MIN_DATE = dt.date(1990, 1, 1)
"""Earliest date (and month header) accepted anywhere in a workbook."""
MAX_DATE = dt.date(2200, 12, 31)
"""Latest date accepted anywhere in a workbook."""
MAX_AMOUNT = 1e15
"""Largest money amount accepted (in the project currency); larger is a typo or an overflow."""
MAX_DAYS = 3650
"""Largest schedule impact accepted, in days either way (the template's validation uses the same)."""

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MIN_SERIAL = (MIN_DATE - _EXCEL_EPOCH).days
_MAX_SERIAL = (MAX_DATE - _EXCEL_EPOCH).days
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA")
_ALIASES = {"realized": "realised"}
_TEXT_NUMBER_HELP = "a plain number in a number-formatted cell"

# Numbers stored as text: unify look-alike characters first.
_LOOKALIKES = str.maketrans(
    {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2212": "-", "\u2019": "'", "\u00b4": "'"}
)
_DIGITS_AND_SEPARATORS = re.compile(r"[0-9][0-9.,' ]*|[.,][0-9][0-9.,' ]*")
_DIGITS = re.compile(r"[0-9]+")
_SCIENTIFIC = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]{1,3}")
_CURRENCY_CODE = re.compile(r"([A-Za-z]{3})\s*([-+(]?\s*[0-9.,' ]+\)?)|([-+(]?\s*[0-9.,' ]+\)?)\s*([A-Za-z]{3})")
# Dates stored as text.
_ISO = re.compile(
    r"([0-9]{4})([-/.])([0-9]{1,2})(?:\2([0-9]{1,2}))?(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})")
_MONTH_YEAR = re.compile(r"([0-9]{1,2})[-/.]([0-9]{4})")
_TWO_DIGIT_YEAR = re.compile(r"[0-9]{1,2}[-/.][0-9]{1,2}(?:[-/.][0-9]{2})?|[A-Za-z]{3,9}[-/. ]+[0-9]{2}")
_MONTH_NAMES = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
_DATE_HELP = "a date such as 2026-03-19 in a date-formatted cell"


@dataclass(frozen=True)
class Reading:
    """The typed value of a cell; ``note`` is set when it was read from a form worth a warning
    (a number or date stored as text, a date serial shown as a number), and states the reading."""

    value: Any
    note: str = ""


class CellProblem(ValueError):
    """A cell value that does not fit its field: what was ``found``, what was ``expected``."""

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
    return str(raw)[:60]


def show_month(month: dt.date) -> str:
    """``Apr 2026``: how a month is named in messages (English, independent of the locale)."""
    return f"{_MONTH_ABBR[month.month - 1]} {month.year}"


def parse_cell(f: Field, raw: Any) -> Reading:
    """The typed value of a non-blank cell for field ``f``."""
    if isinstance(raw, str) and raw.strip() in _ERRORS:
        raise CellProblem(repr(raw.strip()), f.describe(), "the formula in this cell gives an error")
    return _PARSERS[f.kind](f, raw)


def parse_month_header(raw: Any) -> Reading:
    """The date a grid's month header names, or :class:`CellProblem`.

    ``value`` is the full date when the header gives a day (a date cell, or
    text such as ``2026-04-15``), else the first of the month; the caller maps
    it to its month. Numbers are never taken for months: ``4.2026`` (what
    ``04.2026`` becomes when a spreadsheet reads it as a number) and ``202602``
    are errors with what to type; an Excel date serial shown as a number is
    read with a note.
    """
    try:
        return _to_date(raw, need_day=False)
    except CellProblem as p:
        generic = "expected a date"
        message = (
            "month header is not a date" + p.message[len(generic) :]
            if p.message.startswith(generic)
            else f"month header: {p.message}"
        )
        raise CellProblem(p.found, "a month such as 2026-04-01 (a date cell) or the text 2026-04", message) from None


# -- numbers -----------------------------------------------------------------------------------


def _show_number(value: float) -> str:
    return f"{value:.15g}" if abs(value) < 1e15 else f"{value:.6g}"


def _number(raw: Any, *, percent: bool = False) -> Reading:
    """A finite number from a number cell or from text with exactly one reading.

    With ``percent``, text may end in ``%`` (``'45%'`` reads 0.45).
    """
    if isinstance(raw, bool):
        raise CellProblem(str(raw).upper(), "a number", "expected a number, found TRUE/FALSE")
    if isinstance(raw, int | float):
        value = float(raw)
        if not math.isfinite(value):
            raise CellProblem(str(raw), "a number", "not a finite number")
        return Reading(value)
    if isinstance(raw, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellProblem(
            found_text(raw),
            _TEXT_NUMBER_HELP,
            "expected a number, found a date or time (is the cell formatted as a date? "
            "format it as a number and retype the amount)",
        )
    if isinstance(raw, str):
        return _text_number(raw, percent=percent)
    raise CellProblem(found_text(raw), "a number", "expected a number")


def _text_number(raw: str, *, percent: bool) -> Reading:
    found = found_text(raw)
    text = " ".join(raw.translate(_LOOKALIKES).split())
    symbol = next((ch for ch in text if unicodedata.category(ch) == "Sc"), "")
    code = _CURRENCY_CODE.fullmatch(text)
    if symbol or code:
        if code and not symbol:
            rest, what = code[2] or code[3], f"the currency code {(code[1] or code[4]).upper()!r}"
        else:
            rest, what = text.replace(symbol, ""), f"the currency sign {symbol!r}"
        hint = _one_reading_hint(rest)
        raise CellProblem(
            found,
            _TEXT_NUMBER_HELP + hint,
            f"amount typed with {what}; type the number only, without currency "
            "(the project's currency is set once, on the Project sheet)",
        )
    negative, body = _strip_sign(text)
    is_percent = body.endswith("%")
    if is_percent:
        if not percent:
            raise CellProblem(
                found,
                _TEXT_NUMBER_HELP,
                "a percent in an amount cell; type the amount itself (the cell takes money, not a share)",
            )
        body = body[:-1].rstrip()
    readings = _readings(body)
    if not readings:
        raise CellProblem(found, "a number", "expected a number")
    if len(readings) > 1:
        unit = "%" if is_percent else ""
        a, b = (_show_number(-v if negative else v) + unit for v in sorted(readings))
        sep = next(ch for ch in reversed(body) if ch in ".,")
        raise CellProblem(
            f"{found} (text)",
            f"{_TEXT_NUMBER_HELP} ({a} or {b}, whichever is meant)",
            f"ambiguous number stored as text: it reads {a} ({sep} as the decimal point) or {b} "
            f"({sep} as a thousands separator); type the number itself, without separators",
        )
    value = readings.pop()
    value = -value if negative else value
    if is_percent:
        value /= 100.0
    shown = f"{_show_number(value * 100)}%" if is_percent else _show_number(value)
    return Reading(value, f"number stored as text, read as {shown}; type it as a number (Excel's totals skip text)")


def _strip_sign(text: str) -> tuple[bool, str]:
    """``(negative, rest)`` of a number text: a leading sign or accounting brackets ``(1200)``."""
    negative = False
    if len(text) > 2 and text[0] == "(" and text[-1] == ")":
        negative, text = True, text[1:-1].strip()
    if text[:1] in ("+", "-"):
        negative, text = negative != (text[0] == "-"), text[1:].strip()
    return negative, text


def _readings(body: str) -> set[float]:
    """Every value a text of digits and separators can mean (without sign).

    Two conventions are tried: ``.`` decimal with ``,``/space/``'`` grouping and
    ``,`` decimal with ``.``/space/``'`` grouping. Groups must be of three digits
    (or the Indian 2-digit lakh grouping with ``,``); one grouping character per
    number. The result has one value when the text is unambiguous.
    """
    if _SCIENTIFIC.fullmatch(body):
        return {float(body)}
    if not _DIGITS_AND_SEPARATORS.fullmatch(body):
        return set()
    found = (_reading(body, ".", ",' "), _reading(body, ",", ".' "))
    return {v for v in found if v is not None}


def _reading(body: str, decimal: str, groups: str) -> float | None:
    whole, _, frac = body.partition(decimal)
    if frac and not _DIGITS.fullmatch(frac):
        return None
    if not whole and not frac:
        return None
    used = {ch for ch in whole if not ch.isascii() or not ch.isdigit()}
    if len(used) > 1 or not used <= set(groups):
        return None
    if used:
        group = used.pop()
        parts = whole.split(group)
        if not _grouped(parts, indian=group == ","):
            return None
        whole = "".join(parts)
    if whole and not _DIGITS.fullmatch(whole):
        return None
    return float(f"{whole or '0'}.{frac or '0'}")


def _grouped(parts: list[str], *, indian: bool) -> bool:
    """True when digit groups are a valid thousands grouping (first group 1-3 digits, no leading 0)."""
    first, rest = parts[0], parts[1:]
    if not (1 <= len(first) <= 3) or first.startswith("0"):
        return False
    if all(len(p) == 3 for p in rest):
        return True
    return indian and len(rest) >= 2 and len(first) <= 2 and all(len(p) == 2 for p in rest[:-1]) and len(rest[-1]) == 3


def _one_reading_hint(text: str) -> str:
    """`` (e.g. 1200)`` when the number part of a text has exactly one reading, else ``''``."""
    negative, body = _strip_sign(text.strip())
    readings = _readings(body)
    if len(readings) != 1:
        return ""
    value = readings.pop()
    return f", e.g. {_show_number(-value if negative else value)}"


# -- dates -------------------------------------------------------------------------------------

_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _serial(value: dt.date) -> float:
    """The Excel serial number of a date or datetime, as a spreadsheet stores it.

    Excel counts a nonexistent 29 Feb 1900, so serials before March 1900 start a day later.
    """
    day = value.date() if isinstance(value, dt.datetime) else value
    epoch = _EXCEL_EPOCH if day >= dt.date(1900, 3, 1) else _EXCEL_EPOCH + dt.timedelta(days=1)
    if isinstance(value, dt.datetime):
        return (value - dt.datetime.combine(epoch, dt.time())).total_seconds() / 86400
    return float((value - epoch).days)


def _number_hint(number: float) -> str:
    """What a number typed where a date belongs probably meant, as advice (or ``''``)."""
    if number.is_integer():
        n = int(number)
        if 190001 <= n <= 220012 and 1 <= n % 100 <= 12:
            return f"; if you meant {show_month(dt.date(n // 100, n % 100, 1))}, type {n // 100}-{n % 100:02d}-01"
        if 19000101 <= n <= 22001231:
            try:
                day = dt.date(n // 10000, n // 100 % 100, n % 100)
            except ValueError:
                return ""
            return f"; if you meant {day.isoformat()}, type it as a date"
        return ""
    month = int(number)
    year = round((number - month) * 10000)
    if 1 <= month <= 12 and MIN_DATE.year <= year <= MAX_DATE.year:
        return (
            f"; if you meant {show_month(dt.date(year, month, 1))} ({month:02d}.{year} read as a number), "
            f"type {year}-{month:02d}-01"
        )
    return ""


def _in_range(value: dt.date) -> dt.date:
    """``value`` as a date if it lies in MIN_DATE..MAX_DATE; else the number behind it, with advice."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if MIN_DATE <= day <= MAX_DATE:
        return day
    serial = round(_serial(value), 6)
    hint = _number_hint(serial) if serial > 0 else ""
    raise CellProblem(
        found_text(value),
        f"a date from {MIN_DATE.year} to {MAX_DATE.year}",
        f"implausible date: the number {_show_number(serial)} shown as a date{hint or '; type the date again'}",
    )


def _to_date(raw: Any, *, need_day: bool) -> Reading:
    """A date from a date cell, a date serial shown as a number, or text with one reading."""
    if isinstance(raw, dt.date):
        return Reading(_in_range(raw))
    if isinstance(raw, bool):
        raise CellProblem(str(raw).upper(), _DATE_HELP, "expected a date, found TRUE/FALSE")
    if isinstance(raw, dt.time):
        raise CellProblem(
            found_text(raw),
            _DATE_HELP,
            "a time of day, not a date (a number below 1, or a negative one, in a date-formatted cell)",
        )
    if isinstance(raw, int | float):
        number = float(raw)
        if math.isfinite(number) and number.is_integer() and _MIN_SERIAL <= number <= _MAX_SERIAL:
            value = _EXCEL_EPOCH + dt.timedelta(days=int(number))
            return Reading(value, f"a date serial number in a cell not formatted as a date, read as {value}")
        hint = _number_hint(number) if math.isfinite(number) else ""
        raise CellProblem(found_text(raw), _DATE_HELP, f"a number, not a date{hint}")
    if isinstance(raw, str):
        return _text_date(raw, need_day=need_day)
    raise CellProblem(found_text(raw), _DATE_HELP, "expected a date")


def _text_date(raw: str, *, need_day: bool) -> Reading:
    found = found_text(raw)
    text = " ".join(raw.split())
    readings, explicit = _date_readings(text)
    if not readings:
        two_digit = " (write the year with 4 digits)" if _TWO_DIGIT_YEAR.fullmatch(text) else ""
        raise CellProblem(found, _DATE_HELP, f"expected a date{two_digit}")
    if len(readings) > 1:
        a, b = sorted(readings)
        raise CellProblem(
            found,
            "a date written year-month-day, e.g. " + _iso(a),
            f"ambiguous date: it reads {_iso(a)} or {_iso(b)} (day/month or month/day); "
            "type it as year-month-day, or as a date in a date-formatted cell",
        )
    y, m, d = readings.pop()
    if d is None and need_day:
        raise CellProblem(found, _DATE_HELP, "a month without a day; type the full date")
    value = _in_range(dt.date(y, m, d or 1))
    note = "" if explicit else f"date stored as text, read as {value.isoformat()} ({_order(text)})"
    return Reading(value, note)


def _iso(ymd: tuple[int, int, int | None]) -> str:
    y, m, d = ymd
    return f"{y}-{m:02d}" if d is None else f"{y}-{m:02d}-{d:02d}"


def _order(text: str) -> str:
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match and int(match[1]) > 12:
        return "day/month/year"
    return "month/day/year" if match and int(match[3]) > 12 else "the only valid reading"


def _valid(y: int, m: int, d: int | None) -> bool:
    try:
        dt.date(y, m, d or 1)
    except ValueError:
        return False
    return True


def _date_readings(text: str) -> tuple[set[tuple[int, int, int | None]], bool]:
    """Readings ``(year, month, day or None)`` of a date text, and whether the form is explicit
    (ISO year-first, or a month name), so that it needs no warning."""
    iso = _ISO.fullmatch(text)
    if iso:
        y, m, d = int(iso[1]), int(iso[3]), int(iso[4]) if iso[4] else None
        return ({(y, m, d)} if _valid(y, m, d) else set()), True
    dmy = _DAY_MONTH_YEAR.fullmatch(text)
    if dmy:
        a, b, y = int(dmy[1]), int(dmy[3]), int(dmy[4])
        return {(y, m, d) for d, m in ((a, b), (b, a)) if _valid(y, m, d)}, False
    my = _MONTH_YEAR.fullmatch(text)
    if my:
        y, m = int(my[2]), int(my[1])
        return ({(y, m, None)} if _valid(y, m, None) else set()), True
    return _named_month(text), True


def _named_month(text: str) -> set[tuple[int, int, int | None]]:
    """``Apr 2026``, ``April 2026``, ``19 March 2026``, ``March 19, 2026``, ``2026 Apr``."""
    tokens = [t for t in re.split(r"[\s,./-]+", text.lower()) if t]
    months = [_MONTH_NAMES[t] for t in tokens if t in _MONTH_NAMES]
    years = [int(t) for t in tokens if len(t) == 4 and t.isascii() and t.isdigit()]
    days = [int(t) for t in tokens if len(t) <= 2 and t.isascii() and t.isdigit()]
    if len(months) != 1 or len(years) != 1 or len(days) > 1 or len(tokens) != 2 + len(days):
        return set()
    y, m, d = years[0], months[0], days[0] if days else None
    return {(y, m, d)} if _valid(y, m, d) else set()


# -- parsers by kind ---------------------------------------------------------------------------


def _text(f: Field, raw: Any) -> Reading:
    if isinstance(raw, float) and raw.is_integer():
        return Reading(str(int(raw)))
    if isinstance(raw, dt.date):
        return Reading(found_text(raw))
    return Reading(str(raw).strip())


def _ident(f: Field, raw: Any) -> Reading:
    text = _text(f, raw).value
    if not _IDENT.match(text):
        raise CellProblem(found_text(raw), f.describe(), "not a valid identifier")
    return Reading(text)


def _currency(f: Field, raw: Any) -> Reading:
    text = _text(f, raw).value.upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise CellProblem(found_text(raw), f.describe(), "not a currency code")
    return Reading(text)


def _money(f: Field, raw: Any) -> Reading:
    reading = _number(raw)
    if abs(reading.value) > MAX_AMOUNT:
        raise CellProblem(found_text(raw), f"an amount up to {MAX_AMOUNT:,.0f}", "implausibly large amount")
    if reading.value < 0 and f.kind is Kind.MONEY:
        raise CellProblem(
            found_text(raw),
            "an amount >= 0",
            "negative amount; amounts here cannot be below zero (a credit note goes on the Actuals "
            "sheet as a negative actual cost; a saving is a change with a negative cost impact)",
        )
    return reading


def _percent(f: Field, raw: Any) -> Reading:
    reading = _number(raw, percent=True)
    value = reading.value
    if not 0.0 <= value <= 1.0:
        hint = " (to enter 45 %, type 45% in the cell)" if 1.0 < value <= 100.0 else ""
        raise CellProblem(f"{value:.0%}", "a percent between 0% and 100%", "percent out of range" + hint)
    return reading


def _rate(f: Field, raw: Any) -> Reading:
    reading = _number(raw, percent=True)
    if not 0.0 <= reading.value < 1.0:
        raise CellProblem(f"{reading.value:.1%}", "an annual rate from 0% to 99%", "rate out of range")
    return reading


def _probability(f: Field, raw: Any) -> Reading:
    reading = _number(raw, percent=True)
    if not 0.0 < reading.value <= 100.0:
        raise CellProblem(found_text(raw), f.describe(), "probability out of range")
    return reading


def _score(f: Field, raw: Any) -> Reading:
    """A survey score: a plain number from 0 to 100 (its scale is checked by the reader)."""
    reading = _number(raw)
    if not 0.0 <= reading.value <= 100.0:
        raise CellProblem(found_text(raw), f.describe(), "score out of range")
    return reading


def _date(f: Field, raw: Any) -> Reading:
    return _to_date(raw, need_day=True)


def _month(f: Field, raw: Any) -> Reading:
    reading = _to_date(raw, need_day=False)
    return Reading(reading.value.replace(day=1), reading.note)


def _whole(f: Field, raw: Any) -> Reading:
    reading = _number(raw)
    if not reading.value.is_integer():
        raise CellProblem(found_text(raw), f.describe(), "expected a whole number")
    if f.kind is Kind.DAYS and abs(reading.value) > MAX_DAYS:
        raise CellProblem(found_text(raw), f"a number of days from -{MAX_DAYS} to {MAX_DAYS}", "implausible delay")
    return Reading(int(reading.value), reading.note)


def _year(f: Field, raw: Any) -> Reading:
    reading = _whole(f, raw)
    if not MIN_DATE.year <= reading.value <= MAX_DATE.year:
        raise CellProblem(found_text(raw), "a year such as 2027", "implausible year")
    return reading


def _choice(f: Field, raw: Any) -> Reading:
    text = " ".join(_text(f, raw).value.split())
    wanted = _ALIASES.get(text.lower(), text.lower())
    for choice in f.choices:
        if choice.lower() == wanted:
            return Reading(choice)
    raise CellProblem(found_text(raw), f.describe(), "not one of the allowed values")


_PARSERS: dict[Kind, Callable[[Field, Any], Reading]] = {
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
    Kind.SCORE: _score,
}
