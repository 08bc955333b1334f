"""Earned value metrics against published worked examples, edge cases and roll-ups.

Expected values come from the cited examples (or are worked by hand in comments), never
from the engine itself.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from metrics_data import fence_project, grid, make_project, progress

from pmoreports.metrics import glossary as g
from pmoreports.metrics.evm import (
    SERIES_METRICS,
    Curves,
    Metric,
    compute_evm,
    curves_frame,
    evm_series,
    months_to_date,
    portfolio_evm,
    project_curves,
    project_evm,
    status_dates,
    status_metrics,
)
from pmoreports.workbook import columns as col


def at_status(pv: float, ev: float, ac: float, bac: float, **kw: object) -> dict[str, float]:
    """Metrics of a single series at a status month: cumulative PV/EV/AC given, BAC planned
    in a later month (two-month series: [PV, BAC], status = month 1)."""
    result = compute_evm([[pv, bac]], [[ev, ev]], [[ac, ac]], status_index=0, **kw)  # type: ignore[arg-type]
    return {k: float(v[0, 0]) for k, v in result.values.items()}


# --------------------------------------------------------------------------- published
def test_fence_exercise_pmp_exam_prep() -> None:
    """Four-sided fence, $1,000 and one day per side, status at end of day 3: sides 1-2
    done (spent 1,000 and 1,200), side 3 half done (spent 600), side 4 not started.

    Source: R. Mulcahy, *PMP Exam Prep*, p. 210, "Earned Value Exercise", reproduced at
    https://studylib.net/doc/5898152/earned-value-exercise. Published answers:
    PV 3,000; EV 2,500; AC 2,800; BAC 4,000; CV -300; CPI .893; SV -500; SPI .833;
    EAC 4,479; ETC 1,679; VAC -479. The published EAC divides by the CPI rounded to
    .893 (4,000 / .893 = 4,479.3); unrounded it is 4,000 x 2,800 / 2,500 = 4,480.
    Here the fence goes through the whole pipeline: tidy Budget/Actuals/Progress frames
    -> monthly series (one 'day' per month).
    """
    m = status_metrics(project_evm(fence_project()))
    assert m[g.PV].value == 3000
    assert m[g.EV].value == 2500
    assert m[g.AC].value == 2800
    assert m[g.BAC].value == 4000
    assert m[g.CV].value == -300
    assert m[g.SV].value == -500
    assert round(m[g.CPI].value or 0, 3) == 0.893
    assert round(m[g.SPI].value or 0, 3) == 0.833
    assert m[g.EAC].value == pytest.approx(4480)
    assert round(4000 / round(m[g.CPI].value or 0, 3)) == 4479  # the published rounding
    assert m[g.ETC].value == pytest.approx(1680)  # published 1,679 (rounded CPI)
    assert m[g.VAC].value == pytest.approx(-480)  # published -479 (rounded CPI)
    # percentages by hand: EV/BAC = 2500/4000, AC/BAC = 2800/4000, PV/BAC = 3000/4000
    assert m[g.PCT_COMPLETE].value == pytest.approx(0.625)
    assert m[g.PCT_SPENT].value == pytest.approx(0.70)
    assert m[g.PCT_SCHEDULED].value == pytest.approx(0.75)
    # CV% = CV/EV = -300/2500; SV% = SV/PV = -500/3000
    assert m[g.CV_PCT].value == pytest.approx(-0.12)
    assert m[g.SV_PCT].value == pytest.approx(-1 / 6)


def test_eac_variants_justaaa_example() -> None:
    """EV 30,000, PV 40,000, AC 45,000, BAC 50,000.

    Source: https://justaaa.com/operations-management/495270-ev-30000-pv-40000-ac-45000-
    cpi-0667-spi-075 - answers: CPI 0.667, SPI 0.75, EAC = BAC / CPI = 75,000,
    EAC = AC + (BAC - EV) / (CPI x SPI) = 45,000 + 20,000 / 0.5 = 85,000.
    EAC at the budget rate AC + (BAC - EV) = 45,000 + 20,000 = 65,000 (by hand).
    """
    m = at_status(pv=40_000, ev=30_000, ac=45_000, bac=50_000)
    assert round(m[g.CPI], 3) == 0.667
    assert m[g.SPI] == pytest.approx(0.75)
    assert m[g.EAC_CPI] == pytest.approx(75_000)
    assert m[g.EAC_CPI_SPI] == pytest.approx(85_000)
    assert m[g.EAC_BUDGET_RATE] == pytest.approx(65_000)


def test_forecasting_poster_wikislate() -> None:
    """BAC 100k, EV 40k, AC 45k, SPI 0.80 (so PV = 50k).

    Source: "EVM forecasting", https://wikislate.com/view.php?p=15-evm-forecasting.html
    (table "From Poster 14"): CPI 0.89, SPI 0.80, EAC = BAC/CPI = 112.5k, ETC 67.5k,
    VAC -12.5k, EAC (cost x schedule) about 129k, TCPI to BAC 1.09.
    By hand: 45 + 60 / (0.8889 x 0.8) = 45 + 84.375 = 129.375; 60 / 55 = 1.0909.
    """
    m = at_status(pv=50, ev=40, ac=45, bac=100)
    assert round(m[g.CPI], 2) == 0.89
    assert m[g.SPI] == pytest.approx(0.80)
    assert m[g.EAC] == pytest.approx(112.5)
    assert m[g.ETC] == pytest.approx(67.5)
    assert m[g.VAC] == pytest.approx(-12.5)
    assert m[g.EAC_CPI_SPI] == pytest.approx(129.375)
    assert round(m[g.EAC_CPI_SPI]) == 129
    assert round(m[g.TCPI_BAC], 2) == 1.09


def test_tcpi_to_bac_izenbridge_example() -> None:
    """BAC $80,000, $50,000 spent on work 70 % complete: EV = 56,000, CPI = 1.12,
    TCPI = (BAC - EV) / (BAC - AC) = 24,000 / 30,000 = 0.80.

    Source: iZenBridge PMP forum, "Mock Tech Numerical" (Sep 2017), archived in
    https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1.
    """
    m = at_status(pv=60_000, ev=0.70 * 80_000, ac=50_000, bac=80_000)
    assert m[g.EV] == pytest.approx(56_000)
    assert m[g.CPI] == pytest.approx(1.12)
    assert m[g.TCPI_BAC] == pytest.approx(0.80)


def test_tcpi_to_eac_pmzilla_example() -> None:
    """AC $200,000, CV $25,000, BAC $350,000 -> EV 225,000, CPI 1.125.
    TCPI to EAC with EAC = BAC/CPI is 1.125; with EAC = AC + (BAC - EV) = 325,000 it is
    125,000 / 125,000 = 1.

    Source: http://pmzilla.com/tcpi (question and answers in the thread).
    """
    m = at_status(pv=225_000, ev=225_000, ac=200_000, bac=350_000)
    assert m[g.CPI] == pytest.approx(1.125)
    assert m[g.TCPI_EAC] == pytest.approx(1.125)
    m2 = at_status(pv=225_000, ev=225_000, ac=200_000, bac=350_000, eac_method="budget_rate")
    assert m2[g.EAC] == pytest.approx(325_000)
    assert m2[g.TCPI_EAC] == pytest.approx(1.0)


def test_eac_budget_rate_dog_house_example() -> None:
    """Frank's dog house: BAC 500, EV 300, AC 400 -> EAC = AC + BAC - EV = 600.

    Source: Project Management PrepCast forum, "PM study coach - TCPI demystified"
    (https://www.project-management-prepcast.com/kunena/pmp-exam-discussion/1352).
    """
    m = at_status(pv=300, ev=300, ac=400, bac=500, eac_method="budget_rate")
    assert m[g.EAC] == pytest.approx(600)
    assert m[g.ETC] == pytest.approx(200)
    assert m[g.VAC] == pytest.approx(-100)


# --------------------------------------------------------------------------- undefined
def test_zero_actual_cost_gives_reason_not_zero() -> None:
    m = at_status(pv=100, ev=50, ac=0, bac=400)
    assert math.isnan(m[g.CPI])
    assert math.isnan(m[g.EAC_CPI]) and math.isnan(m[g.EAC_CPI_SPI])
    r = compute_evm([[100, 400]], [[50, 50]], [[0, 0]], status_index=0)
    assert r.reason_names(g.CPI)[0, 0] == g.AC_ZERO
    assert r.reason_names(g.EAC)[0, 0] == g.AC_ZERO
    assert r.reason_names(g.TCPI_EAC)[0, 0] == g.AC_ZERO
    # EAC at the budget rate does not need CPI: 0 + 400 - 50
    assert r.values[g.EAC_BUDGET_RATE][0, 0] == 350


def test_zero_planned_value_gives_reason() -> None:
    r = compute_evm([[0, 400]], [[0, 0]], [[10, 10]], status_index=0)
    assert r.reason_names(g.SPI)[0, 0] == g.PV_ZERO
    assert r.reason_names(g.SV_PCT)[0, 0] == g.PV_ZERO
    assert math.isnan(r.values[g.SPI][0, 0])
    # CPI with EV = 0 and AC > 0 is a true zero (nothing earned for the money)
    assert r.values[g.CPI][0, 0] == 0.0
    # ... but EAC = BAC / CPI is undefined, not infinite
    assert r.reason_names(g.EAC_CPI)[0, 0] == g.EV_ZERO
    assert r.reason_names(g.CV_PCT)[0, 0] == g.EV_ZERO


def test_zero_budget_gives_bac_zero_everywhere_relevant() -> None:
    r = compute_evm([[0.0, 0.0]], [[0.0, 0.0]], [[50.0, 80.0]])
    for key in (g.PCT_COMPLETE, g.PCT_SPENT, g.PCT_SCHEDULED, g.EAC, g.VAC_PCT, g.TCPI_BAC,
                g.ES, g.SPI_T, g.IEAC_T, g.PD):  # fmt: skip
        assert list(r.reason_names(key)[0]) == [g.BAC_ZERO, g.BAC_ZERO], key
        assert np.isnan(r.values[key]).all()
    assert r.values[g.CV][0, 1] == -80  # CV is still defined


def test_overrun_tcpi_to_bac_undefined_when_budget_spent() -> None:
    """AC >= BAC: the budget cannot be met any more; TCPI to BAC has no meaning."""
    r = compute_evm([[60, 100]], [[70, 70]], [[90, 120]], status_index=1)
    assert r.reason_names(g.TCPI_BAC)[0, 1] == g.AC_AT_OR_ABOVE_BAC
    assert r.values[g.TCPI_BAC][0, 0] == pytest.approx(3.0)  # (100 - 70) / (100 - 90)
    # month 1: (100 - 70) / (100 - 100) is a division by zero -> undefined too
    r2 = compute_evm([[60, 100]], [[70, 70]], [[100, 100]], status_index=0)
    assert r2.reason_names(g.TCPI_BAC)[0, 0] == g.AC_AT_OR_ABOVE_BAC
    # EAC = BAC/CPI = 100 x 120 / 70 = 171.43 > AC, so TCPI to EAC is defined:
    # (100 - 70) / (171.43 - 120) = 30 / 51.43 = 0.5833 (= CPI, see the property tests)
    assert r.values[g.TCPI_EAC][0, 1] == pytest.approx(70 / 120)


def test_tcpi_to_eac_undefined_when_eac_not_above_ac() -> None:
    """Bottom-up ETC of 0 with work remaining: EAC = AC, TCPI to EAC undefined."""
    r = compute_evm([[50, 100]], [[40, 40]], [[60, 60]], status_index=0, etc=[0.0], eac_method="bottom_up")
    assert r.values[g.EAC][0, 0] == 60
    assert r.reason_names(g.TCPI_EAC)[0, 0] == g.EAC_AT_OR_BELOW_AC


def test_completed_project() -> None:
    """EV = BAC: nothing left to perform, SPI = 1, ES = PD, AT frozen at completion."""
    pv = [[25, 50, 75, 100, 100, 100]]
    ev = [[20, 40, 60, 80, 100, 100]]
    ac = [[20, 45, 70, 90, 110, 110]]
    r = compute_evm(pv, ev, ac, status_index=5)
    v = {k: a[0] for k, a in r.values.items()}
    assert v[g.SPI][5] == 1.0
    assert v[g.ES][5] == 4.0  # PD: PV reaches BAC in month 4
    assert v[g.PD][5] == 4.0
    assert v[g.AT][4] == 5.0 and v[g.AT][5] == 5.0  # completed in month 5, AT stops
    assert v[g.SPI_T][5] == pytest.approx(0.8)  # 4 / 5 planned vs actual months
    assert v[g.IEAC_T][5] == pytest.approx(5.0)  # = the actual duration
    assert r.reason_names(g.TCPI_BAC)[0, 5] == g.WORK_COMPLETE
    assert r.reason_names(g.TSPI)[0, 5] == g.WORK_COMPLETE
    assert v[g.EAC][5] == pytest.approx(110)  # BAC / CPI = 100 / (100/110)
    assert v[g.VAC][5] == pytest.approx(-10)


def test_never_infinite_and_nan_iff_reason() -> None:
    """Every cell is either finite with no reason or NaN with a reason, on a grid of
    awkward inputs (zeros everywhere, EV above BAC, negative variances, completion)."""
    values = [0.0, 1.0, 50.0, 100.0, 130.0]
    rows = [(p, e, a) for p in values for e in values for a in values]
    pv = np.array([[p, 100.0] for p, _, _ in rows])
    ev = np.array([[e, e] for _, e, _ in rows])
    ac = np.array([[a, a] for _, _, a in rows])
    r = compute_evm(pv, ev, ac, etc=np.where(np.arange(len(rows)) % 2, 10.0, np.nan))
    for key in SERIES_METRICS:
        vals, codes = r.values[key], r.reasons[key]
        assert not np.isinf(vals).any(), key
        assert (np.isnan(vals) == (codes != 0)).all(), key


def test_after_status_date_months_have_reason() -> None:
    s = project_evm(fence_project())
    last = s.values.iloc[-1]
    assert last[col.MONTH] == pd.Timestamp("2024-04-01")
    assert last[g.PV] == 4000  # the plan is known
    assert math.isnan(last[g.EV]) and math.isnan(last[g.CPI])
    assert s.reasons.iloc[-1][g.CPI] == g.AFTER_STATUS_DATE
    assert s.reasons.iloc[-1][g.PV] is None


def test_metric_record_turns_nan_into_none_with_reason() -> None:
    m = Metric.of(g.CPI, float("nan"), g.AC_ZERO)
    assert m.value is None and m.reason == g.AC_ZERO and not m.defined
    assert "no actual cost" in m.reason_text
    assert Metric.of(g.CPI, float("inf")).value is None
    ok = Metric.of(g.CPI, np.float64(0.9), g.AC_ZERO)
    assert ok.value == 0.9 and ok.reason is None and ok.unit == g.INDEX
    assert ok.to_dict() == {
        "key": "cpi", "value": 0.9, "unit": "index", "reason": None, "reason_text": "",
    }  # fmt: skip


# --------------------------------------------------------------------------- tidy frames
def two_category_project() -> object:
    """WBS A: Labour 600 (months 1-2: 300, 300), Material 400 (month 1); WBS B: Labour
    500 (month 3). Status month 2; A reported 50 % in month 1 and 75 % in month 2.
    """
    start = "2024-01-01"
    budget = grid(
        {("A", "Labour"): [300, 300, 0], ("A", "Material"): [400, 0, 0],
         ("B", "Labour"): [0, 0, 500]},
        start,
    )  # fmt: skip
    actuals = grid({("A", "Labour"): [250, 350, 999], ("A", "Material"): [380, 0, 0]}, start)
    prog = progress({"A": [0.5, 0.75, 1.0]}, start)
    return make_project(
        budget,
        actuals,
        prog,
        status_date=pd.Timestamp("2024-02-01").date(),
        baseline_finish=pd.Timestamp("2024-03-01").date(),
    )


def test_ev_split_across_categories_in_proportion_to_bac() -> None:
    """EV(A) at month 2 = 1000 x 0.75 = 750, split by A's BAC by category
    (Labour 600 = 60 %, Material 400 = 40 %): Labour 450, Material 300.
    """
    data = two_category_project()
    s = project_evm(data, (col.WBS, col.CATEGORY)).at_status().values  # type: ignore[arg-type]
    ev = {(r[col.WBS], r[col.CATEGORY]): r[g.EV] for _, r in s.iterrows()}
    assert ev[("A", "Labour")] == pytest.approx(450)
    assert ev[("A", "Material")] == pytest.approx(300)
    assert ev[("B", "Labour")] == 0
    cat = project_evm(data, (col.CATEGORY,)).at_status().values  # type: ignore[arg-type]
    by_cat = dict(zip(cat[col.CATEGORY], cat[g.EV], strict=True))
    assert by_cat == {"Labour": pytest.approx(450), "Material": pytest.approx(300)}


def test_actuals_and_progress_after_status_are_ignored() -> None:
    """Actual of 999 in month 3 and the 100 % report of month 3 are after the status."""
    m = status_metrics(project_evm(two_category_project()))  # type: ignore[arg-type]
    assert m[g.AC].value == pytest.approx(250 + 350 + 380)
    curves = project_curves(two_category_project())  # type: ignore[arg-type]
    assert curves.status_index == 1
    assert list(curves.ac[0]) == [630, 980, 980]  # held flat after the status month
    assert list(curves.ev[0]) == [500, 750, 750]
    assert m[g.EV].value == pytest.approx(750)
    assert m[g.PV].value == pytest.approx(1000)
    assert m[g.BAC].value == pytest.approx(1500)


def test_progress_carried_forward_when_a_month_is_missing() -> None:
    start = "2024-01-01"
    budget = grid({("A", "X"): [100, 100, 100, 100]}, start)
    actuals = grid({("A", "X"): [100, 100, 100]}, start)
    prog = progress({"A": [0.2, None, None]}, start)
    data = make_project(budget, actuals, prog)
    values = project_evm(data).values
    assert list(values[g.EV][:3]) == [80, 80, 80]  # 400 x 0.2 carried forward


def test_rollups_sum_to_the_project_and_indices_from_sums() -> None:
    data = two_category_project()
    total = status_metrics(project_evm(data))  # type: ignore[arg-type]
    wbs = project_evm(data, (col.WBS,)).at_status().values  # type: ignore[arg-type]
    for key in (g.PV, g.EV, g.AC, g.BAC):
        assert wbs[key].sum() == pytest.approx(total[key].value)
    # project CPI = 750 / 980, not the mean of the WBS CPIs
    assert total[g.CPI].value == pytest.approx(750 / 980)


def test_bottom_up_eac_from_forecast_sheet() -> None:
    """Forecast: A needs 300 more. B has no forecast row, so it contributes its remaining
    budget 500 - 0. Project EAC bottom-up = AC 980 + 300 + 500 = 1,780; per WBS A:
    980 + 300 = 1,280 and B: no forecast.
    """
    data = two_category_project()
    data.forecast = pd.DataFrame({col.WBS: ["A"], col.ETC: [300.0], col.COMMENT: [""]})  # type: ignore[attr-defined]
    m = status_metrics(project_evm(data, eac_method="bottom_up"))  # type: ignore[arg-type]
    assert m[g.EAC_BOTTOM_UP].value == pytest.approx(1780)
    assert m[g.EAC].value == pytest.approx(1780)
    assert m[g.VAC].value == pytest.approx(1500 - 1780)
    per_wbs = project_evm(data, (col.WBS,)).at_status()  # type: ignore[arg-type]
    rows = dict(zip(per_wbs.values[col.WBS], per_wbs.values[g.EAC_BOTTOM_UP], strict=True))
    assert rows["A"] == pytest.approx(1280)
    assert math.isnan(rows["B"])
    b = per_wbs.reasons[per_wbs.values[col.WBS] == "B"].iloc[0]
    assert b[g.EAC_BOTTOM_UP] == g.NO_FORECAST
    # without a Forecast sheet the bottom-up EAC is undefined
    plain = status_metrics(project_evm(two_category_project()))  # type: ignore[arg-type]
    assert plain[g.EAC_BOTTOM_UP].reason == g.NO_FORECAST


def test_unknown_eac_method_is_rejected() -> None:
    with pytest.raises(ValueError, match="eac_method"):
        compute_evm([[1, 2]], [[1, 1]], [[1, 1]], eac_method="magic")


def test_months_to_date() -> None:
    assert str(months_to_date("2024-01-01", 3.0)) == "2024-03-31"
    assert str(months_to_date("2024-01-01", 2.5)) == "2024-03-15"  # half of 31 days
    assert str(months_to_date("2024-01-01", 0.0)) == "2024-01-01"


def test_status_dates_of_fence() -> None:
    """Planned: 4 months from 2024-01 -> 2024-04-30. Forecast: IEAC(t) = PD / SPI(t) =
    4 / (2.5 / 3) = 4.8 months -> May 2024 + 0.8 x 31 days = 24.8 -> 2024-05-24."""
    dates = status_dates(project_evm(fence_project()))
    assert str(dates["start"]) == "2024-01-01"
    assert str(dates["planned_finish"]) == "2024-04-30"
    assert str(dates["forecast_finish"]) == "2024-05-24"


# --------------------------------------------------------------------------- portfolio
def portfolio_frame() -> pd.DataFrame:
    """Two projects, cumulative curves given directly (by hand)."""
    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    p1 = pd.DataFrame({col.PROJECT: "P1", col.PROGRAMME: "North", col.MONTH: months,
                       g.PV: [100, 200, 300, 400], g.EV: [100, 150, np.nan, np.nan],
                       g.AC: [100, 250, np.nan, np.nan]})  # fmt: skip
    p2 = pd.DataFrame({col.PROJECT: "P2", col.PROGRAMME: "North", col.MONTH: months[1:],
                       g.PV: [1000, 3000, 4000], g.EV: [1000, np.nan, np.nan],
                       g.AC: [800, np.nan, np.nan]})  # fmt: skip
    return pd.concat([p1, p2], ignore_index=True)


def test_portfolio_rolls_up_sums_then_indices() -> None:
    """Status 2024-02. P1: PV 200, EV 150, AC 250 (CPI 0.6). P2 starts in February:
    PV 1000, EV 1000, AC 800 (CPI 1.25). Portfolio: EV 1150 / AC 1050 = 1.0952 (the
    mean of the CPIs, 0.925, would be wrong). ES of the total from the summed PV curve
    [100, 1200, 3300, 4400]: EV 1150 lies between 100 and 1200 -> 1 + 1050 / 1100 =
    1.9545 months, AT 2 -> SPI(t) 0.9773.
    """
    result = portfolio_evm(portfolio_frame(), "2024-02-01")
    projects = result.projects.values.set_index(col.PROJECT)
    assert projects.loc["P1", g.CPI] == pytest.approx(0.6)
    assert projects.loc["P2", g.CPI] == pytest.approx(1.25)
    # P2 is measured from its own start: ES 1 (EV = PV of its month 1), AT 1
    assert projects.loc["P2", g.ES] == pytest.approx(1.0)
    assert projects.loc["P2", g.AT] == 1.0
    assert projects.loc["P2", g.SPI_T] == pytest.approx(1.0)
    total = status_metrics(result.total)
    assert total[g.EV].value == 1150 and total[g.AC].value == 1050
    assert total[g.CPI].value == pytest.approx(1150 / 1050)
    assert total[g.BAC].value == 4400
    assert total[g.ES].value == pytest.approx(1 + 1050 / 1100)
    assert total[g.SPI_T].value == pytest.approx((1 + 1050 / 1100) / 2)
    programme = status_metrics(result.programmes, programme="North")
    assert programme[g.CPI].value == pytest.approx(total[g.CPI].value)


def test_portfolio_from_project_data_matches_project_metrics() -> None:
    frame = pd.concat([curves_frame(fence_project()), curves_frame(fence_project(project_id="P2"))])
    result = portfolio_evm(frame, "2024-03-01")
    one = status_metrics(project_evm(fence_project()))
    total = status_metrics(result.total)
    assert total[g.EV].value == 2 * (one[g.EV].value or 0)
    assert total[g.CPI].value == pytest.approx(one[g.CPI].value)
    assert total[g.ES].value == pytest.approx(one[g.ES].value)
    assert len(result.total_series.values) == 4


def test_project_finished_before_the_portfolio_status_month() -> None:
    """P1's curves stop in February (done: EV = AC = BAC = 200); the portfolio reports
    April. P1 keeps PV = EV = 200, AC = 220 in March and April; AT stops at its
    completion month (2), so its SPI(t) stays 2 / 2 = 1."""
    months = pd.date_range("2024-01-01", periods=2, freq="MS")
    p1 = pd.DataFrame({col.PROJECT: "P1", col.PROGRAMME: "X", col.MONTH: months,
                       g.PV: [100, 200], g.EV: [100, 200], g.AC: [120, 220]})  # fmt: skip
    later = pd.date_range("2024-03-01", periods=2, freq="MS")
    p2 = pd.DataFrame({col.PROJECT: "P2", col.PROGRAMME: "X", col.MONTH: later,
                       g.PV: [50, 100], g.EV: [40, 80], g.AC: [40, 90]})  # fmt: skip
    result = portfolio_evm(pd.concat([p1, p2]), "2024-04-01")
    one = status_metrics(result.projects, project="P1")
    assert (one[g.PV].value, one[g.EV].value, one[g.AC].value) == (200, 200, 220)
    assert one[g.AT].value == 2 and one[g.SPI_T].value == 1.0
    two = status_metrics(result.projects, project="P2")
    assert one[g.ES].value == 2 and two[g.AT].value == 2  # P2 counted from March
    total = status_metrics(result.total)
    assert total[g.EV].value == 280 and total[g.AC].value == 310
    assert total[g.BAC].value == 300


def test_only_status_rows_match_the_full_series() -> None:
    data = two_category_project()
    curves = project_curves(data, (col.WBS,))  # type: ignore[arg-type]
    full = evm_series(curves).at_status()
    quick = evm_series(curves, only_status=True)
    pd.testing.assert_frame_equal(full.values, quick.values)
    pd.testing.assert_frame_equal(full.reasons, quick.reasons)
    assert isinstance(curves, Curves)
