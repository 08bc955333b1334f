"""Recalculate gallery workbooks with LibreOffice and compare every formula cell with the engine.

:func:`recalculate` runs one headless LibreOffice over many files, with a profile that
recalculates every formula on load (``OOXMLRecalcMode`` = always), and saves them as xlsx
with the computed values. :func:`compare` walks every formula cell of a written workbook
(found in the file itself, so none is skipped), finds what the engine says it must be
(:func:`expected_values`) and returns the disagreements.

A defined engine value must be a number within 0.005 (money: to the cent) or 1e-9 (ratios,
fractions, years); an undefined one a text (blank or ``n/a: ...``), never an error value.
The only error values allowed are the ``#N/A`` of the earned-value chart columns after the
status date.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from pmoreports.metrics import glossary as g
from pmoreports.metrics.evm import Metric, project_evm
from pmoreports.metrics.kinds import SPEND_VARIANCE_MONTH, KindMetrics, kind_metrics
from pmoreports.metrics.risks import IMPACT_BAND, PROBABILITY_BAND, PROBABILITY_FRACTION
from pmoreports.workbook import columns as C
from pmoreports.workbook.gallery import Calc
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.schema import COST_CATEGORIES, SCHEMA
from pmoreports.workbook.template import HEADER_ROW, Layout

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
MONEY_TOLERANCE = 0.005
RATIO_TOLERANCE = 1e-9
NOTHING = object()
"""Expected: a text (blank or n/a) - the engine has no value here."""
CHART_GAP = object()
"""Expected: #N/A (a chart column after the status date)."""


def recalculate(soffice: str, files: Iterable[Path], out: Path, profile: Path) -> None:
    """Open ``files`` in LibreOffice (every formula recalculated on load) and save them to ``out``."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )


@dataclass(frozen=True)
class Mismatch:
    cell: str
    found: Any
    expected: Any

    def __str__(self) -> str:
        return f"{self.cell}: found {self.found!r}, expected {self.expected!r}"


def formula_cells(path: Path) -> dict[str, dict[str, str]]:
    """Every formula cell of a workbook as written: sheet -> coordinate -> formula."""
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: {c.coordinate: str(c.value) for row in ws.iter_rows() for c in row if c.data_type == "f"}
        for ws in wb.worksheets
    }


def compare(written: Path, recalculated: Path, layout: Layout, data: ProjectData) -> list[Mismatch]:
    """Disagreements between the recalculated formula cells and the engine (see module doc)."""
    formulas = formula_cells(written)
    values = openpyxl.load_workbook(recalculated, data_only=True)
    expected = expected_values(layout, data, values)
    problems = []
    for sheet, cells in formulas.items():
        for ref in cells:
            where = f"{sheet}!{ref}"
            if where not in expected:
                problems.append(Mismatch(where, values[sheet][ref].value, "a cell the test knows"))
                continue
            found = values[sheet][ref].value
            if not agrees(found, expected[where]):
                problems.append(Mismatch(where, found, _show(expected[where])))
    return problems


def _show(value: Any) -> Any:
    if value is NOTHING:
        return "a text (blank or n/a)"
    if value is CHART_GAP:
        return "#N/A"
    return value


@dataclass(frozen=True)
class _IrrRoot:
    """Expected of an IRR candidate cell: blank, or a rate above -100 % at which the NPV of
    ``flows`` is 0 (its absolute value when ``distance``)."""

    flows: tuple[float, ...]
    distance: bool

    def accepts(self, found: Any) -> bool:
        if found is None or found == "":
            return True
        if isinstance(found, bool) or not isinstance(found, int | float):
            return False
        if self.distance:
            return found >= 0
        scale = sum(abs(v) for v in self.flows) or 1.0
        npv = sum(v / (1 + found) ** t for t, v in enumerate(self.flows))
        return found > -1 and abs(npv) <= 1e-6 * scale


def agrees(found: Any, expected: Any) -> bool:
    if isinstance(expected, _IrrRoot):
        return expected.accepts(found)
    if isinstance(found, str) and found.startswith("#"):
        return expected is CHART_GAP and found == "#N/A"
    if expected is NOTHING:
        return found is None or (isinstance(found, str) and (found == "" or found.startswith("n/a")))
    if expected is CHART_GAP:
        return False
    if isinstance(expected, str):
        return (found or "") == expected
    if isinstance(expected, dt.date):
        return isinstance(found, dt.datetime | dt.date) and pd.Timestamp(found).date() == expected
    if isinstance(found, bool) or not isinstance(found, int | float):
        return False
    tolerance = MONEY_TOLERANCE if abs(expected) >= 1 else RATIO_TOLERANCE
    return math.isclose(found, expected, abs_tol=tolerance, rel_tol=1e-12)


def _num(value: Any) -> Any:
    """An engine value: a finite number, or NOTHING when undefined."""
    if isinstance(value, Metric):
        return NOTHING if value.value is None else value.value
    if value is None or value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return NOTHING
    return float(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# -- what the engine says ------------------------------------------------------------------------


def expected_values(layout: Layout, data: ProjectData, values: openpyxl.Workbook) -> dict[str, Any]:
    """Sheet!A1 -> the engine's value of every formula cell of a workbook of ``layout.kind``."""
    km = kind_metrics(data)
    out: dict[str, Any] = {}
    _grid_formulas(out, layout, data)
    for calc in layout.blocks:
        ws = values[calc.sheet]
        handler = _HANDLERS[calc.sheet]
        handler(out, calc, ws, data, km, layout)
    return out


def _months_of(layout: Layout, sheet: str) -> dict[int, dt.date | None]:
    lay = layout.sheets[sheet]
    return {lay.first_month_col + j: m for j, m in enumerate(layout.months)}


def _grid_formulas(out: dict[str, Any], layout: Layout, data: ProjectData) -> None:
    """Month headers (blank templates) and the Budget/Actuals row and column totals."""
    status = pd.Timestamp(data.info.status_date)
    series = project_evm(data).values.set_index(C.MONTH)
    for grid in SCHEMA.grids:
        if grid.name not in layout.sheets:
            continue
        lay = layout.sheets[grid.name]
        months = _months_of(layout, grid.name)
        for col, month in months.items():
            ref = f"{grid.name}!{_L(col)}{HEADER_ROW}"
            out[ref] = month if month is not None else NOTHING
        if not lay.total_row:
            continue
        frame = data.budget if grid is SCHEMA.budget else data.actuals
        sums = frame.groupby([C.WBS, C.CATEGORY], sort=False)[C.VALUE].sum()
        keys = list(sums.index)
        month_sums = frame.groupby(C.MONTH)[C.VALUE].sum()
        for i in range(lay.first_row, lay.last_row + 1):
            k = i - lay.first_row
            out[f"{grid.name}!{_L(lay.total_col)}{i}"] = float(sums.iloc[k]) if k < len(keys) else 0.0
        for col, month in months.items():
            ref = f"{grid.name}!{_L(col)}{lay.total_row}"
            if month is None:
                out[ref] = 0.0
                continue
            stamp = pd.Timestamp(month)
            key = g.PV_MONTH if grid is SCHEMA.budget else g.AC_MONTH
            if grid is SCHEMA.actuals and stamp > status:
                out[ref] = float(month_sums.get(stamp, 0.0))  # typed after the status date: summed as typed
            else:
                out[ref] = float(series.loc[stamp, key])
        out[f"{grid.name}!{_L(lay.total_col)}{lay.total_row}"] = float(frame[C.VALUE].sum())


def _L(col: int) -> str:
    return openpyxl.utils.get_column_letter(col)


def _row_keys(ws: Any, calc: Calc, col: int = 1) -> dict[int, Any]:
    return {r: ws.cell(row=r, column=col).value for r in range(calc.first_row, calc.last_row + 1)}


# -- earned-value tracker ------------------------------------------------------------------------


def _ev_workings(out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout) -> None:
    status = pd.Timestamp(data.info.status_date)
    by_wbs = project_evm(data, (C.WBS,)).at_status().values.set_index(C.WBS)
    progress = data.progress.set_index([C.WBS, C.MONTH])[C.VALUE]
    lay = layout.sheets[SCHEMA.progress.name]
    labels = list(dict.fromkeys(data.progress[C.WBS]))
    if 1 in calc.columns:  # the WBS and BAC columns
        for r in range(calc.first_row, calc.last_row + 1):
            k = r - lay.first_row
            label = labels[k] if k < len(labels) else None
            out[f"{calc.sheet}!A{r}"] = label or NOTHING
            out[f"{calc.sheet}!B{r}"] = (
                float(by_wbs.loc[label, g.BAC]) if label in by_wbs.index else (0.0 if label else NOTHING)
            )
        return
    series = km.series.values.set_index(C.MONTH)  # type: ignore[union-attr]
    for col in calc.columns:
        month = layout.months[col - 3]
        out[f"{calc.sheet}!{_L(col)}{HEADER_ROW}"] = month if month is not None else NOTHING
        stamp = pd.Timestamp(month) if month is not None else None
        for r in range(calc.first_row, calc.last_row):
            k = r - lay.first_row
            label = labels[k] if k < len(labels) else None
            ref = f"{calc.sheet}!{_L(col)}{r}"
            if label is None or stamp is None or stamp > status:
                out[ref] = NOTHING
            else:
                out[ref] = float(progress.get((label, stamp), 0.0))
        out[f"{calc.sheet}!{_L(col)}{calc.last_row}"] = (
            NOTHING if stamp is None or stamp > status else float(series.loc[stamp, g.EV])
        )


def _earned_value(out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout) -> None:
    status = pd.Timestamp(data.info.status_date)
    series = km.series.values.set_index(C.MONTH)  # type: ignore[union-attr]
    if calc.facts:
        for r, fact in calc.facts.items():
            if fact.key == "status_month":
                out[f"{calc.sheet}!B{r}"] = data.info.status_date
            else:
                out[f"{calc.sheet}!B{r}"] = float(series[g.BAC].iloc[0]) if len(series) else 0.0
        return
    months = _row_keys(ws, calc)
    if calc.first_row == calc.last_row and 1 not in calc.columns:  # the status-date row
        for col, column in calc.columns.items():
            out[f"{calc.sheet}!{_L(col)}{calc.first_row}"] = _num(km.status[column.key])
        return
    for r, month in months.items():
        stamp = pd.Timestamp(month) if isinstance(month, dt.datetime) else None
        for col, column in calc.columns.items():
            ref = f"{calc.sheet}!{_L(col)}{r}"
            if column.key == C.MONTH:
                k = r - calc.first_row
                out[ref] = layout.months[k] if layout.months[k] is not None else NOTHING
                continue
            if stamp is None:
                out[ref] = CHART_GAP if "(chart)" in column.header else NOTHING
                continue
            value = _num(series.loc[stamp, column.key])
            after = stamp > status and column.key != g.PV
            if "(chart)" in column.header:
                out[ref] = CHART_GAP if after else value
            else:
                out[ref] = NOTHING if after else value


# -- budget and cost tracker ------------------------------------------------------------------------


def _variance_by_month(
    out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout
) -> None:
    status = pd.Timestamp(data.info.status_date)
    lay = layout.sheets[SCHEMA.budget.name]
    rows = list(dict.fromkeys(data.budget[[C.WBS, C.CATEGORY]].itertuples(index=False, name=None)))
    monthly = km.monthly_variance.set_index([C.WBS, C.CATEGORY, C.MONTH])[SPEND_VARIANCE_MONTH]  # type: ignore[union-attr]
    total = km.series.values.set_index(C.MONTH)  # type: ignore[union-attr]
    if 1 in calc.columns:
        for r in range(calc.first_row, calc.last_row + 1):
            k = r - lay.first_row
            for col in (1, 2):
                out[f"{calc.sheet}!{_L(col)}{r}"] = rows[k][col - 1] if k < len(rows) else NOTHING
        return
    for col, column in calc.columns.items():
        if column.key == g.SPEND_VARIANCE:
            for r in range(calc.first_row, calc.last_row + 1):
                k = r - lay.first_row
                ref = f"{calc.sheet}!{_L(col)}{r}"
                if r == calc.last_row:
                    out[ref] = float(km.status[g.PV].value or 0) - float(km.status[g.AC].value or 0)
                else:
                    out[ref] = float(monthly.loc[rows[k]].sum()) if k < len(rows) else NOTHING
            continue
        month = layout.months[col - 3]
        out[f"{calc.sheet}!{_L(col)}{HEADER_ROW}"] = month if month is not None else NOTHING
        stamp = pd.Timestamp(month) if month is not None else None
        for r in range(calc.first_row, calc.last_row + 1):
            k = r - lay.first_row
            ref = f"{calc.sheet}!{_L(col)}{r}"
            if stamp is None or stamp > status:
                out[ref] = NOTHING
            elif r == calc.last_row:
                out[ref] = float(total.loc[stamp, g.PV_MONTH] - total.loc[stamp, g.AC_MONTH])
            else:
                out[ref] = float(monthly.loc[(*rows[k], stamp)]) if k < len(rows) else NOTHING


def _cost_summary(out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout) -> None:
    keys = _row_keys(ws, calc)
    first_key = keys[calc.first_row]
    if first_key in COST_CATEGORIES:
        table = km.cost_by_category.values.set_index(C.CATEGORY)  # type: ignore[union-attr]
        for r, name in keys.items():
            for col, column in calc.columns.items():
                out[f"{calc.sheet}!{_L(col)}{r}"] = _cell_of(table, name, column.key)
        total_row = calc.last_row + 1
        for col, column in calc.columns.items():
            out[f"{calc.sheet}!{_L(col)}{total_row}"] = _status_of(km, column.key)
        return
    if calc.first_row == calc.last_row:  # the WBS total row
        for col, column in calc.columns.items():
            out[f"{calc.sheet}!{_L(col)}{calc.first_row}"] = _status_of(km, column.key)
        return
    table = km.cost_by_wbs.values.set_index(C.WBS)  # type: ignore[union-attr]
    etc = data.forecast.groupby(C.WBS)[C.ETC].sum() if len(data.forecast) else pd.Series(dtype=float)
    rows = list(dict.fromkeys(data.budget[[C.WBS, C.CATEGORY]].itertuples(index=False, name=None)))
    labels = [x[0] for x in rows]
    for r in range(calc.first_row, calc.last_row + 1):
        k = r - calc.first_row
        label = labels[k] if k < len(labels) else None
        first = label is not None and labels.index(label) == k
        for col, column in calc.columns.items():
            ref = f"{calc.sheet}!{_L(col)}{r}"
            if column.key == "etc_from_budget":
                out[ref] = float(table.loc[label, g.BAC]) if first and label not in etc.index else 0.0
            elif not first:
                out[ref] = NOTHING
            elif column.key == C.WBS:
                out[ref] = label
            elif column.key == "etc":
                out[ref] = float(etc[label]) if label in etc.index else NOTHING
            else:
                out[ref] = _cell_of(table, label, column.key)


def _cell_of(table: pd.DataFrame, key: Any, column: str) -> Any:
    if key not in table.index:
        return NOTHING if column in (g.SPEND_VARIANCE_PCT, g.PCT_SPENT, g.EAC, g.VAC) else 0.0
    return _num(table.loc[key, column])


def _status_of(km: KindMetrics, key: str) -> Any:
    s = km.status
    pv, ac, bac = (float(s[k].value or 0.0) for k in (g.PV, g.AC, g.BAC))
    derived = {
        "budget_to_date": pv,
        "actual_to_date": ac,
        "spend_variance": pv - ac,
        "spend_variance_pct": (pv - ac) / pv if pv else NOTHING,
        "remaining_budget": bac - ac,
        "pct_spent": ac / bac if bac else NOTHING,
    }
    return derived[key] if key in derived else _num(s[key])


# -- business case ---------------------------------------------------------------------------------


def _cash_flows(out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout) -> None:
    bc = km.business_case
    assert bc is not None
    if calc.facts:
        for r, fact in calc.facts.items():
            out[f"{calc.sheet}!B{r}"] = _num(bc.metrics[fact.key])
        return
    if any(c.key == "irr_candidate" for c in calc.columns.values()):
        net = bc.flows["net_cash_flow"].to_numpy(dtype=float) if len(bc.flows) else []
        for r in range(calc.first_row, calc.last_row + 1):
            for col, column in calc.columns.items():
                out[f"{calc.sheet}!{_L(col)}{r}"] = _IrrRoot(tuple(net), column.key == "irr_distance")
        return
    flows = bc.flows.set_index("t") if len(bc.flows) else pd.DataFrame()
    payback, discounted = bc.metrics[g.PAYBACK].value, bc.metrics[g.DISCOUNTED_PAYBACK].value
    for r in range(calc.first_row, calc.last_row + 1):
        t = r - calc.first_row
        for col, column in calc.columns.items():
            ref = f"{calc.sheet}!{_L(col)}{r}"
            if t not in flows.index:
                out[ref] = NOTHING
            elif column.key == "t":
                out[ref] = float(t)
            elif column.key in ("payback_point", "discounted_payback_point"):
                which = payback if column.key == "payback_point" else discounted
                out[ref] = which if which is not None and which > 0 and math.ceil(which) == t and t > 0 else NOTHING
            else:
                out[ref] = _num(flows.loc[t, column.key])


# -- risk register ---------------------------------------------------------------------------------


def _risks_sheet(out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout) -> None:
    register = km.risk_register.reset_index(drop=True)  # type: ignore[union-attr]
    names = {
        "probability_fraction": PROBABILITY_FRACTION,
        "probability_band": PROBABILITY_BAND,
        "impact_band": IMPACT_BAND,
    }
    for r in range(calc.first_row, calc.last_row + 1):
        k = r - calc.first_row
        for col, column in calc.columns.items():
            ref = f"{calc.sheet}!{_L(col)}{r}"
            if k >= len(register):
                out[ref] = NOTHING
                continue
            value = register.loc[k, names.get(column.key, column.key)]
            out[ref] = _num(value)


def _heat_map(out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout) -> None:
    if calc.facts:
        exposure = km.risk_exposure
        for r, fact in calc.facts.items():
            metric = exposure.get(fact.key) or km.costs.get(fact.key)
            out[f"{calc.sheet}!B{r}"] = _num(metric)
        return
    matrix = km.risk_matrix
    for r in range(calc.first_row, calc.last_row + 1):
        band = ws.cell(row=r, column=1).value
        for col in calc.columns:
            out[f"{calc.sheet}!{_L(col)}{r}"] = float(matrix.loc[band, col - 1])  # type: ignore[union-attr]


# -- change log -------------------------------------------------------------------------------------


def _change_summary(
    out: dict[str, Any], calc: Calc, ws: Any, data: ProjectData, km: KindMetrics, layout: Layout
) -> None:
    if calc.facts:
        costs = km.costs
        for r, fact in calc.facts.items():
            if fact.key == "contingency_after_pending":
                value = float(costs[g.CONTINGENCY_REMAINING].value or 0) - float(
                    costs[g.PROPOSED_CHANGES_COST].value or 0
                )
            else:
                value = _num(costs[fact.key])
            out[f"{calc.sheet}!B{r}"] = value
        return
    summary = km.changes.set_index(C.STATUS)  # type: ignore[union-attr]
    for r in range(calc.first_row, calc.last_row + 2):
        status = ws.cell(row=r, column=1).value
        for col, column in calc.columns.items():
            ref = f"{calc.sheet}!{_L(col)}{r}"
            if r == calc.last_row + 1:
                out[ref] = float(summary[column.key].sum())
            else:
                out[ref] = float(summary.loc[status, column.key])


_HANDLERS = {
    "EV workings": _ev_workings,
    "Earned value": _earned_value,
    "Variance by month": _variance_by_month,
    "Cost summary": _cost_summary,
    "Cash flows": _cash_flows,
    SCHEMA.risks.name: _risks_sheet,
    "Heat map": _heat_map,
    "Change summary": _change_summary,
}
