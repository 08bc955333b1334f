"""Exceptions raised by pmoreports, and the data-quality finding scheme.

Every error the kit raises on user input derives from :class:`PmoError`, so the
CLI can turn it into one readable line and a non-zero exit.

Every problem found in a project's data is an :class:`Issue` with a stable ``code``
(``DQ-AC-NO-EV``...) and a severity:

- ``critical``: the report cannot be trusted and is not produced (the workbook is
  refused, :class:`WorkbookError`);
- ``major``: the report is produced, but a number in it is probably wrong or a required
  analysis is missing (e.g. a threshold breach without an explanation);
- ``minor``: a value was read from an unusual form, or something worth a look.

:data:`FINDING_CODES` is the one registry of codes, each with its severity and a
one-line meaning; other parts of the kit add theirs with :func:`register_code`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CRITICAL",
    "FINDING_CODES",
    "MAJOR",
    "MINOR",
    "SEVERITIES",
    "FindingCode",
    "Issue",
    "ParamsError",
    "PmoError",
    "ReportError",
    "TemplateVersionError",
    "UnreadableWorkbookError",
    "WorkbookError",
    "finding_codes_markdown",
    "register_code",
    "shown",
]

SHOWN_LIMIT = 80
"""Characters of a value's ``repr()`` an error message shows at most."""


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """``repr(value)`` for an error message, cut to about ``limit`` characters.

    A longer text ends in an ellipsis and says how long it is
    (``'xxxx…' (52,428,800 characters)``), so a message never prints an unbounded value.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    if isinstance(value, str):
        head = repr(value[:limit])[:limit]
        return f"{head}…{head[0]} ({len(value):,} characters)"
    size = f"{len(value):,} items, " if isinstance(value, list | tuple | dict | set) else ""
    return f"{text[:limit]}… ({size}{len(text):,} characters)"


class PmoError(Exception):
    """Base class of every error raised by pmoreports on user input."""


CRITICAL: Final = "critical"
MAJOR: Final = "major"
MINOR: Final = "minor"
SEVERITIES: Final = (CRITICAL, MAJOR, MINOR)
"""Severities, most severe first."""


@dataclass(frozen=True)
class FindingCode:
    """One kind of data-quality finding: its stable ``code``, ``severity`` and one-line ``meaning``."""

    code: str
    severity: str
    meaning: str


FINDING_CODES: Final[dict[str, FindingCode]] = {}
"""Every finding code, by code (see :func:`register_code`)."""


def register_code(code: str, severity: str, meaning: str) -> FindingCode:
    """Add a finding code to :data:`FINDING_CODES` and return it.

    ``code`` is ``DQ-`` followed by capitals, digits and dashes; registering the same
    code again with the same severity and meaning is a no-op, with anything else a
    ``ValueError`` (a code means one thing for good).
    """
    if not (code.startswith("DQ-") and code[3:] and all(c.isupper() or c.isdigit() or c == "-" for c in code[3:])):
        raise ValueError(f"finding code {code!r}: expected DQ- followed by capitals, digits and dashes")
    if severity not in SEVERITIES:
        raise ValueError(f"finding code {code}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    entry = FindingCode(code, severity, meaning)
    known = FINDING_CODES.setdefault(code, entry)
    if known != entry:
        raise ValueError(f"finding code {code} is already registered as {known.severity}: {known.meaning}")
    return entry


def finding_codes_markdown() -> str:
    """The registry as a Markdown table, most severe first (for the README)."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    rows = sorted(FINDING_CODES.values(), key=lambda c: (order[c.severity], c.code))
    lines = ["| code | severity | meaning |", "|---|---|---|"]
    lines += [f"| `{c.code}` | {c.severity} | {c.meaning} |" for c in rows]
    return "\n".join(lines) + "\n"


for _code, _severity, _meaning in (
    # -- critical: the workbook cannot be used; no report is produced
    ("DQ-SHEET-MISSING", CRITICAL, "a sheet of the template is missing"),
    ("DQ-SHEET-AMBIGUOUS", CRITICAL, "several sheets could be the same template sheet"),
    ("DQ-SHEET-TOO-LARGE", CRITICAL, "a stray cell far outside the data makes a sheet too large to read"),
    ("DQ-SHEET-UNREADABLE", CRITICAL, "a sheet cannot be read (corrupt content)"),
    ("DQ-CELL-NOT-FINITE", CRITICAL, "a cell holds a number no spreadsheet can show"),
    ("DQ-HEADER-MISSING", CRITICAL, "a sheet's header row is not found"),
    ("DQ-MERGED-CELLS", CRITICAL, "merged cells in the data area"),
    ("DQ-FIELD-MISSING", CRITICAL, "a row of the Project sheet is missing"),
    ("DQ-COLUMN-MISSING", CRITICAL, "a required column is missing"),
    ("DQ-DUPLICATE-ROW", CRITICAL, "a row (WBS element x category, or Project field) appears twice"),
    ("DQ-DUPLICATE-COLUMN", CRITICAL, "a column header appears twice"),
    ("DQ-DUPLICATE-MONTH", CRITICAL, "a month column appears twice"),
    ("DQ-DUPLICATE-KEY", CRITICAL, "a list entry (change, risk, milestone...) appears twice"),
    ("DQ-CELL-REQUIRED", CRITICAL, "a required cell is empty"),
    ("DQ-CELL-INVALID", CRITICAL, "a cell's value is not valid for its field (type, range, ambiguous reading)"),
    ("DQ-CELL-ERROR-VALUE", CRITICAL, "a cell holds an error value such as #N/A (a formula that failed)"),
    ("DQ-CELL-UNCALCULATED", CRITICAL, "a formula with no calculated value"),
    ("DQ-MONTHS-MISSING", CRITICAL, "a grid has no month columns"),
    ("DQ-MONTH-HEADER-INVALID", CRITICAL, "a month header is not a month"),
    ("DQ-MONTH-HEADER-FAR", CRITICAL, "a month header is more than 5 years outside the project"),
    ("DQ-MONTH-HEADER-MISSING", CRITICAL, "values under a column with no month header"),
    ("DQ-BASELINE-ORDER", CRITICAL, "the baseline finish is before the baseline start"),
    ("DQ-STATUS-OUTSIDE", CRITICAL, "the status date is outside the project's months"),
    ("DQ-BUDGET-EMPTY", CRITICAL, "the Budget sheet has no rows"),
    ("DQ-ROW-UNMATCHED", CRITICAL, "a row names a WBS element (x category) that has no Budget row"),
    ("DQ-AC-NEGATIVE-TOTAL", CRITICAL, "a row's cumulative actual cost falls below zero"),
    # -- major: the report is produced, but a figure in it is probably wrong or unexplained
    ("DQ-BASELINE-LONG", MAJOR, "the baseline runs more than 15 years (a typo in a baseline date?)"),
    ("DQ-DATE-FAR", MAJOR, "a date or year far outside the project (a typo?)"),
    ("DQ-COLUMN-OPTIONAL-MISSING", MAJOR, "an optional column is missing; its values are read as empty"),
    ("DQ-STATUS-FUTURE", MAJOR, "the status date is after the current month (filled early?)"),
    ("DQ-STATUS-MONTH-EMPTY", MAJOR, "no actual cost and no progress entered for the status month"),
    ("DQ-STATUS-NO-AC", MAJOR, "progress but no actual cost entered for the status month of unfinished work"),
    ("DQ-PROGRESS-BACKWARDS", MAJOR, "a WBS element's percent complete goes down"),
    ("DQ-PROGRESS-ROW-MISSING", MAJOR, "a WBS element has budget but no Progress row (its EV is 0)"),
    ("DQ-BAC-RECONCILE", MAJOR, "the Budget total is neither the approved budget nor it plus the approved changes"),
    ("DQ-EV-ABOVE-APPROVED", MAJOR, "earned value is above the approved budget"),
    ("DQ-AC-NO-EV", MAJOR, "actual cost on a WBS element that has earned nothing"),
    ("DQ-EV-NO-AC", MAJOR, "earned value on a WBS element with no actual cost"),
    ("DQ-EV-ABOVE-BAC", MAJOR, "a WBS element's earned value is above its budget"),
    ("DQ-PROGRESS-NO-BUDGET", MAJOR, "progress reported on a WBS element with no budget"),
    ("DQ-AC-NO-BUDGET", MAJOR, "actual cost on a WBS element with no budget"),
    ("DQ-ETC-ON-COMPLETE", MAJOR, "an estimate to complete left on a completed WBS element"),
    ("DQ-ETC-BELOW-AC", MAJOR, "a forecast no higher than the actuals: ETC = 0 on unfinished work"),
    ("DQ-VAR-UNEXPLAINED", MAJOR, "a variance over its threshold has no explanation on the Variances sheet"),
    ("DQ-VAR-UNKNOWN-ELEMENT", MAJOR, "a variance explanation names an element that does not exist"),
    # -- minor: read from an unusual form, or worth a look
    ("DQ-SHEET-RENAMED", MINOR, "a sheet name differs from the template's only in spaces or capitals"),
    ("DQ-HIDDEN-DATA", MINOR, "hidden or filtered-out rows or columns hold data (it is read)"),
    ("DQ-CELL-READING", MINOR, "a value read from a form other than the plain typed value (e.g. number as text)"),
    ("DQ-MONTH-HEADER-READING", MINOR, "a month header read from text or a date serial"),
    ("DQ-MONTH-HEADER-DAY", MINOR, "a month header is a date other than the 1st (read as its month)"),
    ("DQ-AC-CREDIT-NOTE", MINOR, "a negative actual cost (a credit note) reduces the cost to date"),
    ("DQ-AC-AFTER-STATUS", MINOR, "actual cost after the status date (ignored)"),
    ("DQ-PROGRESS-AFTER-STATUS", MINOR, "progress after the status date (ignored)"),
    ("DQ-AC-AFTER-COMPLETE", MINOR, "actual cost booked in the status month on a WBS element completed earlier"),
    ("DQ-EV-NO-PV", MINOR, "earned value on a WBS element with no planned value yet (started ahead of plan)"),
    ("DQ-VAR-ACTION-OVERDUE", MINOR, "a variance's corrective action is past its due date and not closed"),
    ("DQ-TEMPLATE-OLDER", MINOR, "an older template (e.g. 1.0): a sheet added since is absent and read as empty"),
):
    register_code(_code, _severity, _meaning)


@dataclass(frozen=True)
class Issue:
    """One problem found in a project's data.

    ``severity`` is ``"critical"`` (the workbook cannot be used and no report is made),
    ``"major"`` or ``"minor"`` (suspicious but legal data, shown in the report's data-quality
    section); it is the severity of ``code`` in :data:`FINDING_CODES`. ``cell`` is an A1
    reference such as ``F14`` or ``""`` when the problem is about a whole sheet or file.
    """

    severity: str
    file: str
    sheet: str
    cell: str
    found: str
    expected: str
    message: str
    code: str

    def __post_init__(self) -> None:
        entry = FINDING_CODES.get(self.code)
        if entry is None:
            raise ValueError(f"unknown finding code {self.code!r}; register it with register_code()")
        if self.severity != entry.severity:
            raise ValueError(f"finding {self.code} is {entry.severity}, not {self.severity!r}")

    @classmethod
    def of(
        cls, code: str, file: str, sheet: str, cell: str, message: str, found: str = "", expected: str = ""
    ) -> Issue:
        """A finding of ``code``, with the severity the registry gives it."""
        entry = FINDING_CODES.get(code)
        if entry is None:
            raise ValueError(f"unknown finding code {code!r}; register it with register_code()")
        return cls(entry.severity, file, sheet, cell, found, expected, message, code)

    @property
    def critical(self) -> bool:
        """``True`` when the workbook cannot be used (no report is produced)."""
        return self.severity == CRITICAL

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form (``Issue(**d)`` builds it back)."""
        return {k: str(v) for k, v in vars(self).items()}

    def __str__(self) -> str:
        return f"{self.file}: {self.describe()}" if self.file else self.describe()

    def describe(self) -> str:
        """``Sheet!A1: message (found ...; expected ...)`` without the file name."""
        loc = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or self.cell
        text = f"{loc}: {self.message}" if loc else self.message
        if self.found:
            text += f" (found {self.found}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


class WorkbookError(PmoError):
    """A workbook has one or more critical problems; ``issues`` lists all findings."""

    def __init__(self, file: str, issues: list[Issue]) -> None:
        self.file = file
        self.issues = issues
        errors = [i for i in issues if i.critical]
        lines = [f"{file}: {len(errors)} problem(s) in the workbook"]
        lines += [f"  - {i.describe()}" for i in errors]
        super().__init__("\n".join(lines))


class UnreadableWorkbookError(PmoError):
    """The file is not a usable xlsx workbook at all (wrong format, corrupt, encrypted)."""


class TemplateVersionError(UnreadableWorkbookError):
    """The workbook was made from a template version this kit cannot read."""


class ParamsError(PmoError):
    """A parameter file is invalid (unknown key, wrong type, missing file...)."""


class ReportError(PmoError):
    """Running or rendering a report failed.

    ``cell`` is the failing notebook cell (``"[7] show(report.s_curve())"``) when a
    cell raised, else ``""``.
    """

    def __init__(self, message: str, cell: str = "") -> None:
        super().__init__(message)
        self.cell = cell
