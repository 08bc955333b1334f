"""RAG status: thresholds, SPI(t) preference, grey for undefined, params validation."""

from __future__ import annotations

import pytest

from pmoreports.errors import ParamsError
from pmoreports.metrics import glossary as g
from pmoreports.metrics.evm import Metric, compute_evm
from pmoreports.metrics.rag import (
    AMBER,
    COST,
    FORECAST,
    GREEN,
    GREY,
    OVERALL,
    RED,
    SCHEDULE,
    RagThresholds,
    rag_status,
)


def metrics(**values: float | None) -> dict[str, Metric]:
    return {k: Metric.of(k, v, g.AC_ZERO if v is None else None) for k, v in values.items()}


@pytest.mark.parametrize(
    ("cpi", "expected"),
    [(1.2, GREEN), (0.95, GREEN), (0.9499, AMBER), (0.90, AMBER), (0.8999, RED), (0.0, RED)],
)
def test_cost_thresholds_default(cpi: float, expected: str) -> None:
    assert rag_status(metrics(cpi=cpi))[COST].status == expected


@pytest.mark.parametrize(
    ("vac_pct", "expected"),
    [(0.2, GREEN), (-0.05, GREEN), (-0.0501, AMBER), (-0.10, AMBER), (-0.1001, RED)],
)
def test_forecast_thresholds_default(vac_pct: float, expected: str) -> None:
    assert rag_status(metrics(vac_pct=vac_pct))[FORECAST].status == expected


def test_schedule_prefers_spi_t_late_finish() -> None:
    """Vanhoucke's late project (PM Knowledge Center, "Forecasting time") at week 11:
    SPI = 1.00 but SPI(t) = 9 / 11 = 0.82 -> red, not green."""
    pv = [5, 10, 25, 55, 85, 120, 130, 140, 150, 150, 150]
    ev = [3.33, 6.67, 10, 22.5, 70, 82.5, 90, 120, 130, 140, 150]
    r = compute_evm([pv], [ev], [ev])
    week11 = {k: Metric.of(k, r.values[k][0, 10]) for k in (g.SPI, g.SPI_T, g.CPI, g.VAC_PCT)}
    assert week11[g.SPI].value == 1.0
    status = rag_status(week11)
    assert status[SCHEDULE].status == RED
    assert status[SCHEDULE].metric == g.SPI_T
    assert status[OVERALL].status == RED


def test_schedule_falls_back_to_spi_with_a_note() -> None:
    m = {g.SPI_T: Metric.of(g.SPI_T, None, g.AT_ZERO), g.SPI: Metric.of(g.SPI, 0.92)}
    s = rag_status(m)[SCHEDULE]
    assert s.status == AMBER and s.metric == g.SPI
    assert "SPI used instead" in s.note


def test_undefined_metric_is_grey_with_reason_not_green() -> None:
    status = rag_status(metrics(cpi=None, spi_t=0.97, vac_pct=None))
    assert status[COST].status == GREY and status[COST].label == "n/a"
    assert status[COST].reason == g.AC_ZERO
    assert status[COST].to_dict()["reason_text"].startswith("no actual cost")
    assert status[FORECAST].status == GREY
    # overall is the worst of what could be assessed, and names what could not
    assert status[OVERALL].status == GREEN
    assert "cost" in status[OVERALL].note and "forecast" in status[OVERALL].note


def test_overall_is_the_worst() -> None:
    status = rag_status(metrics(cpi=0.99, spi_t=0.93, vac_pct=-0.2))
    assert [status[k].status for k in (COST, SCHEDULE, FORECAST)] == [GREEN, AMBER, RED]
    assert status[OVERALL].status == RED and status[OVERALL].metric == g.VAC_PCT
    status = rag_status(metrics(cpi=0.99, spi_t=0.93, vac_pct=0.0))
    assert status[OVERALL].status == AMBER


def test_all_undefined_is_grey_overall() -> None:
    assert rag_status({})[OVERALL].status == GREY


def test_fence_example_is_red_on_every_dimension() -> None:
    """Fence (PMP Exam Prep p. 210): CPI 0.893, SPI(t) 2.5 / 3 = 0.833, VAC% = -480 /
    4000 = -12 %: all below the amber bounds."""
    status = rag_status(metrics(cpi=2500 / 2800, spi_t=2.5 / 3, vac_pct=-480 / 4000))
    assert {status[k].status for k in (COST, SCHEDULE, FORECAST, OVERALL)} == {RED}


def test_thresholds_from_params_dict() -> None:
    limits = RagThresholds.from_dict({"cost_green": 0.98, "forecast_amber": -0.2})
    assert limits.cost_green == 0.98 and limits.cost_amber == 0.90
    assert rag_status(metrics(cpi=0.96), limits)[COST].status == AMBER
    assert rag_status(metrics(vac_pct=-0.15), {"forecast_amber": -0.2})[FORECAST].status == AMBER
    assert RagThresholds.from_dict(None) == RagThresholds()
    assert RagThresholds.from_dict({"schedule_amber": 0}).schedule_amber == 0.0  # int ok


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cost_gren": 0.9}, "rag.cost_gren"),
        ({"cost_green": "high"}, "rag.cost_green"),
        ({"cost_green": True}, "rag.cost_green"),
        ({"cost_green": None}, "rag.cost_green"),
        ({"forecast_green": -5}, "rag.forecast_green"),
        ({"cost_green": float("nan")}, "rag.cost_green"),
        ({"cost_green": 0.8}, "rag: cost_green"),  # below the default amber 0.90
        (["cost_green"], "rag"),
    ],
)
def test_invalid_thresholds_raise_params_error(params: object, message: str) -> None:
    with pytest.raises(ParamsError, match=message.replace(".", r"\.")):
        RagThresholds.from_dict(params)  # type: ignore[arg-type]


def test_params_error_names_the_file_section() -> None:
    with pytest.raises(ParamsError, match=r"project\.yaml: rag\.colour"):
        RagThresholds.from_dict({"colour": 1}, where="project.yaml: rag")
