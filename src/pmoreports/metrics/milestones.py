"""Milestones: slippage in days, status and the next milestones.

Conventions:

- The reporting date ("as of") is the **last day of the status month** (the status
  date names the month being reported).
- **Effective date** = actual date if given, else forecast date, else the baseline date
  (a milestone without a forecast is taken to be on plan); a milestone that is not
  done cannot finish before the as-of date, so its effective date is at least the
  as-of date (a stale forecast in the past counts as "today").
- **Slippage** (days) = effective date - baseline date; positive = late. Undefined
  (reason ``no_baseline``) without a baseline date.
- **Status**, first rule that applies:

  1. ``done``: it has an actual date;
  2. ``late``: not done and its baseline date is on or before the as-of date;
  3. ``at risk``: not done, baseline still ahead, and forecast later than baseline;
  4. ``on track``: everything else (baseline ahead, forecast on or before baseline or
     not given).

  A milestone without a baseline date is ``late`` if its forecast date has passed,
  else ``on track``.
- **Next milestones**: not done, effective date after the as-of date, soonest first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import numpy as np
import pandas as pd

from ..workbook import columns as col
from . import glossary as g

__all__ = [
    "AT_RISK",
    "DONE",
    "EFFECTIVE_DATE",
    "LATE",
    "MILESTONE_STATUS",
    "ON_TRACK",
    "REASON",
    "as_of_date",
    "milestone_status",
    "next_milestones",
]

DONE: Final = "done"
LATE: Final = "late"
AT_RISK: Final = "at risk"
ON_TRACK: Final = "on track"

EFFECTIVE_DATE: Final = "effective_date"
MILESTONE_STATUS: Final = "milestone_status"
REASON: Final = "reason"


def as_of_date(status_date: Any) -> dt.date:
    """Last day of the status month."""
    period = pd.Timestamp(status_date).to_period("M")
    return period.to_timestamp(how="end").date()


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.normalize()


def milestone_status(milestones: pd.DataFrame, status_date: Any) -> pd.DataFrame:
    """The milestones frame plus ``effective_date``, ``slippage_days`` (days, float; NaN
    when undefined), ``milestone_status`` and ``reason`` (rules in the module doc)."""
    out = milestones.copy()
    base = _dates(milestones[col.BASELINE_DATE])
    fcst = _dates(milestones[col.FORECAST_DATE])
    actual = _dates(milestones[col.ACTUAL_DATE])
    for name, values in ((col.BASELINE_DATE, base), (col.FORECAST_DATE, fcst)):
        out[name] = values
    out[col.ACTUAL_DATE] = actual
    as_of = pd.Timestamp(as_of_date(status_date))
    planned = fcst.fillna(base)
    pending = planned.where(planned.isna() | (planned > as_of), as_of)
    effective = actual.fillna(pending)
    out[EFFECTIVE_DATE] = effective
    out[g.SLIPPAGE_DAYS] = (effective - base).dt.days.astype(float)
    done = actual.notna().to_numpy()
    passed = (base <= as_of).fillna(False).to_numpy(dtype=bool)
    no_base = base.isna().to_numpy()
    fcst_passed = (fcst <= as_of).fillna(False).to_numpy(dtype=bool)
    later = (fcst > base).fillna(False).to_numpy(dtype=bool)
    status = np.select(
        [done, passed | (no_base & fcst_passed), later],
        [DONE, LATE, AT_RISK],
        default=ON_TRACK,
    )
    out[MILESTONE_STATUS] = status
    out[REASON] = pd.Series([g.NO_BASELINE if missing else None for missing in no_base], index=out.index, dtype=object)
    return out


def next_milestones(table: pd.DataFrame, status_date: Any, n: int = 5) -> pd.DataFrame:
    """The ``n`` not-done milestones due after the as-of date, soonest effective date first.

    ``table`` is the output of :func:`milestone_status`.
    """
    as_of = pd.Timestamp(as_of_date(status_date))
    upcoming = table[(table[MILESTONE_STATUS] != DONE) & (table[EFFECTIVE_DATE] > as_of)]
    return upcoming.sort_values(EFFECTIVE_DATE, kind="stable").head(n).reset_index(drop=True)
