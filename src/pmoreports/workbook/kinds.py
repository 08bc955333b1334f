"""The template gallery's kinds: which sheets and Project fields each template has.

Every kind is cut from the one schema (:data:`pmoreports.workbook.schema.SCHEMA`): a
subset of its sheets and of the Project sheet's fields, never a second definition of a
sheet or a header. The business case template's Benefits sheet is the schema's, with
the :data:`~pmoreports.workbook.schema.PROJECT_COST_FIELD` column added (the full
workbook takes project costs from its Actuals and Budget instead).

A workbook says which kind it is on its Project sheet (the ``Template kind`` row, since
template version 1.1); a workbook without that row is the full project workbook. The
reader (:mod:`pmoreports.workbook.reader`) reads the sheets of the workbook's kind; the
writer (:mod:`pmoreports.workbook.gallery`) adds each kind's formula sheets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..errors import PmoError, WorkbookKindError
from . import columns as C
from .model import ProjectData
from .schema import PROJECT_COST_FIELD, SCHEMA, GridSheet, KeyValueSheet, Schema, TableSheet

__all__ = [
    "BUSINESS_CASE",
    "DEFAULT_KIND",
    "IDENTITY_FIELDS",
    "KINDS",
    "PROJECT",
    "TemplateKind",
    "get_kind",
    "kind_note",
    "kinds_markdown",
    "require_report_kind",
]

PROJECT: Final = "project"
"""Name of the full project workbook kind (the default)."""

IDENTITY_FIELDS: Final = (
    "project_id",
    "name",
    "manager",
    "currency",
    "baseline_start",
    "baseline_finish",
    "status_date",
)
"""Project-sheet fields every kind has: who, what currency, which months, as of when."""


@dataclass(frozen=True)
class TemplateKind:
    """One template of the gallery.

    ``name`` is what ``--kind`` takes and what the workbook's ``Template kind`` cell
    holds; ``title`` and ``purpose`` describe it in one line each; ``fields`` are the
    Project-sheet field keys it has (empty: all of them); ``sheets`` the schema sheets it
    has (input sheets, in workbook order); ``formula_sheets`` the calculated sheets the
    writer adds after them; ``file_name`` its name in ``templates/excel/``; ``report``
    whether it has what a full status report needs.
    """

    name: str
    title: str
    purpose: str
    sheets: tuple[str, ...]
    formula_sheets: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    file_name: str = ""
    report: bool = False

    @property
    def schema(self) -> Schema:
        """The schema restricted to this kind: its Project fields and sheet variants."""
        return _kind_schema(self)

    @property
    def input_sheets(self) -> tuple[str, ...]:
        """The Project sheet and this kind's input sheets, in workbook order."""
        return (SCHEMA.project.name, *self.sheets)

    @property
    def sheet_names(self) -> tuple[str, ...]:
        """Every sheet of a workbook of this kind, in order."""
        return (SCHEMA.instructions_sheet, *self.input_sheets, *self.formula_sheets)

    def grids(self) -> tuple[GridSheet, ...]:
        """This kind's month grids (schema objects)."""
        return tuple(g for g in self.schema.grids if g.name in self.sheets)

    def tables(self) -> tuple[TableSheet, ...]:
        """This kind's list sheets (schema objects, variants included)."""
        return tuple(t for t in self.schema.tables if t.name in self.sheets)

    def has(self, sheet: str) -> bool:
        """Whether this kind has the (input) sheet named ``sheet``."""
        return sheet in self.sheets


def _kind_schema(kind: TemplateKind) -> Schema:
    project: KeyValueSheet = SCHEMA.project
    if kind.fields:
        project = dataclasses.replace(project, fields=tuple(f for f in project.fields if f.key in kind.fields))
    benefits = SCHEMA.benefits
    if kind.name == BUSINESS_CASE:
        year, *rest = benefits.fields
        benefits = dataclasses.replace(benefits, fields=(year, PROJECT_COST_FIELD, *rest))
    return dataclasses.replace(SCHEMA, project=project, benefits=benefits)


BUSINESS_CASE: Final = "business-case"
_S = SCHEMA

KINDS: Final[dict[str, TemplateKind]] = {
    k.name: k
    for k in (
        TemplateKind(
            PROJECT,
            "Project status workbook",
            "everything a monthly status report needs: plan, actuals, progress, forecast, changes, risks, "
            "milestones and business case",
            sheets=tuple(_S.sheet_names[2:]),
            file_name="pmoreports_project_template.xlsx",
            report=True,
        ),
        TemplateKind(
            "budget",
            "Budget and cost tracker",
            "planned vs actual cost by WBS element, cost category and month, with the forecast to complete "
            "and the variances",
            sheets=(_S.budget.name, _S.actuals.name, _S.forecast.name),
            formula_sheets=("Variance by month", "Cost summary"),
            fields=(*IDENTITY_FIELDS, "approved_budget"),
            file_name="pmoreports_budget_tracker.xlsx",
        ),
        TemplateKind(
            "evm",
            "Earned-value tracker",
            "budget, actuals and progress, with PV, EV, AC, CPI, SPI, EAC, VAC and TCPI month by month and a chart",
            sheets=(_S.budget.name, _S.actuals.name, _S.progress.name),
            formula_sheets=("EV workings", "Earned value"),
            fields=(*IDENTITY_FIELDS, "approved_budget"),
            file_name="pmoreports_earned_value_tracker.xlsx",
        ),
        TemplateKind(
            BUSINESS_CASE,
            "Business case (cost-benefit)",
            "yearly costs and benefits, with NPV, IRR, ROI, payback, discounted payback and benefit-cost ratio",
            sheets=(_S.benefits.name,),
            formula_sheets=("Cash flows",),
            fields=(*IDENTITY_FIELDS, "discount_rate"),
            file_name="pmoreports_business_case.xlsx",
        ),
        TemplateKind(
            "risks",
            "Risk register",
            "probability x impact exposure, a 5x5 heat map and the contingency coverage",
            sheets=(_S.risks.name,),
            formula_sheets=("Heat map",),
            fields=(*IDENTITY_FIELDS, "approved_budget", "contingency"),
            file_name="pmoreports_risk_register.xlsx",
        ),
        TemplateKind(
            "changes",
            "Change log",
            "change requests by status, with their cost and schedule impact against the contingency",
            sheets=(_S.changes.name,),
            formula_sheets=("Change summary",),
            fields=(*IDENTITY_FIELDS, "contingency"),
            file_name="pmoreports_change_log.xlsx",
        ),
    )
}
"""Every kind of the gallery, by name, in the order ``template list`` shows them."""

DEFAULT_KIND: Final = KINDS[PROJECT]


def get_kind(name: str) -> TemplateKind:
    """The kind called ``name``; a :class:`~pmoreports.errors.PmoError` naming the kinds otherwise."""
    try:
        return KINDS[name]
    except KeyError:
        raise PmoError(f"no template kind {name!r}; the kinds are {', '.join(KINDS)}") from None


def require_report_kind(data: ProjectData) -> None:
    """Raise :class:`~pmoreports.errors.WorkbookKindError` unless ``data`` is of a kind a full
    status report can be made from, saying what the workbook gives and which template to use."""
    kind = KINDS.get(data.kind, DEFAULT_KIND)
    if kind.report:
        return
    name = Path(data.source).name or "the workbook"
    raise WorkbookKindError(
        f"{name} is a {kind.title.lower()} (template kind '{kind.name}'): it gives its own measures "
        f"({kind.purpose}), not a status report, which needs the {DEFAULT_KIND.title.lower()}. Make one "
        f"with `pmoreports template new --kind {DEFAULT_KIND.name} -o project.xlsx` and copy the "
        f"{', '.join(kind.sheets)} data into it"
    )


def kind_note(name: str) -> str:
    """One line for ``template check`` about a workbook of kind ``name``: what it gives, and
    that a status report needs the project workbook (``""`` for a kind that makes reports)."""
    kind = KINDS.get(name, DEFAULT_KIND)
    if kind.report:
        return ""
    return (
        f"template kind '{kind.name}' ({kind.title}): gives {kind.purpose}; a status report "
        f"(`pmoreports run`) needs the {DEFAULT_KIND.title.lower()} "
        f"(`pmoreports template new --kind {DEFAULT_KIND.name}`)"
    )


def kinds_markdown() -> str:
    """The gallery as a Markdown table: kind, template, purpose, sheets (for the README)."""
    rows = ["| kind | template | purpose | sheets (formula sheets in italics) |", "|---|---|---|---|"]
    for k in KINDS.values():
        sheets = ", ".join([*k.sheet_names[: -len(k.formula_sheets) or None], *(f"*{s}*" for s in k.formula_sheets)])
        rows.append(f"| `{k.name}` | {k.title} (`{k.file_name}`) | {k.purpose} | {sheets} |")
    extra = KINDS[BUSINESS_CASE].schema.benefits.header(C.PROJECT_COST)
    rows += [
        "",
        f"Each kind's Project sheet has the fields common to all ({', '.join(_headers(IDENTITY_FIELDS))}) and "
        "the ones its formulas need; the business case's Benefits sheet adds a "
        f"'{extra}' column per year.",
    ]
    return "\n".join(rows) + "\n"


def _headers(keys: tuple[str, ...]) -> list[str]:
    return [f.header for f in SCHEMA.project.fields if f.key in keys]
