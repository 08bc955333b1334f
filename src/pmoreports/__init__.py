"""pmoreports: Excel templates, project metrics and status reports for a PMO."""

from __future__ import annotations

from .errors import (
    Issue,
    ParamsError,
    PmoError,
    ReportError,
    TemplateVersionError,
    UnreadableWorkbookError,
    WorkbookError,
)
from .model import ProjectData, ProjectInfo

__version__ = "0.1.0"

__all__ = [
    "Issue",
    "ParamsError",
    "PmoError",
    "ProjectData",
    "ProjectInfo",
    "ReportError",
    "TemplateVersionError",
    "UnreadableWorkbookError",
    "WorkbookError",
    "__version__",
]
