"""Forecast realism: the independent EAC range, the bottom-up EAC against it, TCPI vs CPI,
and the business case at the EAC. Hand-worked values, edge cases and properties.

Formulas (DAU EVM Gold Card; PMBOK Guide 7.4.2.2 for the 80/20 weighting):
EAC_CPI = BAC / CPI; EAC_CPIn = AC + (BAC - EV) / CPI_n with CPI_n = dEV / dAC over the
last n months; EAC_CPIxSPI = AC + (BAC - EV) / (CPI x SPI); composite
AC + (BAC - EV) / (0.8 CPI + 0.2 SPI); TCPI_BAC = (BAC - EV) / (BAC - AC).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_data import grid, make_project, progress

from pmoreports.metrics import glossary as g
from pmoreports.metrics.business_case import project_costs_by_year
from pmoreports.metrics.evm import Metric
from pmoreports.metrics.project import project_metrics
from pmoreports.metrics.realism import (
    OPTIMISTIC,
    PESSIMISTIC,
    RANGE_MEMBERS,
    WITHIN_RANGE,
    case_at_completion,
    recent_cpi,
)
from pmoreports.workbook import columns as col

START = "2024-01-01"


def worked(status_month: int = 7, actuals: list[float] | None = None, etc: float | None = 250.0, **info: Any) -> Any:
    """One element, BAC 1,000 planned 100 a month over 10 months and earned exactly on plan
    (10 % a month, so SPI = 1), spent 100, 100, 100, 110, 120, 125, 125 (CPI falling)."""
    spent = actuals if actuals is not None else [100, 100, 100, 110, 120, 125, 125]
    forecast = pd.DataFrame({col.WBS: ["A"], col.ETC: [etc], col.COMMENT: [""]}) if etc is not None else None
    return make_project(
        grid({("A", "Labour"): [100.0] * 10}, START),
        grid({("A", "Labour"): spent[:status_month]}, START),
        progress({"A": [round(0.1 * (m + 1), 2) for m in range(status_month)]}, START),
        forecast=forecast,
        baseline_finish=dt.date(2024, 10, 1),
        status_date=(pd.Timestamp(START) + pd.DateOffset(months=status_month - 1)).date(),
        **info,
    )


def project_row(data: Any) -> dict[str, Metric]:
    return project_metrics(data).realism.project()


def test_hand_worked_range_verdict_and_tcpi() -> None:
    """EV 700, AC 780, BAC 1,000 at month 7; EV and AC 3 months earlier 400 and 410, 6 months
    earlier 100 and 100. CPI = 700/780; CPI_3 = 300/370; CPI_6 = 600/680; SPI = 1."""
    r = project_row(worked())
    v = {k: m.value for k, m in r.items()}
    assert v[g.CPI] == pytest.approx(700 / 780)
    assert v[g.CPI_3] == pytest.approx(300 / 370)
    assert v[g.CPI_6] == pytest.approx(600 / 680)
    assert v[g.EAC_CPI] == pytest.approx(1000 * 780 / 700)  # 1,114.29
    assert v[g.EAC_CPI_3] == pytest.approx(780 + 370)  # 300 / (300/370) = 370 -> 1,150
    assert v[g.EAC_CPI_6] == pytest.approx(780 + 340)  # 300 / (600/680) = 340 -> 1,120
    assert v[g.EAC_CPI_SPI] == pytest.approx(1000 * 780 / 700)  # SPI = 1
    assert v[g.EAC_COMPOSITE] == pytest.approx(780 + 300 * 780 / 716)  # 0.8 CPI + 0.2 = 716/780 -> 1,106.82
    assert v[g.EAC_RANGE_MIN] == pytest.approx(780 + 300 * 780 / 716)
    assert v[g.EAC_RANGE_MAX] == pytest.approx(1150)
    assert v[g.EAC_RANGE_SPREAD] == pytest.approx(1150 - 780 - 300 * 780 / 716)
    assert v[g.EAC_BOTTOM_UP] == pytest.approx(1030)  # AC 780 + ETC 250: below every index-based EAC
    assert v[g.EAC_FORECAST_GAP] == pytest.approx(1030 - 780 - 300 * 780 / 716)  # -76.82
    assert v[g.TCPI_BAC] == pytest.approx(300 / 220)
    assert v[g.TCPI_GAP_BAC] == pytest.approx(300 / 220 - 700 / 780)  # +0.466
    assert v[g.TCPI_FORECAST] == pytest.approx(300 / 250)  # to the bottom-up EAC
    assert v[g.TCPI_GAP_FORECAST] == pytest.approx(1.2 - 700 / 780)  # +0.303
    flags = project_metrics(worked()).realism.table.values.iloc[0]
    assert flags["verdict"] == OPTIMISTIC and flags["forecast"] == g.EAC_BOTTOM_UP
    assert flags["tcpi_bac_flag"] is True and flags["tcpi_forecast_flag"] is True
    assert flags["in_window"] is True  # 70 % complete


@pytest.mark.parametrize(
    ("etc", "verdict", "gap"),
    [
        (250.0, OPTIMISTIC, 1030 - 780 - 300 * 780 / 716),
        (340.0, WITHIN_RANGE, 0.0),  # 1,120 = the 6-month EAC: inside
        (370.0, WITHIN_RANGE, 0.0),  # 1,150 = the highest: the bounds are inside
        (420.0, PESSIMISTIC, 1200 - 1150),
    ],
)
def test_verdict_and_gap(etc: float, verdict: str, gap: float) -> None:
    m = project_metrics(worked(etc=etc))
    assert m.realism.table.values.iloc[0]["verdict"] == verdict
    assert m.realism.project()[g.EAC_FORECAST_GAP].value == pytest.approx(gap)


def test_tcpi_band_is_configurable() -> None:
    data = worked(etc=340.0)  # TCPI to the forecast 300 / 340 = 0.882 vs CPI 0.897: gap -0.015
    wide = project_metrics(data, variance={"tcpi_band": 0.5}).realism.table.values.iloc[0]
    assert wide["tcpi_bac_flag"] is False  # +0.466 <= 0.5
    narrow = project_metrics(data, variance={"tcpi_band": 0.4}).realism.table.values.iloc[0]
    assert narrow["tcpi_bac_flag"] is True and narrow["tcpi_forecast_flag"] is False


def test_fewer_months_than_the_average() -> None:
    r = project_row(worked(status_month=2))
    assert r[g.CPI_3].value is None and r[g.CPI_3].reason == g.FEWER_MONTHS
    assert r[g.EAC_CPI_3].value is None and r[g.EAC_CPI_3].reason == g.FEWER_MONTHS
    assert r[g.CPI_6].reason == g.FEWER_MONTHS
    assert r[g.EAC_RANGE_MIN].value is not None  # the other members still make a range
    r3 = project_row(worked(status_month=3))  # exactly 3 months: the whole history
    assert r3[g.CPI_3].value == pytest.approx(r3[g.CPI].value)
    assert r3[g.CPI_6].reason == g.FEWER_MONTHS


def test_no_cost_in_the_last_months() -> None:
    r = project_row(worked(actuals=[200, 200, 200, 200, 0, 0, 0]))  # dAC = 0 over 3 months
    assert r[g.CPI_3].value is None and r[g.CPI_3].reason == g.DELTA_AC_ZERO
    assert r[g.CPI_6].value == pytest.approx(600 / 600)
    assert r[g.EAC_CPI_3].reason == g.DELTA_AC_ZERO


def test_no_work_earned_and_no_cost() -> None:
    nothing_earned = make_project(
        grid({("A", "Labour"): [100.0] * 4}, START),
        grid({("A", "Labour"): [50.0, 50.0]}, START),
        progress({"A": [0.0, 0.0]}, START),
        status_date=dt.date(2024, 2, 1),
    )
    r = project_row(nothing_earned)
    for key in (g.EAC_CPI, g.EAC_CPI_SPI, g.EAC_COMPOSITE):  # CPI = 0: no EAC, never infinity
        assert r[key].value is None, key
    assert r[g.EAC_COMPOSITE].reason == g.INDEX_NOT_POSITIVE
    not_started = make_project(
        grid({("A", "Labour"): [100.0] * 4}, START),
        grid({("A", "Labour"): [0.0]}, START),
        progress({"A": [0.0]}, START),
        status_date=dt.date(2024, 1, 1),
    )
    r = project_row(not_started)
    assert all(r[k].value is None for k in RANGE_MEMBERS)
    assert r[g.EAC_RANGE_MIN].reason == g.NO_INDEPENDENT_EAC
    assert r[g.EAC_CPI].reason == g.AC_ZERO


def test_completed_project() -> None:
    """Done in June for 720 against 600, nothing spent since: every EAC is AC."""
    done = make_project(
        grid({("A", "Labour"): [100.0] * 6}, START),
        grid({("A", "Labour"): [120.0] * 6 + [0.0] * 3}, START),
        progress({"A": [round((m + 1) / 6, 4) for m in range(5)] + [1.0] * 4}, START),
        baseline_finish=dt.date(2024, 6, 1),
        status_date=dt.date(2024, 9, 1),
    )
    r = project_row(done)
    for key in (g.EAC_CPI, g.EAC_CPI_6, g.EAC_CPI_SPI, g.EAC_COMPOSITE, g.EAC_RANGE_MIN, g.EAC_RANGE_MAX):
        assert r[key].value == pytest.approx(720), key
    assert r[g.EAC_RANGE_SPREAD].value == pytest.approx(0)
    assert r[g.CPI_3].reason == g.DELTA_AC_ZERO  # no cost in Jul-Sep
    assert r[g.EAC_CPI_3].value is None
    assert r[g.TCPI_BAC].value is None and r[g.TCPI_BAC].reason == g.WORK_COMPLETE
    assert r[g.TCPI_GAP_BAC].reason == g.WORK_COMPLETE


def test_recent_cpi_per_element() -> None:
    """Two elements: B starts in month 5, so at month 7 it has run 3 months (not 6)."""
    data = make_project(
        grid({("A", "Labour"): [100.0] * 10, ("B", "Labour"): [0.0] * 4 + [50.0] * 6}, START),
        grid({("A", "Labour"): [100.0] * 7, ("B", "Labour"): [0.0] * 4 + [40.0, 40.0, 40.0]}, START),
        progress({"A": [round(0.1 * (m + 1), 2) for m in range(7)], "B": [0, 0, 0, 0, 1 / 6, 2 / 6, 3 / 6]}, START),
        baseline_finish=dt.date(2024, 10, 1),
        status_date=dt.date(2024, 7, 1),
    )
    m = project_metrics(data)
    values, reasons = recent_cpi(m.by_wbs, 3)
    assert list(reasons) == [None, None]
    assert values[0] == pytest.approx(300 / 300) and values[1] == pytest.approx(150 / 120)
    values6, reasons6 = recent_cpi(m.by_wbs, 6)
    assert values6[0] == pytest.approx(600 / 600) and math.isnan(values6[1])
    assert list(reasons6) == [None, g.FEWER_MONTHS]
    table = m.realism.table.values
    assert list(table["element"]) == ["Project", "A", "B"]


# --- properties on generated projects ---------------------------------------------------------


@st.composite
def projects(draw: st.DrawFn) -> Any:
    months = 12
    status = draw(st.integers(1, months))
    budget, spent, done, forecast = {}, {}, {}, []
    for i in range(draw(st.integers(1, 4))):
        plan = draw(st.lists(st.integers(0, 1000), min_size=months, max_size=months))
        plan[draw(st.integers(0, months - 1))] += 1
        budget[(f"E{i}", "Labour")] = [float(x) for x in plan]
        spent[(f"E{i}", "Labour")] = [
            float(x) for x in draw(st.lists(st.integers(0, 1500), min_size=status, max_size=status))
        ]
        fractions = sorted(draw(st.lists(st.floats(0, 1), min_size=status, max_size=status)))
        done[f"E{i}"] = [round(x, 2) for x in fractions]
        if draw(st.booleans()):
            forecast.append((f"E{i}", float(draw(st.integers(0, 20_000))), ""))
    frame = pd.DataFrame(forecast, columns=[col.WBS, col.ETC, col.COMMENT]) if forecast else None
    return make_project(
        grid(budget, START),
        grid(spent, START),
        progress(done, START),
        forecast=frame,
        baseline_finish=dt.date(2024, 12, 1),
        status_date=(pd.Timestamp(START) + pd.DateOffset(months=status - 1)).date(),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_the_range_contains_each_member_and_the_verdict_follows(data: Any) -> None:
    table = project_metrics(data).realism.table.values
    for _, row in table.iterrows():
        members = [row[k] for k in RANGE_MEMBERS if np.isfinite(row[k])]
        if not members:
            assert np.isnan(row[g.EAC_RANGE_MIN]) and row["verdict"] is None
            continue
        assert row[g.EAC_RANGE_MIN] == min(members) and row[g.EAC_RANGE_MAX] == max(members)
        assert all(row[g.EAC_RANGE_MIN] <= x <= row[g.EAC_RANGE_MAX] for x in members)
        assert row[g.EAC_RANGE_SPREAD] >= 0
        pm = row[g.EAC_BOTTOM_UP]
        if not np.isfinite(pm):
            assert row["verdict"] is None
            continue
        gap = row[g.EAC_FORECAST_GAP]
        if pm < row[g.EAC_RANGE_MIN]:
            assert row["verdict"] == OPTIMISTIC and gap < 0
        elif pm > row[g.EAC_RANGE_MAX]:
            assert row["verdict"] == PESSIMISTIC and gap > 0
        else:
            assert row["verdict"] == WITHIN_RANGE and gap == 0
        assert pm - gap == pytest.approx(min(max(pm, row[g.EAC_RANGE_MIN]), row[g.EAC_RANGE_MAX]))


# --- the business case at the EAC ----------------------------------------------------------------


def two_year_project(**info: Any) -> Any:
    """100 a month through 2024-2025; 700 spent to June 2024; benefits 2026-2027."""
    return make_project(
        grid({("A", "Labour"): [100.0] * 24}, START),
        grid({("A", "Labour"): [100.0] * 5 + [200.0]}, START),
        progress({"A": [0.04 * (m + 1) for m in range(6)]}, START),
        baseline_finish=dt.date(2025, 12, 1),
        status_date=dt.date(2024, 6, 1),
        benefits=[[2026, 2_000.0, 0.0], [2027, 1_000.0, 0.0]],
        **info,
    )


def test_costs_by_year_at_eac_spread_the_etc_over_the_remaining_budget() -> None:
    data = two_year_project()
    budget = project_costs_by_year(data)
    assert budget.to_dict() == {2024: 700 + 600, 2025: 1200}
    at_eac = project_costs_by_year(data, eac=3000.0)  # ETC 2,300 over the remaining 1,800 of budget
    assert at_eac[2024] == pytest.approx(700 + 600 * 2300 / 1800)
    assert at_eac[2025] == pytest.approx(1200 * 2300 / 1800)
    assert at_eac.sum() == pytest.approx(3000)


def test_late_project_puts_the_etc_after_the_status_month() -> None:
    late = make_project(
        grid({("A", "Labour"): [100.0] * 12}, START),
        grid({("A", "Labour"): [100.0] * 12 + [50.0]}, START),
        progress({"A": [0.07 * (m + 1) for m in range(13)]}, START),
        baseline_finish=dt.date(2024, 12, 1),
        status_date=dt.date(2025, 1, 1),
    )
    assert project_costs_by_year(late).to_dict() == {2024: 1200, 2025: 50}
    assert project_costs_by_year(late, eac=1500.0).to_dict() == pytest.approx({2024: 1200, 2025: 300})
    dec = make_project(  # status in December: the ETC goes to next year
        grid({("A", "Labour"): [100.0] * 12}, START),
        grid({("A", "Labour"): [100.0] * 12}, START),
        progress({"A": [0.08 * (m + 1) for m in range(12)]}, START),
        baseline_finish=dt.date(2024, 12, 1),
        status_date=dt.date(2024, 12, 1),
    )
    assert project_costs_by_year(dec, eac=1300.0).to_dict() == pytest.approx({2024: 1200, 2025: 100})


def test_business_case_fails_at_eac_hand_worked() -> None:
    """At 10 %, t = 0 in 2024. With the budget: flows -1,300, -1,200, +2,000, +1,000:
    NPV = -1300 - 1200/1.1 + 2000/1.21 + 1000/1.331 = +13.30, BCR = 2,404.21 / 2,390.91 = 1.006
    (holds). At EAC 3,000 (ETC 2,300 over the remaining budget of 600 + 1,200): -1,466.67,
    -1,533.33, +2,000, +1,000: NPV = -456.40, BCR = 2,404.21 / 2,860.61 = 0.840 (fails)."""
    data = two_year_project(discount_rate=0.10)
    case = case_at_completion(data, Metric.of(g.EAC, 3000.0))
    assert case.baseline.metrics[g.NPV].value == pytest.approx(-1300 - 1200 / 1.1 + 2000 / 1.21 + 1000 / 1.331)
    assert case.baseline.metrics[g.NPV].value == pytest.approx(13.298, abs=1e-3)
    at_eac = case.at_eac
    assert at_eac is not None
    costs = (700 + 600 * 23 / 18, 1200 * 23 / 18)
    npv = -costs[0] - costs[1] / 1.1 + 2000 / 1.21 + 1000 / 1.331
    assert at_eac.metrics[g.NPV].value == pytest.approx(npv)
    assert npv == pytest.approx(-456.40, abs=0.01)
    assert at_eac.metrics[g.BCR].value == pytest.approx((2000 / 1.21 + 1000 / 1.331) / (costs[0] + costs[1] / 1.1))
    assert at_eac.metrics[g.ROI].value == pytest.approx((3000 - 3000) / 3000)
    assert case.holds_at_budget is True and case.holds_at_eac is False and case.fails_at_eac
    assert case.to_dict()["fails_at_eac"] is True


def test_business_case_without_rate_or_eac_is_not_judged() -> None:
    no_rate = case_at_completion(two_year_project(), Metric.of(g.EAC, 3000.0))
    assert no_rate.holds_at_budget is None and no_rate.holds_at_eac is None and not no_rate.fails_at_eac
    no_eac = case_at_completion(two_year_project(discount_rate=0.1), Metric.of(g.EAC, None, g.AC_ZERO))
    assert no_eac.at_eac is None and no_eac.holds_at_eac is None
    assert no_eac.to_dict()["at_eac_reason"] == g.AC_ZERO


def test_metrics_json_carries_realism() -> None:
    d = project_metrics(worked()).to_dict()["eac_realism"]
    assert d["project"]["verdict"] == OPTIMISTIC
    assert d["project"][g.EAC_CPI_3] == pytest.approx(1150)
    assert d["settings"] == {"tcpi_band": 0.10, "reliable_from": 0.15, "reliable_to": 0.85}
    assert [r["element"] for r in d["by_wbs"]] == ["A"]
    assert set(d["business_case"]) >= {"baseline", "at_eac", "holds_at_eac", "fails_at_eac", "eac"}
