"""The forecast-realism chart: the independent EAC range, the project manager's EAC and BAC.

One row per estimate at completion, on a money axis: the index-based EACs (the range
they span is shaded), the bottom-up EAC of the Forecast sheet coloured by its verdict
(inside the range green, outside red) and BAC as a dashed line. Undefined EACs are left
out (the table beside the chart says why). Display with
:func:`pmoreports.report.charts_display.show`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..metrics import glossary as g
from ..metrics.project import ProjectMetrics
from ..metrics.realism import OPTIMISTIC, PESSIMISTIC, RANGE_MEMBERS
from .charts import AnyChart

__all__ = ["MEMBER_LABELS", "eac_range"]

MEMBER_LABELS = {
    g.EAC_CPI: "Cumulative CPI",
    g.EAC_CPI_3: "CPI, last 3 months",
    g.EAC_CPI_6: "CPI, last 6 months",
    g.EAC_CPI_SPI: "CPI x SPI",
    g.EAC_COMPOSITE: "0.8 CPI + 0.2 SPI",
    g.EAC_BOTTOM_UP: "Project manager (bottom-up)",
}
"""Row labels of the chart, by metric key."""
_COLOURS = {"independent": "#1f3864", "within": "#2e7d32", OPTIMISTIC: "#c62828", PESSIMISTIC: "#c62828"}


def eac_range(metrics: ProjectMetrics, width: int = 640) -> AnyChart:
    """The project's independent EAC range with the bottom-up EAC and BAC (see the module doc)."""
    row = metrics.realism.project()
    verdict = metrics.realism.table.values["verdict"].iloc[0]
    points = [
        {"method": MEMBER_LABELS[k], "eac": row[k].value, "kind": "independent"}
        for k in RANGE_MEMBERS
        if row[k].value is not None
    ]
    pm = row[g.EAC_BOTTOM_UP].value
    if pm is not None:
        points.append({"method": MEMBER_LABELS[g.EAC_BOTTOM_UP], "eac": pm, "kind": verdict or "within"})
    frame = pd.DataFrame(points, columns=["method", "eac", "kind"])
    order = [MEMBER_LABELS[k] for k in (*RANGE_MEMBERS, g.EAC_BOTTOM_UP)]
    x = alt.X(
        "eac:Q",
        title=f"Estimate at completion ({metrics.currency})",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format="~s"),
    )
    y = alt.Y("method:N", title=None, sort=order, scale=alt.Scale(domain=order))
    layers: list[alt.Chart] = []
    low, high = row[g.EAC_RANGE_MIN].value, row[g.EAC_RANGE_MAX].value
    if low is not None and high is not None:
        band = pd.DataFrame({"low": [low], "high": [high]})
        layers.append(alt.Chart(band).mark_rect(color="#dbe4f0", opacity=0.8).encode(x=alt.X("low:Q"), x2="high:Q"))
    layers.append(
        alt.Chart(frame)
        .mark_point(filled=True, size=120, shape="diamond")
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "kind:N",
                title=None,
                legend=None,
                scale=alt.Scale(domain=list(_COLOURS), range=list(_COLOURS.values())),
            ),
            tooltip=["method:N", alt.Tooltip("eac:Q", title="EAC", format=",.0f")],
        )
    )
    bac = row[g.BAC].value
    if bac:
        rule = pd.DataFrame({"bac": [bac], "label": ["BAC"]})
        base = alt.Chart(rule).encode(x="bac:Q")
        layers.append(base.mark_rule(color="#e67e22", strokeDash=[5, 3], strokeWidth=2))
        layers.append(
            base.mark_text(align="left", dx=4, dy=-6, color="#555", baseline="top").encode(
                text="label:N", y=alt.value(0)
            )
        )
    title = alt.TitleParams(
        "Forecast realism: independent EAC range",
        subtitle=["Shaded: the range of the index-based EACs; dashed: BAC"],
    )
    return alt.layer(*layers).properties(width=width, height=34 * len(order), title=title)
