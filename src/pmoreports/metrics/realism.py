"""Forecast realism: is the estimate at completion believable?

Three tests an earned-value analyst (and government EVM reviews) run on a forecast,
per project and per WBS element, at the status month:

1. **Independent EAC range.** Five index-based EACs (DAU EVM "Gold Card"; PMBOK Guide
   7.4.2.2, whose CPI/SPI weighting "e.g. 80/20" gives the composite):

   - ``eac_cpi`` = BAC / CPI = AC + (BAC - EV) / CPI (cumulative CPI);
   - ``eac_cpi_3`` = AC + (BAC - EV) / CPI_3 and ``eac_cpi_6`` with CPI_6, where
     CPI_n = (EV_s - EV_s-n) / (AC_s - AC_s-n), the cost efficiency of the last n months
     (s = the status month; before the start EV = AC = 0). Undefined, with a reason,
     when the work has run fewer than n months (``fewer_months``) or AC did not grow
     over them (``delta_ac_zero``: no cost to divide by);
   - ``eac_cpi_spi`` = AC + (BAC - EV) / (CPI x SPI);
   - ``eac_composite`` = AC + (BAC - EV) / (0.8 CPI + 0.2 SPI).

   An EAC whose index is undefined, zero or negative is undefined (never 0 or
   infinity). The range is the minimum and maximum of the defined members and the
   spread is maximum - minimum (money); undefined when no member is.
2. **The project manager's EAC** (the bottom-up AC + ETC of the Forecast sheet) placed
   against the range: ``optimistic`` below the minimum, ``pessimistic`` above the
   maximum, ``within`` otherwise (bounds included), and by how much
   (``eac_forecast_gap`` = EAC - minimum, or EAC - maximum; 0 within).
3. **TCPI vs CPI**: TCPI to BAC - CPI, and TCPI to the forecast - CPI, where
   TCPI to the forecast = (BAC - EV) / (EAC_f - AC) with EAC_f the bottom-up EAC (else the
   report's EAC). A gap above the band (params ``variance.tcpi_band``, default 0.10)
   flags a forecast that needs a cost efficiency never achieved so far.

These tests are most reliable between about 15 % and 85 % complete (``reliable_from``,
``reliable_to``): early, the indices rest on little work; late, there is little left
to forecast. ``in_window`` marks where the percent complete (EV / BAC) lies.

The **business case at completion** recomputes NPV, IRR, ROI, BCR and payback with the
project cost at the report's EAC instead of the budget (see
:func:`pmoreports.metrics.business_case.project_costs_by_year`), beside the baseline
figures; it *holds* when NPV >= 0 and BCR >= 1 (undefined without a discount rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..workbook import columns as col
from ..workbook.model import ProjectData
from ..workbook.schema import PROJECT_ELEMENT
from . import glossary as g
from ._arrays import ObjArray, pick
from .business_case import BusinessCase, project_business_case
from .evm import START_MONTH, EvmSeries, Metric, Table, finite_float
from .variances import VarianceThresholds

__all__ = [
    "OPTIMISTIC",
    "PESSIMISTIC",
    "RANGE_MEMBERS",
    "REALISM_METRICS",
    "WITHIN_RANGE",
    "CaseAtCompletion",
    "EacRealism",
    "case_at_completion",
    "eac_realism",
    "recent_cpi",
]

OPTIMISTIC: Final = "optimistic"
WITHIN_RANGE: Final = "within"
PESSIMISTIC: Final = "pessimistic"
COMPOSITE_WEIGHTS: Final = (0.8, 0.2)
"""Weights of CPI and SPI in ``eac_composite``."""

RANGE_MEMBERS: Final = (g.EAC_CPI, g.EAC_CPI_3, g.EAC_CPI_6, g.EAC_CPI_SPI, g.EAC_COMPOSITE)
"""The independent EACs whose minimum and maximum make the range."""
REALISM_METRICS: Final = (
    g.BAC, g.EV, g.AC, g.PCT_COMPLETE, g.CPI, g.SPI, g.CPI_3, g.CPI_6,
    *RANGE_MEMBERS,
    g.EAC_RANGE_MIN, g.EAC_RANGE_MAX, g.EAC_RANGE_SPREAD,
    g.EAC_BOTTOM_UP, g.EAC_FORECAST_GAP,
    g.TCPI_BAC, g.TCPI_FORECAST, g.TCPI_GAP_BAC, g.TCPI_GAP_FORECAST,
)  # fmt: skip
"""Numeric columns of :attr:`EacRealism.table`, in order."""
_FLAGS: Final = ("verdict", "forecast", "in_window", "tcpi_bac_flag", "tcpi_forecast_flag")

FloatArray = npt.NDArray[np.float64]


def _monthly(series: EvmSeries) -> tuple[int, int, pd.DatetimeIndex]:
    """``(n_keys, n_months, months)`` of a monthly series (rows key-major, months minor)."""
    months = pd.DatetimeIndex(pd.unique(series.values[col.MONTH]))
    m = len(months)
    n = len(series.values) // m if m else 0
    return n, m, months


def recent_cpi(series: EvmSeries, n_months: int) -> tuple[FloatArray, ObjArray]:
    """CPI of the last ``n_months`` at the status month, per key of a monthly series:
    (EV_s - EV_s-n) / (AC_s - AC_s-n), values before the series' axis counting as 0.

    Returns ``(values, reasons)``: NaN with ``fewer_months`` when the key's work has run
    fewer than ``n_months`` months (counted from its ``start_month``), with
    ``delta_ac_zero`` when AC did not grow over them.
    """
    n, m, months = _monthly(series)
    if not n:
        return np.zeros(0), np.zeros(0, dtype=object)
    s = int(months.get_indexer(pd.DatetimeIndex([series.status_month]))[0])
    ev = series.values[g.EV].to_numpy(dtype=float).reshape(n, m)
    ac = series.values[g.AC].to_numpy(dtype=float).reshape(n, m)
    start = pd.DatetimeIndex(series.values[START_MONTH].to_numpy().reshape(n, m)[:, 0])
    offset = months.get_indexer(start)
    elapsed = s - offset + 1
    lag = s - n_months
    ev_lag = ev[:, lag] if lag >= 0 else np.zeros(n)
    ac_lag = ac[:, lag] if lag >= 0 else np.zeros(n)
    d_ev, d_ac = ev[:, s] - ev_lag, ac[:, s] - ac_lag
    fewer = elapsed < n_months
    no_cost = ~fewer & ~(d_ac > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(fewer | no_cost, np.nan, d_ev / d_ac)
    reason = pick(fewer, g.FEWER_MONTHS, pick(no_cost, g.DELTA_AC_ZERO, None))
    return value, reason


def _eac_from_index(
    bac: FloatArray, ev: FloatArray, ac: FloatArray, index: FloatArray, index_reason: ObjArray, bac_reason: ObjArray
) -> tuple[FloatArray, ObjArray]:
    """AC + (BAC - EV) / index; undefined when BAC, the index or a positive index is missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = ac + (bac - ev) / index
    bad_index = np.isfinite(index) & (index <= 0)
    reason = pick(
        pd.notna(bac_reason),
        bac_reason,
        pick(~np.isfinite(index), index_reason, pick(bad_index, g.INDEX_NOT_POSITIVE, None)),
    )
    ok = pd.isna(reason) & np.isfinite(value)
    reason = pick(ok | pd.notna(reason), reason, g.NOT_FINITE)
    return np.where(ok, value, np.nan), pick(ok, None, reason)


def _gap(a: FloatArray, ar: ObjArray, b: FloatArray, br: ObjArray) -> tuple[FloatArray, ObjArray]:
    ok = np.isfinite(a) & np.isfinite(b)
    reason = pick(ok, None, pick(np.isfinite(a), br, ar))
    return np.where(ok, a - b, np.nan), reason


@dataclass(frozen=True)
class EacRealism:
    """Forecast realism per series: row 0 the project, then one row per WBS element.

    ``table.values`` has ``level`` (``project`` / ``wbs``), ``element``, the
    :data:`REALISM_METRICS` columns (NaN = undefined; ``table.reasons`` holds why),
    ``verdict`` (``optimistic`` / ``within`` / ``pessimistic`` / ``None``), ``forecast``
    (which EAC was judged: ``eac_bottom_up`` or the report's EAC key), ``in_window``
    (percent complete within the reliable window; ``None`` when undefined) and
    ``tcpi_bac_flag`` / ``tcpi_forecast_flag`` (gap above the band; ``None`` when undefined).
    ``settings`` holds the band and window used.
    """

    table: Table
    settings: dict[str, float]

    def project(self) -> dict[str, Metric]:
        """The project row's metrics as :class:`~pmoreports.metrics.evm.Metric` records."""
        values, reasons = self.table.values.iloc[0], self.table.reasons.iloc[0]
        return {k: Metric.of(k, values[k], reasons[k]) for k in REALISM_METRICS}

    def project_row(self) -> dict[str, Any]:
        """The project row as a JSON-ready dict (values, ``<metric>_reason`` where undefined, flags)."""
        return self.table.records()[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``project`` (row), ``by_wbs`` (rows) and ``settings``."""
        rows = self.table.records()
        return {"project": rows[0], "by_wbs": rows[1:], "settings": dict(self.settings)}


def _series_rows(series: EvmSeries, level: str, key: str | None, settings: VarianceThresholds, eac_key: str) -> Table:
    status = series.at_status()
    v, r = status.values, status.reasons
    n = len(v)

    def val(k: str) -> FloatArray:
        return v[k].to_numpy(dtype=float)

    def why(k: str) -> ObjArray:
        return r[k].to_numpy(dtype=object)

    bac, ev, ac, cpi, spi = val(g.BAC), val(g.EV), val(g.AC), val(g.CPI), val(g.SPI)
    out: dict[str, Any] = {
        "level": level,
        "element": PROJECT_ELEMENT if key is None else v[key].astype(str).to_numpy(dtype=object),
    }
    reasons: dict[str, Any] = {"level": level, "element": out["element"]}
    for k in (g.BAC, g.EV, g.AC, g.PCT_COMPLETE, g.CPI, g.SPI, g.EAC_CPI, g.EAC_CPI_SPI, g.EAC_BOTTOM_UP, g.TCPI_BAC):
        out[k], reasons[k] = val(k), why(k)
    bac_reason = pick(bac == 0, g.BAC_ZERO, None)
    for k, months in ((g.CPI_3, 3), (g.CPI_6, 6)):
        out[k], reasons[k] = recent_cpi(series, months)
    for eac, index in ((g.EAC_CPI_3, g.CPI_3), (g.EAC_CPI_6, g.CPI_6)):
        out[eac], reasons[eac] = _eac_from_index(bac, ev, ac, out[index], reasons[index], bac_reason)
    w_cpi, w_spi = COMPOSITE_WEIGHTS
    composite = w_cpi * cpi + w_spi * spi
    composite_reason = pick(np.isfinite(cpi), why(g.SPI), why(g.CPI))
    out[g.EAC_COMPOSITE], reasons[g.EAC_COMPOSITE] = _eac_from_index(
        bac, ev, ac, composite, composite_reason, bac_reason
    )
    members = np.column_stack([out[k] for k in RANGE_MEMBERS]) if n else np.zeros((0, len(RANGE_MEMBERS)))
    known = np.isfinite(members).any(axis=1)
    with np.errstate(all="ignore"):
        low = np.where(known, np.nanmin(np.where(np.isfinite(members), members, np.inf), axis=1), np.nan)
        high = np.where(known, np.nanmax(np.where(np.isfinite(members), members, -np.inf), axis=1), np.nan)
    none = pick(known, None, g.NO_INDEPENDENT_EAC)
    out[g.EAC_RANGE_MIN], reasons[g.EAC_RANGE_MIN] = low, none
    out[g.EAC_RANGE_MAX], reasons[g.EAC_RANGE_MAX] = high, none
    out[g.EAC_RANGE_SPREAD], reasons[g.EAC_RANGE_SPREAD] = high - low, none
    pm, pm_reason = out[g.EAC_BOTTOM_UP], reasons[g.EAC_BOTTOM_UP]
    judged = np.isfinite(pm) & known
    verdict = pick(~judged, None, pick(pm < low, OPTIMISTIC, pick(pm > high, PESSIMISTIC, WITHIN_RANGE)))
    gap = np.where(pm < low, pm - low, np.where(pm > high, pm - high, 0.0))
    out[g.EAC_FORECAST_GAP] = np.where(judged, gap, np.nan)
    reasons[g.EAC_FORECAST_GAP] = pick(judged, None, pick(np.isfinite(pm), none, pm_reason))
    forecast = np.where(np.isfinite(pm), pm, val(eac_key))
    forecast_reason = pick(np.isfinite(pm), None, why(eac_key))
    with np.errstate(divide="ignore", invalid="ignore"):
        tcpi = (bac - ev) / (forecast - ac)
    tcpi_reason = pick(
        bac == 0,
        g.BAC_ZERO,
        pick(
            ~np.isfinite(forecast),
            forecast_reason,
            pick(ev >= bac, g.WORK_COMPLETE, pick(~(forecast - ac > 0), g.EAC_AT_OR_BELOW_AC, None)),
        ),
    )
    out[g.TCPI_FORECAST] = np.where(pd.isna(tcpi_reason), tcpi, np.nan)
    reasons[g.TCPI_FORECAST] = tcpi_reason
    out[g.TCPI_GAP_BAC], reasons[g.TCPI_GAP_BAC] = _gap(out[g.TCPI_BAC], reasons[g.TCPI_BAC], cpi, why(g.CPI))
    out[g.TCPI_GAP_FORECAST], reasons[g.TCPI_GAP_FORECAST] = _gap(
        out[g.TCPI_FORECAST], reasons[g.TCPI_FORECAST], cpi, why(g.CPI)
    )
    pct = out[g.PCT_COMPLETE]
    in_window = (pct >= settings.reliable_from) & (pct <= settings.reliable_to)
    band = settings.tcpi_band
    flags: dict[str, ObjArray] = {
        "verdict": verdict,
        "forecast": pick(np.isfinite(pm), g.EAC_BOTTOM_UP, eac_key),
        "in_window": pick(np.isfinite(pct), in_window, None),
        "tcpi_bac_flag": pick(np.isfinite(out[g.TCPI_GAP_BAC]), out[g.TCPI_GAP_BAC] > band, None),
        "tcpi_forecast_flag": pick(np.isfinite(out[g.TCPI_GAP_FORECAST]), out[g.TCPI_GAP_FORECAST] > band, None),
    }
    columns = ["level", "element", *REALISM_METRICS, *flags]
    values = pd.DataFrame({**out, **flags}, index=range(n))[columns]
    why_frame = pd.DataFrame({**reasons, **{k: None for k in flags}}, index=range(n))[columns]
    for name in REALISM_METRICS:
        why_frame[name] = why_frame[name].astype(object).where(values[name].isna(), None)
    return Table(values, why_frame)


def eac_realism(project: EvmSeries, by_wbs: EvmSeries, settings: VarianceThresholds, eac_key: str) -> EacRealism:
    """Forecast realism of the project (monthly series ``project``) and its WBS elements
    (``by_wbs``); ``eac_key`` is the report's EAC metric (``eac``), judged when there is no
    bottom-up forecast. Conventions in the module docstring."""
    top = _series_rows(project, "project", None, settings, eac_key)
    wbs = _series_rows(by_wbs, col.WBS, col.WBS, settings, eac_key)
    values = pd.concat([top.values, wbs.values], ignore_index=True)
    reasons = pd.concat([top.reasons, wbs.reasons], ignore_index=True).astype(object)
    for name in ("level", "element", *_FLAGS):  # object columns: None, never NaN, when undefined
        values[name] = values[name].astype(object).where(values[name].notna(), None)
    table = Table(values, reasons.where(reasons.notna(), None))
    return EacRealism(
        table,
        {"tcpi_band": settings.tcpi_band, "reliable_from": settings.reliable_from, "reliable_to": settings.reliable_to},
    )


@dataclass(frozen=True)
class CaseAtCompletion:
    """The business case with the budget (``baseline``) and at the EAC (``at_eac``).

    ``holds_at_budget`` / ``holds_at_eac``: NPV >= 0 and BCR >= 1 (``None`` when NPV or
    BCR is undefined, e.g. without a discount rate); ``fails_at_eac`` is true when the
    case holds with the budget but not at the EAC. ``eac`` is the EAC used.
    """

    baseline: BusinessCase
    at_eac: BusinessCase | None
    eac: Metric
    holds_at_budget: bool | None
    holds_at_eac: bool | None

    @property
    def fails_at_eac(self) -> bool:
        """The case held with the budget and no longer holds at the EAC."""
        return self.holds_at_budget is True and self.holds_at_eac is False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the EAC used, both cases' metrics and the flags."""
        at_eac = self.at_eac.metrics if self.at_eac is not None else {}
        return {
            "eac": self.eac.to_dict(),
            "baseline": {k: m.to_dict() for k, m in self.baseline.metrics.items()},
            "at_eac": {k: m.to_dict() for k, m in at_eac.items()},
            "at_eac_reason": None if self.at_eac is not None else (self.eac.reason or g.NO_EAC),
            "holds_at_budget": self.holds_at_budget,
            "holds_at_eac": self.holds_at_eac,
            "fails_at_eac": self.fails_at_eac,
        }


def _holds(case: BusinessCase | None) -> bool | None:
    if case is None:
        return None
    npv, bcr = (finite_float(case.metrics[k].value) for k in (g.NPV, g.BCR))
    if npv is None or bcr is None:
        return None
    return npv >= 0 and bcr >= 1


def case_at_completion(
    data: ProjectData, eac: Metric, rate: float | None = None, baseline: BusinessCase | None = None
) -> CaseAtCompletion:
    """The business case of ``data`` with the budget and with the project cost at ``eac``
    (``rate`` overrides the Project sheet's discount rate)."""
    base = baseline if baseline is not None else project_business_case(data, rate)
    value = finite_float(eac.value)
    at_eac = project_business_case(data, rate, eac=value) if value is not None else None
    return CaseAtCompletion(base, at_eac, eac, _holds(base), _holds(at_eac))
