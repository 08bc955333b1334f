"""Stage 2, metrics: earned value, earned schedule, costs, risks, milestones, business case,
RAG and the glossary, computed from a :class:`~pmoreports.workbook.ProjectData`.
Imports the workbook stage and the shared top-level modules."""

from __future__ import annotations

from .evm import Metric
from .project import ProjectMetrics, project_metrics, write_metrics
from .rag import RagThresholds

__all__ = ["Metric", "ProjectMetrics", "RagThresholds", "project_metrics", "write_metrics"]
