"""Earned schedule (Lipke) against a published series, and its edge cases.

Formulas (Lipke & Henderson, "Earned Schedule Training", EVA-11, June 2006, slides 16
and 24, https://www.yumpu.com/en/document/view/38186924/earned-schedule-training):
ES = C + I with I = (EV - PV_C) / (PV_C+1 - PV_C); SV(t) = ES - AT; SPI(t) = ES / AT;
TSPI = (PD - ES) / (PD - AT); IEAC(t) = PD / SPI(t).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from metrics_data import grid, make_project, progress

from pmoreports.metrics import glossary as g
from pmoreports.metrics.evm import compute_evm, earned_schedule, project_evm, status_metrics

# Source: M. Vanhoucke, PM Knowledge Center, "Earned Value Management: Forecasting time",
# http://www.pmknowledgecenter.com/dynamic_scheduling/control/earned-value-management-
# forecasting-time (table of project data, weeks W1-W11). Planned duration 9 weeks
# (PV reaches BAC = 150 in W9); the project finishes in W11, two weeks late.
PV = [5.00, 10.00, 25.00, 55.00, 85.00, 120.00, 130.00, 140.00, 150.00, 150.00, 150.00]
EV = [3.33, 6.67, 10.00, 22.50, 70.00, 82.50, 90.00, 120.00, 130.00, 140.00, 150.00]
# ES as published for W1-W6 (two decimals):
PUBLISHED_ES = [0.67, 1.33, 2.00, 2.83, 4.50, 4.92]
# W7-W11 worked by hand from the same table:
#   W7  EV 90:  PV_5 = 85 < 90 <= PV_6 = 120 -> 5 + (90 - 85) / (120 - 85) = 5.142857
#   W8  EV 120 = PV_6 -> 6;  W9 EV 130 = PV_7 -> 7;  W10 EV 140 = PV_8 -> 8
#   W11 EV 150 = BAC -> PD = 9
HAND_ES = [5 + 5 / 35, 6.0, 7.0, 8.0, 9.0]


def vanhoucke() -> dict[str, np.ndarray]:
    r = compute_evm([PV], [EV], [EV])  # AC is irrelevant to the schedule metrics
    return {k: v[0] for k, v in r.values.items()}


def test_published_earned_schedule_series() -> None:
    es = vanhoucke()[g.ES]
    assert [round(x, 2) for x in es[:6]] == PUBLISHED_ES
    assert es[6:] == pytest.approx(HAND_ES)
    assert vanhoucke()[g.PD][0] == 9


def test_late_finish_spi_reaches_one_but_spi_t_does_not() -> None:
    """At W11 the work is done: SPI = 150 / 150 = 1.00 although the project is two weeks
    late; SPI(t) = ES / AT = 9 / 11 = 0.818, SV(t) = -2 weeks, SV = 0 and
    IEAC(t) = PD / SPI(t) = 9 / (9 / 11) = 11 weeks, the actual duration."""
    v = vanhoucke()
    assert v[g.SPI][10] == 1.0
    assert v[g.SV][10] == 0.0
    assert v[g.SPI_T][10] == pytest.approx(9 / 11)
    assert round(v[g.SPI_T][10], 2) == 0.82
    assert v[g.SV_T][10] == pytest.approx(-2.0)
    assert v[g.IEAC_T][10] == pytest.approx(11.0)
    # at W10 SPI already looks almost fine (140/150 = 0.93) while SPI(t) = 8/10 = 0.80
    assert v[g.SPI][9] == pytest.approx(140 / 150)
    assert v[g.SPI_T][9] == pytest.approx(0.8)


def test_spi_t_tspi_and_ieac_t_by_hand() -> None:
    """W5: ES 4.5, AT 5 -> SPI(t) 0.9, IEAC(t) = 9 / 0.9 = 10 weeks,
    TSPI = (9 - 4.5) / (9 - 5) = 1.125.
    W6: ES 4.9167, AT 6 -> TSPI = (9 - 4.9167) / (9 - 6) = 1.3611."""
    v = vanhoucke()
    assert v[g.SPI_T][4] == pytest.approx(0.9)
    assert v[g.IEAC_T][4] == pytest.approx(10.0)
    assert v[g.TSPI][4] == pytest.approx(1.125)
    assert v[g.TSPI][5] == pytest.approx((9 - (4 + 27.5 / 30)) / 3)


def test_tspi_undefined_at_and_after_the_planned_finish() -> None:
    r = compute_evm([PV], [EV], [EV])
    names = list(r.reason_names(g.TSPI)[0])
    assert names[8] == g.PAST_PLANNED_FINISH  # AT = PD = 9: no time left
    assert names[9] == g.PAST_PLANNED_FINISH
    assert names[10] == g.WORK_COMPLETE  # ES = PD: nothing left to perform
    assert names[:8] == [None] * 8


def test_fence_earned_schedule_by_hand() -> None:
    """Fence (PMP Exam Prep p. 210): cumulative PV 1000/2000/3000/4000, EV 2500 at the end
    of day 3 -> ES = 2 + (2500 - 2000) / (3000 - 2000) = 2.5 days, SPI(t) = 2.5 / 3."""
    es, pd_ = earned_schedule([[1000, 2000, 3000, 4000]], [[2500]])
    assert es[0, 0] == pytest.approx(2.5)
    assert pd_[0] == 4


def test_ev_zero_gives_es_zero_and_undefined_forecast() -> None:
    r = compute_evm([[10, 20, 30]], [[0, 0, 0]], [[5, 10, 15]], status_index=1)
    assert r.values[g.ES][0, 1] == 0.0
    assert r.values[g.SV_T][0, 1] == -2.0
    assert r.values[g.SPI_T][0, 1] == 0.0
    assert r.reason_names(g.IEAC_T)[0, 1] == g.ES_ZERO


def test_ev_at_or_above_bac_is_capped_at_planned_duration() -> None:
    es, pd_ = earned_schedule([[10, 20, 30, 30, 30]], [[30, 31, 1000]])
    assert pd_[0] == 3
    assert list(es[0]) == [3.0, 3.0, 3.0]


def test_flat_pv_stretch_point_nearest_the_status_month() -> None:
    """Cumulative PV 10, 20, 20, 20, 30 (no work planned in months 3-4). EV 20 was reached
    by the plan at every time in [2, 4] (the end of month 2 to the end of month 4):
    - measured in month 1 (ahead): the earliest, 2;
    - measured in month 3 (inside the stretch, EV = PV: on plan): 3, so SPI(t) = 1;
    - measured in month 5 (behind): the end of the stretch, 4 - the same as Lipke's
      C = number of months with PV <= EV = 4.
    EV 25 lies inside a rising segment: 4 + 5 / 10 = 4.5 whatever the month;
    EV 15: 1 + 5 / 10 = 1.5."""
    curve = [[10, 20, 20, 20, 30]]
    es, _ = earned_schedule(curve, [[20, 20, 20, 25, 15]], [[1, 3, 5, 2, 5]])
    assert list(es[0]) == pytest.approx([2.0, 3.0, 4.0, 4.5, 1.5])
    earliest, _ = earned_schedule(curve, [[20]])  # without a month: the earliest time
    assert earliest[0, 0] == 2.0


def test_planned_pause_on_plan_is_not_reported_late() -> None:
    """PV per month 100, 0, 0, 100 (a planned pause) and EV = PV: SPI(t) = 1 throughout.
    With no progress in month 4 (EV stays 100): ES = 3 (end of the pause), AT = 4 ->
    SV(t) = -1 month, the one month of work not done."""
    pv = [[100, 100, 100, 200]]
    on_plan = compute_evm(pv, pv, pv)
    assert list(on_plan.values[g.SPI_T][0]) == [1.0, 1.0, 1.0, 1.0]
    stuck = compute_evm(pv, [[100, 100, 100, 100]], pv)
    assert stuck.values[g.ES][0, 3] == 3.0
    assert stuck.values[g.SV_T][0, 3] == -1.0


def test_status_after_planned_finish_pv_flat_at_bac() -> None:
    """Plan: 3 months (PV 100, 200, 300), status in month 5 with EV 240: PV stays 300, SPI
    = 0.8, ES = 2 + 40 / 100 = 2.4, AT = 5 -> SPI(t) = 0.48, SV(t) = -2.6 months,
    IEAC(t) = 3 / 0.48 = 6.25 months."""
    pv = [[100, 200, 300, 300, 300]]
    ev = [[80, 150, 200, 220, 240]]
    r = compute_evm(pv, ev, ev, status_index=4)
    assert r.values[g.PV][0, 4] == 300
    assert r.values[g.SPI][0, 4] == pytest.approx(0.8)
    assert r.values[g.ES][0, 4] == pytest.approx(2.4)
    assert r.values[g.SPI_T][0, 4] == pytest.approx(0.48)
    assert r.values[g.SV_T][0, 4] == pytest.approx(-2.6)
    assert r.values[g.IEAC_T][0, 4] == pytest.approx(6.25)
    assert r.reason_names(g.TSPI)[0, 4] == g.PAST_PLANNED_FINISH


def test_project_starting_after_axis_start_is_not_late_before_it_starts() -> None:
    """Baseline start January, first budget in March (100 per month, 3 months). At a
    February status nothing is due: AT = 0 -> SPI(t) undefined (at_zero), not 0. At a
    March status with EV = PV = 100: ES 1, AT 1, SPI(t) 1."""
    start = "2024-01-01"
    budget = grid({("A", "X"): [0, 0, 100, 100, 100]}, start)
    actuals = grid({("A", "X"): [0, 0, 100]}, start)
    prog = progress({"A": [0.0, 0.0, 1 / 3]}, start)
    feb = make_project(budget, actuals, prog, status_date=pd.Timestamp("2024-02-01").date())
    m = status_metrics(project_evm(feb))
    assert m[g.SPI_T].value is None and m[g.SPI_T].reason == g.AT_ZERO
    mar = make_project(budget, actuals, prog, status_date=pd.Timestamp("2024-03-01").date())
    m = status_metrics(project_evm(mar))
    assert m[g.ES].value == pytest.approx(1.0)
    assert m[g.AT].value == 1.0
    assert m[g.SPI_T].value == pytest.approx(1.0)
    assert m[g.PD].value == 3.0


def test_completed_project_keeps_its_schedule_indicators() -> None:
    """Done in month 4 of a 3-month plan; status two months later: AT stays 4, SPI(t) 0.75,
    IEAC(t) = 3 / 0.75 = 4 months."""
    pv = [[10, 20, 30, 30, 30, 30]]
    ev = [[5, 15, 25, 30, 30, 30]]
    r = compute_evm(pv, ev, ev, status_index=5)
    assert list(r.values[g.AT][0]) == [1, 2, 3, 4, 4, 4]
    assert r.values[g.SPI_T][0, 5] == pytest.approx(0.75)
    assert r.values[g.IEAC_T][0, 5] == pytest.approx(4.0)
    assert math.isnan(r.values[g.TSPI][0, 5])
