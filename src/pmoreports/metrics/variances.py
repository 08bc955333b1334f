"""Variance analysis: which cost and schedule variances break their thresholds, and their explanations.

Following EIA-748 practice (guideline 27: variance analysis against thresholds), five
variances are measured at the status month for the project, every WBS element and every
cost category (each a roll-up of its own PV, EV and AC; see :mod:`pmoreports.metrics.evm`):

==============  =========================  =========================  ================
measure         amount                     percentage                 variance type
==============  =========================  =========================  ================
``cv_month``    CV in the month = EV - AC  CV / EV, of the month      cost
``cv``          CV cumulative              CV% = CV / EV              cost
``sv_month``    SV in the month = EV - PV  SV / PV, of the month      schedule
``sv``          SV cumulative              SV% = SV / PV              schedule
``vac``         VAC = BAC - EAC            VAC% = VAC / BAC           at completion
==============  =========================  =========================  ================

A positive amount is **favourable** (under cost, ahead of plan, forecast underrun), a
negative one **unfavourable**, zero is on plan. Each measure has separate limits for
unfavourable and favourable variances (a large underrun is as suspicious as an
overrun), each an amount (money, project currency) and a percentage (a fraction,
0.10 = 10 %). A variance **breaches** when its magnitude is strictly over both limits of
its side; a limit left empty (``None``) is not checked, and with both empty nothing
breaches. An undefined value never breaches: when the decision needs a value that is
undefined (the percentage with EV = 0, VAC without an EAC), the record's status is
``undefined`` with the reason. At completion is a cost variance only: a schedule
variance in money is zero at completion by construction (the forecast finish is in the
schedule RAG).

Explanations come from the workbook's Variances sheet: a row explains the variances of
its element (a WBS element, a cost category, or the project) and type (cost: both cost
measures; schedule: both schedule measures; at completion: VAC). A row whose cause is
blank explains nothing (a pre-filled row still to be filled in).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import ParamsError, shown
from ..workbook import columns as col
from ..workbook.model import VARIANCE_COLUMNS, ProjectData
from ..workbook.schema import PROJECT_ELEMENT, VARIANCE_STATUSES, VARIANCE_TYPES
from . import glossary as g
from ._arrays import ObjArray, pick
from .evm import EvmSeries

if TYPE_CHECKING:
    from .project import ProjectMetrics

__all__ = [
    "BREACH",
    "FAVOURABLE",
    "LEVELS",
    "MEASURES",
    "NONE",
    "UNDEFINED",
    "UNFAVOURABLE",
    "VARIANCE_RECORD_COLUMNS",
    "WITHIN",
    "Measure",
    "VarianceLimits",
    "VarianceThresholds",
    "assess",
    "explanation_for",
    "unexplained_breaches",
    "variance_table",
]

BREACH: Final = "breach"
WITHIN: Final = "within"
UNDEFINED: Final = "undefined"
FAVOURABLE: Final = "favourable"
UNFAVOURABLE: Final = "unfavourable"
NONE: Final = "none"
"""Direction of a zero variance (on plan)."""

COST, SCHEDULE, AT_COMPLETION = VARIANCE_TYPES
LEVELS: Final = ("project", col.WBS, col.CATEGORY)
"""Element levels of the variance records, in report order."""


@dataclass(frozen=True)
class Measure:
    """One measured variance: its key, variance type, period and glossary keys."""

    key: str
    variance_type: str
    period: str
    amount: str
    percent: str


MEASURES: Final = (
    Measure(g.CV_MONTH, COST, "current", g.CV_MONTH, g.CV_MONTH_PCT),
    Measure(g.CV, COST, "cumulative", g.CV, g.CV_PCT),
    Measure(g.SV_MONTH, SCHEDULE, "current", g.SV_MONTH, g.SV_MONTH_PCT),
    Measure(g.SV, SCHEDULE, "cumulative", g.SV, g.SV_PCT),
    Measure(g.VAC, AT_COMPLETION, "at completion", g.VAC, g.VAC_PCT),
)
"""The variances evaluated, in report order."""

VARIANCE_RECORD_COLUMNS: Final = (
    "level",
    "element",
    "measure",
    "variance_type",
    "period",
    "value",
    "value_reason",
    "percent",
    "percent_reason",
    "direction",
    "limit_amount",
    "limit_percent",
    "status",
    "reason",
    "explained",
    "explanation",
)
"""Columns of :func:`variance_table`."""


# --------------------------------------------------------------------------- thresholds
@dataclass(frozen=True)
class VarianceLimits:
    """Limits of one measure: amounts in money (project currency), percentages as fractions
    (0.10 = 10 %); ``None`` = not checked."""

    unfavourable_amount: float | None = None
    unfavourable_percent: float | None = None
    favourable_amount: float | None = None
    favourable_percent: float | None = None

    def side(self, favourable: bool) -> tuple[float | None, float | None]:
        """``(amount, percent)`` limits of one side."""
        if favourable:
            return self.favourable_amount, self.favourable_percent
        return self.unfavourable_amount, self.unfavourable_percent

    def to_dict(self) -> dict[str, dict[str, float | None]]:
        """Params form: ``{"unfavourable": {"amount": .., "percent": ..}, "favourable": {...}}``."""
        return {
            UNFAVOURABLE: {"amount": self.unfavourable_amount, "percent": self.unfavourable_percent},
            FAVOURABLE: {"amount": self.favourable_amount, "percent": self.favourable_percent},
        }


def _limits(ua: float, up: float, fa: float, fp: float) -> VarianceLimits:
    return VarianceLimits(ua, up, fa, fp)


@dataclass(frozen=True)
class VarianceThresholds:
    """Variance thresholds of a project (params ``variance``) and the forecast-realism settings.

    Defaults: current month CV and SV: unfavourable 10,000 and 10 %, favourable 20,000 and
    20 %; cumulative CV and SV: unfavourable 25,000 and 5 %, favourable 50,000 and 10 %;
    VAC: unfavourable 50,000 and 5 %, favourable 100,000 and 10 % (amounts in the project's
    currency: set them per project for a currency such as JPY). ``tcpi_band``: a TCPI that
    exceeds CPI by more than this is flagged (0.10, the DAU Gold Card's rule of thumb);
    ``reliable_from`` / ``reliable_to``: the percent complete between which the
    realism tests are most reliable (15 % and 85 %).
    """

    cost_current: VarianceLimits = field(default_factory=lambda: _limits(10_000, 0.10, 20_000, 0.20))
    cost_cumulative: VarianceLimits = field(default_factory=lambda: _limits(25_000, 0.05, 50_000, 0.10))
    cost_at_completion: VarianceLimits = field(default_factory=lambda: _limits(50_000, 0.05, 100_000, 0.10))
    schedule_current: VarianceLimits = field(default_factory=lambda: _limits(10_000, 0.10, 20_000, 0.20))
    schedule_cumulative: VarianceLimits = field(default_factory=lambda: _limits(25_000, 0.05, 50_000, 0.10))
    tcpi_band: float = 0.10
    reliable_from: float = 0.15
    reliable_to: float = 0.85

    def limits(self, measure: str) -> VarianceLimits:
        """The limits of a measure key (``cv_month``, ``cv``, ``sv_month``, ``sv``, ``vac``)."""
        name = _MEASURE_FIELD[measure]
        limits: VarianceLimits = getattr(self, name)
        return limits

    def to_dict(self) -> dict[str, Any]:
        """Params form (the ``variance`` section of a parameter file)."""
        return {
            COST: {
                "current": self.cost_current.to_dict(),
                "cumulative": self.cost_cumulative.to_dict(),
                "at_completion": self.cost_at_completion.to_dict(),
            },
            SCHEDULE: {"current": self.schedule_current.to_dict(), "cumulative": self.schedule_cumulative.to_dict()},
            "tcpi_band": self.tcpi_band,
            "reliable_from": self.reliable_from,
            "reliable_to": self.reliable_to,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None, where: str = "variance") -> VarianceThresholds:
        """Build from the params form; keys left out keep their defaults. Every unknown key
        and bad value is reported at once in one :class:`~pmoreports.errors.ParamsError`
        naming the key (prefixed by ``where``)."""
        if values is None:
            return cls()
        problems: list[str] = []
        merged = _merge_known(cls().to_dict(), values, where, problems)
        built: dict[str, Any] = {}
        for name, (group, period) in _LIMIT_FIELDS.items():
            sides = merged[group][period]
            built[name] = VarianceLimits(
                *(
                    _limit(f"{where}.{group}.{period}.{side}.{kind}", sides[side][kind], problems)
                    for side in (UNFAVOURABLE, FAVOURABLE)
                    for kind in ("amount", "percent")
                )
            )
        for key in ("tcpi_band", "reliable_from", "reliable_to"):
            value = _limit(f"{where}.{key}", merged[key], problems, allow_none=False)
            built[key] = cls.__dataclass_fields__[key].default if value is None else value
        if not problems and not 0 <= built["reliable_from"] < built["reliable_to"] <= 1:
            problems.append(
                f"{where}.reliable_from / reliable_to: {built['reliable_from']} and {built['reliable_to']}; "
                "expected fractions with 0 <= reliable_from < reliable_to <= 1"
            )
        if problems:
            raise ParamsError("\n".join(problems))
        return cls(**built)


_LIMIT_FIELDS: Final = {
    "cost_current": (COST, "current"),
    "cost_cumulative": (COST, "cumulative"),
    "cost_at_completion": (COST, "at_completion"),
    "schedule_current": (SCHEDULE, "current"),
    "schedule_cumulative": (SCHEDULE, "cumulative"),
}
_MEASURE_FIELD: Final = {
    g.CV_MONTH: "cost_current",
    g.CV: "cost_cumulative",
    g.VAC: "cost_at_completion",
    g.SV_MONTH: "schedule_current",
    g.SV: "schedule_cumulative",
}
assert {f.name for f in fields(VarianceThresholds)} >= set(_LIMIT_FIELDS)


def _merge_known(defaults: dict[str, Any], values: Any, where: str, problems: list[str]) -> dict[str, Any]:
    """``values`` merged over ``defaults``; unknown keys and non-mappings go to ``problems``."""
    if not isinstance(values, Mapping):
        problems.append(f"{where}: expected a mapping, got {shown(values)}")
        return defaults
    out = dict(defaults)
    for key, value in values.items():
        name = f"{where}.{key}" if isinstance(key, str) and len(key) <= 80 else f"{where}.{shown(key)}"
        if key not in defaults:
            problems.append(f"{name}: unknown key; expected one of {sorted(defaults)}")
        elif isinstance(defaults[key], dict):
            out[key] = _merge_known(defaults[key], value, name, problems)
        else:
            out[key] = value
    return out


def _limit(where: str, value: Any, problems: list[str], *, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        expected = "a number >= 0 or null (no limit)" if allow_none else "a number >= 0"
        problems.append(f"{where}: {shown(value)}; expected {expected}")
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or number < 0:
        problems.append(f"{where}: {shown(value)}; expected a finite number >= 0")
        return None
    return number


# --------------------------------------------------------------------------- assessment
FloatArray = npt.NDArray[np.float64]


def assess(
    value: npt.ArrayLike, percent: npt.ArrayLike, limits: VarianceLimits
) -> tuple[ObjArray, ObjArray, FloatArray, FloatArray]:
    """Direction, status and the limits applied for each (amount, percentage) pair.

    ``value``: amounts (NaN = undefined); ``percent``: fractions (NaN = undefined).
    Returns ``(direction, status, limit_amount, limit_percent)``: direction ``favourable``
    (value > 0), ``unfavourable`` (< 0), ``none`` (0) or ``None`` (undefined value);
    status ``breach`` (|value| > amount limit and |percent| > percent limit, an empty
    limit not checked, both empty never), ``within`` or ``undefined`` (the decision needs
    a value that is undefined); the limits of the side the value falls on (NaN = none).
    """
    v = np.atleast_1d(np.asarray(value, dtype=np.float64))
    p = np.broadcast_to(np.asarray(percent, dtype=np.float64), v.shape)
    fav = v > 0
    ua, up = limits.side(False)
    fa, fp = limits.side(True)
    nan = math.nan
    a_lim = np.where(fav, nan if fa is None else fa, nan if ua is None else ua)
    p_lim = np.where(fav, nan if fp is None else fp, nan if up is None else up)
    no_limit = np.isnan(a_lim) & np.isnan(p_lim)
    amount_over = np.isnan(a_lim) | (np.abs(v) > a_lim)
    percent_over = np.isnan(p_lim) | (np.abs(p) > p_lim)
    value_known = np.isfinite(v)
    percent_needed = ~np.isnan(p_lim) & amount_over & (v != 0)
    undefined = ~value_known | (percent_needed & ~np.isfinite(p) & ~no_limit)
    breach = value_known & ~undefined & ~no_limit & (v != 0) & amount_over & percent_over
    status = pick(undefined, UNDEFINED, pick(breach, BREACH, WITHIN))
    direction = pick(~value_known, None, pick(fav, FAVOURABLE, pick(v < 0, UNFAVOURABLE, NONE)))
    return direction, status, a_lim, p_lim


# --------------------------------------------------------------------------- records
def _explanations(variances: pd.DataFrame, project_id: str) -> dict[tuple[str, str], Mapping[Any, Any]]:
    """Explanation rows by ``(element, variance type)``, element folded for matching
    (``Project`` and the project ID both mean the project)."""
    out: dict[tuple[str, str], Mapping[Any, Any]] = {}
    if variances is None or variances.empty:
        return out
    for record in variances.to_dict("records"):
        element = _fold(str(record.get(col.ELEMENT, "")))
        if element == _fold(project_id):
            element = _fold(PROJECT_ELEMENT)
        out.setdefault((element, str(record.get(col.VARIANCE_TYPE, ""))), record)
    return out


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def explanation_for(
    explanations: Mapping[tuple[str, str], Mapping[Any, Any]], element: str, variance_type: str
) -> dict[str, Any] | None:
    """The explanation row of an element (``"Project"`` for the project) and variance type,
    as a JSON-ready dict of the Variances sheet's fields, or ``None``."""
    row = explanations.get((_fold(element), variance_type))
    if row is None:
        return None
    out: dict[str, Any] = {}
    for key in VARIANCE_COLUMNS:
        value = row.get(key)
        if key == col.DUE_DATE:
            out[key] = None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()
        else:
            out[key] = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return out


def _month_pct(numerator: FloatArray, denominator: FloatArray, reason: str) -> tuple[FloatArray, ObjArray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(denominator > 0, numerator / denominator, np.nan)
    why = pick(np.isfinite(numerator) & ~(denominator > 0), reason, None)
    return pct, why


def _level_records(level: str, table: EvmSeries, key: str | None, thresholds: VarianceThresholds) -> list[pd.DataFrame]:
    v, r = table.values, table.reasons
    n = len(v)
    if not n:
        return []
    elements = np.full(n, PROJECT_ELEMENT, dtype=object) if key is None else v[key].astype(str).to_numpy(dtype=object)
    ev_m, pv_m, ac_m = (v[k].to_numpy(dtype=float) for k in (g.EV_MONTH, g.PV_MONTH, g.AC_MONTH))
    cv_m, sv_m = ev_m - ac_m, ev_m - pv_m
    cv_mp, cv_mr = _month_pct(cv_m, ev_m, g.EV_MONTH_ZERO)
    sv_mp, sv_mr = _month_pct(sv_m, pv_m, g.PV_MONTH_ZERO)
    columns: dict[str, tuple[FloatArray, ObjArray, FloatArray, ObjArray]] = {
        g.CV_MONTH: (cv_m, np.full(n, None, dtype=object), cv_mp, cv_mr),
        g.SV_MONTH: (sv_m, np.full(n, None, dtype=object), sv_mp, sv_mr),
    }
    for k, pk in ((g.CV, g.CV_PCT), (g.SV, g.SV_PCT), (g.VAC, g.VAC_PCT)):
        columns[k] = (
            v[k].to_numpy(dtype=float),
            r[k].to_numpy(dtype=object),
            v[pk].to_numpy(dtype=float),
            r[pk].to_numpy(dtype=object),
        )
    frames = []
    for m in MEASURES:
        value, value_reason, pct, pct_reason = columns[m.key]
        direction, status, a_lim, p_lim = assess(value, pct, thresholds.limits(m.key))
        reason = pick(status == UNDEFINED, pick(pd.isna(value_reason), pct_reason, value_reason), None)
        frames.append(
            pd.DataFrame(
                {
                    "level": level,
                    "element": elements,
                    "measure": m.key,
                    "variance_type": m.variance_type,
                    "period": m.period,
                    "value": value,
                    "value_reason": pick(np.isfinite(value), None, value_reason),
                    "percent": pct,
                    "percent_reason": pick(np.isfinite(pct), None, pct_reason),
                    "direction": direction,
                    "limit_amount": a_lim,
                    "limit_percent": p_lim,
                    "status": status,
                    "reason": reason,
                }
            )
        )
    return frames


def variance_table(
    project: EvmSeries,
    by_wbs: EvmSeries,
    by_category: EvmSeries,
    thresholds: VarianceThresholds,
    data: ProjectData,
) -> pd.DataFrame:
    """One record per element (the project, each WBS element, each cost category) and
    measure (:data:`MEASURES`), at the status month; columns :data:`VARIANCE_RECORD_COLUMNS`.

    The series are status-date tables (``EvmSeries.at_status()``). ``explanation`` is the
    Variances sheet row of the element and type (a dict, or ``None``); ``explained`` is
    true when that row gives a cause.
    """
    frames = _level_records("project", project, None, thresholds)
    frames += _level_records(col.WBS, by_wbs, col.WBS, thresholds)
    frames += _level_records(col.CATEGORY, by_category, col.CATEGORY, thresholds)
    if not frames:
        return pd.DataFrame(columns=list(VARIANCE_RECORD_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    order = {name: i for i, name in enumerate(LEVELS)}
    table = table.iloc[np.lexsort((table.index.to_numpy(), table["level"].map(order).to_numpy()))]
    table = table.reset_index(drop=True)
    explanations = _explanations(data.variances, data.info.project_id)
    found = [explanation_for(explanations, e, t) for e, t in zip(table["element"], table["variance_type"], strict=True)]
    table["explanation"] = pd.Series(found, dtype=object, index=table.index)
    table["explained"] = [bool(x and x[col.CAUSE].strip()) for x in found]
    return table[list(VARIANCE_RECORD_COLUMNS)]


def unexplained_breaches(metrics: ProjectMetrics | pd.DataFrame) -> pd.DataFrame:
    """One Variances-sheet row per (element, variance type) with a threshold breach and no
    explanation (no row, or a row with a blank cause), in the sheet's columns
    (:data:`~pmoreports.workbook.model.VARIANCE_COLUMNS`): element and type filled,
    status ``open``, the rest blank for the project manager. For the next month's
    workbook: ``TemplateSpec(variances=tuple(frame.to_dict("records")))``.

    ``metrics``: a :class:`~pmoreports.metrics.project.ProjectMetrics` or its ``variances`` table.
    """
    table = metrics if isinstance(metrics, pd.DataFrame) else metrics.variances
    todo = table[(table["status"] == BREACH) & ~table["explained"].astype(bool)]
    rows = todo[["element", "variance_type"]].drop_duplicates()
    out = pd.DataFrame({c: pd.Series([""] * len(rows), dtype=object) for c in VARIANCE_COLUMNS})
    out[col.ELEMENT] = rows["element"].to_numpy(dtype=object)
    out[col.VARIANCE_TYPE] = rows["variance_type"].to_numpy(dtype=object)
    out[col.DUE_DATE] = pd.Series([pd.NaT] * len(rows), dtype="datetime64[ns]")
    out[col.STATUS] = VARIANCE_STATUSES[0]
    return out.reset_index(drop=True)
