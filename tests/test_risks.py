"""Risk exposure: probability mapping, expected value, 5x5 matrix, top risks."""

from __future__ import annotations

import pandas as pd
import pytest
from metrics_data import RISK_COLUMNS

from pmoreports.metrics import glossary as g
from pmoreports.metrics.risks import (
    IMPACT_BAND,
    PROBABILITY_BAND,
    PROBABILITY_FRACTION,
    REASON,
    probability_fraction,
    risk_exposure,
    risk_matrix,
    risk_register,
    top_risks,
)
from pmoreports.workbook import columns as col


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (1, 0.1), (2, 0.3), (3, 0.5), (4, 0.7), (5, 0.9),  # 1-5 score
        (1.0, 0.1), (5.0, 0.9),  # Excel stores every number as a float
        (0.25, 0.25), (0.9, 0.9), (0, 0.0),  # fractions
        (30, 0.30), (100, 1.0), (5.5, 0.055), (75, 0.75),  # percent
        ("30%", 0.30), ("5%", 0.05), (" 2 ", 0.3), ("0.4", 0.4),  # text
    ],
)  # fmt: skip
def test_probability_mapping(given: object, expected: float) -> None:
    value, reason = probability_fraction(given)
    assert value == pytest.approx(expected)
    assert reason is None


@pytest.mark.parametrize("given", [2.5, 1.5, -0.1, 101, "high", None, "150%", True, float("nan")])
def test_unrecognised_probability(given: object) -> None:
    assert probability_fraction(given) == (None, g.PROBABILITY_UNRECOGNISED)


def register(rows: list[list[object]], bac: float = 100_000) -> pd.DataFrame:
    return risk_register(pd.DataFrame(rows, columns=RISK_COLUMNS), bac)


def risk(rid: str, probability: object, impact: float, status: str = "open") -> list[object]:
    return [rid, f"risk {rid}", "Cat", probability, impact, 0, "Owner", "", status]


def test_expected_value_published_examples() -> None:
    """Expected (monetary) value = probability x impact. Published examples (threats; the
    sign is ours: a positive cost impact gives a positive expected cost):
    - 75 % x $50,000 = $37,500 (govloop.com, "Free PMP Exam Sample Question 5");
    - 50 % x $50,000 = $25,000 (govloop.com, "Free PMP Exam Sample Question", PMBOK4
      p. 298);
    - 30 % x $50,000 = $15,000 and 25 % x $80,000 = $20,000 (hksmnow.com, "Expected
      Monetary Value");
    - 20 % x $10,000 = $2,000 (Schwalbe-style risk table, gristprojectmanagement.us).
    """
    reg = register(
        [risk("A", 75, 50_000), risk("B", "50%", 50_000), risk("C", 0.30, 50_000),
         risk("D", 0.25, 80_000), risk("E", 0.2, 10_000)]
    )  # fmt: skip
    assert list(reg[g.EXPECTED_VALUE]) == pytest.approx([37_500, 25_000, 15_000, 20_000, 2_000])


def test_scale_scores_use_documented_mapping() -> None:
    reg = register([risk("A", 4, 10_000)])
    assert reg[PROBABILITY_FRACTION].iloc[0] == 0.7
    assert reg[g.EXPECTED_VALUE].iloc[0] == pytest.approx(7_000)


def test_unrecognised_probability_has_no_expected_value() -> None:
    reg = register([risk("A", 2.5, 10_000)])
    assert pd.isna(reg[g.EXPECTED_VALUE].iloc[0])
    assert reg[REASON].iloc[0] == g.PROBABILITY_UNRECOGNISED
    assert pd.isna(reg[PROBABILITY_BAND].iloc[0])


def test_exposure_against_contingency() -> None:
    """Open: 0.5 x 4,000 = 2,000 and 0.3 x 10,000 = 3,000 -> exposure 5,000. The closed
    and realised risks do not count. Contingency left 4,000 -> shortfall -1,000,
    coverage 4,000 / 5,000 = 0.8."""
    reg = register(
        [risk("A", 3, 4_000), risk("B", 2, 10_000), risk("C", 5, 99_000, "closed"),
         risk("D", 5, 50_000, "Realised")]
    )  # fmt: skip
    m = risk_exposure(reg, 4_000)
    assert m[g.OPEN_RISKS].value == 2
    assert m[g.OPEN_EXPOSURE].value == pytest.approx(5_000)
    assert m[g.CONTINGENCY_MINUS_EXPOSURE].value == pytest.approx(-1_000)
    assert m[g.EXPOSURE_COVERAGE].value == pytest.approx(0.8)
    assert reg[col.STATUS].tolist() == ["open", "open", "closed", "realised"]


def test_exposure_coverage_undefined_without_open_risks() -> None:
    m = risk_exposure(register([risk("A", 3, 4_000, "closed")]), 4_000)
    assert m[g.OPEN_EXPOSURE].value == 0
    assert m[g.EXPOSURE_COVERAGE].value is None
    assert m[g.EXPOSURE_COVERAGE].reason == g.NO_OPEN_EXPOSURE


def test_bands_and_matrix() -> None:
    """BAC 100,000. Impact bands (share of BAC): 500 = 0.5 % -> 1; 1,000 = 1 % -> 2;
    7,000 = 7 % -> 3; 10,000 = 10 % -> 4; 20,000 = 20 % -> 5.
    Probability bands: 0.1 -> 1, 0.3 -> 2, 0.5 -> 3, 0.7 -> 4, 0.9 -> 5, 0.2 -> 2."""
    reg = register(
        [risk("A", 1, 500), risk("B", 2, 1_000), risk("C", 3, 7_000), risk("D", 4, 10_000),
         risk("E", 5, 20_000), risk("F", 0.2, 20_000), risk("G", 5, 20_000, "closed")]
    )  # fmt: skip
    assert reg[IMPACT_BAND].tolist() == [1, 2, 3, 4, 5, 5, 5]
    assert reg[PROBABILITY_BAND].tolist() == [1, 2, 3, 4, 5, 2, 5]
    matrix = risk_matrix(reg)
    assert matrix.shape == (5, 5)
    assert list(matrix.index) == [5, 4, 3, 2, 1]
    assert list(matrix.columns) == [1, 2, 3, 4, 5]
    assert matrix.loc[5, 5] == 1  # E (G is closed)
    assert matrix.loc[2, 5] == 1  # F
    assert matrix.loc[1, 1] == 1 and matrix.loc[2, 2] == 1
    assert int(matrix.to_numpy().sum()) == 6


def test_no_budget_means_no_impact_band() -> None:
    reg = register([risk("A", 3, 1_000)], bac=0)
    assert pd.isna(reg[IMPACT_BAND].iloc[0])
    assert reg[REASON].iloc[0] == g.BAC_ZERO
    assert int(risk_matrix(reg).to_numpy().sum()) == 0


def test_top_risks_by_expected_value() -> None:
    reg = register(
        [risk("A", 1, 10_000), risk("B", 5, 10_000), risk("C", 3, 18_000),
         risk("D", 5, 99_000, "closed"), risk("E", 3, 18_000)]
    )  # fmt: skip
    top = top_risks(reg, n=3)
    assert top[col.RISK_ID].tolist() == ["B", "C", "E"]  # 9,000; 9,000 (ties by id)
    assert top[g.EXPECTED_VALUE].tolist() == pytest.approx([9_000, 9_000, 9_000])
