"""The analyst API (report/analyst.py) on the demo portfolio.

Every expected value is computed here independently of the API: money from each project's
``metrics.json`` (written by :func:`write_metrics`) times the rate read from
``_portfolio.yaml``; actuals from the workbook's Actuals sheet; what-ifs by recomputing each
project's metrics from its workbook with the engine (:func:`project_metrics`) under the new
assumptions; RAG grades from the threshold rule (lower bounds, a value on a bound gets the
better colour).
"""

from __future__ import annotations

import json
import math
import operator
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import altair as alt
import openpyxl
import pandas as pd
import pytest
import yaml
from browser import open_page, requires_chromium
from conftest import REPO, make_kit
from hypothesis import given, settings
from hypothesis import strategies as st

from pmoreports.errors import ParamsError, ReportError
from pmoreports.metrics import glossary as g
from pmoreports.metrics.evm import EAC_METHODS
from pmoreports.metrics.project import project_metrics, write_metrics
from pmoreports.paths import NOTEBOOKS_DIR, REPORT_CSS, notebook_input
from pmoreports.report import charts, charts_display
from pmoreports.report._format import fmt_money, rag_colours
from pmoreports.report.analyst import SHOWN_COLUMNS, Portfolio, PortfolioWarning
from pmoreports.report.project import ProjectReport
from pmoreports.workbook import columns as C

PERIOD = "2026-10"
DIMENSIONS = {"rag": "overall", "rag_cost": "cost", "rag_schedule": "schedule", "rag_forecast": "forecast"}
SEVERITY = {"red": 0, "amber": 1, "grey": 2, "green": 3}


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    """``examples/`` and ``params/`` of the demo, with the kit's ``_defaults`` and ``_portfolio``."""
    root = make_kit(demo_dir, tmp_path_factory.mktemp("analyst-kit"))
    return root


@pytest.fixture(scope="module")
def portfolio(kit: Path) -> Portfolio:
    return Portfolio.load(kit / "params")


@pytest.fixture(scope="module")
def period_dir(kit: Path, portfolio: Portfolio) -> Path:
    """``output/2026-10`` as a batch leaves it: each project's metrics files and the manifest."""
    folder = kit / "output" / PERIOD
    projects = []
    for pid, entry in portfolio.entries.items():
        assert entry.report is not None
        write_metrics(entry.report.metrics, folder / pid)
        projects.append({"project_id": pid, "status": "ok", "params_file": str(entry.report.params.source)})
    (folder / "manifest.json").write_text(json.dumps({"period": PERIOD, "projects": projects}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def metrics(period_dir: Path) -> dict[str, dict[str, Any]]:
    """Each project's ``metrics.json``, as written."""
    return {
        p.name: json.loads((p / "metrics.json").read_text(encoding="utf-8")) for p in period_dir.iterdir() if p.is_dir()
    }


@pytest.fixture(scope="module")
def fx(kit: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((kit / "params" / "_portfolio.yaml").read_text(encoding="utf-8")))


def _value(m: Mapping[str, Any], key: str) -> float | None:
    v = m["status"][key]["value"]
    return None if v is None else float(v)


def _rate(fx: Mapping[str, Any], currency: str) -> float | None:
    if currency == fx["currency"]:
        return 1.0
    rate = fx["fx"].get(currency)
    return None if rate is None else float(rate)


def _same(a: Any, b: Any) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and a == pytest.approx(b, rel=1e-9, abs=1e-9)


# -- the table ----------------------------------------------------------------------------------


def test_money_is_in_the_reporting_currency(portfolio: Portfolio, metrics: dict[str, Any], fx: dict[str, Any]) -> None:
    t = portfolio.table
    assert set(t.index) == set(metrics) and len(metrics) == 7
    currencies = {m["project"]["currency"] for m in metrics.values()}
    assert len(currencies) >= 4  # the demo mixes currencies: a real test of conversion
    for pid, m in metrics.items():
        currency = m["project"]["currency"]
        rate = _rate(fx, currency)
        assert rate is not None
        assert t.at[pid, "currency"] == currency
        for key in (g.BAC, g.AC, g.EAC, g.VAC, g.PV, g.EV):
            value = _value(m, key)
            assert _same(t.at[pid, key], None if value is None else value * rate), (pid, key)
        for key in (g.CPI, g.SPI_T, g.VAC_PCT):  # ratios need no conversion
            assert _same(t.at[pid, key], _value(m, key)), (pid, key)
        for column, dimension in DIMENSIONS.items():
            assert t.at[pid, column] == m["rag"][dimension]["status"]
        assert t.at[pid, "manager"] == m["project"]["manager"] != ""


def test_table_is_worst_first(portfolio: Portfolio, metrics: dict[str, Any]) -> None:
    def key(pid: str) -> tuple[int, float, str]:
        vac = _value(metrics[pid], g.VAC_PCT)
        return SEVERITY[metrics[pid]["rag"]["overall"]["status"]], math.inf if vac is None else vac, pid

    assert list(portfolio.table.index) == sorted(metrics, key=key)
    by_cpi = portfolio.sort(g.CPI, ascending=False).table
    assert list(by_cpi[g.CPI]) == sorted(by_cpi[g.CPI], reverse=True)


def test_a_period_output_gives_the_same_portfolio(portfolio: Portfolio, period_dir: Path) -> None:
    loaded = Portfolio.load(period_dir)  # FX found beside the params files the batch ran from
    assert loaded.period == PERIOD and loaded.settings == portfolio.settings
    pd.testing.assert_frame_equal(loaded.table, portfolio.table)


def test_a_project_without_rate_is_named_loudly(
    portfolio: Portfolio, period_dir: Path, kit: Path, fx: dict[str, Any], tmp_path: Path, metrics: dict[str, Any]
) -> None:
    dropped = "JPY"
    lacking = sorted(pid for pid, m in metrics.items() if m["project"]["currency"] == dropped)
    assert lacking
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    rates = {k: v for k, v in fx["fx"].items() if k != dropped}
    (settings_dir / "_portfolio.yaml").write_text(yaml.safe_dump(fx | {"fx": rates}), encoding="utf-8")
    with pytest.warns(PortfolioWarning) as caught:
        p = Portfolio.load(period_dir, params_dir=settings_dir)
    text = " ".join(str(w.message) for w in caught)
    assert dropped in text and all(pid in text for pid in lacking)
    assert p.missing_rates == dict.fromkeys(lacking, dropped)
    for pid in lacking:
        assert all(_same(p.table.at[pid, k], None) for k in (g.BAC, g.EAC, g.AC))
    html = p._repr_html_()
    assert "pmo-warning" in html and all(pid in html for pid in lacking)
    total = p.programmes().data.loc["Total"]
    others = [pid for pid in metrics if pid not in lacking]
    assert total[g.BAC] == pytest.approx(sum(portfolio.table.at[pid, g.BAC] for pid in others))


# -- filters ------------------------------------------------------------------------------------


def test_where_filters_by_rag_programme_manager_and_metric(portfolio: Portfolio, metrics: dict[str, Any]) -> None:
    def ids(view: Portfolio) -> set[str]:
        return set(view.table.index)

    red = {pid for pid, m in metrics.items() if m["rag"]["overall"]["status"] == "red"}
    assert red and ids(portfolio.where(rag="red")) == red == ids(portfolio.where(rag="RED"))
    digital = {pid for pid, m in metrics.items() if m["project"]["programme"] == "Digital"}
    assert ids(portfolio.where(programme="Digital")) == digital
    assert ids(portfolio.where(programme=["Digital", "Operations"])) == {
        pid for pid, m in metrics.items() if m["project"]["programme"] in ("Digital", "Operations")
    }
    manager = metrics["FOXTROT"]["project"]["manager"]
    assert ids(portfolio.where(manager=manager)) == {
        pid for pid, m in metrics.items() if m["project"]["manager"] == manager
    }
    low = {pid for pid, m in metrics.items() if (_value(m, g.CPI) or math.inf) < 0.95}
    assert low and ids(portfolio.where(cpi=lambda x: x < 0.95)) == low == ids(portfolio.where(cpi="< 0.95"))
    both = portfolio.where(programme="Digital").where(rag="red")
    assert ids(both) == digital & red
    assert both.filters == ("programme='Digital'", "rag='red'")
    assert list(both.table.index) == [pid for pid in portfolio.table.index if pid in digital & red]


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@settings(max_examples=60, deadline=None)
@given(
    column=st.sampled_from([g.CPI, g.SPI_T, g.VAC_PCT, g.BAC, g.EAC]),
    op=st.sampled_from(sorted(_OPS)),
    quantile=st.floats(0, 1),
)
def test_where_comparison_matches_the_values(portfolio: Portfolio, column: str, op: str, quantile: float) -> None:
    values = portfolio.table[column].dropna().astype(float)
    limit = float(values.quantile(quantile))
    expected = {pid for pid, v in values.items() if _OPS[op](v, limit)}
    assert set(portfolio.where(**{column: f"{op} {limit!r}"}).table.index) == expected


def test_where_says_what_is_wrong(portfolio: Portfolio) -> None:
    with pytest.raises(ReportError, match=r"no column 'cip'.*did you mean 'cpi'"):
        portfolio.where(cip=0.9)
    with pytest.raises(ReportError, match=r"cpi is a number column"):
        portfolio.where(cpi="low")
    with pytest.raises(ReportError, match=r"no project 'FOXTROTT'.*did you mean FOXTROT"):
        portfolio.project("FOXTROTT")


# -- drill down ---------------------------------------------------------------------------------


def test_drill_portfolio_programme_project_wbs(portfolio: Portfolio, metrics: dict[str, Any]) -> None:
    programme = portfolio.where(programme="Digital")
    drilled = programme.project()
    assert drilled.project_id == programme.table.index[0]
    m = metrics[drilled.project_id]
    for by, sheet in ((C.WBS, drilled.wbs()), (C.CATEGORY, drilled.categories())):
        rows = {r[by]: r for r in m[f"evm_by_{by}"]}
        assert list(sheet.data.index) == list(rows)
        for name, row in sheet.data.iterrows():
            for key in (g.BAC, g.AC, g.CPI, g.EAC, g.VAC):
                assert _same(row[key], rows[name][key]), (name, key)
    months = drilled.months().data
    assert months.index[-1] == PERIOD  # up to the status month, not beyond
    assert months[g.AC].iloc[-1] == pytest.approx(_value(m, g.AC))


def test_actuals_pivot_agrees_with_the_report(portfolio: Portfolio, metrics: dict[str, Any]) -> None:
    cut_mattered = False
    for pid, m in metrics.items():
        view = portfolio.project(pid)
        assert view.report is not None
        pivot = view.pivot(g.AC).data
        assert pivot.at["Total", "Total"] == pytest.approx(_value(m, g.AC))
        actuals = view.report.data.actuals
        status = pd.Timestamp(m["project"]["status_month"])
        counted = actuals[actuals[C.MONTH] <= status]
        expected = counted.groupby([C.WBS, C.CATEGORY])[C.VALUE].sum()
        for (wbs, category), amount in expected.items():
            assert pivot.at[wbs, category] == pytest.approx(amount), (pid, wbs, category)
        assert pivot.drop(index="Total", columns="Total").to_numpy().sum() == pytest.approx(expected.sum())
        cut_mattered |= not math.isclose(actuals[C.VALUE].sum(), expected.sum())
    assert cut_mattered  # a demo project has actuals after its status date (FOXTROT)


def test_programmes_sum_first_then_ratios(portfolio: Portfolio) -> None:
    t = portfolio.table
    sheet = portfolio.programmes().data
    for programme, rows in t.groupby(C.PROGRAMME):
        for key in (g.PV, g.EV, g.AC, g.BAC):
            assert sheet.at[programme, key] == pytest.approx(rows[key].sum())
        assert sheet.at[programme, g.CPI] == pytest.approx(rows[g.EV].sum() / rows[g.AC].sum())
    assert sheet.at["Total", g.BAC] == pytest.approx(t[g.BAC].sum())


# -- what-if ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"eac_method": "cpi_spi"},
        {"eac_method": "bottom_up"},
        {"eac_method": "budget_rate"},
        {"discount_rate": 0.12},
    ],
    ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()),
)
def test_what_if_gives_what_the_report_would(portfolio: Portfolio, fx: dict[str, Any], change: dict[str, Any]) -> None:
    result = portfolio.what_if(**change)
    after = result.after.table
    expected_changes = []
    for pid, entry in portfolio.entries.items():
        assert entry.report is not None
        options = entry.report.params.metrics_options() | change
        m = project_metrics(entry.report.data, **options).to_dict()
        rate = _rate(fx, m["project"]["currency"])
        assert rate is not None
        for key in (g.EAC, g.VAC):
            value = _value(m, key)
            assert _same(after.at[pid, key], None if value is None else value * rate), (pid, key)
        assert _same(after.at[pid, g.VAC_PCT], _value(m, g.VAC_PCT))
        npv = m["business_case"]["metrics"][g.NPV]["value"]
        assert _same(after.at[pid, g.NPV], None if npv is None else npv * rate), pid
        for column, dimension in DIMENSIONS.items():
            assert after.at[pid, column] == m["rag"][dimension]["status"], (pid, dimension)
            before = portfolio.table.at[pid, column]
            if before != m["rag"][dimension]["status"]:
                expected_changes.append((pid, dimension, before, m["rag"][dimension]["status"]))
    got = [tuple(r) for r in result.changes[[C.PROJECT, "dimension", "before", "after"]].itertuples(index=False)]
    assert sorted(got) == sorted(expected_changes)
    # the view under what-if is a portfolio: filter it, its project views carry the change
    if "eac_method" in change:
        pid = next(iter(portfolio.entries))
        assert result.after.project(pid).info["eac_method"] == change["eac_method"]
    assert "what-if" in repr(result.after)


def test_some_eac_method_changes_a_rag(portfolio: Portfolio) -> None:
    changed = {m: len(portfolio.what_if(eac_method=m).changes) for m in EAC_METHODS}
    assert changed["cpi"] == 0  # the demo's own method: nothing changes
    assert any(changed.values())


def _grade(value: float | None, green: float, amber: float) -> str:
    if value is None:
        return "grey"
    return "green" if value >= green else "amber" if value >= amber else "red"


_BOUND = st.floats(0.5, 1.3).map(lambda x: round(x, 3))
"""A CPI / SPI bound (rounded, so values land on bounds too)."""
_FRACTION = st.floats(-0.5, 0.5).map(lambda x: round(x, 3))
"""A VAC % bound (a fraction between -1 and 1)."""


@settings(max_examples=40, deadline=None)
@given(
    cost=st.tuples(_BOUND, _BOUND).map(sorted),
    schedule=st.tuples(_BOUND, _BOUND).map(sorted),
    forecast=st.tuples(_FRACTION, _FRACTION).map(sorted),
)
def test_what_if_thresholds_regrade_every_project(
    portfolio: Portfolio,
    metrics: dict[str, Any],
    cost: list[float],
    schedule: list[float],
    forecast: list[float],
) -> None:
    thresholds = {
        "cost_amber": cost[0],
        "cost_green": cost[1],
        "schedule_amber": schedule[0],
        "schedule_green": schedule[1],
        "forecast_amber": forecast[0],
        "forecast_green": forecast[1],
    }
    after = portfolio.what_if(thresholds=thresholds).after.table
    for pid, m in metrics.items():
        spi = _value(m, g.SPI_T)
        spi = _value(m, g.SPI) if spi is None else spi
        grades = {
            "cost": _grade(_value(m, g.CPI), cost[1], cost[0]),
            "schedule": _grade(spi, schedule[1], schedule[0]),
            "forecast": _grade(_value(m, g.VAC_PCT), forecast[1], forecast[0]),
        }
        rated = [v for v in grades.values() if v != "grey"]
        grades["overall"] = min(rated, key=SEVERITY.__getitem__) if rated else "grey"
        for column, dimension in DIMENSIONS.items():
            assert after.at[pid, column] == grades[dimension], (pid, dimension, thresholds)


def test_what_if_says_every_problem(portfolio: Portfolio) -> None:
    with pytest.raises(ReportError) as caught:
        portfolio.what_if(eac_method="magic", discount_rate=float("nan"), thresholds={"cost_green": "high"})
    text = str(caught.value)
    assert "eac_method is 'magic'" in text and "discount_rate" in text and "cost_green" in text
    with pytest.raises(ReportError, match="give thresholds="):
        portfolio.what_if()


# -- export ---------------------------------------------------------------------------------------


def test_export_writes_exactly_the_view(portfolio: Portfolio, tmp_path: Path, metrics: dict[str, Any]) -> None:
    view = portfolio.where(rag=["red", "amber"]).sort(g.CPI)
    path = view.export(tmp_path / "out" / "view.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Portfolio"]
    rows = list(ws.iter_rows(values_only=True))
    sheet = view.sheet()
    assert list(rows[0]) == sheet.labels()
    assert [r[0] for r in rows[1:]] == list(view.table.index)
    assert len(rows[0]) == 1 + len(SHOWN_COLUMNS)
    header = {h: i + 1 for i, h in enumerate(rows[0])}
    bac = header[f"BAC ({view.settings.currency})"]
    for r, pid in enumerate(view.table.index, 2):
        cell = ws.cell(r, bac)
        assert cell.value == pytest.approx(view.table.at[pid, g.BAC])
        assert cell.number_format == "#,##0;[Red]-#,##0"
        assert ws.cell(r, header["CPI"]).number_format == "0.00"
        assert ws.cell(r, header["VAC %"]).number_format == "0.0%"
        assert ws.cell(r, header["Overall"]).value == metrics[pid]["rag"]["overall"]["status"]
    rag_letter = openpyxl.utils.get_column_letter(header["Overall"])
    ranges = {str(rng.sqref): rules for rng, rules in ws.conditional_formatting._cf_rules.items()}
    rules = ranges[f"{rag_letter}2:{rag_letter}{len(rows)}"]
    assert {r.formula[0].strip('"') for r in rules} == {"green", "amber", "red", "grey"}
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Filters"] == "rag=['red', 'amber']"
    assert about["Reporting currency"] == view.settings.currency

    wbs_path = view.project("FOXTROT").wbs().export(tmp_path / "wbs.xlsx")
    wbs_rows = list(openpyxl.load_workbook(wbs_path).active.iter_rows(values_only=True))
    assert wbs_rows[0][0] == "WBS element"
    assert [r[0] for r in wbs_rows[1:]] == [r[C.WBS] for r in metrics["FOXTROT"]["evm_by_wbs"]]


# -- display ---------------------------------------------------------------------------------------


@pytest.fixture
def interactive() -> Iterator[None]:
    was = charts_display.is_static()
    charts_display.set_static(False)
    try:
        yield
    finally:
        charts_display.set_static(was)


def test_tables_show_report_formats_and_rag_colours(
    portfolio: Portfolio, metrics: dict[str, Any], interactive: None
) -> None:
    html = portfolio._repr_html_()
    bac = portfolio.table[g.BAC].iloc[0]
    assert fmt_money(bac) in html
    assert "white-space: nowrap" in html
    red_background = rag_colours()["red"][0]
    assert red_background.lower() in html.lower()
    assert len(repr(portfolio)) < 200 and "7 of 7" in repr(portfolio)


def test_report_objects_have_short_reprs_and_styled_html(portfolio: Portfolio, interactive: None) -> None:
    entry = portfolio.entries["FOXTROT"]
    assert entry.report is not None
    report = entry.report
    assert len(repr(report)) < 200 and "FOXTROT" in repr(report)
    for fragment in (report.header(), report.kpi_tiles()):
        shown = fragment._repr_html_()
        assert "<style>" in shown and "pmo-" in shown  # carries its CSS in a notebook
    assert "<style>" in report._repr_html_() and len(report._repr_html_()) < 60_000
    charts_display.set_static(True)
    assert "<style>" not in report.header()._repr_html_()  # a report page has the stylesheet


def test_quadrant_is_coloured_labelled_and_linked(portfolio: Portfolio) -> None:
    spec = portfolio.quadrant().to_dict()
    layers = spec["hconcat"][0]["layer"]
    points = next(layer for layer in layers if layer["mark"]["type"] == "circle")
    colour = points["encoding"]["color"]
    palette = dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True))
    assert {k: palette[k].lower() for k in ("green", "amber", "red")} == {
        k: rag_colours()[k][0].lower() for k in ("green", "amber", "red")
    }
    assert any(layer["mark"]["type"] == "text" and layer["encoding"]["text"]["field"] == C.PROJECT for layer in layers)
    params = [*spec.get("params", []), *points.get("params", [])]
    assert any(p["name"] == charts.EXPLORER_SELECTION for p in params)
    filters = [t.get("filter") for t in spec["hconcat"][1].get("transform", [])]
    assert {"param": charts.EXPLORER_SELECTION, "empty": False} in filters  # the chart beside follows the click
    data = next(rows for rows in spec["datasets"].values() if rows and g.CPI in rows[0])
    fields = set(data[0])
    for tip in points["encoding"]["tooltip"]:
        assert tip["field"] in fields  # no "undefined" in a tooltip
    assert {row["rag"] for row in data} <= set(palette)


def test_interactive_charts_offer_no_vega_editor() -> None:
    assert charts_display.EMBED_OPTIONS["actions"]["editor"] is False
    chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
    with alt.renderers.enable("mimetype", embed_options=charts_display.EMBED_OPTIONS):
        bundle = chart._repr_mimebundle_()
    metadata = bundle[1] if isinstance(bundle, tuple) else {}
    assert any(v.get("embed_options", {}).get("actions", {}).get("editor") is False for v in metadata.values())


# -- notebooks from any folder -------------------------------------------------------------------


def test_relative_inputs_resolve_from_the_notebooks_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert notebook_input("../params/alpha.yaml") == (NOTEBOOKS_DIR / "../params/alpha.yaml").resolve()
    (tmp_path / "here.yaml").write_text("x: 1\n", encoding="utf-8")
    assert notebook_input("here.yaml") == tmp_path / "here.yaml"
    with pytest.raises(ParamsError) as caught:
        notebook_input("../params/nope.yaml")
    assert str(tmp_path) in str(caught.value) and str(NOTEBOOKS_DIR) in str(caught.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match=r"empty: not a params folder .* nor a period's output folder"):
        Portfolio.load("empty")


def test_project_explorer_runs_with_papermill_from_another_folder(tmp_path: Path) -> None:
    """``papermill notebooks/explore_project.ipynb out.ipynb`` started in a folder that is not
    the notebooks' one: the default ``../params/foxtrot.yaml`` is found from the notebook."""
    env = {k: v for k, v in os.environ.items() if k != charts_display.STATIC_ENV_VAR}
    out = tmp_path / "out.ipynb"
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(REPO / "notebooks" / "explore_project.ipynb"), str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    assert [o["text"] for o in outputs if o.get("name") == "stderr"] == []  # no warning either
    charts = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).startswith("show(")]
    assert len(charts) >= 4
    for cell in charts:  # interactive Vega-Lite for JupyterLab to draw, not a static picture
        assert any(k.startswith("application/vnd.vegalite") for o in cell["outputs"] for k in o.get("data", {}))
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    report = ProjectReport.load(REPO / "params" / "foxtrot.yaml")
    ac = report.metrics.status[g.AC].value
    assert ac is not None and fmt_money(ac) in html  # the pivot's total is the report's AC


def test_report_helpers_convert_and_colour_too(
    portfolio: Portfolio, period_dir: Path, metrics: dict[str, Any], fx: dict[str, Any]
) -> None:
    """``portfolio_table`` and ``PortfolioReport.load`` (the report's own helpers) apply the
    FX rates of ``_portfolio.yaml`` without being given them; the static quadrant is coloured."""
    from pmoreports.report.portfolio import PortfolioReport, portfolio_table

    reports = [e.report for e in portfolio.entries.values() if e.report is not None]
    table = portfolio_table(reports).set_index(C.PROJECT)
    summary = PortfolioReport.load(period_dir).table().set_index(C.PROJECT)
    for pid, m in metrics.items():
        rate = _rate(fx, m["project"]["currency"])
        assert rate is not None
        assert table.at[pid, g.BAC] == pytest.approx(_value(m, g.BAC) * rate)
        assert summary.at[pid, f"{g.BAC}_rc"] == pytest.approx(_value(m, g.BAC) * rate)
    spec = charts.quadrant(table.reset_index(), currency=fx["currency"]).to_dict()
    layers = spec["layer"]
    points = next(layer for layer in layers if layer["mark"]["type"] == "circle")
    assert points["encoding"]["color"]["scale"]["range"][:3] != [None] * 3
    assert any(layer["mark"]["type"] == "text" for layer in layers)
    data = next(rows for rows in spec["datasets"].values() if rows and g.CPI in rows[0])
    assert {row["rag"] for row in data} == {m["rag"]["overall"]["status"] for m in metrics.values()}
    assert all(tip["field"] in data[0] for tip in points["encoding"]["tooltip"])


# -- the portfolio table's figures never wrap -----------------------------------------------------


def _figures(period_dir: Path) -> tuple[str, list[str]]:
    """The portfolio report's RAG table (HTML fragment) and its money figures as shown."""
    from pmoreports.report.portfolio import PortfolioReport

    summary = PortfolioReport.load(period_dir)
    t = summary.table()
    figures = [fmt_money(v) for k in (f"{g.BAC}_rc", f"{g.EAC}_rc") for v in t[k] if v is not None]
    assert any(len(f) >= 9 for f in figures)  # millions: "4,416,368" and the like
    return str(summary.rag_table().data), figures


_LINES_PER_FIGURE = """() => [...document.querySelectorAll('.pmo-sortable-table td.pmo-num')].map(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    return [td.textContent, tops.size];
})"""


@requires_chromium
@pytest.mark.parametrize("width", [360, 640, 1024, 1600])
def test_portfolio_table_figures_stay_on_one_line_in_a_browser(period_dir: Path, tmp_path: Path, width: int) -> None:
    """At any window width and with whatever fonts the machine has, a figure of the
    portfolio table is one line box (the table scrolls sideways instead)."""
    fragment, figures = _figures(period_dir)
    css = REPORT_CSS.read_text(encoding="utf-8")
    page = tmp_path / "table.html"
    page.write_text(f"<!DOCTYPE html><html><head><style>{css}</style></head><body>{fragment}</body></html>", "utf-8")
    with open_page(page) as result:
        result.page.set_viewport_size({"width": width, "height": 800})
        cells = result.evaluate(_LINES_PER_FIGURE)
    assert {text for text, _ in cells} >= set(figures)
    assert [(text, lines) for text, lines in cells if lines != 1] == []


def test_portfolio_table_figures_stay_on_one_line_in_the_pdf(period_dir: Path) -> None:
    import io

    import pdfplumber

    from pmoreports.report import render

    fragment, figures = _figures(period_dir)
    page = f"<!DOCTYPE html><html><head><title>Portfolio</title></head><body><main>{fragment}</main></body></html>"
    with pdfplumber.open(io.BytesIO(render.html_to_pdf(page))) as doc:
        lines = [line for p in doc.pages for line in (p.extract_text() or "").splitlines()]
    for figure in figures:
        assert any(figure in line for line in lines), figure


def test_a_project_that_cannot_be_read_is_named_and_left_out(kit: Path, tmp_path: Path) -> None:
    root = tmp_path / "kit"
    (root / "params").mkdir(parents=True)
    (root / "examples").mkdir()
    for name in ("_defaults.yaml", "_portfolio.yaml", "alpha.yaml", "bravo.yaml"):
        shutil.copyfile(kit / "params" / name, root / "params" / name)
    shutil.copyfile(kit / "examples" / "alpha.xlsx", root / "examples" / "alpha.xlsx")
    (root / "examples" / "bravo.xlsx").write_bytes(b"not a workbook")
    with pytest.warns(PortfolioWarning, match=r"1 project\(s\) could not be loaded.*bravo\.yaml"):
        p = Portfolio.load(root / "params")
    assert list(p.table.index) == ["ALPHA"]
    assert list(p.failed) == ["bravo.yaml"] and "bravo.xlsx" in p.failed["bravo.yaml"]
    assert "Not loaded" in p._repr_html_()
