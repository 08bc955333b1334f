"""WBS hierarchy (codes 1, 1.2, 1.2.3) and the PMO KPIs (gross margin, satisfaction)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmoreports.metrics import glossary as g
from pmoreports.metrics.evm import project_evm
from pmoreports.metrics.kpis import kpi_metrics
from pmoreports.metrics.project import project_metrics, write_metrics
from pmoreports.metrics.wbs import WBS_LEVEL, WBS_PARENT, wbs_rollup
from pmoreports.report._excel import write_portfolio_workbook
from pmoreports.report.params import params_from_dict
from pmoreports.report.portfolio import PortfolioReport
from pmoreports.report.project import ProjectReport
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, DemoProject, build_demo_project
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.reader import check_workbook, read_workbook
from pmoreports.workbook.schema import SCHEMA
from pmoreports.workbook.template import write_project_workbook
from pmoreports.workbook.wbs import wbs_code, wbs_tree


def _demo(pid: str) -> ProjectData:
    i = next(i for i, s in enumerate(DEMO_PROJECTS) if s.project_id == pid)
    return build_demo_project(DEMO_PROJECTS[i], SEED + i)


# -- the tree -------------------------------------------------------------------------------------


def test_codes_are_read_one_way() -> None:
    assert wbs_code("1.02 Build") == "1.2"
    assert wbs_code("1. Design") == "1"
    assert wbs_code("3.1.4 Tests") == "3.1.4"
    assert wbs_code("Design") is None
    assert wbs_code("1.2x Build") is None
    assert wbs_code("2026 budget") == "2026"


@st.composite
def _trees(draw: st.DrawFn) -> list[str]:
    """Codes of a random hierarchy (each child's parent present), in a random order."""
    codes = [str(i + 1) for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 12))):
        parent = draw(st.sampled_from(codes))
        siblings = [c for c in codes if c.rpartition(".")[0] == parent]
        codes.append(f"{parent}.{len(siblings) + 1}")
    return draw(st.permutations(codes))


@settings(max_examples=80, deadline=None)
@given(codes=_trees())
def test_every_element_has_its_parent_and_level(codes: list[str]) -> None:
    labels = [f"{c} Work {c}" for c in codes]
    tree = wbs_tree(labels)
    nodes = {n.code: n for n in tree.nodes}
    assert sorted(nodes) == sorted(codes)
    for code, node in nodes.items():
        parent = code.rpartition(".")[0]
        assert node.level == code.count(".") + 1
        assert node.parent == (f"{parent} Work {parent}" if parent else None)
    order = [n.code for n in tree.nodes]
    for i, code in enumerate(order):  # depth-first: a parent comes before its descendants
        assert all(order.index(d) > i for d in order if d.startswith(code + "."))
    assert tree.hierarchical == any("." in c for c in codes)
    assert not tree.orphans()


@settings(max_examples=40, deadline=None)
@given(codes=_trees(), drop=st.integers(0, 20))
def test_a_missing_parent_makes_an_orphan_at_the_top(codes: list[str], drop: int) -> None:
    parents = [c for c in codes if any(x.startswith(c + ".") for x in codes)]
    if not parents:
        return
    gone = parents[drop % len(parents)]
    labels = [f"{c} Work" if c != gone else "Renamed without code" for c in codes]
    tree = wbs_tree(labels)
    children = {c for c in codes if c.rpartition(".")[0] == gone}
    orphaned = {label.split(" ")[0] for label, _ in tree.orphans()}
    if tree.hierarchical:
        assert orphaned == children
    for n in tree.nodes:
        if n.code in children:
            assert n.level == 1 and n.parent is None


# -- roll-up -----------------------------------------------------------------------------------------


def _hierarchical(seed: int, labels: tuple[str, ...]) -> ProjectData:
    base = DEMO_PROJECTS[0]
    spec = dataclasses.replace(base, project_id=f"H{seed}", wbs=labels)
    return build_demo_project(spec, seed)


@settings(max_examples=10, deadline=None)
@given(codes=_trees(), seed=st.integers(1, 10_000))
def test_rollup_sums_the_curves_then_computes_the_indices(codes: list[str], seed: int) -> None:
    data = _hierarchical(seed, tuple(f"{c} Element {c}" for c in codes))
    rollup = wbs_rollup(data).values.set_index(C.WBS)
    own = project_evm(data, (C.WBS,)).at_status().values.set_index(C.WBS)
    tree = wbs_tree(own.index)
    for node in tree.nodes:
        members = tree.descendants(node.label)
        for key in (g.BAC, g.EV, g.ACTUAL_TO_DATE):
            source = g.AC if key == g.ACTUAL_TO_DATE else key
            assert rollup.loc[node.label, key] == pytest.approx(own.loc[members, source].sum(), abs=1e-6)
        ev, ac = own.loc[members, g.EV].sum(), own.loc[members, g.AC].sum()
        cpi = rollup.loc[node.label, g.CPI]
        assert (np.isnan(cpi) and ac == 0) or cpi == pytest.approx(ev / ac, rel=1e-12)
    top = rollup[rollup[WBS_LEVEL] == 1]
    status = project_metrics(data).status
    assert top[g.BAC].sum() == pytest.approx(status[g.BAC].value)
    assert top[g.EV].sum() == pytest.approx(status[g.EV].value)


def test_echo_demo_is_hierarchical_and_its_level_one_rows_add_up() -> None:
    m = project_metrics(_demo("ECHO"))
    assert m.wbs_hierarchical
    assert m.wbs_rollup is not None
    rollup = m.wbs_rollup.values
    assert list(rollup[WBS_PARENT].fillna("")) == ["", "1 Design", "", "2 Building works", "2 Building works", ""]
    assert rollup.loc[rollup[WBS_LEVEL] == 1, g.BAC].sum() == pytest.approx(m.status[g.BAC].value)
    by_wbs = m.cost_by_wbs.values
    assert {WBS_LEVEL, WBS_PARENT} <= set(by_wbs.columns)


@pytest.mark.parametrize("pid", [s.project_id for s in DEMO_PROJECTS if s.project_id != "ECHO"])
def test_flat_projects_are_unchanged(pid: str) -> None:
    data = _demo(pid)
    m = project_metrics(data)
    assert not m.wbs_hierarchical
    plain = project_evm(data, (C.WBS,)).values
    shown = m.by_wbs.values.drop(columns=["wbs_code", WBS_LEVEL, WBS_PARENT])
    pd.testing.assert_frame_equal(shown, plain)
    assert set(m.by_wbs.values[WBS_LEVEL]) == {1}


# -- the report ---------------------------------------------------------------------------------------


def _report(data: ProjectData, tmp_path: Path) -> ProjectReport:
    book = tmp_path / f"{data.info.project_id}.xlsx"
    write_project_workbook(book, data)
    params = params_from_dict({"workbook": str(book)}, source=str(tmp_path / "p.yaml"))
    read = read_workbook(book)
    return ProjectReport(params, read, project_metrics(read))


def test_hierarchical_wbs_table_shows_level_one_rows_and_branches(tmp_path: Path) -> None:
    html = _report(_demo("ECHO"), tmp_path).cost_table(C.WBS).data
    main, *branches = html.split("<details")
    assert re.findall(r"<td>([^<]*)</td><td class=\"pmo-num\">", main) == ["1 Design", "2 Building works", "3 Move"]
    assert len(branches) == 2
    assert "<summary>1 Design: 1 element below</summary>" in branches[0] and "1.1 Permits" in branches[0]
    assert "2.1 Construction" in branches[1] and "2.2 Fit-out" in branches[1]
    assert "<script" not in html


def test_flat_wbs_table_has_no_branches(tmp_path: Path) -> None:
    assert "<details" not in _report(_demo("ALPHA"), tmp_path).cost_table(C.WBS).data


def test_wbs_chart_draws_every_element_by_bac(tmp_path: Path) -> None:
    chart = _report(_demo("ECHO"), tmp_path).cost_chart(C.WBS)
    spec = chart.to_dict()
    values = next(iter(spec["datasets"].values()))
    assert [v["element"] for v in values] == [
        "1 Design",
        "\u2013 1.1 Permits",
        "2 Building works",
        "\u2013 2.1 Construction",
        "\u2013 2.2 Fit-out",
        "3 Move",
    ]
    assert spec["encoding"]["x"]["field"] == "bac" and spec["encoding"]["color"]["field"] == "band"


def test_reader_warns_about_a_code_used_twice_and_a_missing_parent(tmp_path: Path) -> None:
    data = _demo("ECHO")
    rename = {"2.1 Construction": "2.1 Shell", "2.2 Fit-out": "2.1 Fit-out", "1 Design": "Design"}
    frames = {
        name: getattr(data, name).assign(**{C.WBS: getattr(data, name)[C.WBS].replace(rename)})
        for name in ("budget", "actuals", "progress")
    }
    book = tmp_path / "dup.xlsx"
    write_project_workbook(book, dataclasses.replace(data, **frames))
    found = {(i.code, i.cell) for i in check_workbook(book).warnings if i.code.startswith("DQ-WBS")}
    codes = {c for c, _ in found}
    assert codes == {"DQ-WBS-DUPLICATE-CODE", "DQ-WBS-ORPHAN"}
    assert all(re.fullmatch(r"A\d+", cell) for _, cell in found)


# -- KPIs ------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    revenue=st.integers(0, 10**12).map(lambda c: c / 100),
    bac=st.integers(0, 10**12).map(lambda c: c / 100),
    eac=st.one_of(st.none(), st.integers(0, 10**12).map(lambda c: c / 100)),
)
def test_gross_margin_definitions(revenue: float, bac: float, eac: float | None) -> None:
    from pmoreports.metrics.evm import Metric

    info = dataclasses.replace(_demo_info(), contract_value=revenue)
    status = {g.BAC: Metric.of(g.BAC, bac), g.EAC: Metric.of(g.EAC, eac, g.AC_ZERO)}
    k = kpi_metrics(info, status)
    assert k[g.GROSS_MARGIN_BUDGET].value == pytest.approx(revenue - bac)
    if eac is None:
        assert k[g.GROSS_MARGIN_EAC].value is None and k[g.GROSS_MARGIN_EAC].reason == g.AC_ZERO
    else:
        assert k[g.GROSS_MARGIN_EAC].value == pytest.approx(revenue - eac)
    pct = k[g.GROSS_MARGIN_BUDGET_PCT]
    if revenue == 0:
        assert pct.value is None and pct.reason == g.CONTRACT_ZERO
    else:
        assert pct.value == pytest.approx((revenue - bac) / revenue)


def _demo_info() -> object:
    return _demo("ALPHA").info


def test_no_kpi_fields_no_kpis(tmp_path: Path) -> None:
    m = project_metrics(_demo("ALPHA"))
    assert m.kpis == {}
    assert "Gross margin" not in _report(_demo("ALPHA"), tmp_path).kpi_tiles().data


def test_charlie_kpis_reach_tiles_json_csv_portfolio_and_excel(tmp_path: Path) -> None:
    data = _demo("CHARLIE")
    report = _report(data, tmp_path)
    m = report.metrics
    assert m.kpis[g.GROSS_MARGIN_EAC].value == pytest.approx(3_100_000 - m.status[g.EAC].value)
    tiles = report.kpi_tiles().data
    assert "Gross margin at EAC" in tiles and "3.8 / 5 (scale 1-5)" in tiles and "4.1 / 5" in tiles
    period = tmp_path / "period"
    write_metrics(m, period / data.info.project_id)
    saved = json.loads((period / data.info.project_id / "metrics.json").read_text())
    assert saved["kpis"]["satisfaction_scale"] == "1-5"
    assert saved["kpis"]["metrics"][g.CUSTOMER_SATISFACTION]["value"] == 3.8
    csv = pd.read_csv(period / data.info.project_id / "metrics.csv")
    assert set(csv.loc[csv["group"] == "kpis", "key"]) >= {g.GROSS_MARGIN_BUDGET, g.TEAM_SATISFACTION}
    manifest = {
        "period": f"{data.info.status_date:%Y-%m}",
        "projects": [{"project_id": data.info.project_id, "status": "ok"}],
    }
    (period / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    portfolio = PortfolioReport.load(period, settings={"currency": data.info.currency})
    assert "Margin at EAC" in portfolio.kpi_table().data and "3.8 / 5" in portfolio.kpi_table().data
    assert "Margin" not in portfolio.rag_table().data  # its own table: the RAG table stays one page wide
    # two sortable tables on one page: each sizes only its own columns and sorts only its own rows
    rag_html, kpi_html = portfolio.rag_table().data, portfolio.kpi_table().data
    assert ".pmo-sort-table { display: grid;" in rag_html and ".pmo-sort-kpi-table { display: grid;" in kpi_html
    assert ".pmo-sortable-table { display: grid;" not in rag_html + kpi_html
    assert 'id="pmo-sort-0a"' in rag_html and 'id="pmo-sort-kpi-0a"' in kpi_html
    programmes, total = portfolio.rollups()
    xlsx = write_portfolio_workbook(tmp_path / "p.xlsx", portfolio.table(), programmes, total, "GBP")
    ws = openpyxl.load_workbook(xlsx)["Projects"]
    headers = [c.value for c in ws[1]]
    row = dict(zip(headers, [c.value for c in ws[2]], strict=True))
    assert row["Contract value"] == 3_100_000 and row["Customer satisfaction"] == 3.8
    assert row["Satisfaction scale"] == "1-5"
    assert row["Gross margin at EAC"] == pytest.approx(m.kpis[g.GROSS_MARGIN_EAC].value)


def test_portfolio_without_kpis_has_no_kpi_columns(tmp_path: Path) -> None:
    data = _demo("ALPHA")
    period = tmp_path / "period"
    write_metrics(project_metrics(data), period / data.info.project_id)
    manifest = {
        "period": f"{data.info.status_date:%Y-%m}",
        "projects": [{"project_id": data.info.project_id, "status": "ok"}],
    }
    (period / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    portfolio = PortfolioReport.load(period, settings={"currency": data.info.currency})
    assert "Margin" not in portfolio.rag_table().data
    assert "No project gives" in portfolio.kpi_table().data
    xlsx = write_portfolio_workbook(tmp_path / "p.xlsx", portfolio.table(), pd.DataFrame(), pd.DataFrame(), "EUR")
    assert "Contract value" not in [c.value for c in openpyxl.load_workbook(xlsx)["Projects"][1]]


@pytest.mark.parametrize(
    ("scale", "score", "found"),
    [
        ("1-5", 6.0, "not on the 1-5 scale"),
        ("0-10", 10.5, "not on the 0-10 scale"),
        ("1-5", -1.0, "score out of range"),
        ("1-5", 0.5, "not on the 1-5 scale"),
        ("", 4.0, "is required when"),
    ],
)
def test_a_score_off_its_scale_is_an_error_naming_the_cell(
    tmp_path: Path, scale: str, score: float, found: str
) -> None:
    data = _demo("ALPHA")
    info = dataclasses.replace(data.info, customer_satisfaction=score, satisfaction_scale=scale)
    book = tmp_path / "k.xlsx"
    write_project_workbook(book, dataclasses.replace(data, info=info))
    errors = check_workbook(book).errors
    assert any(found in e.message and e.sheet == SCHEMA.project.name and e.cell.startswith("B") for e in errors), errors


def test_demo_spec_kpis_are_typed_into_the_workbook() -> None:
    spec = next(s for s in DEMO_PROJECTS if s.project_id == "CHARLIE")
    assert isinstance(spec, DemoProject) and dict(spec.kpis)["contract_value"] == 3_100_000.0
