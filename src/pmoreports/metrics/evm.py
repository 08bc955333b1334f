"""Earned value (PMI / ANSI-EIA-748) and earned schedule (Lipke) metrics.

Two layers:

1. **Core, vectorised on numpy** (:func:`compute_evm`, :func:`earned_schedule`): 2-D
   float arrays of shape ``(n_series, n_months)`` holding *cumulative* PV, EV and AC at
   the end of months 1..m of a common month axis. Every metric is computed for every
   series and month at once; undefined values are ``NaN`` with an ``int8`` reason code
   (see :data:`REASON_CODES`).
2. **pandas wrappers** (:func:`project_curves`, :func:`evm_series`, :func:`project_evm`,
   :func:`portfolio_evm`...): build the arrays from the tidy frames of a
   :class:`~pmoreports.model.ProjectData` (or from per-project curves) and return long
   frames, one row per series key x month, with a companion frame of reasons.

Conventions (units: money in the project's currency; time in months):

- Month axis: month 1 is the first month of the axis (the project's baseline start, or
  the first month with budget or actuals if earlier); ``period`` is the 1-based month
  number. Each series' time (ES, AT, PD, IEAC(t)) is counted from its own
  ``start_month``, the first month with PV, EV or AC, so a WBS element or a project
  that starts later is not reported as late before it starts. PV_0 = 0. AT at month t
  is the number of months from the start to the end of month t, except that AT stops
  at the first month in which EV reached BAC (a completed project does not keep getting
  later).
- PV of a month = the budget of that month; BAC = the whole budget (final cumulative
  PV). AC = actuals up to and including the status month; actuals dated after the
  status month are ignored.
- EV of a WBS element at month end = its BAC x its cumulative fraction complete, the
  last reported fraction carried forward (0 before the first report; reports after the
  status month ignored). **EV by cost category**: each WBS element's EV is split across
  its categories in proportion to the element's BAC by category, i.e.
  ``EV(w, c) = BAC(w, c) x fraction(w)``. A WBS element without budget earns nothing.
- CV = EV - AC, SV = EV - PV, CV% = CV / EV, SV% = SV / PV, CPI = EV / AC,
  SPI = EV / PV, percent complete / spent / scheduled = EV, AC, PV over BAC (fractions).
- EAC methods: ``cpi`` BAC / CPI; ``budget_rate`` AC + (BAC - EV); ``cpi_spi``
  AC + (BAC - EV) / (CPI x SPI); ``bottom_up`` AC + the bottom-up ETC of the Forecast
  sheet (status month only; WBS elements without a forecast row contribute their
  remaining budget max(BAC - EV, 0) to the project's ETC). ``eac`` / ``etc`` / ``vac``
  / ``tcpi_eac`` use the chosen method (default ``cpi``). ETC = EAC - AC,
  VAC = BAC - EAC (negative = overrun), VAC% = VAC / BAC,
  TCPI to BAC = (BAC - EV) / (BAC - AC), TCPI to EAC = (BAC - EV) / (EAC - AC).
- Earned schedule: ES = C + (EV - PV_C) / (PV_C+1 - PV_C) by linear interpolation on
  the cumulative PV curve (C = last month whose PV is below EV). ES = 0 when EV <= 0;
  ES = PD (planned duration: first month at which PV reaches BAC) when EV >= BAC, so
  ES never exceeds PD. **Flat PV stretches** (months with no planned cost): when EV
  equals the level of a flat stretch, every time in the stretch "reached" EV and ES is
  the one nearest the month being measured: the start of the stretch when that month
  is before it (ahead of plan), the month itself when it lies inside the stretch
  (exactly on plan: EV = PV gives SPI(t) = 1 even during a planned pause), the end of
  the stretch when the month is after it (behind plan; Lipke's count of months with
  PV <= EV). ES therefore never decreases when EV grows. SV(t) = ES - AT,
  SPI(t) = ES / AT, TSPI = (PD - ES) / (PD - AT), IEAC(t) = PD / SPI(t) (forecast
  duration in months). After the planned finish PV stays flat at BAC, so SPI tends to
  1 while SPI(t) keeps showing the delay.
- Roll-ups (WBS, category, programme, portfolio) sum cumulative PV, EV, AC (hence BAC)
  first and compute every index from the sums; ES of a roll-up comes from the summed PV
  curve (and is counted from the roll-up's first active month).
- Undefined values (division by zero, the cases listed in the reason codes, and any
  result too large to represent, reason ``not_finite``) are ``NaN`` in arrays and
  frames and ``None`` in :class:`Metric`, never 0 and never infinity, with a reason
  code from :mod:`pmoreports.glossary`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..workbook import columns as col
from ..workbook.model import ProjectData
from . import glossary as g

__all__ = [
    "EAC_METHODS",
    "PERIOD",
    "REASON_CODES",
    "SERIES_METRICS",
    "START_MONTH",
    "Curves",
    "EvmArrays",
    "EvmSeries",
    "Metric",
    "PortfolioEvm",
    "Table",
    "compute_evm",
    "curves_frame",
    "earned_schedule",
    "evm_series",
    "finite_float",
    "json_value",
    "month_axis",
    "months_to_date",
    "portfolio_curves",
    "portfolio_evm",
    "project_curves",
    "project_evm",
    "start_offsets",
    "status_dates",
    "status_metrics",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int8]

PERIOD: Final = "period"
"""Series column: 1-based month number on the month axis."""
START_MONTH: Final = "start_month"
"""Series column: first month with PV, EV or AC of the series (ES, AT, PD count from it)."""

REASON_CODES: Final[tuple[str, ...]] = (
    "",
    g.AFTER_STATUS_DATE,
    g.BAC_ZERO,
    g.AC_ZERO,
    g.PV_ZERO,
    g.EV_ZERO,
    g.ES_ZERO,
    g.AT_ZERO,
    g.WORK_COMPLETE,
    g.AC_AT_OR_ABOVE_BAC,
    g.EAC_AT_OR_BELOW_AC,
    g.PAST_PLANNED_FINISH,
    g.NO_FORECAST,
    g.NOT_FINITE,
)
"""Reason codes of the core arrays: ``REASON_CODES[code]`` (code 0 = defined)."""

_CODE: Final[dict[str, int]] = {name: i for i, name in enumerate(REASON_CODES) if name}

EAC_METHODS: Final[dict[str, str]] = {
    "cpi": g.EAC_CPI,
    "budget_rate": g.EAC_BUDGET_RATE,
    "cpi_spi": g.EAC_CPI_SPI,
    "bottom_up": g.EAC_BOTTOM_UP,
}
"""EAC method name -> metric key of that EAC."""

SERIES_METRICS: Final[tuple[str, ...]] = (
    g.PV, g.EV, g.AC, g.PV_MONTH, g.EV_MONTH, g.AC_MONTH, g.BAC,
    g.CV, g.SV, g.CV_PCT, g.SV_PCT, g.CPI, g.SPI,
    g.PCT_COMPLETE, g.PCT_SPENT, g.PCT_SCHEDULED,
    g.EAC_CPI, g.EAC_BUDGET_RATE, g.EAC_CPI_SPI, g.EAC_BOTTOM_UP,
    g.EAC, g.ETC, g.VAC, g.VAC_PCT, g.TCPI_BAC, g.TCPI_EAC,
    g.ES, g.AT, g.PD, g.SV_T, g.SPI_T, g.TSPI, g.IEAC_T,
)  # fmt: skip
"""Metric columns of the series frames, in order (``pv``/``ev``/``ac`` are cumulative)."""

_PV_ONLY: Final = frozenset({g.PV, g.PV_MONTH, g.BAC, g.PCT_SCHEDULED, g.PD})
_CHUNK_CELLS: Final = 4_000_000


# --------------------------------------------------------------------------- Metric
@dataclass(frozen=True)
class Metric:
    """One status-date value.

    ``value`` is ``None`` exactly when the metric is undefined, and then ``reason`` is a
    machine-readable code from :mod:`pmoreports.glossary` (``"ac_zero"``...);
    :attr:`reason_text` gives it in plain words. ``unit`` is one of the glossary units
    (``"money"``, ``"index"``, ``"fraction"``, ``"months"``...).
    """

    key: str
    value: float | None
    unit: str
    reason: str | None = None

    @classmethod
    def of(cls, key: str, value: Any, reason: str | None = None, unit: str = "") -> Metric:
        """Build a metric, turning NaN/inf/None into ``None`` (keeping or defaulting reason)."""
        unit = unit or g.METRIC_UNITS.get(key, "")
        number = finite_float(value)
        if number is None:
            return cls(key, None, unit, reason or "undefined")
        return cls(key, number, unit, None)

    @property
    def defined(self) -> bool:
        """``True`` when the metric has a value."""
        return self.value is not None

    @property
    def reason_text(self) -> str:
        """Plain-language reason why the value is missing (``""`` when defined)."""
        return g.reason_text(self.reason)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: key, value (``None`` if undefined), unit, reason, reason_text."""
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "reason": self.reason,
            "reason_text": self.reason_text,
        }


def finite_float(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` (missing, not a number, NaN or infinite)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --------------------------------------------------------------------------- core
@dataclass(frozen=True)
class EvmArrays:
    """Result of :func:`compute_evm`: per metric key, values and reason codes.

    ``values[key]`` is a float array ``(n_series, n_months)`` with NaN where undefined;
    ``reasons[key]`` is the matching int8 array of indices into :data:`REASON_CODES`.
    """

    values: dict[str, FloatArray]
    reasons: dict[str, CodeArray]

    def reason_names(self, key: str) -> npt.NDArray[np.object_]:
        """Reason codes of one metric as strings (``None`` where defined)."""
        names = np.array([n or None for n in REASON_CODES], dtype=object)
        return np.asarray(names[self.reasons[key]], dtype=object)


def _as2d(a: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(a, dtype=np.float64)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


def earned_schedule(
    pv_cum: npt.ArrayLike, ev_cum: npt.ArrayLike, at: npt.ArrayLike | None = None
) -> tuple[FloatArray, IntArray]:
    """Earned schedule (months) of each EV value on the cumulative PV curve of its row.

    ``pv_cum``: ``(n, m)`` cumulative PV at the end of months 1..m (PV_0 = 0 is implied;
    a decreasing PV curve is treated as flat). ``ev_cum``: ``(n, k)`` cumulative EV
    values to place on the curve; ``at``: ``(n, k)`` month (on the same axis) at which
    each EV was measured, used only on flat PV stretches. Returns ``(es, pd)``: ``es``
    ``(n, k)`` in months and ``pd`` ``(n,)`` the planned duration (first month whose PV
    reaches BAC; 0 when BAC <= 0).

    ES = (j - 1) + (EV - PV_j-1) / (PV_j - PV_j-1), j the first month whose PV is >= EV
    (Lipke's C + I); 0 for EV <= 0; PD for EV >= BAC. When EV equals the level of a flat
    PV stretch [a, b] (b <= PD), every time in it reached EV; ES is the one nearest to
    ``at``: ``a`` (earliest) when at < a (ahead of plan), ``at`` itself when a <= at <= b
    (exactly on plan, so EV = PV gives SPI(t) = 1), ``b`` when at > b (behind plan,
    as Lipke's count of months with PV <= EV). Without ``at``, the earliest time.
    """
    pv, ev = _as2d(pv_cum), _as2d(ev_cum)
    n, m = pv.shape
    when = np.zeros(ev.shape) if at is None else np.broadcast_to(np.asarray(at, float), ev.shape)
    curve = np.zeros((n, m + 1))
    curve[:, 1:] = pv
    np.maximum.accumulate(curve, axis=1, out=curve)
    bac = curve[:, -1]
    pd_ = (curve < bac[:, None]).sum(axis=1).astype(np.int64)
    es = np.empty(ev.shape)
    step = max(1, _CHUNK_CELLS // max(1, ev.shape[1] * (m + 1)))
    for s in range(0, n, step):
        sl = slice(s, s + step)
        es[sl] = _es_chunk(curve[sl], ev[sl], when[sl], bac[sl], pd_[sl])
    return es, pd_


def _es_chunk(curve: FloatArray, ev: FloatArray, at: FloatArray, bac: FloatArray, pd_: IntArray) -> FloatArray:
    below = (curve[:, None, :] < ev[:, :, None]).sum(axis=2)
    j = np.clip(below, 1, np.maximum(pd_, 1)[:, None])
    lo = np.take_along_axis(curve, j - 1, axis=1)
    hi = np.take_along_axis(curve, j, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        earliest = (j - 1) + (ev - lo) / (hi - lo)
    earliest = np.where(ev >= bac[:, None], pd_[:, None].astype(np.float64), earliest)
    earliest = np.where(ev <= 0, 0.0, earliest)
    # EV equal to a curve point may sit on a flat stretch: find its last month (rare cells)
    first_at_or_above = np.take_along_axis(curve, np.minimum(below, curve.shape[1] - 1), axis=1)
    rows, cols = np.nonzero(first_at_or_above == ev)
    latest = earliest.copy()
    if len(rows):
        upto = (curve[rows] <= ev[rows, cols][:, None]).sum(axis=1) - 1
        last = np.minimum(upto, pd_[rows]).astype(np.float64)
        latest[rows, cols] = np.maximum(last, earliest[rows, cols])
    return np.minimum(np.maximum(at, earliest), latest)


Rule = tuple[BoolArray, str] | CodeArray


class _Out:
    """Collects metric values and reason codes (first matching rule wins)."""

    def __init__(self, future: BoolArray) -> None:
        self.future = future
        self.values: dict[str, FloatArray] = {}
        self.reasons: dict[str, CodeArray] = {}

    def put(self, key: str, value: FloatArray, rules: Sequence[Rule] = ()) -> CodeArray:
        code = np.zeros(self.future.shape, dtype=np.int8)
        for rule in reversed(rules):
            if isinstance(rule, tuple):
                code = np.where(rule[0], np.int8(_CODE[rule[1]]), code)
            else:
                code = np.where(rule != 0, rule, code)
        value = np.broadcast_to(value, code.shape)
        code = np.where((code == 0) & ~np.isfinite(value), np.int8(_CODE[g.NOT_FINITE]), code)
        if key not in _PV_ONLY:
            code = np.where(self.future, np.int8(_CODE[g.AFTER_STATUS_DATE]), code)
        self.values[key] = np.where(code == 0, value, np.nan)
        self.reasons[key] = code.astype(np.int8, copy=False)
        return self.reasons[key]


def compute_evm(
    pv_cum: npt.ArrayLike,
    ev_cum: npt.ArrayLike,
    ac_cum: npt.ArrayLike,
    *,
    status_index: int | npt.ArrayLike | None = None,
    offset: npt.ArrayLike | None = None,
    etc: npt.ArrayLike | None = None,
    eac_method: str = "cpi",
) -> EvmArrays:
    """Every EVM and earned-schedule metric for every series and month, vectorised.

    ``pv_cum``, ``ev_cum``, ``ac_cum``: ``(n, m)`` cumulative values at the end of months
    1..m (money). The whole PV row is the baseline (BAC = last column). Optional:
    ``status_index`` (0-based month, scalar or per series): later months get reason
    ``after_status_date`` for every metric that needs EV or AC; ``offset`` (months, per
    series): months of the axis before the series starts (ES, AT and PD are counted from
    there); ``etc``: bottom-up estimate to complete per series at the status month (NaN
    = none); ``eac_method``: one of :data:`EAC_METHODS`. Units: money, index (ratio),
    fraction (0.05 = 5 %), months. Returns :class:`EvmArrays` keyed by
    :data:`SERIES_METRICS`.
    """
    if eac_method not in EAC_METHODS:
        raise ValueError(f"eac_method must be one of {sorted(EAC_METHODS)}, not {eac_method!r}")
    pv, ev, ac = _as2d(pv_cum), _as2d(ev_cum), _as2d(ac_cum)
    n, m = pv.shape
    t = np.arange(1, m + 1)
    status = np.full(n, m - 1) if status_index is None else np.broadcast_to(status_index, (n,))
    off = np.zeros(n, np.int64) if offset is None else np.broadcast_to(offset, (n,))
    out = _Out(t[None, :] > (np.asarray(status)[:, None] + 1))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _basics(out, pv, ev, ac)
        _forecasts(out, pv, ev, ac, np.asarray(status), etc, eac_method)
        _schedule(out, pv, ev, np.asarray(off, dtype=np.int64))
    return EvmArrays(out.values, out.reasons)


def _diff(cum: FloatArray) -> FloatArray:
    return np.diff(cum, axis=1, prepend=0.0)


def _basics(out: _Out, pv: FloatArray, ev: FloatArray, ac: FloatArray) -> None:
    bac = pv[:, -1:]
    no_bac = (bac == 0, g.BAC_ZERO)
    for key, value in ((g.PV, pv), (g.EV, ev), (g.AC, ac)):
        out.put(key, value)
    for key, value in ((g.PV_MONTH, pv), (g.EV_MONTH, ev), (g.AC_MONTH, ac)):
        out.put(key, _diff(value))
    out.put(g.BAC, bac)
    out.put(g.CV, ev - ac)
    out.put(g.SV, ev - pv)
    out.put(g.CV_PCT, (ev - ac) / ev, [(ev == 0, g.EV_ZERO)])
    out.put(g.SV_PCT, (ev - pv) / pv, [(pv == 0, g.PV_ZERO)])
    out.put(g.CPI, ev / ac, [(ac == 0, g.AC_ZERO)])
    out.put(g.SPI, ev / pv, [(pv == 0, g.PV_ZERO)])
    out.put(g.PCT_COMPLETE, ev / bac, [no_bac])
    out.put(g.PCT_SPENT, ac / bac, [no_bac])
    out.put(g.PCT_SCHEDULED, pv / bac, [no_bac])


def _forecasts(
    out: _Out,
    pv: FloatArray,
    ev: FloatArray,
    ac: FloatArray,
    status: npt.NDArray[Any],
    etc: npt.ArrayLike | None,
    method: str,
) -> None:
    bac = pv[:, -1:]
    no_bac = (bac == 0, g.BAC_ZERO)
    no_ac, no_ev, no_pv = (ac == 0, g.AC_ZERO), (ev <= 0, g.EV_ZERO), (pv == 0, g.PV_ZERO)
    out.put(g.EAC_CPI, bac * ac / ev, [no_bac, no_ac, no_ev])
    out.put(g.EAC_BUDGET_RATE, ac + bac - ev, [no_bac])
    out.put(g.EAC_CPI_SPI, ac + (bac - ev) * ac * pv / (ev * ev), [no_bac, no_ac, no_pv, no_ev])
    n, m = pv.shape
    etc_arr = np.full(n, np.nan) if etc is None else np.broadcast_to(np.asarray(etc, float), (n,))
    at_status = np.arange(m)[None, :] == status[:, None]
    no_etc = ~at_status | np.isnan(etc_arr)[:, None]
    out.put(g.EAC_BOTTOM_UP, ac + np.nan_to_num(etc_arr)[:, None], [no_bac, (no_etc, g.NO_FORECAST)])
    key = EAC_METHODS[method]
    eac, eac_code = out.values[key], out.reasons[key]
    out.put(g.EAC, eac, [eac_code])
    out.put(g.ETC, eac - ac, [eac_code])
    out.put(g.VAC, bac - eac, [eac_code])
    out.put(g.VAC_PCT, (bac - eac) / bac, [no_bac, eac_code])
    done = (ev >= bac, g.WORK_COMPLETE)
    out.put(g.TCPI_BAC, (bac - ev) / (bac - ac), [no_bac, done, (bac - ac <= 0, g.AC_AT_OR_ABOVE_BAC)])
    out.put(
        g.TCPI_EAC,
        (bac - ev) / (eac - ac),
        [no_bac, eac_code, done, (~(eac - ac > 0), g.EAC_AT_OR_BELOW_AC)],
    )


def _actual_time(ev: FloatArray, bac: FloatArray, off: IntArray) -> FloatArray:
    """AT per month: months since the series start, stopped at the month EV reached BAC."""
    m = ev.shape[1]
    complete = (ev >= bac) & (bac > 0)
    first = np.where(complete.any(axis=1), complete.argmax(axis=1), m)
    t = np.arange(1, m + 1)[None, :]
    at: FloatArray = np.maximum(np.minimum(t, first[:, None] + 1) - off[:, None], 0).astype(np.float64)
    return at


def _schedule(out: _Out, pv: FloatArray, ev: FloatArray, off: IntArray) -> None:
    bac = pv[:, -1:]
    no_bac = (bac == 0, g.BAC_ZERO)
    months = np.broadcast_to(np.arange(1, pv.shape[1] + 1, dtype=np.float64), ev.shape)
    es_raw, pd_raw = earned_schedule(pv, ev, months)
    es = np.maximum(es_raw - off[:, None], 0.0)
    pd_ = (pd_raw - off).astype(np.float64)[:, None]
    at = _actual_time(ev, bac, off)
    out.put(g.ES, es, [no_bac])
    out.put(g.AT, at)
    out.put(g.PD, pd_, [no_bac])
    out.put(g.SV_T, es - at, [no_bac])
    not_started = (at <= 0, g.AT_ZERO)
    out.put(g.SPI_T, es / at, [no_bac, not_started])
    out.put(
        g.TSPI,
        (pd_ - es) / (pd_ - at),
        [no_bac, (es >= pd_, g.WORK_COMPLETE), (at >= pd_, g.PAST_PLANNED_FINISH)],
    )
    out.put(g.IEAC_T, pd_ * at / es, [no_bac, not_started, (es <= 0, g.ES_ZERO)])


# --------------------------------------------------------------------------- curves
@dataclass(frozen=True)
class Curves:
    """Cumulative PV/EV/AC arrays of several series on one month axis.

    ``keys``: one row per series with the roll-up key columns (no columns for a single
    project total). ``months``: month-start timestamps of the axis. ``pv``, ``ev``,
    ``ac``: ``(n_series, n_months)`` cumulative money at month end (EV and AC held flat
    after the status month). ``status_index``: 0-based status month on the axis.
    ``etc``: bottom-up estimate to complete per series (NaN = none).
    """

    keys: pd.DataFrame
    months: pd.DatetimeIndex
    pv: FloatArray
    ev: FloatArray
    ac: FloatArray
    status_index: int
    etc: FloatArray | None = None

    @property
    def status_month(self) -> pd.Timestamp:
        """Month-start timestamp of the status month."""
        return pd.Timestamp(self.months[self.status_index])


def _month_start(values: Any) -> pd.Series:
    stamps = pd.to_datetime(pd.Series(values), errors="coerce")
    return pd.Series(stamps.dt.to_period("M").dt.to_timestamp())


def _index_of(axis: pd.DatetimeIndex, month: Any) -> int:
    """0-based position of the month of ``month`` on the axis."""
    position = int(axis.get_indexer(pd.DatetimeIndex([pd.Timestamp(month).to_period("M").to_timestamp()]))[0])
    if position < 0:
        raise KeyError(f"month {month} is not on the axis {axis[0]:%Y-%m}..{axis[-1]:%Y-%m}")
    return position


def month_axis(start: Any, end: Any) -> pd.DatetimeIndex:
    """Month-start timestamps from the month of ``start`` to the month of ``end``."""
    first = pd.Timestamp(start).to_period("M").to_timestamp()
    last = pd.Timestamp(end).to_period("M").to_timestamp()
    return pd.date_range(first, max(first, last), freq="MS")


def _project_axis(data: ProjectData) -> pd.DatetimeIndex:
    info = data.info
    starts = [pd.Timestamp(info.baseline_start)]
    ends = [pd.Timestamp(info.baseline_finish), pd.Timestamp(info.status_date)]
    status = pd.Timestamp(info.status_date).to_period("M").to_timestamp()
    for frame in (data.budget, data.actuals):
        if frame.empty:
            continue
        months = _month_start(frame[col.MONTH]).dropna()
        if len(months):
            starts.append(months.min())
            if frame is data.budget:
                ends.append(months.max())
            else:
                ends.append(min(months.max(), status))
    return month_axis(min(starts), max(ends))


def _grid(frame: pd.DataFrame, keys: list[str], axis: pd.DatetimeIndex) -> pd.DataFrame:
    """Sum of VALUE per key x month, months as columns reindexed on the axis (0 elsewhere)."""
    if frame.empty:
        index = pd.MultiIndex.from_arrays([[] for _ in keys], names=keys)
        return pd.DataFrame(index=index, columns=axis, dtype=float)
    work = frame[[*keys, col.VALUE]].copy()
    work[col.MONTH] = _month_start(frame[col.MONTH]).to_numpy()
    work[col.VALUE] = pd.to_numeric(work[col.VALUE], errors="coerce").fillna(0.0)
    work = work[work[col.MONTH].isin(axis)]
    table = work.groupby([*keys, col.MONTH])[col.VALUE].sum().unstack(col.MONTH)
    return table.reindex(columns=axis, fill_value=0.0).fillna(0.0)


def _fractions(progress: pd.DataFrame, axis: pd.DatetimeIndex, status: int) -> pd.DataFrame:
    """Cumulative fraction complete per WBS x month, carried forward, frozen after status."""
    if progress.empty:
        return pd.DataFrame(columns=axis, dtype=float)
    work = progress[[col.WBS, col.VALUE]].copy()
    work[col.MONTH] = _month_start(progress[col.MONTH]).to_numpy()
    work[col.VALUE] = pd.to_numeric(work[col.VALUE], errors="coerce")
    work = work.dropna(subset=[col.VALUE, col.MONTH])
    work = work[work[col.MONTH] <= axis[status]]
    table = work.groupby([col.WBS, col.MONTH])[col.VALUE].last().unstack(col.MONTH)
    table = table.reindex(columns=axis)
    return table.ffill(axis=1).fillna(0.0)


def _grain(data: ProjectData, axis: pd.DatetimeIndex, status: int) -> tuple[pd.DataFrame, ...]:
    """PV per month, AC per month and EV cumulative at the (wbs, category) grain."""
    keys = [col.WBS, col.CATEGORY]
    budget = _grid(data.budget, keys, axis)
    actuals = _grid(data.actuals, keys, axis)
    actuals.loc[:, axis[status + 1 :]] = 0.0
    index = budget.index.union(actuals.index)
    budget = budget.reindex(index, fill_value=0.0)
    actuals = actuals.reindex(index, fill_value=0.0)
    frac = _fractions(data.progress, axis, status)
    wbs = index.get_level_values(col.WBS) if len(index) else pd.Index([])
    frac_rows = frac.reindex(wbs).fillna(0.0).to_numpy()
    bac = budget.to_numpy().sum(axis=1)
    ev_cum = pd.DataFrame(bac[:, None] * frac_rows, index=index, columns=axis)
    return budget, actuals, ev_cum


def _rollup(
    grain_keys: pd.DataFrame, arrays: Sequence[FloatArray], by: Sequence[str]
) -> tuple[pd.DataFrame, list[FloatArray], IntArray]:
    """Sum grain rows per distinct value of the ``by`` columns (order of first appearance).

    Returns the key frame, the summed arrays and the group code of every grain row.
    """
    if not by:
        keys = pd.DataFrame(index=pd.RangeIndex(1))
        codes = np.zeros(len(grain_keys), np.int64)
        return keys, [a.sum(axis=0, keepdims=True) for a in arrays], codes
    codes, uniques = pd.MultiIndex.from_frame(grain_keys[list(by)]).factorize()
    keys = pd.DataFrame(list(uniques), columns=list(by))
    summed = []
    for a in arrays:
        total = np.zeros((len(keys), a.shape[1]))
        np.add.at(total, codes, a)
        summed.append(total)
    return keys, summed, np.asarray(codes, dtype=np.int64)


def project_curves(data: ProjectData, by: Sequence[str] = ()) -> Curves:
    """Cumulative PV/EV/AC curves of a project, in total (``by=()``) or per roll-up key.

    ``by`` is any subset of ``(wbs, category)`` (column names from
    :mod:`pmoreports.columns`). EV by category follows the proportional split described
    in the module docstring. The bottom-up ETC is attached for the total and per WBS.
    """
    unknown = set(by) - {col.WBS, col.CATEGORY}
    if unknown:
        raise ValueError(f"project roll-up keys must be wbs and/or category, not {unknown}")
    axis = _project_axis(data)
    status = _index_of(axis, data.info.status_date)
    budget, actuals, ev_cum = _grain(data, axis, status)
    grain_keys = budget.index.to_frame(index=False)
    arrays = [budget.to_numpy().cumsum(axis=1), ev_cum.to_numpy(), actuals.to_numpy().cumsum(1)]
    if not len(grain_keys):
        arrays = [np.zeros((0, len(axis)))] * 3
        grain_keys = pd.DataFrame({col.WBS: [], col.CATEGORY: []})
    keys, (pv, ev, ac), _ = _rollup(grain_keys, arrays, by)
    etc = _bottom_up_etc(data.forecast, grain_keys, arrays, keys, list(by), status)
    return Curves(keys, axis, pv, ev, ac, status, etc)


def _bottom_up_etc(
    forecast: pd.DataFrame,
    grain_keys: pd.DataFrame,
    arrays: Sequence[FloatArray],
    keys: pd.DataFrame,
    by: list[str],
    status: int,
) -> FloatArray:
    """Bottom-up ETC per series: per WBS as given; for the total, the sum over WBS
    elements (elements without a forecast row count their remaining budget)."""
    nan = np.full(len(keys), np.nan)
    if forecast.empty or by not in ([], [col.WBS]):
        return nan
    etc = pd.to_numeric(forecast[col.ETC], errors="coerce").groupby(forecast[col.WBS]).sum()
    if by == [col.WBS]:
        return keys[col.WBS].map(etc).to_numpy(dtype=float)
    wbs_keys, (pv, ev), _ = _rollup(grain_keys, arrays[:2], [col.WBS])
    remaining = pd.Series(np.maximum(pv[:, -1] - ev[:, status], 0.0), index=wbs_keys[col.WBS])
    given = etc.reindex(remaining.index)
    missing = remaining[given.isna()].sum()
    return np.array([float(etc.sum() + missing)])


# --------------------------------------------------------------------------- series
@dataclass(frozen=True)
class Table:
    """A frame of values with a companion frame of reasons.

    ``reasons`` has the same rows and columns as ``values``; a metric cell holds the
    reason code (str) where the value is undefined (NaN) and ``None`` elsewhere.
    """

    values: pd.DataFrame
    reasons: pd.DataFrame

    def records(self) -> list[dict[str, Any]]:
        """JSON-safe rows: each metric as its value, plus ``<metric>_reason`` when undefined."""
        out = []
        for (_, row), (_, why) in zip(self.values.iterrows(), self.reasons.iterrows(), strict=True):
            rec: dict[str, Any] = {}
            for name in self.values.columns:
                rec[str(name)] = json_value(row[name])
                reason = why.get(name) if name in why.index else None
                if isinstance(reason, str) and rec[str(name)] is None:
                    rec[f"{name}_reason"] = reason
            out.append(rec)
        return out


def json_value(value: Any) -> Any:
    """A JSON-safe value: NaN/inf/NA -> None, numpy -> Python, dates -> ISO strings,
    mappings (e.g. a variance explanation row) -> dicts of JSON-safe values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


@dataclass(frozen=True)
class EvmSeries(Table):
    """Monthly EVM series in long form, with reasons.

    ``values``: one row per series key x month: the key columns, ``month`` (month
    start), ``period`` (1-based month number) and the :data:`SERIES_METRICS` columns
    (``pv``/``ev``/``ac`` cumulative, ``*_month`` per month; NaN = undefined).
    ``reasons``: same rows and columns, holding the reason code (str) where the value is
    undefined and ``None`` elsewhere. ``key_columns`` names the key columns.
    ``origin``: month-start timestamp of month 1 of the axis. ``start_month`` (a key-
    level column) is the first active month of each series.
    """

    key_columns: tuple[str, ...]
    status_month: pd.Timestamp
    origin: pd.Timestamp

    def at_status(self) -> EvmSeries:
        """Only the rows of the status month (one per key): the status-date table."""
        mask = (self.values[col.MONTH] == self.status_month).to_numpy()
        return EvmSeries(
            self.values[mask].reset_index(drop=True),
            self.reasons[mask].reset_index(drop=True),
            self.key_columns,
            self.status_month,
            self.origin,
        )


def start_offsets(pv_cum: FloatArray, ev_cum: FloatArray, ac_cum: FloatArray) -> IntArray:
    """Per series, the 0-based first month with planned value, earned value or actual cost
    (0 when there is none): where ES, AT and PD of the series are counted from."""
    active = (_diff(pv_cum) != 0) | (_diff(ac_cum) != 0) | (ev_cum != 0)
    return np.where(active.any(axis=1), active.argmax(axis=1), 0).astype(np.int64)


def evm_series(curves: Curves, *, eac_method: str = "cpi", only_status: bool = False) -> EvmSeries:
    """Compute every metric for every series and month of ``curves`` (see module doc).

    With ``only_status`` the frames hold only the status-month rows (the same as
    ``evm_series(...).at_status()``, without building the monthly rows).
    """
    offset = start_offsets(curves.pv, curves.ev, curves.ac)
    arrays = compute_evm(
        curves.pv,
        curves.ev,
        curves.ac,
        status_index=curves.status_index,
        offset=offset,
        etc=curves.etc,
        eac_method=eac_method,
    )
    n, m = curves.pv.shape
    cols = np.arange(m) if not only_status else np.array([curves.status_index])
    k = len(cols)
    base = curves.keys.loc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    base[START_MONTH] = np.repeat(curves.months.to_numpy()[offset], k)
    base[col.MONTH] = np.tile(curves.months.to_numpy()[cols], n)
    base[PERIOD] = np.tile(cols + 1, n)
    flat = {key: arrays.values[key][:, cols].reshape(-1) for key in SERIES_METRICS}
    values = pd.concat([base, pd.DataFrame(flat)], axis=1)
    why = {key: pd.Series(arrays.reason_names(key)[:, cols].reshape(-1), dtype=object) for key in SERIES_METRICS}
    reasons = pd.concat([base, pd.DataFrame(why)], axis=1)
    keys = tuple(str(c) for c in curves.keys.columns)
    return EvmSeries(values, reasons, keys, curves.status_month, pd.Timestamp(curves.months[0]))


def project_evm(data: ProjectData, by: Sequence[str] = (), *, eac_method: str = "cpi") -> EvmSeries:
    """Monthly EVM + earned-schedule series of a project, in total or per ``by`` key."""
    return evm_series(project_curves(data, by), eac_method=eac_method)


def months_to_date(origin: Any, months: float) -> dt.date:
    """The last day of a span of ``months`` (fractional) starting on the month of ``origin``.

    E.g. origin 2024-01-01: 3.0 months -> 2024-03-31; 2.5 months -> 2024-03-15
    (half of March's 31 days, rounded down); 0 months -> the origin itself.
    """
    first = pd.Timestamp(origin).to_period("M").to_timestamp()
    whole = math.floor(months)
    start = first + pd.DateOffset(months=whole)
    days = (start + pd.DateOffset(months=1) - start).days
    end = start + pd.Timedelta(days=math.floor((months - whole) * days)) - pd.Timedelta(days=1)
    return pd.Timestamp(max(end, first)).date()


def _status_row(series: EvmSeries, key: Mapping[str, Any]) -> tuple[pd.Series, pd.Series]:
    table = series.at_status()
    mask = np.ones(len(table.values), dtype=bool)
    for name, wanted in key.items():
        mask &= (table.values[name] == wanted).to_numpy()
    if mask.sum() != 1:
        raise KeyError(f"{int(mask.sum())} series match {dict(key)!r}; expected exactly one")
    i = int(np.flatnonzero(mask)[0])
    return table.values.iloc[i], table.reasons.iloc[i]


def status_metrics(series: EvmSeries, **key: Any) -> dict[str, Metric]:
    """Status-date :class:`Metric` records of one series, selected by key values.

    With no key the series must hold a single key (e.g. a project total). Keys are
    :data:`SERIES_METRICS` plus ``forecast_finish`` (= IEAC(t), months from the series'
    ``start_month``; see :func:`status_dates` for the calendar date).
    """
    row, why = _status_row(series, key)
    out = {k: Metric.of(k, row[k], why[k]) for k in SERIES_METRICS}
    out[g.FORECAST_FINISH] = Metric.of(g.FORECAST_FINISH, row[g.IEAC_T], why[g.IEAC_T], unit=g.MONTHS)
    return out


def status_dates(series: EvmSeries, **key: Any) -> dict[str, dt.date | None]:
    """Calendar dates of one series at the status date.

    ``start`` (first day of ``start_month``), ``planned_finish`` (end of the month in
    which PV reaches BAC: start + PD months) and ``forecast_finish`` (start + IEAC(t)
    months, see :func:`months_to_date`); ``None`` when the duration is undefined.
    """
    row, _ = _status_row(series, key)
    start = pd.Timestamp(row[START_MONTH])
    pd_, ieac = finite_float(row[g.PD]), finite_float(row[g.IEAC_T])
    return {
        "start": start.date(),
        "planned_finish": None if pd_ is None else months_to_date(start, pd_),
        "forecast_finish": None if ieac is None else months_to_date(start, ieac),
    }


# --------------------------------------------------------------------------- portfolio
def curves_frame(data: ProjectData) -> pd.DataFrame:
    """A project's total cumulative curves as a long frame for :func:`portfolio_evm`.

    Columns ``project``, ``programme``, ``month``, ``pv``, ``ev``, ``ac`` (cumulative
    money at month end); ``ev``/``ac`` are NaN after the status month.
    """
    curves = project_curves(data)
    m = len(curves.months)
    after = np.arange(m) > curves.status_index
    return pd.DataFrame(
        {
            col.PROJECT: data.info.project_id,
            col.PROGRAMME: data.info.programme,
            col.MONTH: curves.months,
            g.PV: curves.pv[0],
            g.EV: np.where(after, np.nan, curves.ev[0]),
            g.AC: np.where(after, np.nan, curves.ac[0]),
        }
    )


def portfolio_curves(frame: pd.DataFrame, status_month: Any, by: Sequence[str]) -> Curves:
    """Align per-project cumulative curves on one calendar axis and sum them per ``by``.

    ``frame``: long frame with ``project``, ``programme``, ``month``, ``pv``, ``ev``,
    ``ac`` (cumulative). Before a project's first month its values are 0; after its last
    month PV stays at BAC and EV/AC stay at their last known value (missing EV/AC, e.g.
    after the project's own status month, are carried forward). ``by``: roll-up key
    columns, e.g. ``("project",)``, ``("programme",)`` or ``()`` for the portfolio total.
    """
    return _rollup_curves(_align_projects(frame, status_month), by)


@dataclass(frozen=True)
class _Aligned:
    keys: pd.DataFrame
    axis: pd.DatetimeIndex
    arrays: list[FloatArray]
    status: int


def _align_projects(frame: pd.DataFrame, status_month: Any) -> _Aligned:
    """Per-project (n_projects, n_months) PV/EV/AC on a common axis, vectorised."""
    months = _month_start(frame[col.MONTH])
    status = pd.Timestamp(status_month).to_period("M").to_timestamp()
    axis = month_axis(min(months.min(), status), max(months.max(), status))
    codes, projects = pd.factorize(frame[col.PROJECT])
    position = axis.get_indexer(pd.DatetimeIndex(months))
    first = np.full(len(projects), len(axis), dtype=np.int64)
    np.minimum.at(first, codes, position)
    started = np.arange(len(axis))[None, :] >= first[:, None]
    arrays = []
    for key in (g.PV, g.EV, g.AC):
        grid_ = np.full((len(projects), len(axis)), np.nan)
        grid_[codes, position] = pd.to_numeric(frame[key], errors="coerce").to_numpy(float)
        filled = pd.DataFrame(grid_).ffill(axis=1).to_numpy()
        arrays.append(np.where(started, np.nan_to_num(filled, nan=0.0), 0.0))
    keys = frame.iloc[np.unique(codes, return_index=True)[1]][[col.PROJECT, col.PROGRAMME]]
    return _Aligned(keys.reset_index(drop=True), axis, arrays, _index_of(axis, status))


def _rollup_curves(aligned: _Aligned, by: Sequence[str]) -> Curves:
    keys, (pv, ev, ac), _ = _rollup(aligned.keys, aligned.arrays, by)
    return Curves(keys, aligned.axis, pv, ev, ac, aligned.status)


@dataclass(frozen=True)
class PortfolioEvm:
    """Portfolio results: status tables per project, per programme and in total, plus the
    portfolio total's monthly series (see :class:`EvmSeries`)."""

    projects: EvmSeries
    programmes: EvmSeries
    total: EvmSeries
    total_series: EvmSeries


def portfolio_evm(frame: pd.DataFrame, status_month: Any, *, eac_method: str = "cpi") -> PortfolioEvm:
    """Status-date EVM + earned schedule per project, per programme and for the portfolio.

    Roll-ups sum the aligned cumulative curves (see :func:`portfolio_curves`) before any
    index is computed; ES of a roll-up is recomputed from its summed PV curve.
    """

    aligned = _align_projects(frame, status_month)

    def run(by: Sequence[str], only_status: bool = True) -> EvmSeries:
        curves = _rollup_curves(aligned, by)
        return evm_series(curves, eac_method=eac_method, only_status=only_status)

    total = run((), only_status=False)
    return PortfolioEvm(
        run((col.PROJECT, col.PROGRAMME)),
        run((col.PROGRAMME,)),
        total.at_status(),
        total,
    )
