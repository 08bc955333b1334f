"""Cost control: budget vs actual, burn rate, contingency, change totals (worked by hand)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from metrics_data import CHANGE_COLUMNS, RISK_COLUMNS, fence_project, grid

from pmoreports.metrics import glossary as g
from pmoreports.metrics.costs import (
    budget_vs_actual,
    burn_rate,
    change_summary,
    change_totals,
    contingency_status,
    months_of_budget_left,
)
from pmoreports.metrics.evm import Metric
from pmoreports.workbook import columns as col


def test_budget_vs_actual_by_wbs_fence() -> None:
    """Fence at the end of day 3 (PMP Exam Prep p. 210 data), per side, by hand:

    side  budget  actual  spend var  EV    CV    CPI    BAC   EAC=BAC/CPI  VAC   remaining
    S1    1000    1000       0       1000     0  1.000  1000  1000           0     0
    S2    1000    1200    -200       1000  -200  0.833  1000  1200        -200  -200
    S3    1000     600     400        500  -100  0.833  1000  1200        -200   400
    S4       0       0       0          0     0  n/a    1000  n/a (AC=0)   n/a  1000
    """
    table = budget_vs_actual(fence_project(), col.WBS)
    v = table.values.set_index(col.WBS)
    assert list(v[g.BUDGET_TO_DATE]) == [1000, 1000, 1000, 0]
    assert list(v[g.ACTUAL_TO_DATE]) == [1000, 1200, 600, 0]
    assert list(v[g.SPEND_VARIANCE]) == [0, -200, 400, 0]
    assert list(v[g.CV]) == [0, -200, -100, 0]
    assert v.loc["S2", g.CPI] == pytest.approx(1000 / 1200)
    assert list(v[g.EAC][:3]) == pytest.approx([1000, 1200, 1200])
    assert list(v[g.VAC][:3]) == pytest.approx([0, -200, -200])
    assert list(v[g.REMAINING_BUDGET]) == [0, -200, 400, 1000]
    assert math.isnan(v.loc["S4", g.CPI]) and math.isnan(v.loc["S4", g.SPEND_VARIANCE_PCT])
    why = table.reasons.set_index(col.WBS)
    assert why.loc["S4", g.CPI] == g.AC_ZERO
    assert why.loc["S4", g.EAC] == g.AC_ZERO
    assert why.loc["S4", g.SPEND_VARIANCE_PCT] == g.PV_ZERO
    assert why.loc["S1", g.CPI] is None
    assert v.loc["S3", g.SPEND_VARIANCE_PCT] == pytest.approx(0.4)  # 400 / 1000


def test_budget_vs_actual_by_category_totals_the_project() -> None:
    table = budget_vs_actual(fence_project(), col.CATEGORY).values
    assert list(table[col.CATEGORY]) == ["Labour"]
    assert table[g.BUDGET_TO_DATE].iloc[0] == 3000
    assert table[g.ACTUAL_TO_DATE].iloc[0] == 2800
    assert table[g.BAC].iloc[0] == 4000


def actuals_frame(values: list[float], start: str = "2024-01-01") -> pd.DataFrame:
    return grid({("A", "X"): values}, start)


def test_burn_rate_last_three_months() -> None:
    """Actuals 100, 200, 300, 400 (Jan-Apr), status April: (200 + 300 + 400) / 3 = 300;
    BAC 2,000, AC 1,000 -> (2,000 - 1,000) / 300 = 3.33 months of budget left."""
    rate = burn_rate(actuals_frame([100, 200, 300, 400]), dt.date(2024, 4, 1))
    assert rate.value == pytest.approx(300)
    assert rate.unit == g.MONEY
    left = months_of_budget_left(2000, 1000, rate)
    assert left.value == pytest.approx(1000 / 300)


def test_burn_rate_window_and_start() -> None:
    acts = actuals_frame([100, 200, 300, 400, 500])
    # N = 2 at status May: (400 + 500) / 2; actuals after the status month are ignored
    assert burn_rate(acts, dt.date(2024, 5, 1), n_months=2).value == 450
    assert burn_rate(acts, dt.date(2024, 3, 1), n_months=2).value == 250
    # project started in February: at a March status only Feb and Mar count
    assert burn_rate(acts, "2024-03-01", start_month="2024-02-01").value == 250
    # months without actuals count as zero: June has none -> (400 + 500 + 0) / 3
    assert burn_rate(acts, "2024-06-01").value == 300
    with pytest.raises(ValueError):
        burn_rate(acts, "2024-03-01", n_months=0)


def test_months_of_budget_left_edge_cases() -> None:
    zero = Metric.of(g.BURN_RATE, 0.0)
    left = months_of_budget_left(1000, 500, zero)
    assert left.value is None and left.reason == g.BURN_ZERO
    # overspent: no budget left at all
    assert months_of_budget_left(1000, 1500, Metric.of(g.BURN_RATE, 100.0)).value == 0.0


def changes_frame() -> pd.DataFrame:
    rows = [
        ["C1", dt.date(2024, 1, 5), "More scope", "scope", "approved", 1500.0, 10, None],
        ["C2", dt.date(2024, 1, 9), "Faster", "schedule", "Approved ", 500.0, -5, None],
        ["C3", dt.date(2024, 2, 1), "Gold", "cost", "proposed", 800.0, 0, None],
        ["C4", dt.date(2024, 2, 3), "Silver", "cost", "rejected", 300.0, 3, None],
        ["C5", dt.date(2024, 2, 9), "Later", "scope", "PROPOSED", 200.0, 7, None],
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def risks_frame() -> pd.DataFrame:
    rows = [
        ["R1", "Supplier", "Supply", 3, 2000.0, 10, "Ann", "Mitigate", "realised"],
        ["R2", "Weather", "Site", 0.2, 5000.0, 5, "Bob", "Accept", "open"],
        ["R3", "Strike", "Site", 2, 900.0, 0, "Cy", "Transfer", "closed"],
    ]
    return pd.DataFrame(rows, columns=RISK_COLUMNS)


def test_contingency_after_approved_changes_and_realised_risks() -> None:
    """10,000 - approved (1,500 + 500) - realised risk R1 (2,000) = 6,000. Proposed,
    rejected changes and open or closed risks do not draw on it."""
    m = contingency_status(10_000, changes_frame(), risks_frame(), management_reserve=2_500)
    assert m[g.APPROVED_CHANGES_COST].value == 2000
    assert m[g.REALISED_RISKS_COST].value == 2000
    assert m[g.CONTINGENCY_REMAINING].value == 6000
    assert m[g.MANAGEMENT_RESERVE].value == 2500
    overdrawn = contingency_status(1_000, changes_frame(), risks_frame())
    assert overdrawn[g.CONTINGENCY_REMAINING].value == -3000


def test_change_totals_and_summary() -> None:
    totals = change_totals(changes_frame())
    assert totals[g.APPROVED_CHANGES_COST].value == 2000
    assert totals[g.PROPOSED_CHANGES_COST].value == 1000  # 800 + 200
    assert totals[g.REJECTED_CHANGES_COST].value == 300
    summary = change_summary(changes_frame()).set_index(col.STATUS)
    assert list(summary.index) == ["approved", "proposed", "rejected"]
    assert list(summary["count"]) == [2, 2, 1]
    assert list(summary[col.SCHEDULE_IMPACT_DAYS]) == [5, 7, 3]


def test_change_summary_without_changes() -> None:
    summary = change_summary(pd.DataFrame(columns=CHANGE_COLUMNS))
    assert list(summary[col.STATUS]) == ["approved", "proposed", "rejected"]
    assert list(summary["count"]) == [0, 0, 0]
    empty = contingency_status(500, pd.DataFrame(columns=CHANGE_COLUMNS), pd.DataFrame(columns=RISK_COLUMNS))
    assert empty[g.CONTINGENCY_REMAINING].value == 500
