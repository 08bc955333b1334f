"""Variance analysis: thresholds, breaches, explanations (hand-worked values and properties).

Conventions under test (EIA-748 guideline 27 practice, see ``metrics/variances.py``):
CV% = CV / EV, SV% = SV / PV, VAC% = VAC / BAC; a breach needs the amount AND the
percentage strictly over the limits of the variance's side (favourable = positive), an
empty limit is not checked, an undefined value never breaches.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_data import fence_project, grid, make_project, progress

from pmoreports.errors import ParamsError
from pmoreports.metrics import glossary as g
from pmoreports.metrics.project import project_metrics
from pmoreports.metrics.variances import (
    BREACH,
    FAVOURABLE,
    MEASURES,
    NONE,
    UNDEFINED,
    UNFAVOURABLE,
    WITHIN,
    VarianceLimits,
    VarianceThresholds,
    assess,
    unexplained_breaches,
)
from pmoreports.report.params import load_params
from pmoreports.workbook import columns as col
from pmoreports.workbook.model import VARIANCE_COLUMNS

LIMITS = VarianceLimits(25_000, 0.10, 50_000, 0.20)


def one(value: float, percent: float, limits: VarianceLimits = LIMITS) -> tuple[str | None, str]:
    direction, status, _, _ = assess([value], [percent], limits)
    return direction[0], status[0]


@pytest.mark.parametrize(
    ("value", "percent", "expected"),
    [
        (-30_000, -0.12, (UNFAVOURABLE, BREACH)),  # both over the unfavourable limits
        (-30_000, -0.08, (UNFAVOURABLE, WITHIN)),  # percent under its limit
        (-20_000, -0.50, (UNFAVOURABLE, WITHIN)),  # amount under its limit
        (-25_000, -0.50, (UNFAVOURABLE, WITHIN)),  # on the amount limit: not over it
        (-30_000, -0.10, (UNFAVOURABLE, WITHIN)),  # on the percent limit
        (30_000, 0.12, (FAVOURABLE, WITHIN)),  # favourable limits are wider
        (60_000, 0.25, (FAVOURABLE, BREACH)),
        (0.0, 0.0, (NONE, WITHIN)),
        (-30_000, math.nan, (UNFAVOURABLE, UNDEFINED)),  # EV = 0: the percent is needed, undefined
        (-20_000, math.nan, (UNFAVOURABLE, WITHIN)),  # under the amount limit: no percent needed
        (math.nan, -0.5, (None, UNDEFINED)),  # VAC without an EAC
    ],
)
def test_assess_hand_worked(value: float, percent: float, expected: tuple[str | None, str]) -> None:
    assert one(value, percent) == expected


def test_empty_limits_are_not_checked() -> None:
    percent_only = VarianceLimits(None, 0.10, None, 0.10)
    assert one(-1.0, -0.11, percent_only) == (UNFAVOURABLE, BREACH)
    assert one(-1e9, -0.09, percent_only) == (UNFAVOURABLE, WITHIN)
    amount_only = VarianceLimits(1_000, None, 1_000, None)
    assert one(-1_001, math.nan, amount_only) == (UNFAVOURABLE, BREACH)  # no percent needed
    assert one(999, 5.0, amount_only) == (FAVOURABLE, WITHIN)
    nothing = VarianceLimits()
    assert one(-1e12, -9.0, nothing) == (UNFAVOURABLE, WITHIN)  # no threshold: never a breach
    _, _, amount, percent = assess([-1.0, 1.0], [0.0, 0.0], LIMITS)
    assert list(amount) == [25_000, 50_000] and list(percent) == [0.10, 0.20]


finite = st.floats(-1e9, 1e9, allow_nan=False)
limit = st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(finite, st.one_of(st.just(math.nan), st.floats(-10, 10)), limit, limit, limit, limit)
def test_favourable_and_unfavourable_are_mirror_images(
    value: float, percent: float, ua: float | None, up: float | None, fa: float | None, fp: float | None
) -> None:
    limits = VarianceLimits(ua, up, fa, fp)
    mirrored = VarianceLimits(fa, fp, ua, up)
    d1, s1, a1, p1 = assess([value], [percent], limits)
    d2, s2, a2, p2 = assess([-value], [-percent], mirrored)
    assert s1[0] == s2[0]
    swap = {FAVOURABLE: UNFAVOURABLE, UNFAVOURABLE: FAVOURABLE, NONE: NONE}
    if value != 0:
        assert swap[d1[0]] == d2[0]
        assert np.array_equal(a1, a2, equal_nan=True) and np.array_equal(p1, p2, equal_nan=True)


@settings(max_examples=300, deadline=None)
@given(finite, st.floats(-10, 10), limit, limit, limit, limit)
def test_a_breach_is_over_both_limits_of_its_side(
    value: float, percent: float, ua: float | None, up: float | None, fa: float | None, fp: float | None
) -> None:
    limits = VarianceLimits(ua, up, fa, fp)
    _, status, _, _ = assess([value], [percent], limits)
    amount, pct = limits.side(value > 0)
    expected = (
        value != 0
        and (amount is not None or pct is not None)
        and (amount is None or abs(value) > amount)
        and (pct is None or abs(percent) > pct)
    )
    assert (status[0] == BREACH) == expected


# --- a project exactly on plan breaches nothing ------------------------------------------------


@st.composite
def on_plan_projects(draw: st.DrawFn) -> object:
    """Elements whose budget is spread evenly over 1, 2, 4 or 8 months, earned and spent
    exactly as planned: fractions complete are dyadic, so EV = PV = AC to the cent."""
    start = "2024-01-01"
    n_months = 10
    status = draw(st.integers(1, n_months))
    budget, actuals, fractions = {}, {}, {}
    for i in range(draw(st.integers(1, 5))):
        length = draw(st.sampled_from([1, 2, 4, 8]))
        first = draw(st.integers(0, n_months - length))
        monthly = draw(st.integers(1, 50_000)) * 2.0
        plan = [monthly if first <= m < first + length else 0.0 for m in range(n_months)]
        category = draw(st.sampled_from(["Labour", "Software"]))
        budget[(f"{i} E", category)] = plan
        actuals[(f"{i} E", category)] = plan[:status]
        done = np.cumsum(plan) / sum(plan)
        fractions[f"{i} E"] = [float(x) for x in done[:status]]
    return make_project(
        grid(budget, start),
        grid(actuals, start),
        progress(fractions, start),
        baseline_finish=dt.date(2024, 10, 1),
        status_date=(pd.Timestamp(start) + pd.DateOffset(months=status - 1)).date(),
    )


ZERO = VarianceLimits(0, 0, 0, 0)
STRICTEST = VarianceThresholds(ZERO, ZERO, ZERO, ZERO, ZERO)
"""Zero limits: any variance at all is a breach."""


@settings(max_examples=40, deadline=None)
@given(on_plan_projects(), st.sampled_from([VarianceThresholds(), STRICTEST]))
def test_a_project_on_plan_breaches_nothing(data: object, thresholds: VarianceThresholds) -> None:
    m = project_metrics(data, variance=thresholds)  # type: ignore[arg-type]
    v = m.variances
    assert not (v["status"] == BREACH).any()
    cost = v[v["measure"].isin([g.CV_MONTH, g.CV, g.SV_MONTH, g.SV])]
    assert (cost["value"] == 0).all()


def test_zero_limits_flag_any_nonzero_variance_but_not_an_on_plan_one() -> None:
    zero = VarianceLimits(0, 0, 0, 0)
    assert one(-0.01, -1e-9, zero) == (UNFAVOURABLE, BREACH)
    assert one(0.0, 0.0, zero) == (NONE, WITHIN)


# --- the variance table of the fence (hand-worked) ---------------------------------------------


def fence_thresholds() -> VarianceThresholds:
    small = VarianceLimits(50, 0.10, 50, 0.10)
    return VarianceThresholds(small, small, small, small, small)


def test_fence_variances_hand_worked() -> None:
    """The PMP fence at side 3 (see test_evm): EV 2,500, AC 2,800, PV 3,000, BAC 4,000;
    in March EV 500 (side 3 half done), AC 600, PV 1,000; EAC = BAC / CPI = 4,480."""
    m = project_metrics(fence_project(), variance=fence_thresholds())
    v = m.variances
    project = v[v["level"] == "project"].set_index("measure")
    expected = {
        g.CV_MONTH: (-100, -100 / 500),
        g.CV: (-300, -300 / 2500),
        g.SV_MONTH: (-500, -500 / 1000),
        g.SV: (-500, -500 / 3000),
        g.VAC: (-480, -480 / 4000),
    }
    for key, (amount, pct) in expected.items():
        assert project.loc[key, "value"] == pytest.approx(amount)
        assert project.loc[key, "percent"] == pytest.approx(pct)
        assert project.loc[key, "direction"] == UNFAVOURABLE
        assert project.loc[key, "status"] == BREACH
    assert list(project.index) == [mm.key for mm in MEASURES]
    # S1 was done in January: nothing earned, spent or planned in March -> month percent undefined
    s1 = v[(v["level"] == col.WBS) & (v["element"] == "S1")].set_index("measure")
    assert s1.loc[g.CV_MONTH, "value"] == 0 and s1.loc[g.CV_MONTH, "status"] == WITHIN
    assert s1.loc[g.CV_MONTH, "percent_reason"] == g.EV_MONTH_ZERO
    # S4 has not started: no EAC, so VAC is undefined (with the EAC's reason) and never a breach
    s4 = v[(v["level"] == col.WBS) & (v["element"] == "S4")].set_index("measure")
    assert s4.loc[g.VAC, "status"] == UNDEFINED and s4.loc[g.VAC, "reason"] == g.AC_ZERO
    # S2 overran by 200 on 1,000: CV -200 (-20 %), over both limits
    s2 = v[(v["level"] == col.WBS) & (v["element"] == "S2")].set_index("measure")
    assert s2.loc[g.CV, "value"] == pytest.approx(-200) and s2.loc[g.CV, "status"] == BREACH
    assert len(v) == 5 * (1 + 4 + 1)  # the project, 4 sides, 1 category


def test_explanations_match_element_and_type() -> None:
    explanations = pd.DataFrame(
        [
            ["P1", "cost", "Wood price", "", "", "Pat", pd.NaT, "open"],  # the project ID means the project
            [" s2 ", "cost", "Rework", "200 more", "Check joints", "Sam", pd.Timestamp("2024-04-15"), "in progress"],
            ["S3", "schedule", "", "", "", "", pd.NaT, ""],  # a row without a cause explains nothing
        ],
        columns=list(VARIANCE_COLUMNS),
    )
    data = fence_project()
    data.variances = explanations
    v = project_metrics(data, variance=fence_thresholds()).variances
    explained = v[v["explained"]]
    assert set(zip(explained["element"], explained["measure"], strict=True)) == {
        ("Project", g.CV_MONTH),
        ("Project", g.CV),
        ("S2", g.CV_MONTH),
        ("S2", g.CV),
    }
    s2 = v[(v["element"] == "S2") & (v["measure"] == g.CV)].iloc[0]["explanation"]
    assert s2 == {
        col.ELEMENT: " s2 ",
        col.VARIANCE_TYPE: "cost",
        col.CAUSE: "Rework",
        col.IMPACT: "200 more",
        col.CORRECTIVE_ACTION: "Check joints",
        col.OWNER: "Sam",
        col.DUE_DATE: "2024-04-15",
        col.STATUS: "in progress",
    }
    s3 = v[(v["element"] == "S3") & (v["measure"] == g.SV)].iloc[0]
    assert s3["explanation"] is not None and not s3["explained"]
    todo = unexplained_breaches(v)
    assert list(todo.columns) == list(VARIANCE_COLUMNS)
    pairs = set(zip(todo[col.ELEMENT], todo[col.VARIANCE_TYPE], strict=True))
    assert ("Project", "cost") not in pairs and ("S2", "cost") not in pairs
    assert {("Project", "schedule"), ("Project", "at completion"), ("S3", "schedule")} <= pairs
    assert len(pairs) == len(todo) and set(todo[col.STATUS]) == {"open"}
    assert todo[col.CAUSE].eq("").all()


# --- thresholds from parameter files -----------------------------------------------------------


def test_thresholds_round_trip_and_defaults() -> None:
    default = VarianceThresholds()
    assert VarianceThresholds.from_dict(default.to_dict()) == default
    assert VarianceThresholds.from_dict(None) == default
    custom = VarianceThresholds.from_dict({"cost": {"current": {"favourable": {"amount": None}}}, "tcpi_band": 0.2})
    assert custom.cost_current.favourable_amount is None
    assert custom.cost_current.favourable_percent == default.cost_current.favourable_percent
    assert custom.tcpi_band == 0.2 and custom.cost_cumulative == default.cost_cumulative


def test_bad_thresholds_are_all_reported() -> None:
    with pytest.raises(ParamsError) as info:
        VarianceThresholds.from_dict(
            {
                "cost": {"current": {"unfavourable": {"amount": -5, "percent": "ten"}}, "monthly": {}},
                "schedule": {"at_completion": {}},
                "tcpi_band": True,
                "reliable_to": 2,
            }
        )
    text = str(info.value)
    assert "variance.cost.current.unfavourable.amount: -5; expected a finite number >= 0" in text
    assert "variance.cost.current.unfavourable.percent: 'ten'" in text
    assert "variance.cost.monthly: unknown key" in text
    assert "variance.schedule.at_completion: unknown key" in text
    assert "variance.tcpi_band: True" in text
    assert len(text.splitlines()) == 5
    with pytest.raises(ParamsError, match="reliable_from < reliable_to"):
        VarianceThresholds.from_dict({"reliable_from": 0.9, "reliable_to": 0.5})


def test_project_file_overrides_one_limit_and_keeps_the_rest(tmp_path: Path, alpha_xlsx: Path) -> None:
    (tmp_path / "_defaults.yaml").write_text(
        "variance:\n  cost:\n    cumulative:\n      unfavourable: {amount: 1000}\n", encoding="utf-8"
    )
    (tmp_path / "a.yaml").write_text(
        f"workbook: {alpha_xlsx}\nvariance:\n  cost:\n    cumulative:\n      unfavourable: {{percent: 0.02}}\n",
        encoding="utf-8",
    )
    params = load_params(tmp_path / "a.yaml")
    limits = params.variance.cost_cumulative
    assert (limits.unfavourable_amount, limits.unfavourable_percent) == (1000, 0.02)
    assert limits.favourable_amount == VarianceThresholds().cost_cumulative.favourable_amount
    assert params.metrics_options()["variance"] is params.variance
    (tmp_path / "b.yaml").write_text(
        f"workbook: {alpha_xlsx}\nvariance:\n  cost:\n    current: {{unfavourable: {{amount: x}}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParamsError, match=r"b\.yaml: variance\.cost\.current\.unfavourable\.amount: 'x'"):
        load_params(tmp_path / "b.yaml")
    (tmp_path / "c.yaml").write_text(f"workbook: {alpha_xlsx}\nvariance:\n  cots: {{}}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"c\.yaml: unknown key 'variance\.cots' \(did you mean 'variance\.cost'\?\)"):
        load_params(tmp_path / "c.yaml")
