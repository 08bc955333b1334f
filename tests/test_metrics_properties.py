"""Invariants of the metrics engine, checked with hypothesis on random inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_data import grid, make_project, progress

from pmoreports.metrics import glossary as g
from pmoreports.metrics.evm import (
    SERIES_METRICS,
    compute_evm,
    earned_schedule,
    portfolio_evm,
    project_evm,
    status_metrics,
)
from pmoreports.workbook import columns as col

money = st.floats(min_value=0.01, max_value=1e7, allow_nan=False, allow_infinity=False)
month_pv = st.one_of(st.just(0.0), money)
pv_months = st.lists(month_pv, min_size=1, max_size=24).filter(lambda xs: sum(xs) > 0)

SETTINGS = settings(max_examples=60, deadline=None)


def between(value: float, parts: list[float]) -> bool:
    tol = 1e-12 * max(1.0, abs(value))
    return min(parts) - tol <= value <= max(parts) + tol


# --------------------------------------------------------------------------- roll-ups
@SETTINGS
@given(st.lists(st.tuples(money, money, money), min_size=2, max_size=6))
def test_portfolio_cpi_is_sum_ev_over_sum_ac_and_between_parts(
    parts: list[tuple[float, float, float]],
) -> None:
    """Projects with (BAC, EV, AC); the portfolio CPI is sum EV / sum AC (never a mean of
    CPIs) and lies between the smallest and the largest project CPI."""
    month = pd.Timestamp("2024-01-01")
    frame = pd.DataFrame(
        {
            col.PROJECT: [f"P{i}" for i in range(len(parts))],
            col.PROGRAMME: "All",
            col.MONTH: month,
            g.PV: [b for b, _, _ in parts],
            g.EV: [e for _, e, _ in parts],
            g.AC: [a for _, _, a in parts],
        }
    )
    result = portfolio_evm(frame, month)
    total = status_metrics(result.total)[g.CPI].value
    expected = sum(e for _, e, _ in parts) / sum(a for _, _, a in parts)
    assert total is not None
    assert np.isclose(total, expected, rtol=1e-12)
    project_cpis = list(result.projects.values[g.CPI])
    assert np.allclose(project_cpis, [e / a for _, e, a in parts], rtol=1e-12)
    assert between(total, project_cpis)
    programme = status_metrics(result.programmes, programme="All")[g.CPI].value
    assert programme is not None and np.isclose(programme, expected, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(money, st.floats(0.0, 1.0), money), min_size=2, max_size=5, unique_by=lambda t: t))
def test_project_cpi_from_wbs_elements(parts: list[tuple[float, float, float]]) -> None:
    """A project built from tidy frames, one WBS element per part (budget, fraction
    complete, actual cost): project CPI = sum EV / sum AC, between the WBS CPIs."""
    start = "2024-01-01"
    budget = grid({(f"W{i}", "X"): [b] for i, (b, _, _) in enumerate(parts)}, start)
    actuals = grid({(f"W{i}", "X"): [a] for i, (_, _, a) in enumerate(parts)}, start)
    prog = progress({f"W{i}": [f] for i, (_, f, _) in enumerate(parts)}, start)
    data = make_project(budget, actuals, prog, status_date=pd.Timestamp(start).date())
    total = status_metrics(project_evm(data))[g.CPI].value
    ev = [b * f for b, f, _ in parts]
    acs = [a for _, _, a in parts]
    assert total is not None
    assert np.isclose(total, sum(ev) / sum(acs), rtol=1e-9)
    by_wbs = project_evm(data, (col.WBS,)).at_status().values[g.CPI].tolist()
    assert between(total, by_wbs)


# --------------------------------------------------------------------------- TCPI
@SETTINGS
@given(money, money, money, money)
def test_tcpi_to_eac_equals_cpi_when_eac_is_bac_over_cpi(pv: float, ev: float, ac: float, bac: float) -> None:
    """TCPI = (BAC - EV) / (EAC - AC) with EAC = BAC x AC / EV gives EV / AC = CPI."""
    r = compute_evm([[pv, bac]], [[ev, ev]], [[ac, ac]], status_index=0, eac_method="cpi")
    tcpi, cpi = r.values[g.TCPI_EAC][0, 0], r.values[g.CPI][0, 0]
    if ev < bac:
        assert np.isclose(tcpi, cpi, rtol=1e-9)
    else:
        assert np.isnan(tcpi)
        assert r.reason_names(g.TCPI_EAC)[0, 0] == g.WORK_COMPLETE


# --------------------------------------------------------------------------- ES
@SETTINGS
@given(pv_months, st.lists(st.floats(0.0, 1.3), min_size=1, max_size=30))
def test_es_bounded_by_pd_and_monotone_in_ev(pv_month: list[float], steps: list[float]) -> None:
    """EV grows month by month (from 0 up to 130 % of BAC): ES stays within [0, PD] and
    never decreases; at a fixed month, ES never decreases as EV grows either."""
    pv = np.cumsum(pv_month)
    m = len(pv)
    bac = pv[-1]
    ev = np.maximum.accumulate(np.resize(np.asarray(steps) * bac, m))
    r = compute_evm([pv], [ev], [ev])
    es, pd_ = r.values[g.ES][0], r.values[g.PD][0]
    defined = ~np.isnan(es)
    assert (es[defined] >= 0).all()
    assert (es[defined] <= pd_[defined] + 1e-9).all()
    assert (np.diff(es[defined]) >= -1e-9).all()
    levels = np.sort(np.concatenate([pv, np.asarray(steps) * bac]))
    for month in (0.0, 1.0, float(m) / 2, float(m)):
        fixed, pd_raw = earned_schedule([pv], [levels], [np.full(len(levels), month)])
        assert (np.diff(fixed[0]) >= -1e-9).all()
        assert (fixed[0] <= pd_raw[0] + 1e-9).all()


@SETTINGS
@given(pv_months)
def test_ev_equal_to_pv_every_month_gives_spi_t_one(pv_month: list[float]) -> None:
    """On-plan project (EV = PV every month), including months without planned cost and
    a late start: SPI(t) = 1 and SV(t) = 0 wherever defined; undefined only before the
    first month with planned value (AT = 0)."""
    pv = np.cumsum(pv_month)
    r = compute_evm([pv], [pv], [pv])
    spi_t, sv_t = r.values[g.SPI_T][0], r.values[g.SV_T][0]
    defined = ~np.isnan(spi_t)
    assert np.allclose(spi_t[defined], 1.0, rtol=1e-12)
    assert np.allclose(sv_t[defined], 0.0, atol=1e-9)
    first = int(np.argmax(np.asarray(pv_month) > 0))
    assert defined[first:].all()
    assert set(r.reason_names(g.SPI_T)[0][~defined]) <= {g.AT_ZERO}


# --------------------------------------------------------------------------- general
@SETTINGS
@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6)), min_size=1, max_size=12))
def test_values_are_finite_or_nan_with_a_reason(rows: list[tuple[float, float, float]]) -> None:
    """Whatever the data, no metric is infinite, and NaN appears exactly where a reason
    code explains it."""
    pv = np.maximum.accumulate([p for p, _, _ in rows])
    ev = np.array([e for _, e, _ in rows])
    ac = np.maximum.accumulate([a for _, _, a in rows])
    r = compute_evm([pv], [ev], [ac], status_index=len(rows) // 2)
    for key in SERIES_METRICS:
        values, codes = r.values[key], r.reasons[key]
        assert not np.isinf(values).any(), key
        assert (np.isnan(values) == (codes != 0)).all(), key
