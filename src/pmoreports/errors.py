"""Exceptions raised by pmoreports.

Every error the kit raises on user input derives from :class:`PmoError`, so the
CLI can turn it into one readable line and a non-zero exit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Issue",
    "ParamsError",
    "PmoError",
    "ReportError",
    "TemplateVersionError",
    "UnreadableWorkbookError",
    "WorkbookError",
    "WorkbookKindError",
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


@dataclass(frozen=True)
class Issue:
    """One problem found in a workbook.

    ``severity`` is ``"error"`` (the workbook cannot be used) or ``"warning"``
    (suspicious but legal data, shown in the report's data-quality section).
    ``cell`` is an A1 reference such as ``F14`` or ``""`` when the problem is
    about a whole sheet or file.
    """

    severity: str
    file: str
    sheet: str
    cell: str
    found: str
    expected: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
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
    """A workbook has one or more errors; ``issues`` lists all of them."""

    def __init__(self, file: str, issues: list[Issue]) -> None:
        self.file = file
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        lines = [f"{file}: {len(errors)} problem(s) in the workbook"]
        lines += [f"  - {i.describe()}" for i in errors]
        super().__init__("\n".join(lines))


class UnreadableWorkbookError(PmoError):
    """The file is not a usable xlsx workbook at all (wrong format, corrupt, encrypted)."""


class TemplateVersionError(UnreadableWorkbookError):
    """The workbook was made from a template version this kit cannot read."""


class WorkbookKindError(PmoError):
    """A workbook of one template kind (e.g. a risk register) was given where another is needed
    (a status report needs the full project workbook)."""


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
