"""Facade: every metric of one project, ready for the report, as JSON and CSV.

:func:`project_metrics` runs the engine on a :class:`~pmoreports.model.ProjectData`
and gathers the results in a :class:`ProjectMetrics`; :meth:`ProjectMetrics.to_dict`
is JSON-safe (undefined values are ``None`` next to a reason code and its plain-words
text); :func:`write_metrics` writes ``metrics.json`` and CSV tables atomically.

Units and conventions are those of the underlying modules: :mod:`pmoreports.evm`,
:mod:`pmoreports.costs`, :mod:`pmoreports.risks`, :mod:`pmoreports.milestones`,
:mod:`pmoreports.business_case` and :mod:`pmoreports.rag`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from .._files import atomic_write_text
from ..workbook import columns as col
from ..workbook.model import ProjectData
from . import glossary as g
from ._export import frame_csv
from .business_case import BusinessCase, project_business_case
from .costs import (
    burn_rate,
    change_summary,
    change_totals,
    contingency_status,
    cost_table,
    months_of_budget_left,
)
from .evm import EvmSeries, Metric, Table, json_value, project_evm, status_dates, status_metrics
from .milestones import milestone_status, next_milestones
from .quality import DataQuality, data_quality
from .rag import RagStatus, RagThresholds, rag_status
from .realism import CaseAtCompletion, EacRealism, case_at_completion, eac_realism
from .risks import risk_exposure, risk_matrix, risk_register, top_risks
from .variances import VarianceThresholds, variance_table

__all__ = [
    "METRICS_FILES",
    "ProjectMetrics",
    "frame_records",
    "metrics_json",
    "project_metrics",
    "write_metrics",
]

METRICS_FILES: Final = (
    "metrics.json",
    "metrics.csv",
    "series.csv",
    "evm_by_wbs.csv",
    "evm_by_category.csv",
    "cost_by_wbs.csv",
    "cost_by_category.csv",
    "risks.csv",
    "milestones.csv",
    "business_case.csv",
    "variances.csv",
    "eac_realism.csv",
    "findings.csv",
)
"""Files written by :func:`write_metrics`."""


@dataclass(frozen=True)
class ProjectMetrics:
    """All metrics of one project at its status date.

    - ``status``: project-level EVM + earned-schedule :class:`Metric` records keyed by
      metric key (``pv``, ``ev``, ``ac``, ``bac``, ``cv``, ``sv``, ``cv_pct``,
      ``sv_pct``, ``cpi``, ``spi``, ``pct_*``, ``eac_*``, ``eac``, ``etc``, ``vac``,
      ``vac_pct``, ``tcpi_bac``, ``tcpi_eac``, ``es``, ``at``, ``pd``, ``sv_t``,
      ``spi_t``, ``tspi``, ``ieac_t``, ``forecast_finish``);
    - ``dates``: ``start``, ``planned_finish``, ``forecast_finish``;
    - ``series`` / ``by_wbs`` / ``by_category``: monthly :class:`EvmSeries` (use
      ``.at_status()`` for the status-date table per WBS element or category);
    - ``cost_by_wbs`` / ``cost_by_category``: budget vs actual :class:`Table`;
    - ``costs``: burn rate, months of budget left, contingency and change totals;
    - ``changes``: count / cost / days per change status;
    - risk register, exposure, 5x5 matrix and top risks; milestones with status and the
      next ones; business case; RAG per dimension and overall with the thresholds used;
    - ``variances``: the variance analysis (:func:`~pmoreports.metrics.variances.variance_table`)
      with the ``variance_thresholds`` used; ``realism``: the forecast-realism tests per
      project and WBS element; ``case_at_completion``: the business case at the EAC;
      ``quality``: every data-quality finding and the score.
    """

    project_id: str
    name: str
    programme: str
    currency: str
    status_month: dt.date
    eac_method: str
    status: dict[str, Metric]
    dates: dict[str, dt.date | None]
    series: EvmSeries
    by_wbs: EvmSeries
    by_category: EvmSeries
    cost_by_wbs: Table
    cost_by_category: Table
    costs: dict[str, Metric]
    changes: pd.DataFrame
    risk_register: pd.DataFrame
    risk_exposure: dict[str, Metric]
    risk_matrix: pd.DataFrame
    top_risks: pd.DataFrame
    milestones: pd.DataFrame
    next_milestones: pd.DataFrame
    business_case: BusinessCase
    rag: dict[str, RagStatus]
    thresholds: RagThresholds
    variances: pd.DataFrame
    variance_thresholds: VarianceThresholds
    realism: EacRealism
    case_at_completion: CaseAtCompletion
    quality: DataQuality

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (see :func:`write_metrics`); NaN becomes ``None`` + reason.

        Keys: ``project``, ``status``, ``dates``, ``rag``, ``thresholds``, ``costs``,
        ``changes``, ``cost_by_wbs``, ``cost_by_category``, ``evm_by_wbs``,
        ``evm_by_category``, ``series``, ``risks`` (``exposure``, ``matrix``, ``top``,
        ``register``), ``milestones`` (``table``, ``next``), ``business_case``
        (``metrics``, ``flows``, ``first_period``), ``variances`` (one record per element
        and measure) with ``variance_thresholds``, ``eac_realism`` (``project``,
        ``by_wbs``, ``settings``, ``business_case``: the case at the EAC) and
        ``data_quality`` (``score``, ``counts``, ``findings`` with code and severity).
        """
        matrix = self.risk_matrix
        return {
            "project": {
                "project_id": self.project_id,
                "name": self.name,
                "programme": self.programme,
                "currency": self.currency,
                "status_month": self.status_month.isoformat(),
                "eac_method": self.eac_method,
            },
            "status": _metrics_dict(self.status),
            "dates": {k: json_value(v) for k, v in self.dates.items()},
            "rag": {k: v.to_dict() for k, v in self.rag.items()},
            "thresholds": dataclasses.asdict(self.thresholds),
            "costs": _metrics_dict(self.costs),
            "changes": frame_records(self.changes),
            "cost_by_wbs": self.cost_by_wbs.records(),
            "cost_by_category": self.cost_by_category.records(),
            "evm_by_wbs": self.by_wbs.at_status().records(),
            "evm_by_category": self.by_category.at_status().records(),
            "series": self.series.records(),
            "risks": {
                "exposure": _metrics_dict(self.risk_exposure),
                "matrix": {
                    "probability_bands": [int(i) for i in matrix.index],
                    "impact_bands": [int(c) for c in matrix.columns],
                    "counts": matrix.to_numpy().tolist(),
                },
                "top": frame_records(self.top_risks),
                "register": frame_records(self.risk_register),
            },
            "milestones": {
                "table": frame_records(self.milestones),
                "next": frame_records(self.next_milestones),
            },
            "business_case": {
                "metrics": _metrics_dict(self.business_case.metrics),
                "flows": frame_records(self.business_case.flows),
                "first_period": self.business_case.first_period,
            },
            "variances": frame_records(self.variances),
            "variance_thresholds": self.variance_thresholds.to_dict(),
            "eac_realism": self.realism.to_dict() | {"business_case": self.case_at_completion.to_dict()},
            "data_quality": self.quality.to_dict(),
        }


def _metrics_dict(metrics: Mapping[str, Metric]) -> dict[str, dict[str, Any]]:
    return {k: m.to_dict() for k, m in metrics.items()}


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe list of row dicts (NaN/NaT -> ``None``, dates -> ISO strings)."""
    return [{str(k): json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _thresholds(value: RagThresholds | Mapping[str, Any] | None) -> RagThresholds:
    return value if isinstance(value, RagThresholds) else RagThresholds.from_dict(value)


def project_metrics(
    data: ProjectData,
    thresholds: RagThresholds | Mapping[str, Any] | None = None,
    *,
    eac_method: str = "cpi",
    burn_months: int = 3,
    top_n: int = 5,
    discount_rate: float | None = None,
    variance: VarianceThresholds | Mapping[str, Any] | None = None,
) -> ProjectMetrics:
    """Every metric of ``data`` at its status date.

    ``thresholds``: RAG thresholds (dataclass, params mapping or ``None`` = defaults);
    ``eac_method``: the EAC used for ``eac``/``etc``/``vac``/``tcpi_eac`` (``cpi``,
    ``budget_rate``, ``cpi_spi`` or ``bottom_up``); ``burn_months``: N of the burn rate;
    ``top_n``: number of top risks and next milestones; ``discount_rate``: overrides the
    Project sheet's rate for the business case; ``variance``: variance thresholds and
    realism settings (dataclass, params mapping or ``None`` = defaults).
    """
    info = data.info
    limits = _thresholds(thresholds)
    variance_limits = variance if isinstance(variance, VarianceThresholds) else VarianceThresholds.from_dict(variance)
    series = project_evm(data, eac_method=eac_method)
    by_wbs = project_evm(data, (col.WBS,), eac_method=eac_method)
    by_category = project_evm(data, (col.CATEGORY,), eac_method=eac_method)
    status = status_metrics(series)
    bac, ac = status[g.BAC].value or 0.0, status[g.AC].value or 0.0
    rate = burn_rate(data.actuals, info.status_date, n_months=burn_months, start_month=series.origin)
    contingency = contingency_status(
        float(info.contingency or 0.0),
        data.changes,
        data.risks,
        management_reserve=float(info.management_reserve or 0.0),
    )
    costs = {
        g.BURN_RATE: rate,
        g.MONTHS_OF_BUDGET_LEFT: months_of_budget_left(bac, ac, rate),
        **contingency,
        **change_totals(data.changes),
    }
    register = risk_register(data.risks, bac)
    left = contingency[g.CONTINGENCY_REMAINING].value or 0.0
    milestones = milestone_status(data.milestones, info.status_date)
    variances = variance_table(series.at_status(), by_wbs.at_status(), by_category.at_status(), variance_limits, data)
    baseline_case = project_business_case(data, discount_rate)
    return ProjectMetrics(
        project_id=info.project_id,
        name=info.name,
        programme=info.programme,
        currency=info.currency,
        status_month=series.status_month.date(),
        eac_method=eac_method,
        status=status,
        dates=status_dates(series),
        series=series,
        by_wbs=by_wbs,
        by_category=by_category,
        cost_by_wbs=cost_table(by_wbs, col.WBS),
        cost_by_category=cost_table(by_category, col.CATEGORY),
        costs=costs,
        changes=change_summary(data.changes),
        risk_register=register,
        risk_exposure=risk_exposure(register, left),
        risk_matrix=risk_matrix(register),
        top_risks=top_risks(register, top_n),
        milestones=milestones,
        next_milestones=next_milestones(milestones, info.status_date, top_n),
        business_case=baseline_case,
        rag=rag_status(status, limits),
        thresholds=limits,
        variances=variances,
        variance_thresholds=variance_limits,
        realism=eac_realism(series, by_wbs, variance_limits, g.EAC),
        case_at_completion=case_at_completion(data, status[g.EAC], discount_rate, baseline_case),
        quality=data_quality(data, by_wbs, variances),
    )


def metrics_json(metrics: ProjectMetrics) -> str:
    """:meth:`ProjectMetrics.to_dict` as strict JSON text (no NaN, no Infinity)."""
    return json.dumps(metrics.to_dict(), indent=2, allow_nan=False, ensure_ascii=False)


def _merged(table: Table) -> pd.DataFrame:
    """Values with a ``<column>_reason`` column for every column that has a reason."""
    out = table.values.copy()
    for name in table.values.columns:
        reasons = table.reasons[name]
        if reasons.map(lambda r: isinstance(r, str)).any():
            out[f"{name}_reason"] = reasons.where(reasons.map(lambda r: isinstance(r, str)))
    return out


def _variance_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The variance records with the explanation's fields as columns (for CSV)."""
    flat = table.drop(columns=["explanation"]).copy()
    for key in ("cause", "impact", "corrective_action", "owner", "due_date", "status"):
        name = "action_status" if key == "status" else key
        flat[name] = [x.get(key) if x else None for x in table["explanation"]]
    return flat


def _metric_rows(metrics: ProjectMetrics) -> pd.DataFrame:
    groups = {
        "status": metrics.status,
        "costs": metrics.costs,
        "risks": metrics.risk_exposure,
        "business_case": metrics.business_case.metrics,
        "eac_realism": metrics.realism.project(),
    }
    rows = [{"group": name, **m.to_dict()} for name, group in groups.items() for m in group.values()]
    return pd.DataFrame(rows)


def write_metrics(metrics: ProjectMetrics, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write :data:`METRICS_FILES` into ``out_dir`` (created if needed); return the paths.

    ``metrics.json`` is :func:`metrics_json`; the CSVs are the flat tables (every
    metric record in ``metrics.csv``; the monthly project series; status tables per WBS
    element and category with ``<metric>_reason`` columns; budget vs actual; the risk
    register; milestones; business-case cash flows). Each file is written atomically.
    Text that a spreadsheet would evaluate as a formula (a risk titled ``=HYPERLINK(...)``)
    is written with a quote in front (:func:`pmoreports.metrics._export.frame_csv`).
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "metrics.csv": _metric_rows(metrics),
        "series.csv": _merged(metrics.series),
        "evm_by_wbs.csv": _merged(metrics.by_wbs.at_status()),
        "evm_by_category.csv": _merged(metrics.by_category.at_status()),
        "cost_by_wbs.csv": _merged(metrics.cost_by_wbs),
        "cost_by_category.csv": _merged(metrics.cost_by_category),
        "risks.csv": metrics.risk_register,
        "milestones.csv": metrics.milestones,
        "business_case.csv": metrics.business_case.flows,
        "variances.csv": _variance_rows(metrics.variances),
        "eac_realism.csv": _merged(metrics.realism.table),
        "findings.csv": pd.DataFrame(
            [i.to_dict() for i in metrics.quality.by_severity()],
            columns=["severity", "code", "file", "sheet", "cell", "message", "found", "expected"],
        ),
    }
    written = [folder / "metrics.json"]
    atomic_write_text(written[0], metrics_json(metrics))
    for name, frame in frames.items():
        path = folder / name
        atomic_write_text(path, frame_csv(frame))
        written.append(path)
    return written
