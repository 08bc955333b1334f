"""The template gallery: every kind of :mod:`~pmoreports.workbook.kinds` with its live formulas.

Each kind is written by the project workbook's writer (:mod:`~pmoreports.workbook.template`:
instructions, validation, number formats, protection, print set-up), restricted to the
kind's sheets, and this module adds the kind's calculated sheets. Every calculated cell is
a formula a spreadsheet recalculates, protected (no password), and gives the same number as
the pmoreports engine for the same data (tests recalculate every formula with LibreOffice
and compare): an undefined value (no actual cost yet, no budget...) is a short text
starting ``n/a:``, never ``#DIV/0!``. The only error values are the ``#N/A`` of the hidden
chart columns of the earned-value tracker, Excel's way to end a line at the status date.

Conventions that a spreadsheet user might not expect, also stated in the sheets:

- **NPV** discounts year t by (1 + rate)^t with the first year at t = 0, not discounted,
  like the engine and numpy-financial. Excel's ``NPV(rate, v1, ...)`` discounts its first
  value too; the sheet shows the same NPV as ``first flow + NPV(rate, later flows)``.
- **EAC** in the earned-value tracker is BAC / CPI (the engine's default); the budget
  tracker's is bottom-up, AC + the Forecast sheet's estimate to complete (an element
  without a forecast counts its remaining budget in the total).
- **Probability** of a risk: a whole number 1-5 is a score (1 = 10 % ... 5 = 90 %), a
  number below 1 a fraction, above 5 a percent (as the engine reads it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import columns as C
from .kinds import BUSINESS_CASE, KINDS, PROJECT, TemplateKind
from .model import ProjectData
from .schema import COST_CATEGORIES, SCHEMA
from .template import (
    HEADER_ROW,
    Layout,
    SheetLayout,
    TemplateSpec,
    _formula,
    _header,
    _protect,
    _title,
    blank_content,
    data_content,
    field_name,
    save_workbook,
)

__all__ = [
    "HORIZON_YEARS",
    "Calc",
    "Column",
    "write_kind_template",
    "write_kind_workbook",
]

HORIZON_YEARS = 60
"""Years the business case's cash-flow table has room for (from the first year)."""

MONEY_FORMAT = "#,##0;[Red]-#,##0"
FORMATS = {
    "money": MONEY_FORMAT,
    "index": "0.00",
    "fraction": "0.0%",
    "count": "0",
    "days": "0",
    "years": "0.00",
    "band": "0",
    "date": "mmm yyyy",
    "year": "0",
    "factor": "0.0000",
}

NA_AC = "n/a: no actual cost yet"
NA_PV = "n/a: nothing planned yet"
NA_EV = "n/a: nothing earned yet"
NA_BAC = "n/a: no budget"
NA_DONE = "n/a: work complete"
NA_AC_BAC = "n/a: actual cost has reached the budget"
NA_FORECAST = "n/a: no forecast"
NA_RATE = "n/a: no discount rate"
NA_FLOWS = "n/a: no cash flows"
NA_SIGN = "n/a: the cash flows never change sign"
NA_IRR = "n/a: no IRR found"
NA_COST = "n/a: no costs"
NA_PAYBACK = "n/a: not paid back"
NA_EXPOSURE = "n/a: no open exposure"
NA_PROBABILITY = "n/a: not a 1-5 score or a percent"


@dataclass(frozen=True)
class Column:
    """One calculated column: its header, the engine value it equals (metric key or frame
    column), its unit (number format) and its formula for a given sheet row."""

    header: str
    key: str
    unit: str
    formula: Callable[[int], str]


@dataclass(frozen=True)
class Calc:
    """Where calculated cells lie: a table block (``columns``: 1-based column ->
    :class:`Column`, rows ``first_row``..``last_row``) or a list of facts (``facts``: row ->
    :class:`Column`, the value in column B)."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    columns: dict[int, Column] = field(default_factory=dict)
    facts: dict[int, Column] = field(default_factory=dict)


def write_kind_template(path: Path, kind: TemplateKind | str, spec: TemplateSpec | None = None) -> Layout:
    """Write a blank or pre-filled template of ``kind`` (a name or a kind) to ``path``.

    Returns the layout; ``layout.blocks`` lists the calculated cells (:class:`Calc`)."""
    kind = KINDS[kind] if isinstance(kind, str) else kind
    content = blank_content(spec or TemplateSpec(), kind)
    return save_workbook(path, content, _FINISHERS.get(kind.name), _NOTES.get(kind.name, ()))


def write_kind_workbook(
    path: Path,
    data: ProjectData,
    *,
    spare_rows: int = 5,
    months: Sequence[dt.date] = (),
    prepare: Callable[[Workbook, Layout], None] | None = None,
    notes: Sequence[str] = (),
) -> Layout:
    """Write ``data`` as a filled workbook of its kind (``data.kind``), with the kind's formulas.

    ``months``: month columns to have besides the data's (e.g. next month's);
    ``prepare`` may edit the workbook before it is saved; ``notes``: extra lines of the
    Instructions sheet. Returns the layout.
    """
    content = data_content(data, spare_rows=spare_rows, months=months)
    kind_notes = (*_NOTES.get(data.kind, ()), *notes)
    return save_workbook(path, content, _FINISHERS.get(data.kind), kind_notes, prepare)


# -- references ---------------------------------------------------------------------------------


def _q(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


IRR_GUESSES = (-0.9, -0.75, -0.5, -0.3, -0.15, 0.0, 0.1, 0.25, 0.5, 1.0)
"""Starting points of the business case's IRR() candidates (hidden columns of Cash flows)."""
IRR_COL = 14
IRR_ROWS = range(3, 3 + len(IRR_GUESSES))


def _rng_abs(col: int, rows: range) -> str:
    return f"${_L(col)}${rows.start}:${_L(col)}${rows.stop - 1}"


def _field_header(key: str) -> str:
    """The Project sheet's label of field ``key``."""
    return next(f.header for f in SCHEMA.project.fields if f.key == key)


def _chart_formula(c: str) -> Callable[[int], str]:
    """A chart series cell: the value, or ``NA()`` (a gap in the chart) when blank."""
    return lambda r: f"=IF(ISNUMBER({c}{r}),{c}{r},NA())"


def _at_status(values: str, months: str) -> Callable[[int], str]:
    """The value of the status month's row of ``values`` (blank when none)."""
    return lambda r: f'=IFERROR(INDEX({values},MATCH({STATUS},{months},0)),"")'


def _L(col: int) -> str:
    letter: str = get_column_letter(col)
    return letter


def _rng(sheet: str, c0: int, r0: int, c1: int, r1: int) -> str:
    """Absolute range ``'Sheet'!$A$1:$B$2``."""
    return f"{_q(sheet)}!${_L(c0)}${r0}:${_L(c1)}${r1}"


def _col_rng(sheet: str, col: int, lay: SheetLayout) -> str:
    return _rng(sheet, col, lay.first_row, col, lay.last_row)


def _months(sheet: str, lay: SheetLayout) -> str:
    return _rng(sheet, lay.first_month_col, HEADER_ROW, lay.last_month_col, HEADER_ROW)


def _matrix(sheet: str, lay: SheetLayout) -> str:
    return _rng(sheet, lay.first_month_col, lay.first_row, lay.last_month_col, lay.last_row)


def _totals_row(sheet: str, lay: SheetLayout) -> str:
    return _rng(sheet, lay.first_month_col, lay.total_row, lay.last_month_col, lay.total_row)


STATUS = field_name("status_date")
BAC_NAME = field_name("approved_budget")
RATE = field_name("discount_rate")
CONTINGENCY = field_name("contingency")


# -- writing helpers ----------------------------------------------------------------------------


def _sheet(wb: Workbook, name: str, title: str, widths: Sequence[int]) -> Worksheet:
    ws = wb.create_sheet(name)
    _title(ws, f"{name} - {title}")
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[_L(i)].width = w
    return ws


def _calc(ws: Worksheet, row: int, col: int, formula: str, unit: str) -> None:
    cell = ws.cell(row=row, column=col, value=formula)
    _formula(cell)
    cell.number_format = FORMATS.get(unit, "General")
    cell.alignment = Alignment(horizontal="right")


def _block(ws: Worksheet, header_row: int, rows: range, columns: Sequence[Column], first_col: int = 1) -> Calc:
    """Write a header row and one formula per row and column; return where it lies."""
    for j, column in enumerate(columns):
        _header(ws.cell(row=header_row, column=first_col + j, value=column.header))
    for r in rows:
        for j, column in enumerate(columns):
            _calc(ws, r, first_col + j, column.formula(r), column.unit)
    calc = Calc(ws.title, header_row, rows.start, rows.stop - 1, {first_col + j: c for j, c in enumerate(columns)})
    return calc


def _facts(ws: Worksheet, row: int, facts: Sequence[Column]) -> Calc:
    """Label | value rows (a summary): the label in column A, the formula in column B."""
    for i, fact in enumerate(facts):
        label = ws.cell(row=row + i, column=1, value=fact.header)
        label.font = Font(bold=True)
        _calc(ws, row + i, 2, fact.formula(row + i), fact.unit)
    return Calc(ws.title, row - 1, row, row + len(facts) - 1, facts={row + i: f for i, f in enumerate(facts)})


def _note(ws: Worksheet, row: int, text: str, width_cols: int = 8) -> None:
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(italic=True, color="595959")
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width_cols)
    ws.row_dimensions[row].height = 30


def _finish(ws: Worksheet, freeze: str) -> None:
    ws.freeze_panes = freeze
    _protect(ws)


def _record(layout: Layout, calcs: list[Calc]) -> None:
    layout.blocks.extend(calcs)


# -- the project workbook: totals are its formulas ---------------------------------------------------


def _project_finish(wb: Workbook, layout: Layout) -> None:
    """The project workbook's formulas are its grids' totals and month headers (template.py)."""


# -- earned-value tracker -----------------------------------------------------------------------


def _evm_finish(wb: Workbook, layout: Layout) -> None:
    budget, actuals, progress = SCHEMA.budget.name, SCHEMA.actuals.name, SCHEMA.progress.name
    b, a, p = (layout.sheets[s] for s in (budget, actuals, progress))
    work_name, evm_name = layout.kind.formula_sheets
    wbs_head = SCHEMA.progress.row_fields[0].header
    # EV workings: each Progress row's BAC and its percent complete carried forward to the status month
    ws = _sheet(wb, work_name, "percent complete carried forward and earned value by month", [28, 14])
    n = p.last_month_col - p.first_month_col + 1
    first_month = 3
    last_month = first_month + n - 1
    total_row = p.last_row + 1
    bac_by_row = _col_rng(budget, b.total_col, b)
    wbs_in_budget = _col_rng(budget, b.columns[C.WBS], b)

    def wbs(r: int) -> str:
        return f'=IF({_q(progress)}!$A{r}="","",{_q(progress)}!$A{r})'

    def bac(r: int) -> str:
        return f'=IF($A{r}="","",SUMPRODUCT(({wbs_in_budget}=$A{r})*{bac_by_row}))'

    cols = [Column(wbs_head, C.WBS, "text", wbs), Column("Budget at completion (BAC)", "bac", "money", bac)]
    calcs = [_block(ws, HEADER_ROW, range(p.first_row, p.last_row + 1), cols)]
    month_cols: dict[int, Column] = {}
    for j in range(n):
        col, src = first_month + j, p.first_month_col + j
        head = ws.cell(row=HEADER_ROW, column=col, value=f"={_q(progress)}!{_L(src)}${HEADER_ROW}")
        _header(head)
        head.number_format = FORMATS["date"]
        ws.column_dimensions[_L(col)].width = 11
        prev = "0" if j == 0 else f"{_L(col - 1)}{{r}}"

        def pct(r: int, col: int = col, src: int = src, prev: str = prev) -> str:
            here = f"{_q(progress)}!{_L(src)}{r}"
            return (
                f'=IF(OR($A{r}="",{_L(col)}${HEADER_ROW}="",{_L(col)}${HEADER_ROW}>{STATUS}),"",'
                f"IF(ISNUMBER({here}),{here},{prev.format(r=r)}))"
            )

        month_cols[col] = Column(f"month {j + 1}", "percent_complete", "fraction", pct)
        for r in range(p.first_row, p.last_row + 1):
            _calc(ws, r, col, pct(r), "fraction")
        total = (
            f'=IF(OR({_L(col)}${HEADER_ROW}="",{_L(col)}${HEADER_ROW}>{STATUS}),"",'
            f"SUMPRODUCT($B${p.first_row}:$B${p.last_row},{_L(col)}${p.first_row}:{_L(col)}${p.last_row}))"
        )
        _calc(ws, total_row, col, total, "money")
    ws.cell(row=total_row, column=1, value="Earned value (EV)").font = Font(bold=True)
    calcs.append(Calc(work_name, HEADER_ROW, p.first_row, total_row, month_cols))
    _finish(ws, "C3")
    ev_months = _rng(work_name, first_month, HEADER_ROW, last_month, HEADER_ROW)
    ev_totals = _rng(work_name, first_month, total_row, last_month, total_row)

    # Earned value: one row per month, and the status-date values
    es = _sheet(wb, evm_name, "earned value by month (cumulative), to the status date", [12] + [13] * 13)
    bac_cell = f"{_q(budget)}!${_L(b.total_col)}${b.total_row}"
    top = 9
    rows = range(top, top + n)
    month_col = {r: b.first_month_col + (r - top) for r in rows}

    def live(r: int) -> str:
        return f'OR($A{r}="",$A{r}>{STATUS})'

    def cum(sheet: str, lay: SheetLayout) -> Callable[[int], str]:
        return lambda r: f'=IF($A{r}="","",SUMPRODUCT(({_months(sheet, lay)}<=$A{r})*{_totals_row(sheet, lay)}))'

    def after(expr: str) -> Callable[[int], str]:
        return lambda r: f'=IF({live(r)},"",{expr.format(r=r, bac=bac_cell)})'

    evm_cols = [
        Column(
            "Month",
            C.MONTH,
            "date",
            lambda r: (
                f"=IF(ISNUMBER({_q(budget)}!{_L(month_col[r])}${HEADER_ROW}),"
                f'{_q(budget)}!{_L(month_col[r])}${HEADER_ROW},"")'
            ),
        ),
        Column("Planned value (PV)", "pv", "money", cum(budget, b)),
        Column(
            "Earned value (EV)",
            "ev",
            "money",
            lambda r: f'=IF({live(r)},"",IFERROR(LOOKUP($A{r},{ev_months},{ev_totals}),0))',
        ),
        Column(
            "Actual cost (AC)",
            "ac",
            "money",
            lambda r: f'=IF({live(r)},"",SUMPRODUCT(({_months(actuals, a)}<=$A{r})*{_totals_row(actuals, a)}))',
        ),
        Column("Cost variance (CV)", "cv", "money", after("C{r}-D{r}")),
        Column("Schedule variance (SV)", "sv", "money", after("C{r}-B{r}")),
        Column("CPI", "cpi", "index", after(f'IF(D{{r}}=0,"{NA_AC}",C{{r}}/D{{r}})')),
        Column("SPI", "spi", "index", after(f'IF(B{{r}}=0,"{NA_PV}",C{{r}}/B{{r}})')),
        Column(
            "EAC (BAC / CPI)",
            "eac",
            "money",
            after(f'IF({{bac}}=0,"{NA_BAC}",IF(D{{r}}=0,"{NA_AC}",IF(C{{r}}<=0,"{NA_EV}",{{bac}}*D{{r}}/C{{r}})))'),
        ),
        Column("VAC (BAC - EAC)", "vac", "money", after("IF(ISNUMBER(I{r}),{bac}-I{r},I{r})")),
        Column(
            "TCPI (to BAC)",
            "tcpi_bac",
            "index",
            after(
                f'IF({{bac}}=0,"{NA_BAC}",IF(C{{r}}>={{bac}},"{NA_DONE}",IF({{bac}}-D{{r}}<=0,"{NA_AC_BAC}",'
                f"({{bac}}-C{{r}})/({{bac}}-D{{r}}))))"
            ),
        ),
    ]
    chart_cols = [
        Column(f"{name} (chart)", key, "money", _chart_formula(c))
        for name, key, c in (("PV", "pv", "B"), ("EV", "ev", "C"), ("AC", "ac", "D"))
    ]
    calcs.append(_block(es, top - 1, rows, evm_cols))
    first_chart = len(evm_cols) + 2
    calcs.append(_block(es, top - 1, rows, chart_cols, first_col=first_chart))
    for j in range(3):
        es.column_dimensions[_L(first_chart + j)].hidden = True
    status_facts = [
        Column(_field_header("status_date"), "status_month", "date", lambda r: f"={STATUS}"),
        Column("Budget at completion (BAC)", "bac", "money", lambda r: f"={bac_cell}"),
    ]
    calcs.append(_facts(es, 3, status_facts))
    # the status month's row again, under the headers, for a quick read
    at_status = top - 3
    es.cell(row=at_status - 1, column=1, value="At the status date").font = Font(bold=True)
    months = f"$A${rows.start}:$A${rows.stop - 1}"
    status_cols = []
    for j, column in enumerate(evm_cols[1:], 2):
        letter = _L(j)
        values = f"${letter}${rows.start}:${letter}${rows.stop - 1}"
        status_cols.append(
            Column(
                column.header,
                column.key,
                column.unit,
                _at_status(values, months),
            )
        )
    calcs.append(_block(es, at_status - 1, range(at_status, at_status + 1), status_cols, first_col=2))
    _chart(es, top, rows.stop - 1, first_chart)
    _note(
        es,
        rows.stop + 1,
        "PV, EV and AC are cumulative to the end of each month; EV = each WBS element's BAC x its percent "
        "complete (the last one typed carries forward). EAC = BAC / CPI, VAC = BAC - EAC (negative = overrun), "
        "TCPI = (BAC - EV) / (BAC - AC). Months after the status date are blank.",
        12,
    )
    _finish(es, f"B{top}")
    _record(layout, calcs)


def _chart(ws: Worksheet, top: int, bottom: int, first_col: int) -> None:
    chart = LineChart()
    chart.title = "Cumulative cost: PV, EV and AC"
    chart.height, chart.width = 8, 20
    data = Reference(ws, min_col=first_col, max_col=first_col + 2, min_row=top - 1, max_row=bottom)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=top, max_row=bottom))
    chart.x_axis.number_format = "mmm yy"
    chart.y_axis.number_format = "#,##0"
    chart.display_blanks = "gap"
    ws.add_chart(chart, f"{_L(first_col + 4)}3")


# -- budget and cost tracker --------------------------------------------------------------------


def _budget_finish(wb: Workbook, layout: Layout) -> None:
    budget, actuals, forecast = SCHEMA.budget.name, SCHEMA.actuals.name, SCHEMA.forecast.name
    b, a, f = (layout.sheets[s] for s in (budget, actuals, forecast))
    by_month, summary = layout.kind.formula_sheets
    wbs_head, cat_head = (fld.header for fld in SCHEMA.budget.row_fields)
    calcs: list[Calc] = []
    # Variance by month: budget - actual per Budget row and month, to the status date
    ws = _sheet(wb, by_month, "planned minus actual cost per month, to the status date", [28, 16])
    n = b.last_month_col - b.first_month_col + 1
    first_month = 3
    a_wbs, a_cat = _col_rng(actuals, a.columns[C.WBS], a), _col_rng(actuals, a.columns[C.CATEGORY], a)

    def label(col: int) -> Callable[[int], str]:
        return lambda r: f'=IF({_q(budget)}!$A{r}="","",{_q(budget)}!{_L(col)}{r})'

    calcs.append(
        _block(
            ws,
            HEADER_ROW,
            range(b.first_row, b.last_row + 1),
            [Column(wbs_head, C.WBS, "text", label(1)), Column(cat_head, C.CATEGORY, "text", label(2))],
        )
    )
    month_cols: dict[int, Column] = {}
    total_row = b.last_row + 1
    for j in range(n):
        col, src = first_month + j, b.first_month_col + j
        head = ws.cell(row=HEADER_ROW, column=col, value=f"={_q(budget)}!{_L(src)}${HEADER_ROW}")
        _header(head)
        head.number_format = FORMATS["date"]
        ws.column_dimensions[_L(col)].width = 11
        m = f"{_L(col)}${HEADER_ROW}"

        def variance(r: int, src: int = src, m: str = m) -> str:
            actual = f"SUMPRODUCT(({a_wbs}=$A{r})*({a_cat}=$B{r})*({_months(actuals, a)}={m})*{_matrix(actuals, a)})"
            return f'=IF(OR($A{r}="",{m}="",{m}>{STATUS}),"",N({_q(budget)}!{_L(src)}{r})-{actual})'

        month_cols[col] = Column("spend variance in the month", "spend_variance_month", "money", variance)
        for r in range(b.first_row, b.last_row + 1):
            _calc(ws, r, col, variance(r), "money")
        top, bottom = f"{_L(col)}{b.first_row}", f"{_L(col)}{b.last_row}"
        _calc(ws, total_row, col, f'=IF(OR({m}="",{m}>{STATUS}),"",SUM({top}:{bottom}))', "money")
    last_month = first_month + n - 1
    to_date = last_month + 1
    _header(ws.cell(row=HEADER_ROW, column=to_date, value="Spend variance to date"))
    ws.column_dimensions[_L(to_date)].width = 16
    for r in range(b.first_row, total_row + 1):
        guard = f'$A{r}=""' if r < total_row else "FALSE"
        _calc(ws, r, to_date, f'=IF({guard},"",SUM({_L(first_month)}{r}:{_L(last_month)}{r}))', "money")
    ws.cell(row=total_row, column=1, value=SCHEMA.budget.total_label).font = Font(bold=True)
    month_cols[to_date] = Column("Spend variance to date", "spend_variance", "money", lambda r: "")
    calcs.append(Calc(by_month, HEADER_ROW, b.first_row, total_row, month_cols))
    _finish(ws, "C3")

    # Cost summary: by cost category (fixed list) and by WBS element (first row of each)
    cs = _sheet(wb, summary, "budget vs actual to date and at completion", [28] + [15] * 11)
    b_wbs, b_cat = _col_rng(budget, b.columns[C.WBS], b), _col_rng(budget, b.columns[C.CATEGORY], b)
    a_months, b_months = _months(actuals, a), _months(budget, b)
    b_tot = _col_rng(budget, b.total_col, b)

    def to_date_sum(sheet: str, lay: SheetLayout, months: str, keys: str, r: int) -> str:
        return f"SUMPRODUCT(({keys}=$A{r})*({months}<={STATUS})*{_matrix(sheet, lay)})"

    def common(keys_b: str, keys_a: str, guard: Callable[[int], str]) -> list[Column]:
        def g(expr: str) -> Callable[[int], str]:
            return lambda r: f'=IF({guard(r)},"",{expr.format(r=r)})'

        return [
            Column(
                "Budget to date", "budget_to_date", "money", lambda r: g(to_date_sum(budget, b, b_months, keys_b, r))(r)
            ),
            Column(
                "Actual to date",
                "actual_to_date",
                "money",
                lambda r: g(to_date_sum(actuals, a, a_months, keys_a, r))(r),
            ),
            Column("Spend variance", "spend_variance", "money", g("B{r}-C{r}")),
            Column(
                "Spend variance %",
                "spend_variance_pct",
                "fraction",
                g(f'IF(B{{r}}=0,"{NA_PV}",(B{{r}}-C{{r}})/B{{r}})'),
            ),
            Column(
                "Budget at completion (BAC)", "bac", "money", lambda r: g(f"SUMPRODUCT(({keys_b}=$A{r})*{b_tot})")(r)
            ),
            Column("Remaining budget", "remaining_budget", "money", g("F{r}-C{r}")),
            Column("Percent spent", "pct_spent", "fraction", g(f'IF(F{{r}}=0,"{NA_BAC}",C{{r}}/F{{r}})')),
        ]

    cs.cell(row=3, column=1, value=f"By {cat_head.lower()}").font = Font(bold=True)
    head = 4
    cat_rows = range(head + 1, head + 1 + len(COST_CATEGORIES))
    for i, name in enumerate(COST_CATEGORIES):
        cs.cell(row=cat_rows.start + i, column=1, value=name)
    _header(cs.cell(row=head, column=1, value=cat_head))
    calcs.append(
        Calc(
            summary,
            head,
            cat_rows.start,
            cat_rows.stop - 1,
            _block(cs, head, cat_rows, common(b_cat, a_cat, lambda r: "FALSE"), 2).columns,
        )
    )
    cat_total = cat_rows.stop
    cs.cell(row=cat_total, column=1, value=SCHEMA.budget.total_label).font = Font(bold=True)
    _totals(cs, cat_total, cat_rows, common(b_cat, a_cat, lambda r: "FALSE"))

    wbs_head_row = cat_total + 3
    cs.cell(
        row=wbs_head_row - 1,
        column=1,
        value=f"By {wbs_head.lower()} (each element on the row of its first {budget} line)",
    ).font = Font(bold=True)
    wbs_rows = range(wbs_head_row + 1, wbs_head_row + 1 + (b.last_row - b.first_row + 1))
    offset = b.first_row - wbs_rows.start
    f_wbs, f_etc = _col_rng(forecast, f.columns[C.WBS], f), _col_rng(forecast, f.columns[C.ETC], f)

    def first(r: int) -> str:
        src = f"{_q(budget)}!$A{r + offset}"
        first_row = f"{_q(budget)}!$A${b.first_row}:$A{r + offset}"
        return f'=IF(OR({src}="",SUMPRODUCT(--({first_row}={src}))>1),"",{src})'

    def g(expr: str) -> Callable[[int], str]:
        return lambda r: f'=IF($A{r}="","",{expr.format(r=r)})'

    wbs_cols = [
        Column(wbs_head, C.WBS, "text", first),
        *common(b_wbs, a_wbs, lambda r: f'$A{r}=""')[:6],
        Column(
            SCHEMA.forecast.header(C.ETC),
            "etc",
            "money",
            g(f'IF(SUMPRODUCT(--({f_wbs}=$A{{r}}))=0,"{NA_FORECAST}",SUMPRODUCT(({f_wbs}=$A{{r}})*{f_etc}))'),
        ),
        Column(
            "EAC (AC + ETC)", "eac", "money", g(f'IF(F{{r}}=0,"{NA_BAC}",IF(ISNUMBER(H{{r}}),C{{r}}+H{{r}},H{{r}}))')
        ),
        Column("VAC (BAC - EAC)", "vac", "money", g("IF(ISNUMBER(I{r}),F{r}-I{r},I{r})")),
        Column("Percent spent", "pct_spent", "fraction", g(f'IF(F{{r}}=0,"{NA_BAC}",C{{r}}/F{{r}})')),
        Column(
            "Budget counted as ETC (no forecast)",
            "etc_from_budget",
            "money",
            lambda r: f'=IF($A{r}="",0,IF(ISNUMBER(H{r}),0,F{r}))',
        ),
    ]
    calcs.append(_block(cs, wbs_head_row, wbs_rows, wbs_cols))
    total = wbs_rows.stop
    cs.cell(row=total, column=1, value=SCHEMA.budget.total_label).font = Font(bold=True)
    span = f"{{c}}{wbs_rows.start}:{{c}}{wbs_rows.stop - 1}"
    any_forecast = f'SUMPRODUCT(--({f_wbs}<>""))'
    total_cols = [
        Column("Budget to date", "budget_to_date", "money", lambda r: f"=SUM({span.format(c='B')})"),
        Column("Actual to date", "actual_to_date", "money", lambda r: f"=SUM({span.format(c='C')})"),
        Column("Spend variance", "spend_variance", "money", lambda r: f"=B{r}-C{r}"),
        Column(
            "Spend variance %", "spend_variance_pct", "fraction", lambda r: f'=IF(B{r}=0,"{NA_PV}",(B{r}-C{r})/B{r})'
        ),
        Column("Budget at completion (BAC)", "bac", "money", lambda r: f"=SUM({span.format(c='F')})"),
        Column("Remaining budget", "remaining_budget", "money", lambda r: f"=F{r}-C{r}"),
        Column(
            SCHEMA.forecast.header(C.ETC),
            "etc",
            "money",
            lambda r: f'=IF({any_forecast}=0,"{NA_FORECAST}",SUM({f_etc})+SUM({span.format(c="L")}))',
        ),
        Column("EAC (AC + ETC)", "eac", "money", lambda r: f'=IF(F{r}=0,"{NA_BAC}",IF(ISNUMBER(H{r}),C{r}+H{r},H{r}))'),
        Column("VAC (BAC - EAC)", "vac", "money", lambda r: f"=IF(ISNUMBER(I{r}),F{r}-I{r},I{r})"),
        Column("Percent spent", "pct_spent", "fraction", lambda r: f'=IF(F{r}=0,"{NA_BAC}",C{r}/F{r})'),
    ]
    calcs.append(Calc(summary, wbs_head_row, total, total, _write_row(cs, total, total_cols, 2)))
    _note(
        cs,
        total + 2,
        "To date = months up to the status date. Spend variance = budget - actual (positive = spent less than "
        "planned; it says nothing about the work done). EAC = actual to date + the Forecast sheet's estimate to "
        "complete; in the total, an element without a forecast counts its whole remaining budget.",
        11,
    )
    _finish(cs, "B5")
    _record(layout, calcs)


def _totals(ws: Worksheet, row: int, rows: range, columns: Sequence[Column]) -> None:
    """A total row under a block written by :func:`_block` from column B: money columns summed,
    the rest recomputed from the sums by the same formula."""
    for j, column in enumerate(columns, 2):
        letter = _L(j)
        if column.unit == "money" and column.key not in ("spend_variance", "remaining_budget"):
            _calc(ws, row, j, f"=SUM({letter}{rows.start}:{letter}{rows.stop - 1})", column.unit)
        else:
            _calc(ws, row, j, column.formula(row), column.unit)


def _write_row(ws: Worksheet, row: int, columns: Sequence[Column], first_col: int) -> dict[int, Column]:
    for j, column in enumerate(columns, first_col):
        _calc(ws, row, j, column.formula(row), column.unit)
    return {first_col + j: c for j, c in enumerate(columns)}


# -- business case ------------------------------------------------------------------------------


def _business_case_finish(wb: Workbook, layout: Layout) -> None:
    benefits = SCHEMA.benefits.name
    table = layout.kind.schema.benefits
    lay = layout.sheets[benefits]
    (sheet_name,) = layout.kind.formula_sheets
    ws = _sheet(wb, sheet_name, "yearly cash flows and the business-case measures", [24] + [15] * 11)
    years = _col_rng(benefits, lay.columns[C.PERIOD], lay)

    def source(key: str) -> str:
        return _col_rng(benefits, lay.columns[key], lay)

    top = 19
    rows = range(top, top + HORIZON_YEARS)
    end = rows.stop - 1

    def col(letter: str) -> str:
        return f"${letter}${top}:${letter}${end}"

    def g(expr: str) -> Callable[[int], str]:
        return lambda r: f'=IF($A{r}="","",{expr.format(r=r, k=r - top)})'

    def by_year(key: str) -> Callable[[int], str]:
        return g(f"SUMIF({years},$A{{r}},{source(key)})")

    def payback(cum: str, net: str) -> Callable[[int], str]:
        def if_prev(r: int) -> str:
            return f'IF(AND({cum}{r - 1}<0,COUNTIF({cum}{r}:{cum}${end},"<0")=0),$B{r}-1+(-{cum}{r - 1})/{net}{r},"")'

        return lambda r: '=""' if r == top else f'=IF($A{r}="","",{if_prev(r)})'

    flow_cols = [
        Column(
            table.header(C.PERIOD),
            C.PERIOD,
            "year",
            lambda r: f'=IF(COUNT({years})=0,"",IF(MIN({years})+{r - top}>MAX({years}),"",MIN({years})+{r - top}))',
        ),
        Column("t (years from the first)", "t", "count", g("{k}")),
        Column(table.header(C.PROJECT_COST), C.PROJECT_COST, "money", by_year(C.PROJECT_COST)),
        Column(table.header(C.EXPECTED_BENEFIT), C.EXPECTED_BENEFIT, "money", by_year(C.EXPECTED_BENEFIT)),
        Column(table.header(C.OTHER_COSTS), C.OTHER_COSTS, "money", by_year(C.OTHER_COSTS)),
        Column("Net cash flow", "net_cash_flow", "money", g("D{r}-E{r}-C{r}")),
        Column("Discount factor", "discount_factor", "factor", g(f'IF({RATE}="","",1/(1+{RATE})^B{{r}})')),
        Column("Discounted cash flow", "discounted_cash_flow", "money", g('IF(G{r}="","",F{r}*G{r})')),
        Column("Cumulative cash flow", "cumulative_cash_flow", "money", g(f"SUM($F${top}:F{{r}})")),
        Column(
            "Cumulative discounted cash flow",
            "cumulative_discounted_cash_flow",
            "money",
            g(f'IF(H{{r}}="","",SUM($H${top}:H{{r}}))'),
        ),
        Column("Paid back in this year (years)", "payback_point", "years", payback("I", "F")),
        Column("Discounted: paid back in this year", "discounted_payback_point", "years", payback("J", "H")),
    ]
    calcs = [_block(ws, top - 1, rows, flow_cols)]
    # IRR: IRR() from several guesses, keeping the root closest to zero above -100 %, like the
    # engine (numpy-financial): flows that change sign more than once can have several IRRs.
    irr_cols = [
        Column(
            "IRR from a guess",
            "irr_candidate",
            "fraction",
            lambda r: (
                f"=IFERROR(IF(IRR({col('F')},{IRR_GUESSES[r - IRR_ROWS.start]})>-1,"
                f'IRR({col("F")},{IRR_GUESSES[r - IRR_ROWS.start]}),""),"")'
            ),
        ),
        Column(
            "Distance from 0",
            "irr_distance",
            "fraction",
            lambda r: f'=IF(ISNUMBER({_L(IRR_COL)}{r}),ABS({_L(IRR_COL)}{r}),"")',
        ),
    ]
    candidates = _rng_abs(IRR_COL, IRR_ROWS)
    distances = _rng_abs(IRR_COL + 1, IRR_ROWS)
    flows = f'(COUNTIF({col("F")},">0")+COUNTIF({col("F")},"<0"))'
    no_rows = f"COUNT({col('A')})=0"
    costs = f"(SUMPRODUCT({col('C')},{col('G')})+SUMPRODUCT({col('E')},{col('G')}))"
    facts = [
        Column(
            _field_header("discount_rate"), "discount_rate", "fraction", lambda r: f'=IF({RATE}="","{NA_RATE}",{RATE})'
        ),
        Column(
            "Net present value (NPV)",
            "npv",
            "money",
            lambda r: f'=IF({RATE}="","{NA_RATE}",IF({no_rows},"{NA_FLOWS}",SUM({col("H")})))',
        ),
        Column(
            "NPV with Excel's NPV(): first flow + NPV(rate, later flows)",
            "npv",
            "money",
            lambda r: (
                f'=IF({RATE}="","{NA_RATE}",IF({no_rows},"{NA_FLOWS}",$F${top}+NPV({RATE},$F${top + 1}:$F${end})))'
            ),
        ),
        Column(
            "Internal rate of return (IRR)",
            "irr",
            "fraction",
            lambda r: (
                f'=IF({flows}=0,"{NA_FLOWS}",IF(OR(COUNTIF({col("F")},">0")=0,COUNTIF({col("F")},"<0")=0),'
                f'"{NA_SIGN}",IF(COUNT({candidates})=0,"{NA_IRR}",'
                f"IF(SUMPRODUCT(--({candidates}=MIN({distances})))>0,MIN({distances}),-MIN({distances})))))"
            ),
        ),
        Column(
            "Return on investment (ROI)",
            "roi",
            "fraction",
            lambda r: f'=IF(B{r + 5}=0,"{NA_COST}",(B{r + 4}-B{r + 5})/B{r + 5})',
        ),
        Column(
            "Payback period (years)",
            "payback",
            "years",
            lambda r: (
                f'=IF({flows}=0,"{NA_FLOWS}",IF(COUNTIF({col("I")},"<0")=0,0,'
                f'IF(SUM({col("F")})<0,"{NA_PAYBACK}",MAX({col("K")}))))'
            ),
        ),
        Column(
            "Discounted payback period (years)",
            "discounted_payback",
            "years",
            lambda r: (
                f'=IF({RATE}="","{NA_RATE}",IF({no_rows},"{NA_FLOWS}",IF({flows}=0,"{NA_FLOWS}",'
                f'IF(COUNTIF({col("J")},"<0")=0,0,IF(SUM({col("H")})<0,"{NA_PAYBACK}",MAX({col("L")}))))))'
            ),
        ),
        Column(
            "Benefit-cost ratio (BCR)",
            "bcr",
            "index",
            lambda r: (
                f'=IF({RATE}="","{NA_RATE}",IF({no_rows},"{NA_FLOWS}",IF({costs}=0,"{NA_COST}",'
                f"SUMPRODUCT({col('D')},{col('G')})/{costs})))"
            ),
        ),
        Column("Total benefits", "total_benefits", "money", lambda r: f"=SUM({col('D')})"),
        Column("Total costs", "total_costs", "money", lambda r: f"=SUM({col('C')})+SUM({col('E')})"),
    ]
    calcs.append(_facts(ws, 3, facts))
    calcs.append(_block(ws, IRR_ROWS.start - 1, IRR_ROWS, irr_cols, first_col=IRR_COL))
    for j in range(len(irr_cols)):
        ws.column_dimensions[_L(IRR_COL + j)].hidden = True
    _note(
        ws,
        14,
        "NPV convention: year t is discounted by (1 + rate)^t with the first year at t = 0, not discounted (as the "
        "pmoreports engine and numpy-financial do). Excel's NPV(rate, v1, ...) discounts its first value too, so "
        "the same NPV in Excel is =first flow + NPV(rate, later flows), shown above.",
        10,
    )
    _note(
        ws,
        15,
        "Payback: years from the start of the first year until the cumulative cash flow stays at or above zero, "
        "flows earned evenly within a year. ROI is not discounted; BCR = present value of benefits / present "
        "value of costs. Costs = project cost + other costs.",
        10,
    )
    _note(
        ws,
        16,
        f"Years are filled in from the first to the last year of the {benefits} sheet (at most "
        f"{HORIZON_YEARS}); a year without a row counts as 0.",
        10,
    )
    _finish(ws, f"B{top}")
    _record(layout, calcs)


# -- risk register ------------------------------------------------------------------------------


def _risks_finish(wb: Workbook, layout: Layout) -> None:
    risks = SCHEMA.risks
    lay = layout.sheets[risks.name]
    ws = wb[risks.name]
    n_fields = len(risks.fields)
    letter = {key: _L(col) for key, col in lay.columns.items()}
    prob, impact = letter[C.PROBABILITY], letter[C.COST_IMPACT]
    first_calc = n_fields + 1
    j_prob = _L(first_calc)
    bac = f"N({BAC_NAME})"

    def pfrac(r: int) -> str:
        d = f"{prob}{r}"
        return (
            f'=IF({d}="","",IF(NOT(ISNUMBER({d})),"{NA_PROBABILITY}",IF(AND({d}>=1,{d}<=5,{d}=INT({d})),'
            f'CHOOSE({d},0.1,0.3,0.5,0.7,0.9),IF({d}<1,{d},IF({d}>5,{d}/100,"{NA_PROBABILITY}")))))'
        )

    cols = [
        Column("Probability (%)", "probability_fraction", "fraction", pfrac),
        Column(
            "Expected value",
            "expected_value",
            "money",
            lambda r: f'=IF(ISNUMBER({j_prob}{r}),{j_prob}{r}*N({impact}{r}),"")',
        ),
        Column(
            "Probability band (1-5)",
            "probability_band",
            "band",
            lambda r: (
                f'=IF(ISNUMBER({j_prob}{r}),1+({j_prob}{r}>=0.2)+({j_prob}{r}>=0.4)+({j_prob}{r}>=0.6)+({j_prob}{r}>=0.8),"")'
            ),
        ),
        Column(
            "Impact band (1-5)",
            "impact_band",
            "band",
            lambda r: (
                f'=IF(OR($A{r}="",{bac}<=0),"",1+(N({impact}{r})/{bac}>=0.01)+(N({impact}{r})/{bac}>=0.05)'
                f"+(N({impact}{r})/{bac}>=0.1)+(N({impact}{r})/{bac}>=0.2))"
            ),
        ),
    ]
    calcs = [_block(ws, HEADER_ROW, range(lay.first_row, lay.last_row + 1), cols, first_col=first_calc)]
    _protect(ws)  # the calculated columns; input cells stay editable
    for j in range(4):
        ws.column_dimensions[_L(first_calc + j)].width = 14
    table = next(iter(ws.tables.values()))
    table.ref = f"A{HEADER_ROW}:{_L(first_calc + 3)}{lay.last_row}"

    (map_name,) = layout.kind.formula_sheets
    hm = _sheet(
        wb, map_name, "open risks by probability and impact band, and the exposure", [30, 12, 12, 12, 12, 12, 12]
    )
    col_status = _col_rng(risks.name, lay.columns[C.STATUS], lay)
    col_pb = _rng(risks.name, first_calc + 2, lay.first_row, first_calc + 2, lay.last_row)
    col_ib = _rng(risks.name, first_calc + 3, lay.first_row, first_calc + 3, lay.last_row)
    col_ev = _rng(risks.name, first_calc + 1, lay.first_row, first_calc + 1, lay.last_row)
    col_cost = _col_rng(risks.name, lay.columns[C.COST_IMPACT], lay)
    head = 4
    hm.cell(
        row=head - 1, column=1, value="Open risks: probability band (rows) x impact band of cost impact / BAC (columns)"
    ).font = Font(bold=True)
    _header(hm.cell(row=head, column=1, value="Probability band \\ impact band"))
    for i in range(5):
        _header(hm.cell(row=head, column=2 + i, value=i + 1))
    grid_rows = range(head + 1, head + 6)
    band_cols: dict[int, Column] = {}
    for i, r in enumerate(grid_rows):
        hm.cell(row=r, column=1, value=5 - i).font = Font(bold=True)
    for i in range(5):
        c = 2 + i

        def count(r: int, c: int = c) -> str:
            return f'=COUNTIFS({col_status},"open",{col_pb},$A{r},{col_ib},{_L(c)}${head})'

        band_cols[c] = Column(f"impact band {i + 1}", "risk_matrix", "count", count)
        for r in grid_rows:
            _calc(hm, r, c, count(r), "count")
    area = f"B{grid_rows.start}:F{grid_rows.stop - 1}"
    for colour, test in (("EF9A9A", ">=15"), ("FFE082", ">=5"), ("C8E6C9", ">=1")):
        fill = PatternFill("solid", fgColor=colour, bgColor=colour)
        rule = FormulaRule(formula=[f"$A{grid_rows.start}*B${head}{test}"], fill=fill, stopIfTrue=True)
        hm.conditional_formatting.add(area, rule)
    calcs.append(Calc(map_name, head, grid_rows.start, grid_rows.stop - 1, band_cols))
    facts = [
        Column("Open risks", "open_risks", "count", lambda r: f'=COUNTIF({col_status},"open")'),
        Column("Open risk exposure", "open_exposure", "money", lambda r: f'=SUMIFS({col_ev},{col_status},"open")'),
        Column("Contingency", "contingency", "money", lambda r: f"=N({CONTINGENCY})"),
        Column(
            "Realised risks", "realised_risks_cost", "money", lambda r: f'=SUMIFS({col_cost},{col_status},"realised")'
        ),
        Column("Contingency left", "contingency_remaining", "money", lambda r: f"=B{r - 2}-B{r - 1}"),
        Column(
            "Contingency left minus open exposure",
            "contingency_minus_exposure",
            "money",
            lambda r: f"=B{r - 1}-B{r - 4}",
        ),
        Column(
            "Contingency coverage",
            "exposure_coverage",
            "index",
            lambda r: f'=IF(B{r - 5}>0,B{r - 2}/B{r - 5},"{NA_EXPOSURE}")',
        ),
    ]
    fact_row = grid_rows.stop + 2
    calcs.append(_facts(hm, fact_row, facts))
    _note(
        hm,
        fact_row + len(facts) + 1,
        "Expected value = probability x cost impact. Probability: a whole number 1-5 is a score (1 = 10 %, 2 = 30 %, "
        "3 = 50 %, 4 = 70 %, 5 = 90 %), a number below 1 a fraction, above 5 a percent. Bands: probability from "
        "20 % / 40 % / 60 % / 80 %; impact as a share of the approved budget from 1 % / 5 % / 10 % / 20 %. Cells are "
        "coloured by probability band x impact band (red from 15, amber from 5). Contingency left = contingency - "
        "realised risks; coverage = contingency left / open exposure.",
        7,
    )
    _finish(hm, "A3")
    _record(layout, calcs)


# -- change log ---------------------------------------------------------------------------------


def _changes_finish(wb: Workbook, layout: Layout) -> None:
    changes = SCHEMA.changes
    lay = layout.sheets[changes.name]
    (name,) = layout.kind.formula_sheets
    ws = _sheet(wb, name, "change requests by status, against the contingency", [30, 14, 16, 16])
    status = _col_rng(changes.name, lay.columns[C.STATUS], lay)
    cost = _col_rng(changes.name, lay.columns[C.COST_IMPACT], lay)
    days = _col_rng(changes.name, lay.columns[C.SCHEDULE_IMPACT_DAYS], lay)
    head = 3
    choices = next(fld for fld in changes.fields if fld.key == C.STATUS).choices
    rows = range(head + 1, head + 1 + len(choices))
    for i, choice in enumerate(choices):
        ws.cell(row=rows.start + i, column=1, value=choice)
    _header(ws.cell(row=head, column=1, value=changes.header(C.STATUS)))
    cols = [
        Column("Changes", "count", "count", lambda r: f"=COUNTIF({status},$A{r})"),
        Column(changes.header(C.COST_IMPACT), C.COST_IMPACT, "money", lambda r: f"=SUMIF({status},$A{r},{cost})"),
        Column(
            changes.header(C.SCHEDULE_IMPACT_DAYS),
            C.SCHEDULE_IMPACT_DAYS,
            "days",
            lambda r: f"=SUMIF({status},$A{r},{days})",
        ),
    ]
    calcs = [_block(ws, head, rows, cols, first_col=2)]
    total = rows.stop
    ws.cell(row=total, column=1, value=SCHEMA.budget.total_label).font = Font(bold=True)
    for j in range(2, 5):
        _calc(ws, total, j, f"=SUM({_L(j)}{rows.start}:{_L(j)}{rows.stop - 1})", cols[j - 2].unit)
    approved = rows.start + choices.index("approved")
    proposed = rows.start + choices.index("proposed")
    facts = [
        Column("Contingency", "contingency", "money", lambda r: f"=N({CONTINGENCY})"),
        Column("Approved changes", "approved_changes_cost", "money", lambda r: f"=C{approved}"),
        Column("Contingency left", "contingency_remaining", "money", lambda r: f"=B{r - 2}-B{r - 1}"),
        Column("Pending changes", "proposed_changes_cost", "money", lambda r: f"=C{proposed}"),
        Column(
            "Contingency left after pending changes",
            "contingency_after_pending",
            "money",
            lambda r: f"=B{r - 2}-B{r - 1}",
        ),
    ]
    fact_row = total + 3
    calcs.append(_facts(ws, fact_row, facts))
    _note(
        ws,
        fact_row + len(facts) + 1,
        "Contingency left = contingency - approved changes (a saving is a negative cost impact). Pending changes are "
        "the proposed ones, not yet decided.",
        4,
    )
    _finish(ws, "A4")
    _record(layout, calcs)


_FINISHERS: dict[str, Callable[[Workbook, Layout], None]] = {
    PROJECT: _project_finish,
    "budget": _budget_finish,
    "evm": _evm_finish,
    BUSINESS_CASE: _business_case_finish,
    "risks": _risks_finish,
    "changes": _changes_finish,
}

_NOTES: dict[str, tuple[str, ...]] = {
    "budget": (
        "Variance by month (calculated): planned minus actual cost of each Budget row in each month up to the "
        "status date.",
        "Cost summary (calculated): budget vs actual to date and at completion, by cost category and by WBS "
        "element, with the estimate at completion from the Forecast sheet.",
    ),
    "evm": (
        "EV workings (calculated): each WBS element's budget and its percent complete carried forward to the "
        "status date.",
        "Earned value (calculated): PV, EV, AC, CV, SV, CPI, SPI, EAC, VAC and TCPI by month, with a chart.",
    ),
    BUSINESS_CASE: (
        "Cash flows (calculated): the yearly flows and NPV, IRR, ROI, payback, discounted payback and the "
        "benefit-cost ratio. NPV takes the first year at t = 0, not discounted (Excel's NPV() would discount it).",
    ),
    "risks": (
        "Risks (calculated columns): probability, expected value and the probability and impact bands.",
        "Heat map (calculated): open risks by probability and impact band, the exposure and the contingency coverage.",
    ),
    "changes": ("Change summary (calculated): changes by status, with their cost and schedule impact.",),
}


def months_label(months: Sequence[dt.date | None]) -> str:  # pragma: no cover - debugging aid
    return ", ".join(f"{m:%Y-%m}" if m else "?" for m in months)
