"""Risk exposure: expected value per risk, exposure vs contingency, heat map, top risks.

**Probability** (column ``probability``) is read as follows, in this order:

1. a string ending in ``%`` is a percentage (``"30%"`` = 0.30, ``"5%"`` = 0.05);
2. a whole number 1, 2, 3, 4 or 5 is a **1-5 score** mapped to 1 = 10 %, 2 = 30 %,
   3 = 50 %, 4 = 70 %, 5 = 90 % (so ``1`` means score 1, *not* 100 %; write 100 for
   certainty);
3. 0 and other numbers in (0, 1) are **fractions** (0.25 = 25 %);
4. numbers above 5 up to 100 are **percentages** (30 = 30 %);
5. anything else (negative, above 100, non-whole numbers between 1 and 5, text) is
   not recognised: probability and expected value are undefined with reason
   ``probability_unrecognised``.

**Expected value** = probability (fraction) x cost impact (money). Cost impacts are
entered as positive costs, so the expected value is the expected *extra cost* (positive);
PMBOK's EMV writes threats as negative amounts - same magnitude, opposite sign.
**Open exposure** = sum of the expected values of risks with status ``open``, compared
with the contingency left (after approved changes and realised risks).

**5 x 5 matrix** (open risks only): probability band from the fraction with bounds
0.2 / 0.4 / 0.6 / 0.8 (band 1 = below 20 %, band 5 = 80 % or more; the 1-5 scores
land in their own band); impact band from cost impact / BAC with bounds 1 % / 5 % /
10 % / 20 % (band 1 = below 1 % of BAC: very low, 2 = 1-5 %: low, 3 = 5-10 %: medium,
4 = 10-20 %: high, 5 = 20 % or more: very high). Without a budget (BAC = 0) or a
recognised probability a risk has no band and is left out of the matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..workbook import columns as col
from . import glossary as g
from .evm import Metric, finite_float

__all__ = [
    "CLOSED",
    "IMPACT_BAND",
    "IMPACT_BOUNDS",
    "OPEN",
    "PROBABILITY_BAND",
    "PROBABILITY_BOUNDS",
    "PROBABILITY_FRACTION",
    "REALISED",
    "REASON",
    "SCALE",
    "probability_fraction",
    "risk_exposure",
    "risk_matrix",
    "risk_register",
    "top_risks",
]

OPEN: Final = "open"
CLOSED: Final = "closed"
REALISED: Final = "realised"

SCALE: Final[dict[int, float]] = {1: 0.1, 2: 0.3, 3: 0.5, 4: 0.7, 5: 0.9}
"""1-5 probability score -> probability as a fraction."""
PROBABILITY_BOUNDS: Final = (0.2, 0.4, 0.6, 0.8)
"""Lower bounds of probability bands 2..5 (fractions)."""
IMPACT_BOUNDS: Final = (0.01, 0.05, 0.10, 0.20)
"""Lower bounds of impact bands 2..5, as fractions of BAC."""

PROBABILITY_FRACTION: Final = "probability_fraction"
PROBABILITY_BAND: Final = "probability_band"
IMPACT_BAND: Final = "impact_band"
REASON: Final = "reason"


def probability_fraction(value: Any) -> tuple[float | None, str | None]:
    """Probability as a fraction 0-1, or ``(None, reason)`` (rules in the module doc)."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            number = _number(text[:-1])
            ok = number is not None and 0 <= number <= 100
            return (number / 100, None) if ok and number is not None else _unrecognised()
        value = text
    number = _number(value)
    if number is None or number < 0 or number > 100:
        return _unrecognised()
    if number.is_integer() and 1 <= number <= 5:
        return SCALE[int(number)], None
    if number < 1:
        return number, None
    if number > 5:
        return number / 100, None
    return _unrecognised()


def _unrecognised() -> tuple[None, str]:
    return None, g.PROBABILITY_UNRECOGNISED


def _number(value: Any) -> float | None:
    return None if isinstance(value, bool) else finite_float(value)


def _band(values: pd.Series, bounds: Sequence[float]) -> pd.Series:
    """1-based band of each value given the lower bounds of bands 2..n (NaN stays NaN)."""
    bands = np.searchsorted(np.asarray(bounds), values.to_numpy(dtype=float), side="right") + 1
    return pd.Series(bands, index=values.index, dtype="Int64").where(values.notna())


def risk_register(risks: pd.DataFrame, bac: float) -> pd.DataFrame:
    """The risks frame plus probability, expected value, bands and reason columns.

    Adds ``probability_fraction`` (0-1), ``expected_value`` (money), ``probability_band``
    and ``impact_band`` (1-5, nullable: missing when undefined) and ``reason`` (why the
    expected value or a band is missing, else ``None``). ``status`` is lower-cased.
    """
    out = risks.copy()
    parsed = [probability_fraction(v) for v in risks[col.PROBABILITY]]
    prob = pd.Series([p for p, _ in parsed], index=risks.index, dtype=float)
    impact = pd.to_numeric(risks[col.COST_IMPACT], errors="coerce").astype(float)
    out[col.STATUS] = risks[col.STATUS].astype("string").str.strip().str.lower()
    out[col.COST_IMPACT] = impact
    out[PROBABILITY_FRACTION] = prob
    out[g.EXPECTED_VALUE] = prob * impact
    out[PROBABILITY_BAND] = _band(prob, PROBABILITY_BOUNDS)
    share = impact / bac if bac > 0 else pd.Series(np.nan, index=risks.index)
    out[IMPACT_BAND] = _band(share, IMPACT_BOUNDS)
    reasons = [r for _, r in parsed]
    if bac <= 0:
        reasons = [r or g.BAC_ZERO for r in reasons]
    out[REASON] = pd.Series(reasons, index=risks.index, dtype=object)
    return out


def _is_open(register: pd.DataFrame) -> npt.NDArray[np.bool_]:
    return (register[col.STATUS] == OPEN).fillna(False).to_numpy(dtype=bool)


def risk_exposure(register: pd.DataFrame, contingency_left: float) -> dict[str, Metric]:
    """Open exposure vs the contingency left (money; coverage as an index).

    Keys: ``open_risks`` (count), ``open_exposure`` (sum of expected values of open
    risks whose probability is recognised), ``contingency_remaining`` (as given),
    ``contingency_minus_exposure`` (negative = not covered) and ``exposure_coverage`` =
    contingency left / open exposure (undefined when there is no open exposure).
    """
    is_open = _is_open(register)
    exposure = float(register.loc[is_open, g.EXPECTED_VALUE].sum(min_count=0))
    coverage = contingency_left / exposure if exposure > 0 else None
    return {
        g.OPEN_RISKS: Metric.of(g.OPEN_RISKS, int(is_open.sum())),
        g.OPEN_EXPOSURE: Metric.of(g.OPEN_EXPOSURE, exposure),
        g.CONTINGENCY_REMAINING: Metric.of(g.CONTINGENCY_REMAINING, contingency_left),
        g.CONTINGENCY_MINUS_EXPOSURE: Metric.of(g.CONTINGENCY_MINUS_EXPOSURE, contingency_left - exposure),
        g.EXPOSURE_COVERAGE: Metric.of(g.EXPOSURE_COVERAGE, coverage, g.NO_OPEN_EXPOSURE),
    }


def risk_matrix(register: pd.DataFrame) -> pd.DataFrame:
    """5 x 5 count of open risks: rows probability band 5..1 (top = most likely),
    columns impact band 1..5 (index/column names ``probability_band``/``impact_band``)."""
    banded = register[_is_open(register)].dropna(subset=[PROBABILITY_BAND, IMPACT_BAND])
    counts = pd.crosstab(banded[PROBABILITY_BAND].astype(int), banded[IMPACT_BAND].astype(int)).reindex(
        index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5], fill_value=0
    )
    counts.index.name, counts.columns.name = PROBABILITY_BAND, IMPACT_BAND
    return counts.astype(int)


def top_risks(register: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` open risks with the largest expected value (ties: by risk id)."""
    open_risks = register[_is_open(register)].dropna(subset=[g.EXPECTED_VALUE])
    ranked = open_risks.sort_values([g.EXPECTED_VALUE, col.RISK_ID], ascending=[False, True], kind="stable")
    return ranked.head(n).reset_index(drop=True)
