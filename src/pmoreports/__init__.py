"""pmoreports: Excel templates, project metrics and status reports for a PMO.

Data flow, one subpackage per stage: :mod:`~pmoreports.workbook` (schema, template,
reader -> tidy frames in :class:`ProjectData`) -> :mod:`~pmoreports.metrics` ->
:mod:`~pmoreports.report` (sections, charts, HTML/PDF) -> :mod:`~pmoreports.pipeline`
(papermill runs, batch) -> :mod:`~pmoreports.cli`.
"""

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
from .workbook.model import ProjectData, ProjectInfo
from .workbook.reader import CheckResult, check_workbook, read_workbook
from .workbook.schema import SCHEMA, TEMPLATE_VERSION
from .workbook.template import TemplateSpec, write_project_workbook, write_template

__version__ = "0.1.0"

__all__ = [
    "SCHEMA",
    "TEMPLATE_VERSION",
    "CheckResult",
    "Issue",
    "ParamsError",
    "PmoError",
    "ProjectData",
    "ProjectInfo",
    "ReportError",
    "TemplateSpec",
    "TemplateVersionError",
    "UnreadableWorkbookError",
    "WorkbookError",
    "__version__",
    "check_workbook",
    "read_workbook",
    "write_project_workbook",
    "write_template",
]
