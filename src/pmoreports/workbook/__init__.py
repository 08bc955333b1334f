"""Stage 1, the workbook: the schema (the data contract), the template writer, the reader and
checker, and the demo portfolio. Imports only the shared top-level modules."""

from __future__ import annotations

from .model import ProjectData, ProjectInfo
from .reader import CheckResult, check_workbook, read_workbook
from .restatement import Restatement, find_restatements  # also registers the restatement codes
from .schema import SCHEMA, TEMPLATE_VERSION
from .template import TemplateSpec, write_project_workbook, write_template

__all__ = [
    "SCHEMA",
    "TEMPLATE_VERSION",
    "CheckResult",
    "ProjectData",
    "ProjectInfo",
    "Restatement",
    "TemplateSpec",
    "check_workbook",
    "find_restatements",
    "read_workbook",
    "write_project_workbook",
    "write_template",
]
