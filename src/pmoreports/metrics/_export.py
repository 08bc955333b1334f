"""Exports that no spreadsheet application evaluates (the OWASP CSV-injection rule).

Text in the kit's exports comes from workbooks and parameter files, i.e. from people.
A spreadsheet opening a CSV evaluates a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, in some applications, after a leading tab or carriage return) as a
formula: ``=HYPERLINK("http://...","click")`` becomes a live link, ``=cmd|'...'!A0`` a
DDE call. Following OWASP, such a text is written with a single quote in front
(``'=HYPERLINK(...)``), which every spreadsheet shows as text. Only text is touched:
numbers stay numbers, so a negative amount is still the number -1200.

:func:`escape_text` is the one rule; :func:`frame_csv` applies it to every text cell and
column name of a table and is what every CSV export of the kit calls. Formats with
typed cells (xlsx) write text cells instead and use :func:`needs_escape` to mark them.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "escape_frame", "escape_text", "frame_csv", "needs_escape"]

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP)."""

_T = TypeVar("_T")


def needs_escape(text: str) -> bool:
    """True when ``text`` would be evaluated as a formula by a spreadsheet application."""
    return text.startswith(FORMULA_TRIGGERS)


def escape_text(value: _T) -> _T | str:
    """``value`` with a single quote in front when it is a text a spreadsheet would
    evaluate; anything else (other text, numbers, dates, missing values) unchanged."""
    return "'" + value if isinstance(value, str) and needs_escape(value) else value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`escape_text` applied to every text cell and column name.

    Numeric, boolean and datetime columns are left as they are; a text column that holds
    a number-like text (``-2``) is text and is escaped.
    """
    out = frame.rename(columns=escape_text)
    for i, dtype in enumerate(out.dtypes):
        if dtype.kind not in "biufcmM":  # object, string and categorical columns
            out.isetitem(i, out.iloc[:, i].astype(object).map(escape_text).to_numpy())
    return out


def frame_csv(frame: pd.DataFrame, **options: Any) -> str:
    """``frame`` as RFC 4180 CSV text with every text cell escaped: no index, dates as
    ``YYYY-MM-DD``, CRLF line ends (so a text holding a lone CR or LF is quoted and
    stays one cell); ``options`` go to :meth:`pandas.DataFrame.to_csv`."""
    settings: dict[str, Any] = {"index": False, "date_format": "%Y-%m-%d", "lineterminator": "\r\n"} | options
    return str(escape_frame(frame).to_csv(**settings))
