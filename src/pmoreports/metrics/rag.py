"""RAG (red / amber / green) status from the status-date metrics.

Dimensions:

- **cost**: CPI;
- **schedule**: SPI(t) (earned schedule), falling back to SPI when SPI(t) is undefined
  (the status then carries a note saying so); SPI(t) is preferred because SPI drifts
  back to 1.00 at the end of a late project;
- **forecast**: VAC% = VAC / BAC (negative = forecast overrun);
- **overall**: the worst of the three (red > amber > green) among those that could be
  assessed; grey only when none could. A grey dimension is named in the overall note.

Default thresholds (a value exactly on a threshold gets the better colour):

=========  ==============  ===============  ========
dimension  green           amber            red
=========  ==============  ===============  ========
cost       CPI >= 0.95     CPI >= 0.90      below
schedule   SPI(t) >= 0.95  SPI(t) >= 0.90   below
forecast   VAC% >= -5 %    VAC% >= -10 %    below
=========  ==============  ===============  ========

VAC% thresholds are fractions (-0.05 = -5 %). An undefined metric gives ``grey``
(shown as "n/a") with the metric's reason, never green. Thresholds can be overridden
per portfolio or project from a params dict (:meth:`RagThresholds.from_dict`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from ..errors import ParamsError, shown
from . import glossary as g
from .evm import Metric

__all__ = [
    "AMBER",
    "COST",
    "FORECAST",
    "GREEN",
    "GREY",
    "OVERALL",
    "RED",
    "SCHEDULE",
    "RagStatus",
    "RagThresholds",
    "rag_status",
]

GREEN: Final = "green"
AMBER: Final = "amber"
RED: Final = "red"
GREY: Final = "grey"
COST: Final = "cost"
SCHEDULE: Final = "schedule"
FORECAST: Final = "forecast"
OVERALL: Final = "overall"

_SEVERITY: Final = {GREEN: 0, AMBER: 1, RED: 2}


@dataclass(frozen=True)
class RagThresholds:
    """Lower bounds for green and amber per dimension (documented defaults).

    ``cost_*`` apply to CPI, ``schedule_*`` to SPI(t) (or SPI), ``forecast_*`` to VAC%
    as a fraction. Each green bound must be >= its amber bound.
    """

    cost_green: float = 0.95
    cost_amber: float = 0.90
    schedule_green: float = 0.95
    schedule_amber: float = 0.90
    forecast_green: float = -0.05
    forecast_amber: float = -0.10

    def __post_init__(self) -> None:
        for dim in (COST, SCHEDULE, FORECAST):
            green, amber = getattr(self, f"{dim}_green"), getattr(self, f"{dim}_amber")
            if green < amber:
                raise ParamsError(f"{dim}_green ({green}) must be >= {dim}_amber ({amber})")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None, where: str = "rag") -> RagThresholds:
        """Build from a params mapping, e.g. ``{"cost_green": 0.97}`` (missing keys keep
        their defaults). Unknown keys, non-numbers and forecast bounds outside -1..1 raise
        :class:`~pmoreports.errors.ParamsError` naming the key (prefixed by ``where``)."""
        if values is None:
            return cls()
        if not isinstance(values, Mapping):
            raise ParamsError(f"{where}: expected a mapping of thresholds, got {shown(values)}")
        known = {f.name for f in fields(cls)}
        clean: dict[str, float] = {}
        for key, value in values.items():
            if key not in known:
                name = key if isinstance(key, str) and len(key) <= 80 else shown(key)
                raise ParamsError(f"{where}.{name}: unknown RAG threshold; expected one of {sorted(known)}")
            clean[key] = _number(f"{where}.{key}", value)
            if key.startswith(FORECAST) and not -1 <= clean[key] <= 1:
                raise ParamsError(
                    f"{where}.{key}: {shown(value)} is not a fraction; give VAC% as a fraction "
                    "between -1 and 1 (-0.05 = -5 %)"
                )
        try:
            return cls(**clean)
        except ParamsError as error:
            raise ParamsError(f"{where}: {error}") from None

    def band(self, dimension: str) -> tuple[float, float]:
        """``(green, amber)`` lower bounds of a dimension."""
        return getattr(self, f"{dimension}_green"), getattr(self, f"{dimension}_amber")


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamsError(f"{where}: expected a number, got {shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise ParamsError(f"{where}: expected a finite number, got {shown(value)}")
    return number


@dataclass(frozen=True)
class RagStatus:
    """One RAG result: ``status`` green/amber/red/grey, the metric used and its value.

    ``reason`` is the metric's reason code when grey; ``note`` is a plain-language remark
    (fallback from SPI(t) to SPI, dimensions left out of the overall status).
    """

    dimension: str
    status: str
    metric: str | None
    value: float | None
    reason: str | None = None
    note: str = ""

    @property
    def label(self) -> str:
        """Display label: the status, or ``n/a`` for grey."""
        return "n/a" if self.status == GREY else self.status

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "dimension": self.dimension,
            "status": self.status,
            "label": self.label,
            "metric": self.metric,
            "value": self.value,
            "reason": self.reason,
            "reason_text": g.reason_text(self.reason),
            "note": self.note,
        }


def _grade(dimension: str, metric: Metric, thresholds: RagThresholds, note: str = "") -> RagStatus:
    if metric.value is None:
        return RagStatus(dimension, GREY, metric.key, None, metric.reason, note)
    green, amber = thresholds.band(dimension)
    status = GREEN if metric.value >= green else AMBER if metric.value >= amber else RED
    return RagStatus(dimension, status, metric.key, metric.value, None, note)


def _schedule(metrics: Mapping[str, Metric], thresholds: RagThresholds) -> RagStatus:
    spi_t = metrics.get(g.SPI_T, Metric.of(g.SPI_T, None))
    if spi_t.defined:
        return _grade(SCHEDULE, spi_t, thresholds)
    spi = metrics.get(g.SPI, Metric.of(g.SPI, None))
    note = f"SPI(t) not available ({g.reason_text(spi_t.reason)}); SPI used instead"
    if not spi.defined:
        note = f"SPI(t) and SPI not available ({g.reason_text(spi_t.reason)})"
        return RagStatus(SCHEDULE, GREY, g.SPI_T, None, spi_t.reason, note)
    return _grade(SCHEDULE, spi, thresholds, note)


def _overall(parts: list[RagStatus]) -> RagStatus:
    rated = [p for p in parts if p.status != GREY]
    grey = [p.dimension for p in parts if p.status == GREY]
    note = f"not assessed: {', '.join(grey)}" if grey else ""
    if not rated:
        return RagStatus(OVERALL, GREY, None, None, None, note)
    worst = max(rated, key=lambda p: _SEVERITY[p.status])
    return RagStatus(OVERALL, worst.status, worst.metric, worst.value, None, note)


def rag_status(
    metrics: Mapping[str, Metric], thresholds: RagThresholds | Mapping[str, Any] | None = None
) -> dict[str, RagStatus]:
    """RAG per dimension (``cost``, ``schedule``, ``forecast``) and ``overall``.

    ``metrics``: status-date metrics keyed by metric key (needs ``cpi``, ``spi_t``,
    ``spi``, ``vac_pct``). ``thresholds``: :class:`RagThresholds`, a params mapping or
    ``None`` for the defaults.
    """
    limits = thresholds if isinstance(thresholds, RagThresholds) else RagThresholds.from_dict(thresholds)
    missing = Metric.of("", None)
    parts = [
        _grade(COST, metrics.get(g.CPI, missing), limits),
        _schedule(metrics, limits),
        _grade(FORECAST, metrics.get(g.VAC_PCT, missing), limits),
    ]
    result = {p.dimension: p for p in parts}
    result[OVERALL] = _overall(parts)
    return result
