"""The facade: project_metrics on a hand-built ProjectData, to_dict and write_metrics."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from metrics_data import fence_project, grid, make_project, progress

from pmoreports.errors import ParamsError
from pmoreports.metrics import glossary as g
from pmoreports.metrics.milestones import MILESTONE_STATUS
from pmoreports.metrics.project import METRICS_FILES, metrics_json, project_metrics, write_metrics
from pmoreports.metrics.rag import COST, GREY, OVERALL, RED, SCHEDULE, RagThresholds
from pmoreports.workbook import columns as col

D = dt.date


def fence_with_registers() -> Any:
    """The PMP Exam Prep fence (p. 210) plus registers, contingency 1,000 and a business
    case at 10 %."""
    return fence_project(
        contingency=1_000.0,
        management_reserve=250.0,
        discount_rate=0.10,
        changes=[
            ["C1", D(2024, 1, 5), "Gate", "scope", "approved", 300.0, 2, D(2024, 1, 9)],
            ["C2", D(2024, 2, 5), "Paint", "scope", "proposed", 150.0, 1, None],
        ],
        risks=[
            ["R1", "Rain", "Site", 3, 400.0, 2, "Pat", "Tarp", "open"],  # 0.5 x 400
            ["R2", "Wood price", "Supply", "30%", 1_000.0, 0, "Sam", "Buy early", "open"],
            ["R3", "Sick crew", "People", 0.2, 200.0, 1, "Pat", "", "realised"],
        ],
        milestones=[
            ["Side 2 done", D(2024, 2, 29), None, D(2024, 2, 29)],
            ["Side 3 done", D(2024, 3, 31), D(2024, 4, 10), None],
            ["Fence done", D(2024, 4, 30), D(2024, 5, 20), None],
        ],
        benefits=[[2024, 0.0, 0.0], [2025, 3_000.0, 100.0], [2026, 3_000.0, 100.0]],
    )


def test_project_metrics_of_the_fence() -> None:
    m = project_metrics(fence_with_registers())
    # EVM: the published answers (PMP Exam Prep p. 210, see test_evm)
    assert m.status[g.CPI].value == pytest.approx(2500 / 2800)
    assert m.status[g.EAC].value == pytest.approx(4480)
    assert m.status[g.SPI_T].value == pytest.approx(2.5 / 3)
    assert m.status_month == D(2024, 3, 1)
    assert m.dates["forecast_finish"] == D(2024, 5, 24)
    # costs, by hand: burn = (1000 + 1200 + 600) / 3 = 933.33; left = (4000 - 2800) / 933.33
    assert m.costs[g.BURN_RATE].value == pytest.approx(2800 / 3)
    assert m.costs[g.MONTHS_OF_BUDGET_LEFT].value == pytest.approx(1200 / (2800 / 3))
    # contingency 1,000 - approved change 300 - realised risk 200 = 500
    assert m.costs[g.CONTINGENCY_REMAINING].value == 500
    assert m.costs[g.PROPOSED_CHANGES_COST].value == 150
    # open exposure 0.5 x 400 + 0.3 x 1,000 = 500, against the 500 left: covered exactly
    assert m.risk_exposure[g.OPEN_EXPOSURE].value == pytest.approx(500)
    assert m.risk_exposure[g.EXPOSURE_COVERAGE].value == pytest.approx(1.0)
    assert m.top_risks[col.RISK_ID].tolist() == ["R2", "R1"]
    assert int(m.risk_matrix.to_numpy().sum()) == 2
    # milestones as of 2024-03-31
    assert m.milestones[MILESTONE_STATUS].tolist() == ["done", "late", "at risk"]
    assert m.next_milestones[col.MILESTONE].tolist() == ["Side 3 done", "Fence done"]
    # business case: 2024 cost 2,800 actual + 1,000 April budget; NPV by hand at 10 %:
    # -3,800 + 2,900 / 1.1 + 2,900 / 1.21 = 1,033.06
    assert m.business_case.metrics[g.NPV].value == pytest.approx(-3800 + 2900 / 1.1 + 2900 / 1.21)
    # RAG: CPI 0.89, SPI(t) 0.83, VAC% -12 %: red
    assert m.rag[OVERALL].status == RED and m.rag[SCHEDULE].metric == g.SPI_T
    # tables per WBS and category agree with the project
    assert m.cost_by_wbs.values[g.ACTUAL_TO_DATE].sum() == 2800
    assert m.cost_by_category.values[g.BAC].sum() == 4000
    assert len(m.by_wbs.at_status().values) == 4


def test_to_dict_is_strict_json_with_reasons() -> None:
    m = project_metrics(fence_with_registers())
    data = json.loads(metrics_json(m))  # allow_nan=False inside: no NaN can slip through
    assert set(data) == {
        "project", "status", "dates", "rag", "thresholds", "costs", "changes",
        "cost_by_wbs", "cost_by_category", "evm_by_wbs", "evm_by_category", "series",
        "risks", "milestones", "business_case",
        "variances", "variance_thresholds", "eac_realism", "data_quality",
    }  # fmt: skip
    bottom_up = data["status"][g.EAC_BOTTOM_UP]
    assert bottom_up["value"] is None and bottom_up["reason"] == g.NO_FORECAST
    assert bottom_up["reason_text"] == g.REASON_TEXT[g.NO_FORECAST]
    assert data["status"][g.CPI]["unit"] == g.INDEX
    assert data["dates"]["forecast_finish"] == "2024-05-24"
    s4 = next(r for r in data["evm_by_wbs"] if r[col.WBS] == "S4")
    assert s4[g.CPI] is None and s4[f"{g.CPI}_reason"] == g.AC_ZERO
    april = data["series"][-1]
    assert april[col.MONTH] == "2024-04-01" and april[g.PV] == 4000
    assert april[g.EV] is None and april[f"{g.EV}_reason"] == g.AFTER_STATUS_DATE
    assert data["risks"]["matrix"]["probability_bands"] == [5, 4, 3, 2, 1]
    assert data["rag"]["overall"]["status"] == RED
    assert data["thresholds"]["cost_green"] == 0.95
    assert data["business_case"]["first_period"] == 2024
    assert data["project"]["status_month"] == "2024-03-01"


def test_write_metrics_files(tmp_path: Path) -> None:
    paths = write_metrics(project_metrics(fence_with_registers()), tmp_path / "out")
    assert [p.name for p in paths] == list(METRICS_FILES)
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["project"]["name"]
    with (tmp_path / "out" / "metrics.csv").open() as handle:
        rows = {(r["group"], r["key"]): r for r in csv.DictReader(handle)}
    assert float(rows[("status", g.CPI)]["value"]) == pytest.approx(2500 / 2800)
    assert rows[("status", g.EAC_BOTTOM_UP)]["reason"] == g.NO_FORECAST
    series = pd.read_csv(tmp_path / "out" / "series.csv")
    assert len(series) == 4 and f"{g.CPI}_reason" in series.columns
    assert not list(tmp_path.glob("out/.*.tmp"))  # no temporary file left behind


def test_thresholds_from_params_and_validation() -> None:
    strict = project_metrics(fence_project(), {"cost_amber": 0.5, "cost_green": 0.85})
    assert strict.rag[COST].status == "green"  # CPI 0.893 >= 0.85
    assert strict.thresholds == RagThresholds(cost_green=0.85, cost_amber=0.5)
    with pytest.raises(ParamsError, match="cost_grean"):
        project_metrics(fence_project(), {"cost_grean": 0.9})


def test_project_not_started_is_grey_not_green() -> None:
    """Status in the first month, nothing spent or earned yet: indices are undefined with
    reasons, RAG is grey, JSON is still valid."""
    start = "2024-01-01"
    data = make_project(
        grid({("A", "X"): [100, 100]}, start),
        grid({("A", "X"): [0]}, start),
        progress({"A": [0.0]}, start),
        status_date=D(2024, 1, 1),
        baseline_finish=D(2024, 2, 1),
    )
    m = project_metrics(data)
    assert m.status[g.CPI].reason == g.AC_ZERO
    assert m.status[g.EAC].reason == g.AC_ZERO
    assert m.status[g.IEAC_T].reason == g.ES_ZERO
    assert m.rag[COST].status == GREY and m.rag[OVERALL].status == RED  # SPI(t) = 0
    assert m.costs[g.MONTHS_OF_BUDGET_LEFT].reason == g.BURN_ZERO
    assert m.business_case.metrics[g.NPV].reason == g.NO_DISCOUNT_RATE
    json.loads(metrics_json(m))


def test_project_without_any_data() -> None:
    empty = pd.DataFrame(columns=[col.WBS, col.CATEGORY, col.MONTH, col.VALUE])
    data = make_project(empty, empty, pd.DataFrame(columns=[col.WBS, col.MONTH, col.VALUE]))
    m = project_metrics(data)
    assert m.status[g.BAC].value == 0
    assert m.status[g.PCT_COMPLETE].reason == g.BAC_ZERO
    assert m.rag[OVERALL].status == GREY
    assert m.cost_by_wbs.values.empty
    text = metrics_json(m)
    assert "NaN" not in text and "Infinity" not in text
    assert all(v["value"] is None or math.isfinite(v["value"]) for v in json.loads(text)["status"].values())


def test_glossary_explains_every_reported_metric() -> None:
    """Every metric key the facade reports has a plain-language glossary entry, and every
    reason code it emits has words."""
    m = project_metrics(fence_with_registers())
    groups = [m.status, m.costs, m.risk_exposure, m.business_case.metrics]
    keys = {key for group in groups for key in group}
    assert keys <= set(g.GLOSSARY), keys - set(g.GLOSSARY)
    reasons = {x.reason for group in groups for x in group.values() if x.reason}
    assert reasons and reasons <= set(g.REASON_TEXT)
    table = g.glossary_markdown()
    assert "| Cost performance index (CPI) | EV / AC | index |" in table


def test_params_metric_options_reach_the_metrics() -> None:
    """metrics.top_risks and metrics.burn_rate_months in a params file change the numbers."""
    from dataclasses import replace

    from conftest import REPO

    from pmoreports import read_workbook
    from pmoreports.metrics.project import project_metrics
    from pmoreports.report.params import load_params

    params = load_params(REPO / "params" / "bravo.yaml")
    data = read_workbook(params.workbook)
    default = project_metrics(data, **params.metrics_options())
    custom = project_metrics(data, **replace(params, top_risks=2, burn_rate_months=6).metrics_options())
    assert len(default.top_risks) > 2 and len(custom.top_risks) == 2
    assert custom.costs["burn_rate"].value != default.costs["burn_rate"].value


def test_write_metrics_quotes_formula_like_text(tmp_path: Path) -> None:
    """A risk titled like a formula is written with a quote in front (no spreadsheet
    evaluates it); negative numbers stay numbers; rows end in CRLF (RFC 4180), so a text
    with a lone CR stays in its cell."""
    data = fence_project(
        risks=[["R1", '=HYPERLINK("http://x","click")', "Site", 3, 400.0, -2, "@owner", "line 1\rline 2", "open"]],
        milestones=[["-Side 2 done", D(2024, 2, 29), None, D(2024, 2, 29)]],
    )
    write_metrics(project_metrics(data), tmp_path)
    risks = pd.read_csv(tmp_path / "risks.csv")
    assert risks.loc[0, col.TITLE] == '\'=HYPERLINK("http://x","click")'
    assert risks.loc[0, col.OWNER] == "'@owner"
    assert risks.loc[0, col.RESPONSE] == "line 1\rline 2"
    assert risks.loc[0, col.SCHEDULE_IMPACT_DAYS] == -2  # a number, not text
    assert pd.read_csv(tmp_path / "milestones.csv").loc[0, col.MILESTONE] == "'-Side 2 done"
    assert (tmp_path / "series.csv").read_bytes().count(b"\r\n") == 5  # header + 4 months
