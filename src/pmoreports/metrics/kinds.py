"""The metrics each template kind gives on its own (a risk register gives the risk metrics...).

:func:`kind_metrics` computes, for a workbook of any kind of the gallery
(:mod:`pmoreports.workbook.kinds`), the metric groups its sheets support, with the same
engine and conventions as the project report; these are the numbers the kind's own
formula sheets show. The full project workbook gives everything
(:func:`~pmoreports.metrics.project.project_metrics`).

- ``budget`` (budget and cost tracker): budget vs actual by WBS element and cost
  category, the bottom-up EAC (AC + the Forecast sheet's ETC; an element without a
  forecast counts its remaining budget in the total) and the spend variance of every
  Budget row in every month to the status date;
- ``evm`` (earned-value tracker): the monthly series of PV, EV, AC, CPI, SPI, EAC (BAC /
  CPI), VAC, TCPI and the status-date values;
- ``business-case``: the business case from the yearly project cost, benefits and other
  costs typed in its Benefits sheet;
- ``risks``: register, exposure, 5x5 matrix (impact bands against the approved budget),
  contingency coverage (contingency left = contingency - realised risks);
- ``changes``: changes by status and the contingency left after approved changes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..workbook import columns as col
from ..workbook.kinds import BUSINESS_CASE, KINDS, PROJECT
from ..workbook.model import ProjectData
from . import glossary as g
from .business_case import BusinessCase, business_case, project_costs_by_year
from .costs import change_summary, change_totals, contingency_status, cost_table
from .evm import EvmSeries, Metric, Table, project_evm, status_metrics
from .project import ProjectMetrics, frame_records, project_metrics
from .risks import risk_exposure, risk_matrix, risk_register

__all__ = ["SPEND_VARIANCE_MONTH", "KindMetrics", "data_as_kind", "kind_metrics"]

SPEND_VARIANCE_MONTH = "spend_variance_month"
"""Column of ``KindMetrics.monthly_variance``: planned minus actual cost in the month (money)."""


@dataclass(frozen=True)
class KindMetrics:
    """What one workbook of a gallery kind gives; the groups it has not are ``None`` / empty.

    ``status``: status-date metrics of the project total (EVM kinds); ``series``: the
    monthly project series; ``cost_by_wbs`` / ``cost_by_category``: budget vs actual;
    ``monthly_variance``: wbs, category, month, ``spend_variance_month`` (to the status
    date); ``business_case``; ``risk_register`` / ``risk_exposure`` / ``risk_matrix``;
    ``changes`` (by status) and ``costs`` (contingency and change totals);
    ``project``: everything, for the project workbook.
    """

    kind: str
    status: dict[str, Metric] = field(default_factory=dict)
    series: EvmSeries | None = None
    cost_by_wbs: Table | None = None
    cost_by_category: Table | None = None
    monthly_variance: pd.DataFrame | None = None
    business_case: BusinessCase | None = None
    risk_register: pd.DataFrame | None = None
    risk_exposure: dict[str, Metric] = field(default_factory=dict)
    risk_matrix: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None
    costs: dict[str, Metric] = field(default_factory=dict)
    project: ProjectMetrics | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form of the groups this kind has."""
        if self.project is not None:
            return self.project.to_dict()
        out: dict[str, Any] = {"kind": self.kind}
        if self.status:
            out["status"] = {k: m.to_dict() for k, m in self.status.items()}
        if self.series is not None:
            out["series"] = self.series.records()
        for name in ("cost_by_wbs", "cost_by_category"):
            table = getattr(self, name)
            if table is not None:
                out[name] = table.records()
        if self.monthly_variance is not None:
            out["monthly_variance"] = frame_records(self.monthly_variance)
        if self.business_case is not None:
            out["business_case"] = {
                "metrics": {k: m.to_dict() for k, m in self.business_case.metrics.items()},
                "flows": frame_records(self.business_case.flows),
            }
        if self.risk_register is not None:
            out["risks"] = {
                "exposure": {k: m.to_dict() for k, m in self.risk_exposure.items()},
                "register": frame_records(self.risk_register),
            }
        if self.changes is not None:
            out["changes"] = frame_records(self.changes)
        if self.costs:
            out["costs"] = {k: m.to_dict() for k, m in self.costs.items()}
        return out


def data_as_kind(data: ProjectData, kind: str) -> ProjectData:
    """A project's data as a workbook of ``kind`` would hold it (e.g. to fill a gallery template
    from a project workbook): the kind's sheets are kept; the business case's Benefits get
    the yearly project cost (actuals to the status month, then the budget); a risk register
    without an approved budget gets the Budget total as its BAC."""
    out = dataclasses.replace(data, kind=kind)
    if kind == BUSINESS_CASE and col.PROJECT_COST not in data.benefits.columns:
        costs = project_costs_by_year(data)
        flows = data.benefits.set_index(col.PERIOD)
        years = sorted(set(flows.index.astype(int)) | set(costs.index.astype(int)))
        flows = flows.reindex(years).fillna({col.EXPECTED_BENEFIT: 0.0, col.OTHER_COSTS: 0.0})
        flows.insert(0, col.PROJECT_COST, costs.reindex(years).fillna(0.0).to_numpy())
        out.benefits = flows.rename_axis(col.PERIOD).reset_index()
    if kind == "risks" and data.info.approved_budget is None:
        bac = float(pd.to_numeric(data.budget[col.VALUE]).sum())
        out.info = dataclasses.replace(data.info, approved_budget=bac)
    return out


def kind_metrics(data: ProjectData, **options: Any) -> KindMetrics:
    """The metrics ``data`` (of any kind) gives; ``options`` go to ``project_metrics`` for the
    project workbook."""
    kind = data.kind if data.kind in KINDS else PROJECT
    if kind == PROJECT:
        return KindMetrics(kind, project=project_metrics(data, **options))
    return _BY_KIND[kind](data)


def _budget(data: ProjectData) -> KindMetrics:
    method = "bottom_up"
    total = project_evm(data, eac_method=method)
    by_wbs = project_evm(data, (col.WBS,), eac_method=method)
    by_category = project_evm(data, (col.CATEGORY,), eac_method=method)
    rows = project_evm(data, (col.WBS, col.CATEGORY), eac_method=method).values
    status = pd.Timestamp(data.info.status_date)
    to_date = rows[rows[col.MONTH] <= status]
    variance = to_date[[col.WBS, col.CATEGORY, col.MONTH]].assign(
        **{SPEND_VARIANCE_MONTH: to_date[g.PV_MONTH] - to_date[g.AC_MONTH]}
    )
    return KindMetrics(
        "budget",
        status=status_metrics(total),
        series=total,
        cost_by_wbs=cost_table(by_wbs, col.WBS),
        cost_by_category=cost_table(by_category, col.CATEGORY),
        monthly_variance=variance.reset_index(drop=True),
    )


def _evm(data: ProjectData) -> KindMetrics:
    series = project_evm(data)
    return KindMetrics("evm", status=status_metrics(series), series=series)


def _business_case(data: ProjectData) -> KindMetrics:
    benefits = data.benefits
    years = pd.to_numeric(benefits[col.PERIOD], errors="coerce")
    if col.PROJECT_COST in benefits.columns and len(benefits):
        costs = pd.to_numeric(benefits[col.PROJECT_COST], errors="coerce").fillna(0.0)
        by_year = costs.groupby(years.astype(int).to_numpy()).sum().astype(float)
    else:
        by_year = pd.Series(dtype=float)
    return KindMetrics(BUSINESS_CASE, business_case=business_case(benefits, by_year, data.info.discount_rate))


def _risks(data: ProjectData) -> KindMetrics:
    bac = float(data.info.approved_budget or 0.0)
    register = risk_register(data.risks, bac)
    reserve = contingency_status(float(data.info.contingency or 0.0), data.changes, data.risks)
    left = reserve[g.CONTINGENCY_REMAINING].value or 0.0
    return KindMetrics(
        "risks",
        risk_register=register,
        risk_exposure=risk_exposure(register, left),
        risk_matrix=risk_matrix(register),
        costs=reserve,
    )


def _changes(data: ProjectData) -> KindMetrics:
    reserve = contingency_status(float(data.info.contingency or 0.0), data.changes, data.risks)
    return KindMetrics(
        "changes", changes=change_summary(data.changes), costs={**reserve, **change_totals(data.changes)}
    )


_BY_KIND = {
    "budget": _budget,
    "evm": _evm,
    BUSINESS_CASE: _business_case,
    "risks": _risks,
    "changes": _changes,
}
