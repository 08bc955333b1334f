"""The sections of a project status report, for notebooks to display.

:class:`ProjectReport` loads parameters, the workbook and the metrics once;
each method returns one report section: an escaped HTML fragment
(:class:`IPython.display.HTML`) or an Altair chart (display it with
:func:`pmoreports.charts_display.show`). Notebooks only call these methods, so
no logic is copied between notebooks.
"""

from __future__ import annotations

import base64
import functools
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.core.display import HTML

from ..metrics import glossary as g
from ..metrics.costs import cost_table
from ..metrics.evm import EAC_METHODS, Curves, Metric, Table, evm_series, finite_float, project_curves
from ..metrics.milestones import AT_RISK, DONE, EFFECTIVE_DATE, LATE, ON_TRACK
from ..metrics.project import ProjectMetrics, project_metrics
from ..metrics.realism import OPTIMISTIC, PESSIMISTIC, RANGE_MEMBERS
from ..metrics.risks import OPEN
from ..metrics.variances import BREACH, MEASURES, UNDEFINED
from ..paths import notebook_input
from ..workbook import columns as C
from ..workbook.model import ProjectData
from ..workbook.reader import read_workbook
from ..workbook.schema import SCHEMA
from . import charts, charts_realism, limits, trends
from ._format import (
    NA,
    NotebookHTML,
    esc,
    fmt_date,
    fmt_index,
    fmt_metric,
    fmt_money,
    fmt_pct,
    html_table,
    metric_html,
    rag_badge,
    text_html,
)
from .charts_display import set_static
from .kpi_tiles import kpi_tiles_html
from .params import ProjectParams, load_params, logo_image, params_from_dict
from .wbs_view import MAX_TREE_ROWS, wbs_tree_chart, wbs_tree_html

__all__ = ["KPI_KEYS", "ProjectReport", "preload"]

KPI_KEYS = (g.CPI, g.SPI_T, g.SPI, g.EAC, g.VAC, g.PCT_COMPLETE, g.PCT_SPENT, g.AC, g.BAC)
"""Metrics shown as KPI tiles, in order."""

_MS, _RISKS, _CHANGES, _VARIANCES = SCHEMA.milestones, SCHEMA.risks, SCHEMA.changes, SCHEMA.variances
_MEASURE_LABELS = {
    g.CV_MONTH: "Cost, this month",
    g.CV: "Cost, cumulative",
    g.SV_MONTH: "Schedule, this month",
    g.SV: "Schedule, cumulative",
    g.VAC: "At completion (VAC)",
}
_MEASURE_SHORT = {g.CV_MONTH: "month", g.CV: "to date", g.SV_MONTH: "month", g.SV: "to date", g.VAC: "VAC"}
_LEVEL_LABELS = {"project": "", C.WBS: "WBS element", C.CATEGORY: "cost category"}
_SEVERITY_TONES = {"critical": "red", "major": "amber", "minor": "grey"}
_DIMENSIONS = (("cost", "Cost"), ("schedule", "Schedule"), ("forecast", "Forecast"))


def _html(fragment: str) -> HTML:
    """A section: the fragment in a report; with the report's styles in a notebook."""
    return NotebookHTML(fragment)


_preloaded: tuple[Any, ProjectData, ProjectMetrics] | None = None


def preload(path: str | Path) -> None:
    """Report runs: take the workbook data and metrics the pipeline already computed (a
    pickle of ``(params mapping, ProjectData, ProjectMetrics)`` in the kernel's private
    folder; the file is removed). The next :meth:`ProjectReport.load` with the same
    ``params`` uses them instead of reading the workbook and computing the metrics again."""
    global _preloaded
    file = Path(path)
    try:
        _preloaded = pickle.loads(file.read_bytes())
    except Exception:  # an unreadable hand-over only costs the recomputation
        _preloaded = None
    file.unlink(missing_ok=True)


def _take_preloaded(params: Mapping[str, Any]) -> tuple[ProjectData, ProjectMetrics] | None:
    """The preloaded data and metrics, once, if they were made for ``params``."""
    global _preloaded
    given, _preloaded = _preloaded, None
    if given is None or given[0] != dict(params):
        return None
    return given[1], given[2]


@dataclass
class ProjectReport:
    """Parameters, workbook data and metrics of one project, with its report sections."""

    params: ProjectParams
    data: ProjectData
    metrics: ProjectMetrics
    history: trends.ProjectHistory = field(default_factory=trends.ProjectHistory)

    @classmethod
    def load(
        cls,
        params_file: str | Path | None = None,
        params: Mapping[str, Any] | None = None,
        static: bool | None = None,
        history: Mapping[str, Any] | None = None,
    ) -> ProjectReport:
        """Load from a parameter file (interactive use) or an injected mapping (report runs).

        ``static=True`` renders charts as SVG (reports); ``None`` keeps the
        environment's choice (interactive in JupyterLab). A relative ``params_file`` that is
        not in the current folder is looked for from the kit's ``notebooks/`` folder
        (:func:`~pmoreports.paths.notebook_input`), so a notebook's default runs from anywhere.
        ``history``: the project's earlier reports and restatements as the pipeline hands
        them over (:meth:`~pmoreports.report.trends.ProjectHistory.to_dict`); None: no history.
        """
        if static is not None:
            set_static(static)
        if params is not None:
            p = params_from_dict(params)
            if (given := _take_preloaded(params)) is not None:
                return cls(p, *given, trends.ProjectHistory.from_dict(history))
        elif params_file is not None:
            p = load_params(notebook_input(params_file))
        else:
            raise ValueError("give params_file (a YAML parameter file) or params")
        data = read_workbook(p.workbook)
        return cls(p, data, project_metrics(data, **p.metrics_options()), trends.ProjectHistory.from_dict(history))

    def __repr__(self) -> str:
        info, overall = self.data.info, self.metrics.rag.get("overall")
        return (
            f"ProjectReport({info.project_id} {info.name!r}, {info.status_date:%Y-%m}, {info.currency}, "
            f"overall {overall.label if overall else 'n/a'}, {Path(self.params.source).name})"
        )

    def _repr_html_(self) -> str:
        """In a notebook: the header and the KPI tiles, styled as in the report."""
        return str(NotebookHTML(f"{self.header().data}{self.kpi_tiles().data}")._repr_html_())

    # -- helpers --------------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        """ISO currency code of all money in the report."""
        return self.data.info.currency

    def _m(self, key: str) -> str:
        return metric_html(self.metrics.status[key], self.currency)

    def _metric(self, metric: Metric) -> str:
        return metric_html(metric, self.currency)

    @property
    def _scale(self) -> int:
        """Tables show thousands when the budget reaches 100 million (e.g. JPY), so that
        nine money columns still fit an A4 page."""
        return 1000 if (self.metrics.status[g.BAC].value or 0.0) >= 1e8 else 1

    def _money(self, value: Any, *, signed: bool = False) -> str:
        """Money in a table cell, in the caption's unit (no currency code)."""
        number = finite_float(value)
        return esc(fmt_money(None if number is None else number / self._scale, signed=signed))

    def _money_metric(self, metric: Metric) -> str:
        """A money metric in a table cell; "n/a" with the reason when undefined."""
        return self._money(metric.value) if metric.defined else metric_html(metric)

    def _caption_for(self, what: str = "Amounts") -> str:
        return f"{what} in {self.currency}{' thousands' if self._scale > 1 else ''}"

    @property
    def _caption(self) -> str:
        return self._caption_for()

    # -- sections -------------------------------------------------------------------------------

    def header(self) -> HTML:
        """Project, people, period and the RAG status per dimension and overall."""
        info, rag = self.data.info, self.metrics.rag
        logo = _logo(self.params.logo)
        badges = " ".join(rag_badge(rag[k].status, label) for k, label in _DIMENSIONS if k in rag)
        facts = [
            ("Project", f"{info.project_id} - {info.name}"),
            ("Programme", info.programme or NA),
            ("Manager", info.manager),
            ("Sponsor", info.sponsor or NA),
            ("Period", f"{info.status_date:%B %Y}"),
            ("Baseline", f"{info.baseline_start:%b %Y} - {info.baseline_finish:%b %Y}"),
        ]
        items = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in facts)
        overall = rag.get("overall")
        note = f'<p class="pmo-note">{esc(overall.note)}</p>' if overall and overall.note else ""
        return _html(
            f'<section class="pmo-status-header">{logo}'
            f'<p class="pmo-overall">Overall status '
            f"{rag_badge(overall.status if overall else 'grey')}</p>"
            f'<p class="pmo-dimensions">{badges}</p>'
            f'<dl class="pmo-facts">{items}</dl>{note}</section>'
        )

    def kpi_tiles(self) -> HTML:
        """The headline numbers, each with its definition in a tooltip."""
        tiles = []
        for key in KPI_KEYS:
            entry = g.explain(key)
            long = " pmo-long" if len(fmt_metric(self.metrics.status[key], self.currency)) > 12 else ""
            tiles.append(
                f'<div class="pmo-kpi" title="{esc(entry.formula)}">'
                f'<div class="pmo-kpi-label">{esc(entry.name)}</div>'
                f'<div class="pmo-kpi-value{long}">{self._m(key)}</div>'
                f'<div class="pmo-kpi-note">{esc(_kpi_note(self.metrics.status[key]))}</div></div>'
            )
        tiles += kpi_tiles_html(self.metrics.kpis, self.currency, self.metrics.satisfaction_scale)
        return _html(f'<div class="pmo-kpis">{"".join(tiles)}</div>')

    def summary(self) -> HTML:
        """Executive summary, accomplishments, next steps and comment, as written (escaped)."""
        info = self.data.info
        parts = [
            ("Executive summary", info.executive_summary),
            ("Accomplishments this period", info.accomplishments),
            ("Next steps", info.next_steps),
            ("Comment", info.overall_comment),
        ]
        blocks = "".join(f"<h3>{esc(t)}</h3>{text_html(v)}" for t, v in parts if v)
        return _html(f'<section class="pmo-summary">{blocks or "<p>No summary given.</p>"}</section>')

    def s_curve(self) -> charts.AnyChart:
        """Cumulative PV/EV/AC with the EAC projection."""
        return charts.s_curve(self.metrics, self.params.chart_width, self.params.chart_height)

    def index_trend(self) -> charts.AnyChart:
        """CPI / SPI / SPI(t) by month."""
        return charts.index_trend(self.metrics, self.params.chart_width, self.params.chart_height - 40)

    def cost_chart(self, by: str = C.CATEGORY) -> charts.AnyChart:
        """Budget vs earned vs actual, by cost category (``category``) or WBS (``wbs``); a WBS
        with a hierarchy is drawn as a tree (bar = BAC, colour = CPI)."""
        rollup = self._wbs_tree()
        if by == C.WBS and rollup is not None:
            return wbs_tree_chart(rollup, self.currency, self.params.chart_width)
        return charts.budget_vs_actual(self.metrics, by, self.params.chart_width)

    def cost_table(self, by: str = C.CATEGORY) -> HTML:
        """Budget vs actual to date and at completion, by category or WBS element.

        A long list shows the :data:`~.limits.WBS_TABLE_ROWS` (``CATEGORY_TABLE_ROWS``)
        rows with the largest |VAC| (then BAC), largest first, and one "Others" row for
        the rest: its amounts are the sums, its CPI, EAC and VAC are computed from the
        summed curves as for any roll-up (see :func:`_rolled_up`).
        """
        metrics_table = self.metrics.cost_by_category if by == C.CATEGORY else self.metrics.cost_by_wbs
        label = "Cost category" if by == C.CATEGORY else "WBS element"
        rollup = self._wbs_tree()
        if by == C.WBS and rollup is not None:
            heads = [label, "Budget to date", "Actual to date", "Variance", "Earned", "CPI", "BAC", "EAC", "VAC"]
            return _html(wbs_tree_html(rollup, heads, self._cost_cells, self._cost_total(), self._caption))
        table, cut = self._cost_rows(metrics_table.values, by)
        heads = [
            label,
            "Budget to date",
            "Actual to date",
            "Variance",
            "Earned",
            "CPI",
            "BAC",
            "EAC",
            "VAC",
        ]
        rows = [
            [_label_html(r[by], others=cut.others and i == len(table) - 1), *self._cost_cells(r)]
            for i, (_, r) in enumerate(table.iterrows())
        ]
        rows.append(self._cost_total())
        caption = self._caption + cut.note
        return _html(html_table(heads, rows, numeric=[False] + [True] * 8, caption=caption))

    def _cost_cells(self, r: pd.Series) -> list[str]:
        """The amounts of one cost-table row (after its label)."""
        return [
            self._money(r[g.BUDGET_TO_DATE]),
            self._money(r[g.ACTUAL_TO_DATE]),
            self._money(r[g.SPEND_VARIANCE], signed=True),
            self._money(r[g.EV]),
            esc(fmt_index(finite_float(r[g.CPI]))),
            self._money(r[g.BAC]),
            self._money(r[g.EAC]),
            self._money(r[g.VAC], signed=True),
        ]

    def _cost_total(self) -> list[str]:
        """The Total row of a cost table."""
        total = self.metrics.status
        return [
            "<strong>Total</strong>",
            self._money(total[g.PV].value),
            self._money(total[g.AC].value),
            self._money(_sub(total[g.PV].value, total[g.AC].value), signed=True),
            self._money(total[g.EV].value),
            self._m(g.CPI),
            self._money_metric(total[g.BAC]),
            self._money_metric(total[g.EAC]),
            self._money(total[g.VAC].value, signed=True),
        ]

    def _wbs_tree(self) -> pd.DataFrame | None:
        """The WBS roll-up when the WBS is a hierarchy small enough to draw as one
        (:data:`~.wbs_view.MAX_TREE_ROWS`); ``None`` for a flat WBS (shown as before)."""
        rollup = self.metrics.wbs_rollup
        if not self.metrics.wbs_hierarchical or rollup is None or len(rollup.values) > MAX_TREE_ROWS:
            return None
        return rollup.values

    def _cost_rows(self, table: pd.DataFrame, by: str) -> tuple[pd.DataFrame, _Cut]:
        """The rows of a cost table (see :meth:`cost_table`) and the caption's note."""
        n, noun, csv = (
            (limits.CATEGORY_TABLE_ROWS, "categories", "cost_by_category.csv")
            if by == C.CATEGORY
            else (limits.WBS_TABLE_ROWS, "elements", "cost_by_wbs.csv")
        )
        keys = pd.DataFrame({"vac": table[g.VAC].abs(), "bac": table[g.BAC]})
        split = limits.split_rows(keys, n, ascending=[False, False])
        if not split.cut:
            return table, _Cut()
        label = limits.others_label(len(split.others), noun)
        others = _rolled_up(self.data, by, list(table[by].iloc[split.others]), label, self.metrics.eac_method)
        rows = pd.concat([table.iloc[split.shown], others.values], ignore_index=True)
        text = (
            f". Showing {n} of {split.total:,} {noun}, largest |VAC| first; Others sums the other "
            f"{len(split.others):,} (its CPI, EAC and VAC computed from the sums). All {noun}: {csv}"
        )
        return rows, _Cut(text, others=True)

    def forecast_table(self) -> HTML:
        """Every EAC method side by side, with ETC, VAC and the TCPI needed to hit it."""
        s = self.metrics.status
        rows = []
        for method, key in EAC_METHODS.items():
            eac = s[key]
            chosen = " (used)" if method == self.metrics.eac_method else ""
            etc = _sub(eac.value, s[g.AC].value)
            vac = _sub(s[g.BAC].value, eac.value)
            rows.append(
                [
                    esc(g.explain(key).name.replace(" (EAC)", "") + chosen),
                    esc(g.explain(key).formula),
                    self._money_metric(eac),
                    self._money(etc),
                    self._money(vac, signed=True),
                ]
            )
        table = html_table(
            ["Method", "Formula", "EAC", "ETC", "VAC"],
            rows,
            numeric=[False, False, True, True, True],
            caption=self._caption,
        )
        extra = (
            f"<p>To finish within budget the remaining work must be done at a CPI of "
            f"{self._m(g.TCPI_BAC)} (TCPI to BAC); to meet the EAC, {self._m(g.TCPI_EAC)}. "
            "Forecast finish: "
            f"<strong>{esc(fmt_date(self.metrics.dates.get('forecast_finish')))}</strong> "
            f"(planned {esc(fmt_date(self.metrics.dates.get('planned_finish')))}).</p>"
        )
        return _html(table + extra)

    def milestones_table(self) -> HTML:
        """Milestones with baseline, forecast/actual date, slippage in days and status.

        A long list shows the :data:`~.limits.MILESTONE_ROWS` that matter most (late,
        then at risk, then the next due, then the most recently done) and one "Others"
        row counting the rest by status.
        """
        t = self.metrics.milestones
        if t.empty:
            return _html("<p>No milestones in the workbook.</p>")
        split = _milestone_split(t)
        rows = [
            [
                esc(r[C.MILESTONE]),
                esc(fmt_date(r[C.BASELINE_DATE])),
                esc(fmt_date(r[C.FORECAST_DATE])),
                esc(fmt_date(r[C.ACTUAL_DATE])),
                esc(NA if pd.isna(r["slippage_days"]) else f"{r['slippage_days']:+.0f}"),
                _status_badge(str(r["milestone_status"])),
            ]
            for _, r in t.iloc[split.shown].iterrows()
        ]
        caption = ""
        if split.cut:
            rest = t.iloc[split.others]["milestone_status"].astype(str).value_counts()
            counts = ", ".join(f"{k:,} {s}" for s, k in rest.items())
            label = limits.others_label(len(split.others), "milestones")
            rows.append([_label_html(label, others=True), "", "", "", "", esc(counts)])
            caption = (
                f"Showing {len(split.shown)} of {split.total:,} milestones: late, then at risk, then the "
                f"next due, then the most recently done. All milestones: milestones.csv"
            )
        return _html(
            html_table(
                [
                    *(_MS.header(k) for k in (C.MILESTONE, C.BASELINE_DATE, C.FORECAST_DATE, C.ACTUAL_DATE)),
                    "Slippage (days)",
                    "Status",
                ],
                rows,
                numeric=[False, False, False, False, True, False],
                caption=caption,
            )
        )

    def risk_heatmap(self) -> charts.AnyChart:
        """5x5 probability-impact heat map of open risks."""
        return charts.risk_heatmap(self.metrics)

    def risks_table(self) -> HTML:
        """Top risks by expected value, and exposure against contingency.

        When more risks are open than the report lists (``metrics.top_risks``), one
        "Others" row sums the cost impact and expected value of the rest, so the
        expected values add up to the open exposure.
        """
        top = self.metrics.top_risks
        rows = [
            [
                esc(r[C.RISK_ID]),
                esc(r[C.TITLE]),
                esc(r[C.CATEGORY]),
                esc(fmt_pct(finite_float(r["probability_fraction"]), 0)),
                self._money(r[C.COST_IMPACT]),
                self._money(r["expected_value"]),
                esc(r[C.OWNER]),
                esc(r[C.STATUS]),
            ]
            for _, r in top.iterrows()
        ]
        register = self.metrics.risk_register
        open_risks = register[(register[C.STATUS] == OPEN).fillna(False).to_numpy(dtype=bool)]
        rest = open_risks[~open_risks[C.RISK_ID].isin(top[C.RISK_ID])]
        caption = self._caption
        if rows and len(rest):
            label = limits.others_label(len(rest), "open risks", one="open risk")
            rows.append(
                [
                    "",
                    _label_html(label, others=True),
                    "",
                    "",
                    self._money(rest[C.COST_IMPACT].sum()),
                    self._money(rest["expected_value"].sum()),
                    "",
                    "",
                ]
            )
            caption += (
                f". Showing the {len(top)} largest of {len(open_risks):,} open risks by expected value; "
                "Others sums the rest. All risks: risks.csv"
            )
        table = (
            html_table(
                [
                    "ID",
                    "Risk",
                    *(_RISKS.header(k) for k in (C.CATEGORY, C.PROBABILITY, C.COST_IMPACT)),
                    "Expected value",
                    "Owner",
                    "Status",
                ],
                rows,
                numeric=[False, False, False, True, True, True, False, False],
                caption=caption,
            )
            if rows
            else ("<p>No open risks.</p>")
        )
        e = self.metrics.risk_exposure
        facts = " ".join(f"{esc(g.explain(k).name)}: <strong>{self._metric(m)}</strong>." for k, m in e.items())
        return _html(f"{table}<p>{facts}</p>")

    def changes_table(self) -> HTML:
        """Change requests by status (count, cost and schedule impact) and the log."""
        summary = self.metrics.changes
        rows = [
            [
                esc(r[C.STATUS]),
                esc(f"{int(r['count'])}"),
                self._money(r[C.COST_IMPACT], signed=True),
                esc(f"{r[C.SCHEDULE_IMPACT_DAYS]:+.0f}"),
            ]
            for _, r in summary.iterrows()
        ]
        table = html_table(
            ["Status", "Changes", _CHANGES.header(C.COST_IMPACT), _CHANGES.header(C.SCHEDULE_IMPACT_DAYS)],
            rows,
            numeric=[False, True, True, True],
            caption=self._caption,
        )
        log = self.data.changes
        ranks = pd.DataFrame({"cost": pd.to_numeric(log[C.COST_IMPACT], errors="coerce").abs()})
        split = limits.split_rows(ranks, limits.CHANGE_LOG_ROWS, ascending=[False])
        log_rows = [
            [
                esc(r[C.CHANGE_ID]),
                esc(fmt_date(r[C.RAISED])),
                esc(r[C.TITLE]),
                esc(r[C.TYPE]),
                esc(r[C.STATUS]),
                self._money(r[C.COST_IMPACT], signed=True),
            ]
            for _, r in log.iloc[split.shown].iterrows()
        ]
        log_caption = self._caption_for("Change log, amounts")
        if split.cut:
            rest = pd.to_numeric(log[C.COST_IMPACT].iloc[split.others], errors="coerce").sum()
            label = limits.others_label(len(split.others), "changes")
            log_rows.append(["", "", _label_html(label, others=True), "", "", self._money(rest, signed=True)])
            log_caption += (
                f". Showing the {len(split.shown)} of {split.total:,} changes with the largest cost impact "
                f"(either sign); Others sums the rest. All changes: the workbook's {_CHANGES.name} sheet"
            )
        detail = (
            html_table(
                [_CHANGES.header(k) for k in (C.CHANGE_ID, C.RAISED, C.TITLE, C.TYPE, C.STATUS, C.COST_IMPACT)],
                log_rows,
                numeric=[False, False, False, False, False, True],
                caption=log_caption,
            )
            if log_rows
            else ""
        )
        costs = self.metrics.costs
        keys = (
            g.CONTINGENCY,
            g.APPROVED_CHANGES_COST,
            g.REALISED_RISKS_COST,
            g.CONTINGENCY_REMAINING,
        )
        reserve = " ".join(
            f"{esc(g.explain(k).name)}: <strong>{self._metric(costs[k])}</strong>." for k in keys if k in costs
        )
        return _html(f"{table}<p>{reserve}</p>{detail}")

    def business_case_table(self) -> HTML:
        """NPV, IRR, ROI, payback and benefit-cost ratio, with the yearly cash flows."""
        bc = self.metrics.business_case
        keys = (g.NPV, g.IRR, g.ROI, g.PAYBACK, g.DISCOUNTED_PAYBACK, g.BCR)
        rows = [
            [esc(g.explain(k).name), self._metric(bc.metrics[k]), esc(bc.metrics[k].reason_text)]
            for k in keys
            if k in bc.metrics
        ]
        table = html_table(["Measure", "Value", "Note"], rows, numeric=[False, True, False])
        flows = bc.flows
        flow_rows = [
            [
                esc(int(r[C.PERIOD])),
                self._money(r["project_cost"]),
                self._money(r[C.EXPECTED_BENEFIT]),
                self._money(r[C.OTHER_COSTS]),
                self._money(r["net_cash_flow"], signed=True),
                self._money(r["cumulative_discounted_cash_flow"], signed=True),
            ]
            for _, r in flows.iterrows()
        ]
        flow_table = (
            html_table(
                [
                    "Year",
                    "Project cost",
                    "Benefit",
                    "Other costs",
                    "Net cash flow",
                    "Cumulative discounted",
                ],
                flow_rows,
                numeric=[False] + [True] * 5,
                caption=self._caption_for("Yearly cash flows"),
            )
            if flow_rows
            else ""
        )
        rate = bc.metrics.get(g.DISCOUNT_RATE)
        note = (
            '<p class="pmo-note">NPV discounts yearly net cash flows at '
            f"{esc(fmt_pct(rate.value if rate else None))} with the first year at t = 0 "
            "(undiscounted), "
            "as numpy-financial does; Excel's NPV() would discount the first year too.</p>"
        )
        return _html(table + note + flow_table)

    def data_quality(self) -> HTML:
        """Every data-quality finding (the workbook's, the EVM integrity checks', the
        unexplained variances), most severe first, each with its severity and code, and the
        project's data-quality score.

        At most :data:`~.limits.WARNING_ROWS` are listed, then how many more there are.
        """
        quality = self.metrics.quality
        findings = quality.by_severity()
        counts = quality.counts()
        summary = ", ".join(f"{n:,} {s}" for s, n in counts.items())
        lead = f"<p>Data-quality score <strong>{quality.score}</strong> of 100 ({esc(summary)} findings).</p>"
        if not findings:
            return _html(lead + '<p class="pmo-note">No data-quality finding: the workbook passed every check.</p>')
        shown = findings[: limits.WARNING_ROWS]
        items = "".join(
            f'<li><span class="pmo-rag pmo-rag-{_SEVERITY_TONES[w.severity]}">{esc(w.severity.upper())}</span> '
            f"<code>{esc(w.sheet)}{'!' + esc(w.cell) if w.cell else ''}</code> "
            f"{esc(w.describe().split(': ', 1)[-1])} <code>{esc(w.code)}</code></li>"
            for w in shown
        )
        name = Path(self.data.source).name
        if len(findings) > len(shown):
            items += (
                f"<li>... and {len(findings) - len(shown):,} more: "
                f"<code>pmoreports template check {esc(name)}</code> lists them all.</li>"
            )
        note = (
            '<p class="pmo-note">Score = 100 - 25 per critical, 5 per major and 1 per minor finding (at least 0). '
            "Critical findings stop a report; codes are listed in the README.</p>"
        )
        where = f"<p>{len(findings):,} finding(s) in {esc(name)}, most severe first:</p>"
        return _html(f'{lead}<div class="pmo-warning">{where}<ul>{items}</ul></div>{note}')

    # -- variance analysis and forecast realism -----------------------------------------------

    def _element_html(self, level: str, element: str) -> str:
        kind = _LEVEL_LABELS.get(level, "")
        return "<strong>Project</strong>" if level == "project" else f"{esc(element)} <em>({esc(kind)})</em>"

    def _limit_text(self, amount: Any, percent: Any) -> str:
        parts = []
        if finite_float(amount) is not None:
            parts.append(fmt_money(float(amount) / self._scale))
        if finite_float(percent) is not None:
            parts.append(fmt_pct(float(percent)))
        return " and ".join(parts) or "none"

    def variance_analysis(self) -> HTML:
        """Threshold breaches first, each with its explanation from the Variances sheet or a
        visible "explanation missing"; then the variances that could not be assessed; then
        the thresholds used.

        At most :data:`~.limits.VARIANCE_ROWS` breaches (the project's first, then the
        largest amounts) and as many unassessed variances are listed; ``variances.csv``
        has every record.
        """
        table = self.metrics.variances
        breaches = table[table["status"] == BREACH].reset_index(drop=True)
        undefined = table[table["status"] == UNDEFINED].reset_index(drop=True)
        explained = int(breaches["explained"].sum()) if len(breaches) else 0
        lead = (
            f"<p><strong>{len(breaches):,}</strong> of {len(table):,} variances (the project, each WBS "
            f"element and cost category; this month, cumulative and at completion) are over their thresholds: "
            f"{explained:,} explained, <strong>{len(breaches) - explained:,} without an explanation</strong>"
            f"{f'; {len(undefined):,} could not be assessed' if len(undefined) else ''}.</p>"
        )
        parts = [lead]
        if len(breaches):
            parts.append(self._breach_table(breaches))
        else:
            parts.append('<p class="pmo-note">No variance is over its threshold.</p>')
        if len(undefined):
            parts.append(self._undefined_table(undefined))
        parts.append(self._thresholds_table())
        return _html("".join(parts))

    def _variance_split(self, rows: pd.DataFrame) -> limits.Split:
        keys = pd.DataFrame(
            {
                "project": (rows["level"] != "project").astype(int),
                "size": -rows["value"].abs().fillna(0.0),
            }
        )
        return limits.split_rows(keys, limits.VARIANCE_ROWS, ascending=[True, True])

    def _breach_table(self, breaches: pd.DataFrame) -> str:
        """One row per element and variance type (what one explanation covers), its
        breached measures one per line, the project's first, then the largest amounts."""
        groups = [g_ for _, g_ in breaches.groupby(["level", "element", "variance_type"], sort=False)]
        heads = pd.DataFrame(
            {
                "level": [str(x["level"].iloc[0]) for x in groups],
                "value": [float(x["value"].abs().max()) for x in groups],
            }
        )
        split = self._variance_split(heads)
        body = []
        for i in split.shown:
            group = groups[i]
            first = group.iloc[0]
            lines = list(group.itertuples(index=False))
            body.append(
                [
                    self._element_html(first["level"], first["element"]),
                    esc(str(first["variance_type"]).capitalize()),
                    "<br>".join(esc(f"{_MEASURE_SHORT[str(r.measure)]}, {r.direction}") for r in lines),
                    "<br>".join(self._money(r.value, signed=True) for r in lines),
                    "<br>".join(esc(fmt_pct(finite_float(r.percent), signed=True)) for r in lines),
                    "<br>".join(esc(self._limit_text(r.limit_amount, r.limit_percent)) for r in lines),
                    _explanation_html(first["explanation"], bool(first["explained"])),
                ]
            )
        caption = self._caption_for("Variances over their thresholds, amounts")
        if split.cut:
            rest = [groups[i] for i in split.others]
            missing = sum(not bool(x["explained"].iloc[0]) for x in rest)
            label = limits.others_label(len(rest), "element variances", one="element variance")
            body.append(
                ["", _label_html(label, others=True), "", "", "", "", esc(f"{missing:,} without an explanation")]
            )
            caption += (
                f". Showing {len(split.shown)} of {split.total:,} element variances: the project's first, then the "
                "largest amounts. All variances: variances.csv"
            )
        return html_table(
            ["Element", "Variance", "Measure", "Amount", "%", "Limit", "Explanation"],
            body,
            numeric=[False, False, False, True, True, True, False],
            caption=caption,
        )

    def _undefined_table(self, undefined: pd.DataFrame) -> str:
        split = self._variance_split(undefined)
        body = [
            [
                self._element_html(r["level"], r["element"]),
                esc(_MEASURE_LABELS[r["measure"]]),
                self._money(r["value"], signed=True),
                esc(g.reason_text(r["reason"]) if isinstance(r["reason"], str) else NA),
            ]
            for _, r in undefined.iloc[split.shown].iterrows()
        ]
        caption = self._caption_for("Variances that could not be assessed (they never count as breaches), amounts")
        if split.cut:
            label = limits.others_label(len(split.others), "variances", one="variance")
            body.append(["", _label_html(label, others=True), "", ""])
            caption += f". Showing {len(split.shown)} of {split.total:,}. All variances: variances.csv"
        return html_table(
            ["Element", "Variance", "Amount", "Why"], body, numeric=[False, False, True, False], caption=caption
        )

    def _thresholds_table(self) -> str:
        t = self.metrics.variance_thresholds
        body = []
        for m in MEASURES:
            lim = t.limits(m.key)
            body.append(
                [
                    esc(_MEASURE_LABELS[m.key]),
                    esc(f"{g.explain(m.amount).formula}; % = {g.explain(m.percent).formula}"),
                    esc(self._limit_text(lim.unfavourable_amount, lim.unfavourable_percent)),
                    esc(self._limit_text(lim.favourable_amount, lim.favourable_percent)),
                ]
            )
        caption = (
            f"Thresholds ({self._caption_for('amounts')}): a variance breaches when its amount and its "
            "percentage are both over the limits of its side (unfavourable: negative; favourable: positive)"
        )
        return html_table(
            ["Variance", "Formula", "Unfavourable limit", "Favourable limit"],
            body,
            numeric=[False, False, True, True],
            caption=caption,
        )

    def eac_range_chart(self) -> charts.AnyChart:
        """The independent EAC range, the project manager's EAC and BAC."""
        return charts_realism.eac_range(self.metrics, self.params.chart_width)

    def forecast_realism(self) -> HTML:
        """Is the forecast believable: the independent EAC range, the bottom-up EAC against it,
        TCPI against CPI, and the same per WBS element."""
        realism = self.metrics.realism
        row = realism.project()
        flags = realism.table.values.iloc[0]
        settings = realism.settings
        parts = [self._realism_lead(row, flags)]
        body = []
        for key in (*RANGE_MEMBERS, g.EAC_BOTTOM_UP):
            m = row[key]
            label = charts_realism.MEMBER_LABELS[key]
            if key == g.EAC_BOTTOM_UP:
                label += f" - {str(flags['verdict']).upper()}" if flags["verdict"] else ""
            body.append(
                [
                    esc(label),
                    esc(g.explain(key).formula),
                    self._money_metric(m),
                    self._money(_sub(row[g.BAC].value, m.value), signed=True),
                ]
            )
        body.append(
            [
                "<strong>Range</strong>",
                esc("lowest to highest of the five above"),
                f"{self._money_metric(row[g.EAC_RANGE_MIN])} to {self._money_metric(row[g.EAC_RANGE_MAX])}",
                esc(f"spread {fmt_money(_scaled(row[g.EAC_RANGE_SPREAD].value, self._scale))}"),
            ]
        )
        parts.append(
            html_table(
                ["Estimate at completion", "Formula", "EAC", "VAC"],
                body,
                numeric=[False, False, True, True],
                caption=self._caption,
            )
        )
        parts.append(self._tcpi_text(row, flags, settings["tcpi_band"]))
        window = (
            f"These tests are most reliable between about {fmt_pct(settings['reliable_from'], 0)} and "
            f"{fmt_pct(settings['reliable_to'], 0)} complete"
        )
        pct = row[g.PCT_COMPLETE].value
        if pct is None:
            parts.append(f'<p class="pmo-note">{esc(window)}.</p>')
        else:
            where = (
                "inside that window"
                if flags["in_window"]
                else "<strong>outside that window: read them with care</strong>"
            )
            parts.append(
                f'<p class="pmo-note">{esc(window)}; the project is {esc(fmt_pct(pct))} complete, {where}.</p>'
            )
        parts.append(self._realism_by_wbs(settings))
        return _html("".join(parts))

    def _realism_lead(self, row: dict[str, Metric], flags: pd.Series) -> str:
        low, high = row[g.EAC_RANGE_MIN], row[g.EAC_RANGE_MAX]
        if low.value is None or high.value is None:
            return f"<p>No independent EAC could be computed ({esc(low.reason_text)}).</p>"
        text = (
            f"<p>From the performance to date, independent estimates at completion range from "
            f"{self._m_money(low)} to {self._m_money(high)}. "
        )
        pm = row[g.EAC_BOTTOM_UP]
        verdict = flags["verdict"]
        if pm.value is None:
            return text + "The workbook has no bottom-up forecast (Forecast sheet) to place in it.</p>"
        gap = row[g.EAC_FORECAST_GAP].value or 0.0
        if verdict == OPTIMISTIC:
            judged = (
                f"is <strong>optimistic</strong>: {esc(fmt_money(-gap, self.currency))} below the lowest "
                f"({esc(fmt_pct(-gap / low.value))})"
            )
        elif verdict == PESSIMISTIC:
            judged = (
                f"is <strong>pessimistic</strong>: {esc(fmt_money(gap, self.currency))} above the highest "
                f"({esc(fmt_pct(gap / high.value))})"
            )
        else:
            judged = "is <strong>within</strong> the range"
        return text + f"The project manager's bottom-up EAC of {self._m_money(pm)} {judged}.</p>"

    def _m_money(self, metric: Metric) -> str:
        return metric_html(metric, self.currency)

    def _tcpi_text(self, row: dict[str, Metric], flags: pd.Series, band: float) -> str:
        lines = []
        for key, gap_key, flag, what in (
            (g.TCPI_BAC, g.TCPI_GAP_BAC, "tcpi_bac_flag", "finishing within budget"),
            (g.TCPI_FORECAST, g.TCPI_GAP_FORECAST, "tcpi_forecast_flag", "meeting the forecast"),
        ):
            tcpi, gap = row[key], row[gap_key]
            name = g.explain(key).name
            if gap.value is None:
                lines.append(f"{esc(name)}: {self._metric(tcpi)} ({esc(gap.reason_text or tcpi.reason_text)}).")
                continue
            verdict = (
                f"<strong>above the {esc(fmt_index(band))} band</strong>: {esc(what)} needs a cost efficiency "
                "never achieved so far"
                if flags[flag]
                else f"within the {esc(fmt_index(band))} band"
            )
            lines.append(
                f"{esc(name)} {self._metric(tcpi)} against CPI {self._m(g.CPI)}: gap "
                f"{esc(f'{gap.value:+.2f}')}, {verdict}."
            )
        forecast = "the bottom-up EAC" if flags["forecast"] == g.EAC_BOTTOM_UP else "the report's EAC"
        return (
            "<ul>"
            + "".join(f"<li>{x}</li>" for x in lines)
            + f'</ul><p class="pmo-note">The forecast judged is {forecast}.</p>'
        )

    def _realism_by_wbs(self, settings: dict[str, float]) -> str:
        values = self.metrics.realism.table.values
        wbs = values[values["level"] == C.WBS].reset_index(drop=True)
        if wbs.empty:
            return ""
        keys = pd.DataFrame(
            {"gap": -wbs[g.EAC_FORECAST_GAP].abs().fillna(-1.0), "tcpi": -wbs[g.TCPI_GAP_BAC].fillna(-99.0)}
        )
        split = limits.split_rows(keys, limits.REALISM_ROWS, ascending=[True, True])
        body = []
        for _, r in wbs.iloc[split.shown].iterrows():
            outside = r["in_window"] is False
            body.append(
                [
                    esc(r["element"]),
                    esc(fmt_pct(finite_float(r[g.PCT_COMPLETE]), 0)) + (" *" if outside else ""),
                    f"{self._money(r[g.EAC_RANGE_MIN])} to {self._money(r[g.EAC_RANGE_MAX])}"
                    if pd.notna(r[g.EAC_RANGE_MIN])
                    else esc(NA),
                    self._money(r[g.EAC_BOTTOM_UP]),
                    esc(r["verdict"] if isinstance(r["verdict"], str) else NA),
                    esc(NA if pd.isna(r[g.TCPI_GAP_BAC]) else f"{r[g.TCPI_GAP_BAC]:+.2f}")
                    + (" (over)" if r["tcpi_bac_flag"] is True else ""),
                ]
            )
        caption = self._caption_for("Forecast realism by WBS element, amounts") + (
            f"; * outside the reliable window ({fmt_pct(settings['reliable_from'], 0)}-"
            f"{fmt_pct(settings['reliable_to'], 0)} complete)"
        )
        if split.cut:
            label = limits.others_label(len(split.others), "elements", one="element")
            body.append([_label_html(label, others=True), "", "", "", "", ""])
            caption += (
                f". Showing {len(split.shown)} of {split.total:,} elements, the furthest outside their range "
                "first. All elements: eac_realism.csv"
            )
        return html_table(
            ["WBS element", "Complete", "Independent range", "Bottom-up EAC", "Verdict", "TCPI - CPI"],
            body,
            numeric=[False, True, True, True, False, True],
            caption=caption,
        )

    def business_case_at_eac(self) -> HTML:
        """The business case recomputed with the project cost at the EAC, beside the baseline."""
        case = self.metrics.case_at_completion
        keys = (g.NPV, g.IRR, g.ROI, g.BCR, g.PAYBACK, g.DISCOUNTED_PAYBACK)
        at_eac = case.at_eac.metrics if case.at_eac is not None else {}
        body = [
            [
                esc(g.explain(k).name),
                self._metric(case.baseline.metrics[k]),
                self._metric(at_eac[k]) if k in at_eac else esc(NA),
            ]
            for k in keys
            if k in case.baseline.metrics
        ]
        table = html_table(
            ["Measure", "With the budget", f"At the EAC ({fmt_money(case.eac.value, self.currency)})"],
            body,
            numeric=[False, True, True],
        )
        if case.fails_at_eac:
            verdict = (
                '<p class="pmo-warning"><strong>The business case no longer holds at the EAC</strong> '
                "(NPV below 0 or benefit-cost ratio below 1.00): the forecast cost overrun consumes the return.</p>"
            )
        elif case.holds_at_eac is True:
            verdict = '<p class="pmo-note">The business case still holds at the EAC (NPV >= 0 and BCR >= 1.00).</p>'
        elif case.holds_at_eac is False:
            verdict = '<p class="pmo-warning">The business case does not hold, with the budget or at the EAC.</p>'
        else:
            reason = case.baseline.metrics[g.NPV].reason_text or case.eac.reason_text
            verdict = f'<p class="pmo-note">Whether the case holds cannot be judged ({esc(reason)}).</p>'
        note = (
            '<p class="pmo-note">At the EAC, the cost still to come is EAC - AC instead of the remaining budget, '
            "spread over the remaining months in proportion to their budget.</p>"
        )
        return _html(table + verdict + note)

    # -- across periods (the reporting history) --------------------------------------------------

    @property
    def period(self) -> str:
        """The period reported, ``YYYY-MM``."""
        return f"{self.data.info.status_date:%Y-%m}"

    @functools.cached_property
    def trend_rows(self) -> pd.DataFrame:
        """This report's trend row after those of earlier periods (at most
        :data:`~.trends.TREND_WINDOW`, oldest first; see :data:`~.trends.TREND_FIELDS`)."""
        checks = {
            "baseline_finish": f"{self.data.info.baseline_finish:%Y-%m}",
            "data_quality": self.data.warnings,
            "restatements": [r.to_dict() for r in self.history.restatements],
        }
        current = trends.trend_row(self.period, self.metrics.to_dict(), checks)
        return trends.with_current(self.history, current)

    def changed_since_last_report(self) -> HTML:
        """What this workbook changed in what the previous report said (restatements), with
        the cell, the reported and the new value, and the severity of each finding."""
        return _html(trends.changed_html(self.history, self.period, self.currency))

    def trends_table(self) -> HTML:
        """RAG, CPI, SPI(t), EAC (and how it moved), VAC % and forecast finish as reported each
        period, and the back-test of the forecast (see :func:`~.trends.backtest`)."""
        return _html(trends.project_trend_html(self.trend_rows, self.currency))

    def trend_chart(self) -> charts.AnyChart:
        """CPI and SPI(t) as reported each period."""
        return trends.project_index_chart(self.trend_rows, self.params.chart_width, self.params.chart_height - 60)

    def eac_drift_chart(self) -> charts.AnyChart:
        """EAC as reported each period, with the BAC: how the forecast moved."""
        width, height = self.params.chart_width, self.params.chart_height - 60
        return trends.eac_drift_chart(self.trend_rows, self.currency, width, height)

    def glossary(self) -> HTML:
        """Plain-language definitions of the metrics in the report."""
        keys = (
            g.PV,
            g.EV,
            g.AC,
            g.BAC,
            g.CPI,
            g.SPI,
            g.SPI_T,
            g.ES,
            g.EAC,
            g.ETC,
            g.VAC,
            g.TCPI_BAC,
            g.TCPI_GAP_BAC,
            g.EAC_RANGE_SPREAD,
            g.NPV,
            g.IRR,
            g.DATA_QUALITY_SCORE,
        )
        rows = [[esc(e.name), esc(e.formula), esc(e.good)] for e in (g.explain(k) for k in keys)]
        return _html(html_table(["Metric", "Formula", "What good looks like"], rows, numeric=[False] * 3))


@dataclass(frozen=True)
class _Cut:
    """How a section cut a long list: the caption's note and whether the last row is
    the "Others" row."""

    note: str = ""
    others: bool = False


def _label_html(text: Any, *, others: bool = False) -> str:
    """A row label cell: escaped text, in italics for the "Others" row."""
    return f"<em>{esc(text)}</em>" if others else esc(text)


def _rolled_up(data: ProjectData, by: str, members: list[str], label: str, eac_method: str) -> Table:
    """The budget-vs-actual row (:func:`~pmoreports.metrics.costs.cost_table`) of the
    ``by`` values ``members`` taken together, keyed ``label``.

    As for any roll-up, the members' cumulative PV, EV and AC curves are summed first and
    every index and forecast is computed from the sums (never averaged). The bottom-up
    ETC (WBS only) is the sum of the members' ETCs, members without a forecast counting
    their remaining budget (as for the project total); undefined when none has one.
    """
    curves = project_curves(data, (by,))
    mask = curves.keys[by].isin(members).to_numpy()
    etc = None
    if curves.etc is not None:
        given = curves.etc[mask]
        remaining = np.maximum(curves.pv[mask, -1] - curves.ev[mask, curves.status_index], 0.0)
        etc = np.array([np.nan if np.isnan(given).all() else float(np.where(np.isnan(given), remaining, given).sum())])
    rolled = Curves(
        pd.DataFrame({by: [label]}),
        curves.months,
        curves.pv[mask].sum(axis=0, keepdims=True),
        curves.ev[mask].sum(axis=0, keepdims=True),
        curves.ac[mask].sum(axis=0, keepdims=True),
        curves.status_index,
        etc,
    )
    return cost_table(evm_series(rolled, eac_method=eac_method, only_status=True), by)


def _milestone_split(table: pd.DataFrame) -> limits.Split:
    """Milestones a report lists (see :meth:`ProjectReport.milestones_table`)."""
    status = table["milestone_status"].astype(str)
    priority = status.map({LATE: 0, AT_RISK: 1, ON_TRACK: 2, DONE: 3}).fillna(2)
    when = pd.to_datetime(table[EFFECTIVE_DATE]).astype("int64").astype(float)
    when = when.where(table[EFFECTIVE_DATE].notna())
    keys = pd.DataFrame({"priority": priority, "when": when.where(status != DONE, -when)})
    return limits.split_rows(keys, limits.MILESTONE_ROWS, ascending=[True, True])


def _scaled(value: float | None, scale: int) -> float | None:
    return None if value is None else value / scale


def _explanation_html(explanation: Any, explained: bool) -> str:
    """An explanation from the Variances sheet, or a visible "explanation missing"."""
    missing = '<span class="pmo-rag pmo-rag-red">EXPLANATION MISSING</span>'
    if not isinstance(explanation, Mapping):
        return missing
    h = _VARIANCES.header
    parts = [f"<strong>{esc(h(C.CAUSE))}:</strong> {esc(explanation[C.CAUSE])}" if explained else missing]
    for key in (C.IMPACT, C.CORRECTIVE_ACTION):
        if explanation.get(key):
            parts.append(f"<strong>{esc(h(key))}:</strong> {esc(explanation[key])}")
    who = [str(explanation[k]) for k in (C.OWNER, C.DUE_DATE, C.STATUS) if explanation.get(k)]
    if who:
        parts.append(f"<em>{esc(', '.join(who))}</em>")
    return "<br>".join(parts)


def _sub(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _kpi_note(metric: Metric) -> str:
    return metric.reason_text if metric.value is None else g.explain(metric.key).good


def _status_badge(status: str) -> str:
    colour = {"done": "green", "on track": "green", "at risk": "amber", "late": "red"}.get(status, "grey")
    return f'<span class="pmo-rag pmo-rag-{colour}">{esc(status.upper())}</span>'


def _logo(path: Path | None) -> str:
    if path is None:
        return ""
    mime, image = logo_image(path)  # the type sniffed from the bytes, checked again here
    data = base64.b64encode(image).decode()
    return f'<img class="pmo-logo" alt="logo" src="data:{esc(mime)};base64,{data}">'
