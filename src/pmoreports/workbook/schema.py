"""The project workbook contract: sheets, fields, types, units and allowed values.

This module is the single source for the template writer
(:mod:`pmoreports.template`), the reader and checker (:mod:`pmoreports.workbook`)
and the field reference in the README (:func:`field_reference_markdown`).
Spreadsheet headers are spelled here and nowhere else; frame column names come
from :mod:`pmoreports.columns`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from . import columns as C

__all__ = [
    "CHANGE_STATUSES",
    "CHANGE_TYPES",
    "COST_CATEGORIES",
    "PROJECT_ELEMENT",
    "RISK_CATEGORIES",
    "RISK_STATUSES",
    "SCHEMA",
    "TEMPLATE_VERSION",
    "VARIANCE_STATUSES",
    "VARIANCE_TYPES",
    "Field",
    "GridSheet",
    "KeyValueSheet",
    "Kind",
    "Schema",
    "TableSheet",
    "field_reference_markdown",
    "version_tuple",
]

TEMPLATE_VERSION = "1.1"
"""Version written into every template; the reader accepts the same major version.

1.1 added the Variances sheet (a 1.0 workbook is read without it, with a note).
"""

COST_CATEGORIES: tuple[str, ...] = (
    "Labour",
    "Contractors",
    "Materials",
    "Equipment",
    "Software",
    "Travel",
    "Facilities",
    "Other",
)
CHANGE_TYPES: tuple[str, ...] = ("scope", "cost", "schedule")
CHANGE_STATUSES: tuple[str, ...] = ("proposed", "approved", "rejected")
RISK_STATUSES: tuple[str, ...] = ("open", "closed", "realised")
VARIANCE_TYPES: tuple[str, ...] = ("cost", "schedule", "at completion")
"""What a variance explanation is about: cost (CV, month and cumulative), schedule (SV,
month and cumulative) or at completion (VAC)."""
VARIANCE_STATUSES: tuple[str, ...] = ("open", "in progress", "closed")
PROJECT_ELEMENT = "Project"
"""What the Variances sheet's element column says for the whole project (the project ID works too)."""
RISK_CATEGORIES: tuple[str, ...] = (
    "Technical",
    "Schedule",
    "Cost",
    "Resource",
    "Supplier",
    "Organisational",
    "Regulatory",
    "External",
)


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.1"`` -> ``(1, 1)``; the numeric parts only (``"1.x"`` -> ``(1,)``, ``""`` -> ``()``)."""
    parts: list[int] = []
    for part in version.strip().split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


class Kind(Enum):
    """Type of a cell; drives parsing, validation, number formats and drop-downs."""

    TEXT = "text"
    LONG_TEXT = "long text"
    IDENT = "identifier"
    CURRENCY = "currency code"
    MONEY = "money"
    SIGNED_MONEY = "signed money"
    PERCENT = "percent"
    RATE = "rate"
    PROBABILITY = "probability"
    DATE = "date"
    MONTH = "month"
    DAYS = "days"
    YEAR = "year"
    CHOICE = "choice"


KIND_HELP: dict[Kind, str] = {
    Kind.TEXT: "text",
    Kind.LONG_TEXT: "text, may span several lines",
    Kind.IDENT: "letters, digits, '-', '_' or '.', starting with a letter or digit",
    Kind.CURRENCY: "ISO 4217 code such as EUR, USD, GBP",
    Kind.MONEY: "amount >= 0 in the project currency",
    Kind.SIGNED_MONEY: "amount in the project currency; may be negative",
    Kind.PERCENT: "percent between 0% and 100%",
    Kind.RATE: "annual rate in percent, e.g. 8%",
    Kind.PROBABILITY: "1-5 scale (1 = rare ... 5 = almost certain) or a percent such as 30%",
    Kind.DATE: "date",
    Kind.MONTH: "a month, e.g. 2026-03 (any date in the month)",
    Kind.DAYS: "whole number of days; negative when earlier",
    Kind.YEAR: "calendar year, e.g. 2027",
    Kind.CHOICE: "one of the drop-down values",
}

NUMBER_FORMATS: dict[Kind, str] = {
    Kind.MONEY: "#,##0;[Red]-#,##0",
    Kind.SIGNED_MONEY: "#,##0;[Red]-#,##0",
    Kind.PERCENT: "0%",
    Kind.RATE: "0.0%",
    Kind.PROBABILITY: "General",
    Kind.DATE: "yyyy-mm-dd",
    Kind.MONTH: "mmm yyyy",
    Kind.DAYS: "0",
    Kind.YEAR: "0",
}


@dataclass(frozen=True)
class Field:
    """One input: a key/value row, a table column or a grid row-label column.

    ``key`` is the frame column or :class:`~pmoreports.model.ProjectInfo`
    attribute; ``header`` is what the spreadsheet shows. ``since`` is the template
    version that added the field: a workbook of an older version may lack it (it is
    read as empty), a newer one may not.
    """

    key: str
    header: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    width: int = 14
    example: str = ""
    since: str = "1.0"

    def describe(self) -> str:
        """What a valid value looks like, for error messages and docs."""
        if self.kind is Kind.CHOICE:
            return "one of " + ", ".join(self.choices)
        return KIND_HELP[self.kind]


@dataclass(frozen=True)
class KeyValueSheet:
    """A sheet of ``label | value | help`` rows, one per field (the Project sheet)."""

    name: str
    fields: tuple[Field, ...]
    version_label: str
    help: str


@dataclass(frozen=True)
class GridSheet:
    """Rows labelled by ``row_fields``, one column per month headed by its date."""

    name: str
    row_fields: tuple[Field, ...]
    value_label: str
    value_kind: Kind
    cumulative: bool
    help: str
    total_label: str = "Total"


@dataclass(frozen=True)
class TableSheet:
    """An Excel table with one header row and one record per row.

    ``since`` is the template version that added the sheet: a workbook of an older
    version may lack it (read as empty, with a note), a newer one may not.
    """

    name: str
    table_name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    help: str
    spare_rows: int = 30
    since: str = "1.0"

    def header(self, key: str) -> str:
        """The spreadsheet header of column ``key``."""
        return next(f.header for f in self.fields if f.key == key)


@dataclass(frozen=True)
class Schema:
    """The whole workbook contract, one attribute per sheet."""

    version: str
    instructions_sheet: str
    project: KeyValueSheet
    budget: GridSheet
    actuals: GridSheet
    progress: GridSheet
    forecast: TableSheet
    changes: TableSheet
    risks: TableSheet
    milestones: TableSheet
    benefits: TableSheet
    variances: TableSheet

    @property
    def grids(self) -> tuple[GridSheet, ...]:
        """The month grids, in workbook order."""
        return (self.budget, self.actuals, self.progress)

    @property
    def tables(self) -> tuple[TableSheet, ...]:
        """The list sheets, in workbook order."""
        return (self.forecast, self.changes, self.risks, self.milestones, self.benefits, self.variances)

    @property
    def sheet_names(self) -> tuple[str, ...]:
        """All sheets in workbook order."""
        return (
            self.instructions_sheet,
            self.project.name,
            *(g.name for g in self.grids),
            *(t.name for t in self.tables),
        )


WBS_FIELD = Field(C.WBS, "WBS element", Kind.TEXT, True, help="code and name, e.g. '1.2 Design'", width=28)
CATEGORY_FIELD = Field(C.CATEGORY, "Cost category", Kind.CHOICE, True, COST_CATEGORIES, width=16)

PROJECT_SHEET = KeyValueSheet(
    name="Project",
    version_label="Template version",
    help="One value per row in column B. Grey cells are filled by the template.",
    fields=(
        Field("project_id", "Project ID", Kind.IDENT, True, example="ALPHA"),
        Field("name", "Project name", Kind.TEXT, True, example="CRM replacement"),
        Field("manager", "Project manager", Kind.TEXT, True, example="Ana Pereira"),
        Field("sponsor", "Sponsor", Kind.TEXT, example="Chief Operating Officer"),
        Field(C.PROGRAMME, "Programme", Kind.TEXT, example="Digital"),
        Field("currency", "Currency", Kind.CURRENCY, True, example="EUR"),
        Field("baseline_start", "Baseline start", Kind.MONTH, True, help="first month of the plan"),
        Field("baseline_finish", "Baseline finish", Kind.MONTH, True, help="last month of the plan"),
        Field("status_date", "Status date", Kind.MONTH, True, help="the month being reported"),
        Field(
            "approved_budget",
            "Approved budget (BAC)",
            Kind.MONEY,
            help="optional; checked against the Budget sheet total",
        ),
        Field("contingency", "Contingency reserve", Kind.MONEY, help="for identified risks"),
        Field("management_reserve", "Management reserve", Kind.MONEY, help="for unknowns"),
        Field("discount_rate", "Discount rate", Kind.RATE, help="annual, for the business case"),
        Field("executive_summary", "Executive summary", Kind.LONG_TEXT, width=60),
        Field("accomplishments", "Accomplishments this period", Kind.LONG_TEXT, width=60),
        Field("next_steps", "Next steps", Kind.LONG_TEXT, width=60),
        Field("overall_comment", "Overall comment", Kind.LONG_TEXT, width=60),
    ),
)

BUDGET, ACTUALS, PROGRESS = (
    GridSheet(
        name="Budget",
        value_label="planned cost",
        row_fields=(WBS_FIELD, CATEGORY_FIELD),
        value_kind=Kind.MONEY,
        cumulative=False,
        help="Planned cost in each month (the time-phased baseline, PV).",
    ),
    GridSheet(
        name="Actuals",
        value_label="actual cost",
        row_fields=(WBS_FIELD, CATEGORY_FIELD),
        value_kind=Kind.SIGNED_MONEY,
        cumulative=False,
        help=(
            "Actual cost incurred in each month (AC), up to the status date. A credit note is a "
            "negative amount; a row's running total cannot go below zero."
        ),
    ),
    GridSheet(
        name="Progress",
        value_label="percent complete",
        row_fields=(WBS_FIELD,),
        value_kind=Kind.PERCENT,
        cumulative=True,
        help="Cumulative percent complete of each WBS element at the end of each month.",
    ),
)

FORECAST, CHANGES, RISKS, MILESTONES, BENEFITS = (
    TableSheet(
        name="Forecast",
        table_name="ForecastTable",
        key=(C.WBS,),
        help="Optional bottom-up estimate to complete (ETC) per WBS element.",
        fields=(
            WBS_FIELD,
            Field(C.ETC, "Estimate to complete", Kind.MONEY, True, width=20),
            Field(C.COMMENT, "Basis of estimate", Kind.TEXT, width=40),
        ),
    ),
    TableSheet(
        name="Changes",
        table_name="ChangesTable",
        key=(C.CHANGE_ID,),
        help="Change requests: cost impact in the project currency, schedule impact in days.",
        fields=(
            Field(C.CHANGE_ID, "Change ID", Kind.IDENT, True, width=12),
            Field(C.RAISED, "Raised", Kind.DATE, True, width=12),
            Field(C.TITLE, "Title", Kind.TEXT, True, width=36),
            Field(C.TYPE, "Type", Kind.CHOICE, True, CHANGE_TYPES, width=12),
            Field(C.STATUS, "Status", Kind.CHOICE, True, CHANGE_STATUSES, width=12),
            Field(C.COST_IMPACT, "Cost impact", Kind.SIGNED_MONEY, help="a saving is negative", width=14),
            Field(C.SCHEDULE_IMPACT_DAYS, "Schedule impact (days)", Kind.DAYS, width=14),
            Field(C.DECIDED_ON, "Decided on", Kind.DATE, width=12),
        ),
    ),
    TableSheet(
        name="Risks",
        table_name="RisksTable",
        key=(C.RISK_ID,),
        help="Risk register. Probability on a 1-5 scale or as a percent.",
        fields=(
            Field(C.RISK_ID, "Risk ID", Kind.IDENT, True, width=10),
            Field(C.TITLE, "Title", Kind.TEXT, True, width=36),
            Field(C.CATEGORY, "Category", Kind.CHOICE, True, RISK_CATEGORIES, width=16),
            Field(C.PROBABILITY, "Probability", Kind.PROBABILITY, True, width=12),
            Field(C.COST_IMPACT, "Cost impact", Kind.MONEY, True, width=14),
            Field(C.SCHEDULE_IMPACT_DAYS, "Schedule impact (days)", Kind.DAYS, width=14),
            Field(C.OWNER, "Owner", Kind.TEXT, width=18),
            Field(C.RESPONSE, "Response", Kind.TEXT, width=36),
            Field(C.STATUS, "Status", Kind.CHOICE, True, RISK_STATUSES, width=12),
        ),
    ),
    TableSheet(
        name="Milestones",
        table_name="MilestonesTable",
        key=(C.MILESTONE,),
        help="Key milestones: baseline date, current forecast and, once reached, actual date.",
        fields=(
            Field(C.MILESTONE, "Milestone", Kind.TEXT, True, width=36),
            Field(C.BASELINE_DATE, "Baseline date", Kind.DATE, True, width=14),
            Field(C.FORECAST_DATE, "Forecast date", Kind.DATE, width=14),
            Field(C.ACTUAL_DATE, "Actual date", Kind.DATE, width=14),
        ),
    ),
    TableSheet(
        name="Benefits",
        table_name="BenefitsTable",
        key=(C.PERIOD,),
        help="Business case by calendar year: expected benefits and costs outside the project.",
        fields=(
            Field(C.PERIOD, "Year", Kind.YEAR, True, width=10),
            Field(C.EXPECTED_BENEFIT, "Expected benefit", Kind.MONEY, width=18),
            Field(C.OTHER_COSTS, "Other costs", Kind.MONEY, width=18),
        ),
    ),
)

VARIANCES = TableSheet(
    name="Variances",
    table_name="VariancesTable",
    key=(C.ELEMENT, C.VARIANCE_TYPE),
    since="1.1",
    help=(
        "Variance analysis: one row per variance over its threshold (the report and "
        "`pmoreports template check` list them): why it happened, what it does to the project "
        "and what is done about it. Element: a WBS element or a cost category as on the Budget "
        f"sheet, or '{PROJECT_ELEMENT}' (or the project ID) for the whole project."
    ),
    fields=(
        Field(C.ELEMENT, "Element", Kind.TEXT, True, help="WBS element, cost category or 'Project'", width=28),
        Field(C.VARIANCE_TYPE, "Variance type", Kind.CHOICE, True, VARIANCE_TYPES, width=14),
        Field(C.CAUSE, "Cause", Kind.LONG_TEXT, help="why it happened; an empty cause explains nothing", width=40),
        Field(C.IMPACT, "Impact", Kind.LONG_TEXT, help="on cost, schedule and the forecast", width=36),
        Field(C.CORRECTIVE_ACTION, "Corrective action", Kind.LONG_TEXT, width=36),
        Field(C.OWNER, "Owner", Kind.TEXT, width=18),
        Field(C.DUE_DATE, "Due date", Kind.DATE, help="of the corrective action", width=12),
        Field(C.STATUS, "Status", Kind.CHOICE, choices=VARIANCE_STATUSES, help="of the corrective action", width=12),
    ),
)

SCHEMA = Schema(
    version=TEMPLATE_VERSION,
    instructions_sheet="Instructions",
    project=PROJECT_SHEET,
    budget=BUDGET,
    actuals=ACTUALS,
    progress=PROGRESS,
    forecast=FORECAST,
    changes=CHANGES,
    risks=RISKS,
    milestones=MILESTONES,
    benefits=BENEFITS,
    variances=VARIANCES,
)


def field_reference_markdown(schema: Schema = SCHEMA) -> str:
    """The workbook field reference as Markdown (used in the README)."""
    lines = [f"Template version {schema.version}.", ""]
    lines += [f"### {schema.project.name} (one value per row)", ""]
    lines += _field_table(schema.project.fields)
    for grid in schema.grids:
        labels = ", ".join(f.header for f in grid.row_fields)
        lines += [
            f"### {grid.name} (grid)",
            "",
            f"{grid.help} Rows: {labels}; one column per month headed by "
            f"its date; values: {KIND_HELP[grid.value_kind]}.",
            "",
        ]
    for table in schema.tables:
        lines += [f"### {table.name} (table `{table.table_name}`)", "", table.help, ""]
        if table.since != "1.0":
            lines += [
                f"Added in template version {table.since}; an older workbook without it is read, with a note.",
                "",
            ]
        lines += _field_table(table.fields)
    return "\n".join(lines).rstrip() + "\n"


def _field_table(fields: tuple[Field, ...]) -> list[str]:
    rows = ["| field | required | value |", "|---|---|---|"]
    for f in fields:
        note = f.describe() + (f"; {f.help}" if f.help else "")
        rows.append(f"| {f.header} | {'yes' if f.required else 'no'} | {note} |")
    return [*rows, ""]
