"""pmoreports: Excel templates, project metrics and status reports for a PMO.

Data flow: workbook (:mod:`~pmoreports.workbook`, contract in
:mod:`~pmoreports.schema`) -> tidy frames (:class:`ProjectData`) -> metrics ->
charts/tables -> notebook -> HTML/PDF.
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
from .workbook.schema import SCHEMA, TEMPLATE_VERSION
from .workbook.template import TemplateSpec, write_project_workbook, write_template
from .workbook.workbook import CheckResult, check_workbook, read_workbook

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
