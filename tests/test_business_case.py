"""Business case metrics against numpy-financial's and Microsoft's documented examples and
published payback examples."""

from __future__ import annotations

import pandas as pd
import pytest
from metrics_data import fence_project

from pmoreports.metrics import glossary as g
from pmoreports.metrics.business_case import (
    NET,
    business_case,
    excel_npv,
    internal_rate_of_return,
    net_present_value,
    payback_period,
    project_business_case,
    project_costs_by_year,
)
from pmoreports.workbook import columns as col


def benefits(rows: list[tuple[int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[col.PERIOD, col.EXPECTED_BENEFIT, col.OTHER_COSTS])


# --------------------------------------------------------------------------- NPV / IRR
def test_npv_numpy_docstring_example() -> None:
    """numpy.npv docs (NumPy 1.10-1.17, now numpy_financial.npv):
    ``np.npv(0.281, [-100, 39, 59, 55, 20])`` -> -0.0084785916384548798
    (https://numpy.org/doc/1.16/reference/generated/numpy.npv.html)."""
    assert net_present_value(0.281, [-100, 39, 59, 55, 20]) == pytest.approx(-0.0084785916384548798, abs=1e-12)


def test_npv_numpy_financial_docstring_example() -> None:
    """numpy-financial docs (https://numpy.org/numpy-financial/latest/npv.html): initial
    investment 40,000, cash flows 5,000, 8,000, 12,000, 30,000 at 8 % -> 3065.22267."""
    assert round(net_present_value(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000]), 5) == 3065.22267


def test_irr_numpy_financial_docstring_examples() -> None:
    """numpy_financial.irr docstring: round(irr([-100, 39, 59, 55, 20]), 5) = 0.28095 and
    the other documented cases."""
    cases = {
        (-100, 39, 59, 55, 20): 0.28095,
        (-100, 0, 0, 74): -0.0955,
        (-100, 100, 0, -7): -0.0833,
        (-100, 100, 0, 7): 0.06206,
        (-5, 10.5, 1, -8, 1): 0.0886,
    }
    for flows, expected in cases.items():
        m = internal_rate_of_return(flows)
        assert round(m.value or 0.0, 5) == expected, flows


def test_excel_npv_help_examples_and_convention_difference() -> None:
    """Microsoft support, "NPV function" (Excel), examples:

    1. rate 10 %, -10,000 one year from today, then 3,000, 4,200, 6,800:
       ``=NPV(A2, A3, A4, A5, A6)`` = $1,188.44. Excel discounts the first value by one
       period; our t = 0 convention does not, so our NPV of the same list is 1.1 times
       larger: 1,188.44 x 1.1 = 1,307.29.
    2. rate 8 %, investment -40,000 at the start, returns 8,000, 9,200, 10,000, 12,000,
       14,500: ``=NPV(A2, A4:A8) + A3`` = $1,922.06 - with t = 0 this is simply our NPV.
    3. the same with a loss of 9,000 in year 6: ``=NPV(A2, A4:A8, -9000) + A3`` =
       ($3,749.47).
    """
    ex1 = [-10_000, 3_000, 4_200, 6_800]
    assert round(excel_npv(0.10, ex1), 2) == 1188.44
    assert round(net_present_value(0.10, ex1), 2) == round(1188.4434123 * 1.1, 2) == 1307.29
    ex2 = [-40_000, 8_000, 9_200, 10_000, 12_000, 14_500]
    assert round(net_present_value(0.08, ex2), 2) == 1922.06
    assert round(excel_npv(0.08, ex2[1:]) + ex2[0], 2) == 1922.06
    assert round(net_present_value(0.08, [*ex2, -9_000]), 2) == -3749.47


def test_business_case_reproduces_excel_example_2_from_yearly_frames() -> None:
    """Excel example 2 as a business case: 40,000 project cost in 2024, benefits from 2025.
    NPV 1,922.06; ROI by hand = (53,700 - 40,000) / 40,000 = 0.3425; BCR by hand =
    PV(benefits) / PV(costs) = 41,922.06 / 40,000 = 1.04805."""
    frame = benefits([(2025, 8_000, 0), (2026, 9_200, 0), (2027, 10_000, 0),
                      (2028, 12_000, 0), (2029, 14_500, 0)])  # fmt: skip
    case = business_case(frame, pd.Series({2024: 40_000.0}), 0.08)
    m = case.metrics
    assert round(m[g.NPV].value or 0, 2) == 1922.06
    assert m[g.ROI].value == pytest.approx(13_700 / 40_000)
    assert m[g.BCR].value == pytest.approx(41_922.0615549 / 40_000)
    assert m[g.TOTAL_BENEFITS].value == 53_700 and m[g.TOTAL_COSTS].value == 40_000
    assert case.first_period == 2024
    assert list(case.flows[NET]) == [-40_000, 8_000, 9_200, 10_000, 12_000, 14_500]
    # IRR is the rate where NPV = 0: check with the NPV function itself
    irr = m[g.IRR].value or 0.0
    assert abs(net_present_value(irr, case.flows[NET])) < 1e-6
    assert 0.08 < irr < 0.10


def test_irr_undefined_without_sign_change() -> None:
    m = internal_rate_of_return([-100, -50, -10])
    assert m.value is None and m.reason == g.NO_SIGN_CHANGE
    assert internal_rate_of_return([0, 0]).reason == g.NO_CASH_FLOWS


# --------------------------------------------------------------------------- payback
def test_payback_calcdomain_example() -> None:
    """I0 = 10,000, five inflows of 3,000: cumulative -1,000 after year 3, so payback =
    3 + 1,000 / 3,000 = 3.33 years. Source: https://calcdomain.com/payback-period
    ("Worked Example", simple payback 3.33 years)."""
    m = payback_period([-10_000, 3_000, 3_000, 3_000, 3_000, 3_000])
    assert round(m.value or 0, 2) == 3.33


def test_payback_justaaa_example() -> None:
    """Outlay 23,000; inflows 3,000, 5,000, 6,000, 7,000, 8,000: cumulative -2,000 after
    year 4, payback = 4 + 2,000 / 8,000 = 4.25 years.
    Source: https://justaaa.com/finance/36940-suppose-a-company-has-proposed-a-new-5-year
    """
    assert payback_period([-23_000, 3_000, 5_000, 6_000, 7_000, 8_000]).value == 4.25


def test_discounted_payback_published_examples() -> None:
    """1. Investment 48,000, 6,000 a year from year 1, 6 %: discounted payback
       11 + 678.75 / 2,981.82 = 11.23 years (https://justaaa.com/finance/71167-what-is-the-
       discounted-payback-period-decimal).
    2. Investment 750,000; 250,000, 300,000, 300,000, 300,000, 100,000 at 10 %: 3.241 years
       (https://qammunity.org/11944892)."""
    case = business_case(
        benefits([(2000 + t, 6_000, 0) for t in range(1, 13)]),
        pd.Series({2000: 48_000.0}),
        0.06,
    )
    assert round(case.metrics[g.DISCOUNTED_PAYBACK].value or 0, 2) == 11.23
    assert case.metrics[g.PAYBACK].value == 8.0  # undiscounted: 48,000 / 6,000
    flows = [-750_000, 250_000, 300_000, 300_000, 300_000, 100_000]
    discounted = [v / 1.1**t for t, v in enumerate(flows)]
    assert round(payback_period(discounted).value or 0, 3) == 3.241


def test_payback_edge_cases() -> None:
    assert payback_period([-100, 10, 10]).reason == g.NOT_PAID_BACK
    assert payback_period([50, 10]).value == 0.0  # never negative
    # goes positive, then a late cost makes it negative again: payback is the last
    # crossing: cumulative -100, 0, -50, 50 -> 2 + 50 / 100 = 2.5
    assert payback_period([-100, 100, -50, 100]).value == 2.5
    assert payback_period([]).reason == g.NO_CASH_FLOWS


def test_no_discount_rate_leaves_discounted_metrics_undefined() -> None:
    case = business_case(benefits([(2025, 500, 0)]), pd.Series({2024: 400.0}), None)
    for key in (g.NPV, g.BCR, g.DISCOUNTED_PAYBACK, g.DISCOUNT_RATE):
        assert case.metrics[key].value is None
        assert case.metrics[key].reason == g.NO_DISCOUNT_RATE
    assert case.metrics[g.ROI].value == pytest.approx(0.25)  # (500 - 400) / 400
    # cumulative -400 at t = 0, +100 at t = 1: payback = 0 + 400 / 500 years
    assert case.metrics[g.PAYBACK].value == pytest.approx(0.8)
    assert case.metrics[g.IRR].value == pytest.approx(0.25)  # 400 x 1.25 = 500


def test_project_costs_actuals_to_status_then_plan() -> None:
    """Fence (status March 2024): actual 1,000 + 1,200 + 600 to March, then the April
    budget of 1,000 -> 3,800 in 2024."""
    costs = project_costs_by_year(fence_project())
    assert costs.to_dict() == {2024: 3800.0}


def test_project_business_case_uses_sheet_rate_unless_overridden() -> None:
    """Costs 3,800 (2024), other costs 100 and benefit 5,000 in 2025.
    Net -3,800, 4,900. At 10 %: -3,800 + 4,900 / 1.1 = 654.545..; at 0 %: 1,100."""
    data = fence_project(discount_rate=0.10, benefits=[[2025, 5_000, 100]])
    assert project_business_case(data).metrics[g.NPV].value == pytest.approx(-3800 + 4900 / 1.1)
    assert project_business_case(data, 0.0).metrics[g.NPV].value == pytest.approx(1100)
