"""Stage 2, metrics: earned value, earned schedule, costs, risks, milestones, business case,
RAG and the glossary, computed from a :class:`~pmoreports.workbook.model.ProjectData`.
Imports the workbook stage and the top level."""
