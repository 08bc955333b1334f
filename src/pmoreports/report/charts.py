"""Altair charts of a project's metrics (and of a portfolio).

Each function takes metrics objects and returns an Altair chart; notebooks
display it with :func:`pmoreports.charts_display.show`, which makes it a static
SVG inside reports and keeps it interactive (tooltips) in JupyterLab.
"""

from __future__ import annotations

from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from ..errors import ReportError
from ..metrics import glossary as g
from ..metrics.project import ProjectMetrics
from ..workbook import columns as C
from . import limits
from ._format import RAG, fmt_unit, rag_colours

__all__ = [
    "EXPLORER_SELECTION",
    "QUADRANT_COLUMNS",
    "AnyChart",
    "budget_vs_actual",
    "index_trend",
    "portfolio_explorer",
    "quadrant",
    "risk_heatmap",
    "s_curve",
    "wbs_bars",
]

AnyChart = alt.Chart | alt.LayerChart | alt.FacetChart
"""What the chart functions return (display with ``charts_display.show``)."""

PALETTE = {
    "PV (planned)": "#1f3864",
    "EV (earned)": "#2e8b57",
    "AC (actual)": "#c0392b",
    "EAC projection": "#c0392b",
}


def _months(metrics: ProjectMetrics) -> pd.DataFrame:
    """The monthly series a time chart draws: every month, or for a plan longer than
    :data:`~.limits.MAX_CHART_MONTHS` every k-th month (k as small as fits), always with
    the first, the status and the last month."""
    v = metrics.series.values
    n = len(v)
    if n <= limits.MAX_CHART_MONTHS:
        return v
    step = -(-n // (limits.MAX_CHART_MONTHS - 2))
    keep = (np.arange(n) % step == 0) | (v[C.MONTH] == pd.Timestamp(metrics.status_month)).to_numpy()
    keep[-1] = True
    return v.iloc[np.flatnonzero(keep)]


def _to_status(metrics: ProjectMetrics) -> pd.DataFrame:
    v = _months(metrics)
    return v[v[C.MONTH] <= pd.Timestamp(metrics.status_month)]


def s_curve(metrics: ProjectMetrics, width: int = 640, height: int = 260) -> AnyChart:
    """Cumulative PV, EV and AC by month, with the EAC projection (dashed) to the finish."""
    v = _months(metrics)
    frames = [pd.DataFrame({C.MONTH: v[C.MONTH], "measure": "PV (planned)", "value": v[g.PV]})]
    done = _to_status(metrics)
    for key, label in ((g.EV, "EV (earned)"), (g.AC, "AC (actual)")):
        frames.append(pd.DataFrame({C.MONTH: done[C.MONTH], "measure": label, "value": done[key]}))
    lines = pd.concat(frames, ignore_index=True).dropna()
    base = alt.Chart(lines).encode(
        x=alt.X(f"{C.MONTH}:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("value:Q", title=f"Cumulative cost ({metrics.currency})", axis=alt.Axis(format="~s")),
        color=alt.Color(
            "measure:N",
            title=None,
            legend=alt.Legend(orient="top"),
            scale=alt.Scale(domain=list(PALETTE)[:3], range=list(PALETTE.values())[:3]),
        ),
        tooltip=[
            alt.Tooltip(f"{C.MONTH}:T", format="%b %Y"),
            "measure:N",
            alt.Tooltip("value:Q", format=",.0f"),
        ],
    )
    layers: list[alt.Chart] = [base.mark_line(point=True)]
    projection = _eac_projection(metrics)
    if projection is not None:
        layers.append(
            alt.Chart(projection)
            .mark_line(strokeDash=[6, 4], color=PALETTE["EAC projection"])
            .encode(
                x=f"{C.MONTH}:T",
                y="value:Q",
                tooltip=[alt.Tooltip("value:Q", title="EAC", format=",.0f")],
            )
        )
    bac = metrics.status[g.BAC].value
    if bac:
        rule = pd.DataFrame({"value": [bac], "label": [f"BAC {bac:,.0f}"]})
        layers.append(alt.Chart(rule).mark_rule(color="#7f7f7f", strokeDash=[2, 2]).encode(y="value:Q"))
    return alt.layer(*layers).properties(width=width, height=_bounded(height), title="S-curve: cumulative cost")


def _eac_projection(metrics: ProjectMetrics) -> pd.DataFrame | None:
    ac, eac = metrics.status[g.AC].value, metrics.status[g.EAC].value
    finish = metrics.dates.get("forecast_finish") or metrics.dates.get("planned_finish")
    if ac is None or eac is None or finish is None:
        return None
    start = pd.Timestamp(metrics.status_month)
    end = max(pd.Timestamp(finish).to_period("M").to_timestamp(), start)
    return pd.DataFrame({C.MONTH: [start, end], "value": [ac, eac]})


def index_trend(metrics: ProjectMetrics, width: int = 640, height: int = 200) -> AnyChart:
    """CPI, SPI and SPI(t) by month to the status date, with the RAG threshold lines."""
    done = _to_status(metrics)
    names = {g.CPI: "CPI", g.SPI: "SPI", g.SPI_T: "SPI(t)"}
    long = done.melt(id_vars=[C.MONTH], value_vars=list(names), var_name="index", value_name="value")
    long["index"] = long["index"].map(names)
    long = long.dropna()
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{C.MONTH}:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title="Index (1.00 = on plan)", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "index:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=list(names.values()), range=["#c0392b", "#1f3864", "#2e8b57"]),
            ),
            strokeDash=alt.StrokeDash(
                "index:N",
                legend=None,
                scale=alt.Scale(domain=list(names.values()), range=[[1, 0], [4, 3], [1, 0]]),
            ),
            tooltip=[
                alt.Tooltip(f"{C.MONTH}:T", format="%b %Y"),
                "index:N",
                alt.Tooltip("value:Q", format=".2f"),
            ],
        )
    )
    t = metrics.thresholds
    rules = pd.DataFrame(
        {
            "value": [1.0, t.cost_green, t.cost_amber],
            "line": ["on plan", "green threshold", "amber threshold"],
        }
    )
    rule = alt.Chart(rules).mark_rule(color="#9e9e9e", strokeDash=[2, 2]).encode(y="value:Q")
    return alt.layer(lines, rule).properties(width=width, height=_bounded(height), title="Performance indices")


def budget_vs_actual(metrics: ProjectMetrics, by: str, width: int = 640, height: int | None = None) -> AnyChart:
    """Budget to date, earned value and actual cost to date per cost category or WBS element.

    A long list shows the :data:`~.limits.WBS_CHART_BARS` (or ``CATEGORY_CHART_BARS``)
    largest by BAC, largest first, and one "Others (k elements)" bar group whose values
    are the sums of the rest (subtitle says so), so the chart's height stays bounded.
    """
    table = (metrics.cost_by_category if by == C.CATEGORY else metrics.cost_by_wbs).values
    names = {
        g.BUDGET_TO_DATE: "Budget to date (PV)",
        g.EV: "Earned (EV)",
        g.ACTUAL_TO_DATE: "Actual (AC)",
    }
    table, subtitle = _top_by_bac(table, by, list(names))
    long = table.melt(id_vars=[by], value_vars=list(names), var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(names)
    rows = max(len(table), 1)
    text = f"Budget vs actual by {'cost category' if by == C.CATEGORY else 'WBS element'}"
    title = alt.TitleParams(text, subtitle=subtitle) if subtitle else text
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(f"{by}:N", title=None, sort=list(table[by])),
            yOffset=alt.YOffset("measure:N", sort=list(names.values())),
            x=alt.X("value:Q", title=metrics.currency, axis=alt.Axis(format="~s", tickCount=6)),
            color=alt.Color(
                "measure:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=list(names.values()), range=["#1f3864", "#2e8b57", "#c0392b"]),
            ),
            tooltip=[f"{by}:N", "measure:N", alt.Tooltip("value:Q", format=",.0f")],
        )
        .properties(width=width, height=_bounded(height or 30 * rows + 20), title=title)
    )
    return cast(alt.Chart, chart)


def _top_by_bac(table: pd.DataFrame, by: str, measures: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The rows a budget-vs-actual chart shows (see :func:`budget_vs_actual`) and the
    subtitle lines that explain the cut (none when every row is shown)."""
    n, noun, csv = (
        (limits.CATEGORY_CHART_BARS, "categories", "cost_by_category.csv")
        if by == C.CATEGORY
        else (limits.WBS_CHART_BARS, "elements", "cost_by_wbs.csv")
    )
    split = limits.split_rows(table[[g.BAC]], n, ascending=[False])
    if not split.cut:
        return table, []
    shown = table.iloc[split.shown][[by, *measures]]
    rest = table.iloc[split.others][measures].sum()
    others = pd.DataFrame([{by: limits.others_label(len(split.others), noun), **rest.to_dict()}])
    subtitle = [
        f"The {n} largest of {split.total:,} {noun} by BAC; the other {len(split.others):,} are summed in Others.",
        f"All {noun}: {csv}",
    ]
    return pd.concat([shown, others], ignore_index=True), subtitle


def _bounded(height: int) -> int:
    """A plot height in pixels, at most :data:`~.limits.MAX_CHART_HEIGHT` (one page)."""
    return min(height, limits.MAX_CHART_HEIGHT)


def risk_heatmap(metrics: ProjectMetrics, size: int = 220) -> AnyChart:
    """5x5 probability-impact matrix: number of open risks per cell."""
    m = metrics.risk_matrix
    cells = m.reset_index().melt(id_vars=[m.index.name or "index"], var_name="impact", value_name="risks")
    cells = cells.rename(columns={m.index.name or "index": "probability"})
    cells["probability"] = cells["probability"].astype(int)
    cells["impact"] = cells["impact"].astype(int)
    cells["score"] = cells["probability"] * cells["impact"]
    base = alt.Chart(cells).encode(
        x=alt.X("impact:O", title="Impact (1 = low ... 5 = high)"),
        y=alt.Y("probability:O", title="Probability", sort="descending"),
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "score:Q",
            legend=None,
            scale=alt.Scale(domain=[1, 25], range=["#c8e6c9", "#ffe082", "#ef9a9a"]),
        ),
        tooltip=["probability:O", "impact:O", "risks:Q"],
    )
    text = base.mark_text(fontSize=14, fontWeight="bold").encode(
        text=alt.condition(alt.datum.risks > 0, "risks:Q", alt.value(""))
    )
    return alt.layer(rect, text).properties(width=size, height=_bounded(size), title="Open risks: probability x impact")


QUADRANT_COLUMNS = (C.PROJECT, "name", g.CPI, g.SPI_T, g.BAC, "rag")
"""Columns :func:`quadrant` draws (``rag_overall`` is taken for a missing ``rag``)."""


def _quadrant_data(table: pd.DataFrame) -> pd.DataFrame:
    """The rows and columns the quadrant draws; a clear error when a column is missing."""
    data = table.reset_index() if C.PROJECT not in table.columns and table.index.name == C.PROJECT else table
    if "rag" not in data.columns and "rag_overall" in data.columns:
        data = data.assign(rag=data["rag_overall"])
    missing = [c for c in QUADRANT_COLUMNS if c not in data.columns]
    if missing:
        raise ReportError(
            f"quadrant: the table has no column {', '.join(missing)}; expected the columns "
            f"{', '.join(QUADRANT_COLUMNS)} (e.g. Portfolio.table or PortfolioReport.table())"
        )
    data = data[list(QUADRANT_COLUMNS)].copy()
    data[g.BAC] = pd.to_numeric(data[g.BAC], errors="coerce")
    data["rag"] = data["rag"].fillna("grey").astype(str)
    data["status"] = data["rag"].map(lambda r: fmt_unit(r, RAG))
    return data.dropna(subset=[g.CPI, g.SPI_T])


def _rag_scale() -> alt.Scale:
    """RAG statuses in the report's badge colours."""
    colours = rag_colours()
    return alt.Scale(domain=list(colours), range=[background for background, _ in colours.values()])


def _quadrant_layers(
    data: pd.DataFrame, width: int, height: int, currency: str, pick: alt.Parameter | None = None
) -> alt.LayerChart:
    lo = float(min(0.7, data[g.CPI].min() - 0.05, data[g.SPI_T].min() - 0.05)) if len(data) else 0.7
    hi = float(max(1.2, data[g.CPI].max() + 0.05, data[g.SPI_T].max() + 0.05)) if len(data) else 1.2
    scale = alt.Scale(domain=[lo, hi], zero=False, nice=False)
    bac = f"BAC ({currency})" if currency else "BAC"
    base = alt.Chart(data).encode(
        x=alt.X(f"{g.SPI_T}:Q", title="SPI(t): schedule (right = ahead)", scale=scale),
        y=alt.Y(f"{g.CPI}:Q", title="CPI: cost (up = under budget)", scale=scale),
    )
    points = base.mark_circle(stroke="#333", strokeWidth=0.5).encode(
        size=alt.Size(f"{g.BAC}:Q", title=bac, legend=None, scale=alt.Scale(range=[80, 1600])),
        color=alt.Color("rag:N", title="Overall RAG", scale=_rag_scale()),
        opacity=alt.condition(pick, alt.value(0.95), alt.value(0.35)) if pick is not None else alt.value(0.8),
        tooltip=[
            alt.Tooltip(f"{C.PROJECT}:N", title="Project"),
            alt.Tooltip("name:N", title="Name"),
            alt.Tooltip(f"{g.CPI}:Q", title="CPI", format=".2f"),
            alt.Tooltip(f"{g.SPI_T}:Q", title="SPI(t)", format=".2f"),
            alt.Tooltip(f"{g.BAC}:Q", title=bac, format=",.0f"),
            alt.Tooltip("status:N", title="RAG"),
        ],
    )
    if pick is not None:
        points = points.add_params(pick)
    labels = base.mark_text(dy=-12, fontSize=10, color="#333").encode(text=f"{C.PROJECT}:N")
    ones = pd.DataFrame({"v": [1.0]})
    vline = alt.Chart(ones).mark_rule(color="#9e9e9e").encode(x="v:Q")
    hline = alt.Chart(ones).mark_rule(color="#9e9e9e").encode(y="v:Q")
    return alt.layer(vline, hline, points, labels).properties(width=width, height=_bounded(height))


def quadrant(table: pd.DataFrame, width: int = 520, height: int = 360, currency: str = "") -> AnyChart:
    """Portfolio CPI vs SPI(t), one bubble per project sized by BAC, coloured by overall RAG
    in the report's badge colours, labelled with the project ID.

    ``table`` has the columns :data:`QUADRANT_COLUMNS` (``bac`` in one currency: give it as
    ``currency`` for the tooltip); a project without CPI or SPI(t) is not drawn.
    """
    chart = _quadrant_layers(_quadrant_data(table), width, height, currency)
    return chart.properties(title="Cost vs schedule performance (bubble size = BAC)")


EXPLORER_SELECTION = "project_pick"
"""Name of the selection parameter of :func:`portfolio_explorer` (the clicked projects)."""


def portfolio_explorer(
    table: pd.DataFrame,
    wbs: pd.DataFrame,
    *,
    selected: str | None = None,
    currency: str = "",
    width: int = 380,
    height: int = 320,
) -> alt.HConcatChart:
    """The quadrant (:func:`quadrant`) linked to the chart beside it: clicking a bubble shows
    that project's budget to date, earned value and actual cost by WBS element (shift-click
    adds projects; double-click clears). ``selected`` is the project shown at first.

    ``wbs`` is long: ``project``, ``wbs``, ``measure``, ``value`` and ``currency`` (the
    project's own; a project's largest elements only, see :func:`wbs_bars`).
    """
    pick = alt.selection_point(
        name=EXPLORER_SELECTION,
        fields=[C.PROJECT],
        value=[{C.PROJECT: selected}] if selected else alt.Undefined,
        empty=False,
        on="click",
        clear="dblclick",
    )
    left = _quadrant_layers(_quadrant_data(table), width, height, currency, pick).properties(
        title=alt.TitleParams("Cost vs schedule (bubble size = BAC)", subtitle="Click a project to see its WBS")
    )
    measures = ["Budget to date (PV)", "Earned (EV)", "Actual (AC)"]
    right = (
        alt.Chart(wbs)
        .transform_filter(pick)
        .mark_bar()
        .encode(
            y=alt.Y(f"{C.WBS}:N", title=None, sort=None),
            yOffset=alt.YOffset("measure:N", sort=measures),
            x=alt.X("value:Q", title="Amount (project currency)", axis=alt.Axis(format="~s", tickCount=5)),
            color=alt.Color(
                "measure:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=measures, range=["#1f3864", "#2e8b57", "#c0392b"]),
            ),
            row=alt.Row(f"{C.PROJECT}:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
            tooltip=[
                alt.Tooltip(f"{C.PROJECT}:N", title="Project"),
                alt.Tooltip(f"{C.WBS}:N", title="WBS element"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Amount", format=",.0f"),
                alt.Tooltip("currency:N", title="Currency"),
            ],
        )
        .resolve_scale(y="independent")
        .properties(width=width - 100, title="Budget vs actual by WBS element")
    )
    chart: alt.HConcatChart = alt.hconcat(left, right).resolve_scale(color="independent", size="independent")
    return chart


def wbs_bars(project: str, cost_by_wbs: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The long rows :func:`portfolio_explorer` draws for one project from its budget vs
    actual table by WBS element (:attr:`ProjectMetrics.cost_by_wbs` values or the
    ``cost_by_wbs`` records of ``metrics.json``): the largest elements by BAC and Others,
    as in the report's chart."""
    names = {g.BUDGET_TO_DATE: "Budget to date (PV)", g.EV: "Earned (EV)", g.ACTUAL_TO_DATE: "Actual (AC)"}
    table, _ = _top_by_bac(cost_by_wbs, C.WBS, list(names))
    long = table.melt(id_vars=[C.WBS], value_vars=list(names), var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(names)
    return long.assign(**{C.PROJECT: project, "currency": currency})
