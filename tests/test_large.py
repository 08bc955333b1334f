"""Large projects: every list in a report is bounded (top N + "Others"), every chart fits a page.

- Property tests (hypothesis, no kernel): for generated projects of 1 to 90 WBS
  elements and generated risk, milestone and change lists, each section shows at most
  N + 1 rows, the "Others" row's amounts equal the sums of the rows it stands for
  (computed here from the generated data, not by the metrics engine), shown rows plus
  Others add up to the total, and no chart is taller than ``MAX_CHART_HEIGHT``.
- Golden: the demo projects (all shorter than N) render exactly as before this change
  (``tests/golden/demo_long_lists.json``, written by the code before it).
- A real run (papermill, HTML + PDF) of a 300-element x 3 categories x 36 months
  workbook with 40 risks, 60 milestones and 50 changes: the HTML and PDF carry the
  expected rows, the "Others" numbers equal sums computed independently from the
  workbook file (openpyxl), and no chart or drawing in the PDF runs outside the page's
  content box (header and footer lines excluded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup, Tag
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_report_snapshots import normalise

from pmoreports.errors import Issue
from pmoreports.metrics.project import project_metrics
from pmoreports.pipeline.run import RunResult, run_project
from pmoreports.report import limits
from pmoreports.report.charts_display import svg_chart
from pmoreports.report.params import ProjectParams
from pmoreports.report.portfolio import PortfolioReport, PortfolioSettings
from pmoreports.report.project import ProjectReport
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PERIOD, DEMO_PROJECTS, DemoProject, build_demo_project
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.schema import RISK_CATEGORIES
from pmoreports.workbook.template import write_project_workbook

GOLDEN = Path(__file__).resolve().parent / "golden" / "demo_long_lists.json"
UPDATE_ENV = "PMOREPORTS_UPDATE_GOLDEN"


# -- generated projects -------------------------------------------------------------------------


def large_spec(n_wbs: int, *, months: int = 36, categories: int = 3, project_id: str = "LARGE") -> DemoProject:
    """A demo-style project of ``n_wbs`` elements x ``categories`` x ``months`` (started
    early enough that most elements are under way at the demo period)."""
    start = DEMO_PERIOD.replace(year=DEMO_PERIOD.year - 2)
    names = ("Labour", "Contractors", "Materials", "Equipment", "Software", "Travel")
    names += tuple(f"Cost category {i + 1}" for i in range(len(names), categories))
    return dataclasses.replace(
        DEMO_PROJECTS[4],
        project_id=project_id,
        start=start,
        months=months,
        bac=25_000.0 * n_wbs,
        wbs=tuple(f"{i + 1}.{i % 7} Work package {i + 1}" for i in range(n_wbs)),
        categories=names[:categories],
        cpi=0.93,
        spi=0.9,
    )


def long_lists(data: ProjectData, rng: np.random.Generator, risks: int, milestones: int, changes: int) -> None:
    """Replace the risk register, milestones and change log of ``data`` with long generated ones."""
    start, status = pd.Timestamp(data.info.baseline_start), pd.Timestamp(DEMO_PERIOD)
    span = (pd.Timestamp(data.info.baseline_finish) - start).days
    data.risks = pd.DataFrame(
        {
            C.RISK_ID: [f"R-{i + 1:03d}" for i in range(risks)],
            C.TITLE: [f"Risk number {i + 1}" for i in range(risks)],
            C.CATEGORY: [RISK_CATEGORIES[i % len(RISK_CATEGORIES)] for i in range(risks)],
            C.PROBABILITY: [
                float(rng.integers(1, 6)) if i % 2 else float(rng.choice([0.1, 0.3, 0.55])) for i in range(risks)
            ],
            C.COST_IMPACT: rng.integers(1, 400, risks).astype(float) * 100,
            C.SCHEDULE_IMPACT_DAYS: rng.integers(0, 60, risks),
            C.OWNER: [f"Owner {i % 9}" for i in range(risks)],
            C.RESPONSE: "Mitigate",
            C.STATUS: rng.choice(["open", "open", "open", "closed", "realised"], risks),
        }
    )
    baseline = [start + pd.Timedelta(days=int(d)) for d in rng.integers(10, span, milestones)]
    forecast = [b + pd.Timedelta(days=int(s)) for b, s in zip(baseline, rng.integers(-20, 90, milestones), strict=True)]
    data.milestones = pd.DataFrame(
        {
            C.MILESTONE: [f"Milestone number {i + 1}" for i in range(milestones)],
            C.BASELINE_DATE: pd.to_datetime(baseline).astype("datetime64[ns]"),
            C.FORECAST_DATE: pd.to_datetime(forecast).astype("datetime64[ns]"),
            C.ACTUAL_DATE: pd.to_datetime([f if f <= status else pd.NaT for f in forecast]).astype("datetime64[ns]"),
        }
    )
    raised = [start + pd.Timedelta(days=int(d)) for d in rng.integers(0, (status - start).days, changes)]
    statuses = rng.choice(["approved", "proposed", "rejected"], changes)
    data.changes = pd.DataFrame(
        {
            C.CHANGE_ID: [f"CR-{i + 1:03d}" for i in range(changes)],
            C.RAISED: pd.to_datetime(raised).astype("datetime64[ns]"),
            C.TITLE: [f"Change number {i + 1}" for i in range(changes)],
            C.TYPE: rng.choice(["scope", "cost", "schedule"], changes),
            C.STATUS: statuses,
            C.COST_IMPACT: rng.integers(-200, 600, changes).astype(float) * 100,
            C.SCHEDULE_IMPACT_DAYS: rng.integers(-5, 30, changes),
            C.DECIDED_ON: pd.to_datetime(
                [
                    r + pd.Timedelta(days=14) if s != "proposed" else pd.NaT
                    for r, s in zip(raised, statuses, strict=True)
                ]
            ).astype("datetime64[ns]"),
        }
    )


def report_of(data: ProjectData) -> ProjectReport:
    """A report of in-memory data with the kit's default parameters (no workbook file)."""
    params = ProjectParams(source="<test>", workbook=Path("generated.xlsx"))
    return ProjectReport(params, data, project_metrics(data, **params.metrics_options()))


# -- reading a section's HTML -------------------------------------------------------------------


def _cells(row: Tag) -> list[str]:
    return [c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])]


def table_rows(fragment: str | Tag) -> tuple[str, list[list[str]]]:
    """Caption and body rows (cell texts) of the first table in ``fragment``."""
    soup = fragment if isinstance(fragment, Tag) else BeautifulSoup(fragment, "html.parser")
    table = soup if soup.name == "table" else soup.find("table")
    assert isinstance(table, Tag), "no table"
    caption = table.find("caption")
    body = table.find("tbody")
    assert isinstance(body, Tag)
    return (caption.get_text(" ", strip=True) if caption else ""), [_cells(r) for r in body.find_all("tr")]


def money(text: str) -> float:
    """A report's money cell as a number (``-1,234`` / ``+56``)."""
    return float(text.replace(",", "").replace("+", ""))


def others_count(label: str) -> int:
    match = re.fullmatch(r"Others \(([\d,]+) [a-z ]+\)", label)
    assert match, f"not an Others label: {label!r}"
    return int(match[1].replace(",", ""))


# -- independent sums from the generated data ---------------------------------------------------


def figures_by(data: ProjectData, by: str = C.WBS) -> pd.DataFrame:
    """Per WBS element or cost category, straight from the data frames: PV and AC to the
    status month, BAC, EV (BAC of each element x category x its element's last percent
    complete up to the status month) and VAC at the cost-trend EAC (BAC / CPI)."""
    status = pd.Timestamp(data.info.status_date)
    b, a, p = data.budget, data.actuals, data.progress
    keys = [C.WBS, C.CATEGORY]
    grain = pd.DataFrame(
        {
            "bac": b.groupby(keys)[C.VALUE].sum(),
            "pv": b[b[C.MONTH] <= status].groupby(keys)[C.VALUE].sum(),
            "ac": a[a[C.MONTH] <= status].groupby(keys)[C.VALUE].sum(),
        }
    ).fillna(0.0)
    done = p[p[C.MONTH] <= status].sort_values(C.MONTH).groupby(C.WBS)[C.VALUE].last()
    grain["ev"] = grain["bac"] * done.reindex(grain.index.get_level_values(C.WBS)).fillna(0.0).to_numpy()
    out = grain.groupby(level=by).sum()
    out["vac"] = out["bac"] - out["bac"] * out["ac"] / out["ev"].where(out["ev"] > 0)
    return out


def _section(by: str) -> tuple[int, int, str, str]:
    """Table rows, chart bars, noun and CSV file of the cost sections by ``by``."""
    if by == C.WBS:
        return limits.WBS_TABLE_ROWS, limits.WBS_CHART_BARS, "elements", "cost_by_wbs.csv"
    return limits.CATEGORY_TABLE_ROWS, limits.CATEGORY_CHART_BARS, "categories", "cost_by_category.csv"


def check_cost_table(report: ProjectReport, figures: pd.DataFrame, by: str = C.WBS) -> None:
    """A cost table: at most N + 1 rows; Others = sums; rows add up to the Total."""
    caption, rows = table_rows(str(report.cost_table(by).data))
    *body, total = rows
    (n, _, noun, csv), count = _section(by), len(figures)
    assert total[0] == "Total"
    if count <= n + 1:
        metrics_table = report.metrics.cost_by_wbs if by == C.WBS else report.metrics.cost_by_category
        assert [r[0] for r in body] == list(metrics_table.values[by])
        assert "Others" not in caption
        return
    *shown, others = body
    assert len(shown) == n and others_count(others[0]) == count - n
    assert f"Showing {n} of {count:,} {noun}" in caption and csv in caption
    names = [r[0] for r in shown]
    ranked = figures["vac"].abs().fillna(-1).sort_values(ascending=False, kind="stable")
    cutoff = ranked[names].min()
    assert (ranked.drop(names) <= cutoff + 1e-6).all(), "a larger |VAC| row is hidden in Others"
    rest = figures.drop(names)
    for col, key in ((1, "pv"), (2, "ac"), (4, "ev"), (6, "bac")):
        assert money(others[col]) == pytest.approx(rest[key].sum(), abs=0.51)
        column = [money(r[col]) for r in body]
        assert sum(column) == pytest.approx(money(total[col]), abs=len(column))
    if rest["ac"].sum() == 0:
        assert others[5] == "n/a"
        return
    cpi = rest["ev"].sum() / rest["ac"].sum()
    assert others[5] == f"{cpi:.2f}"
    if cpi == 0:  # no work earned yet: no cost-trend forecast
        assert others[7] == others[8] == "n/a"
        return
    assert money(others[7]) == pytest.approx(rest["bac"].sum() / cpi, abs=0.51)
    assert money(others[8]) == pytest.approx(rest["bac"].sum() - rest["bac"].sum() / cpi, abs=0.51)


def check_cost_chart(report: ProjectReport, figures: pd.DataFrame, by: str = C.WBS) -> None:
    """A cost chart: at most N + 1 bar groups (top N by BAC + Others = sums), bounded height."""
    spec = report.cost_chart(by).to_dict()
    assert spec["height"] <= limits.MAX_CHART_HEIGHT
    (values,) = spec["datasets"].values()
    frame = pd.DataFrame(values).pivot(index=by, columns="measure", values="value")
    _, n, noun, csv = _section(by)
    if len(figures) <= n + 1:
        assert set(frame.index) == set(figures.index)
        return
    label = limits.others_label(len(figures) - n, noun)
    assert len(frame) == n + 1 and label in frame.index
    top = figures["bac"].sort_values(ascending=False, kind="stable").index[:n]
    assert set(frame.index) - {label} == set(top)
    rest = figures.drop(top)
    for measure, key in (("Budget to date (PV)", "pv"), ("Earned (EV)", "ev"), ("Actual (AC)", "ac")):
        assert frame.loc[label, measure] == pytest.approx(rest[key].sum(), abs=0.01)
    assert csv in json.dumps(spec["title"])


def check_lists(report: ProjectReport) -> None:
    """Milestones, risks and changes: at most N + 1 rows; Others sums or counts the rest."""
    data, m = report.data, report.metrics
    milestones_html = str(report.milestones_table().data)
    total = len(data.milestones)
    caption, rows = table_rows(milestones_html) if total else ("", [])
    if total > limits.MILESTONE_ROWS + 1:
        assert len(rows) == limits.MILESTONE_ROWS + 1 and others_count(rows[-1][0]) == total - limits.MILESTONE_ROWS
        shown = {r[0] for r in rows[:-1]}
        hidden = m.milestones[~m.milestones[C.MILESTONE].isin(shown)]
        counts = hidden["milestone_status"].value_counts()
        assert rows[-1][-1] == ", ".join(f"{k:,} {s}" for s, k in counts.items())
        late = m.milestones[m.milestones["milestone_status"] == "late"][C.MILESTONE]
        assert set(late) <= shown or len(late) > limits.MILESTONE_ROWS, "a late milestone hidden in Others"
        assert "milestones.csv" in caption
    else:
        assert len(rows) == total
    risks_html = str(report.risks_table().data)
    open_risks = data.risks[data.risks[C.STATUS].str.lower() == "open"]
    if len(open_risks) > len(m.top_risks):
        caption, rows = table_rows(risks_html)
        others = rows[-1]
        assert others_count(others[1]) == len(open_risks) - len(m.top_risks)
        rest = open_risks[~open_risks[C.RISK_ID].isin(m.top_risks[C.RISK_ID])]
        assert money(others[4]) == pytest.approx(rest[C.COST_IMPACT].sum(), abs=0.51)
        column = sum(money(r[5]) for r in rows)
        assert column == pytest.approx(m.risk_exposure["open_exposure"].value, abs=len(rows))
    soup = BeautifulSoup(str(report.changes_table().data), "html.parser")
    tables = soup.find_all("table")
    if len(data.changes):
        caption, rows = table_rows(tables[-1])
        if len(data.changes) > limits.CHANGE_LOG_ROWS + 1:
            assert len(rows) == limits.CHANGE_LOG_ROWS + 1
            shown = {r[0] for r in rows[:-1]}
            rest = data.changes[~data.changes[C.CHANGE_ID].isin(shown)]
            assert others_count(rows[-1][2]) == len(rest)
            assert money(rows[-1][-1]) == pytest.approx(rest[C.COST_IMPACT].sum(), abs=0.51)
            biggest = data.changes[C.COST_IMPACT].abs().sort_values(ascending=False, kind="stable")
            assert biggest.iloc[: limits.CHANGE_LOG_ROWS].min() >= rest[C.COST_IMPACT].abs().max()
        else:
            assert len(rows) == len(data.changes)


# -- property tests: generated projects, no kernel ----------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.one_of(
        st.tuples(st.integers(1, 90), st.integers(1, 4)),  # many WBS elements
        st.tuples(st.integers(1, 4), st.integers(5, 45)),  # many cost categories
    ),
    months=st.integers(12, 40),
    lists=st.tuples(st.integers(0, 45), st.integers(0, 45), st.integers(0, 45)),
    seed=st.integers(0, 2**31),
)
def test_sections_of_generated_projects_are_bounded_and_add_up(
    shape: tuple[int, int], months: int, lists: tuple[int, int, int], seed: int
) -> None:
    n_wbs, categories = shape
    rng = np.random.default_rng(seed)
    data = build_demo_project(large_spec(n_wbs, months=months, categories=categories), seed=seed)
    long_lists(data, rng, *lists)
    report = report_of(data)
    for by in (C.WBS, C.CATEGORY):
        figures = figures_by(data, by)
        check_cost_table(report, figures, by)
        check_cost_chart(report, figures, by)
    check_lists(report)
    for chart in (report.s_curve(), report.index_trend(), report.risk_heatmap()):
        assert chart.to_dict()["height"] <= limits.MAX_CHART_HEIGHT


def test_split_rows_keeps_short_lists_whole_and_ranks_long_ones() -> None:
    keys = pd.DataFrame({"v": [3.0, np.nan, 9.0, 1.0, 9.0]})
    assert limits.split_rows(keys, 4, [False]) == limits.Split([0, 1, 2, 3, 4], [], 5)
    assert limits.split_rows(keys, 3, [False]) == limits.Split([2, 4, 0], [1, 3], 5)
    assert limits.split_rows(keys, 2, [False]) == limits.Split([2, 4], [0, 1, 3], 5)
    assert limits.split_rows(keys, 0, [False]).others == [0, 1, 2, 3, 4]
    assert limits.others_label(1985, "elements") == "Others (1,985 elements)"
    assert limits.others_label(1, "open risks", one="open risk") == "Others (1 open risk)"


def test_chart_heights_from_parameters_are_bounded() -> None:
    data = build_demo_project(large_spec(12), seed=3)
    params = ProjectParams(source="<test>", workbook=Path("x.xlsx"), chart_height=5000)
    report = ProjectReport(params, data, project_metrics(data))
    for chart in (report.s_curve(), report.index_trend()):
        assert chart.to_dict()["height"] == limits.MAX_CHART_HEIGHT


def test_time_charts_of_a_very_long_plan_draw_a_bounded_number_of_points() -> None:
    """A 150-year plan (1,800 months) used to exceed Altair's 5,000-row limit in the S-curve."""
    spec = dataclasses.replace(large_spec(2, months=1800), start=dt.date(1880, 1, 1))
    report = report_of(build_demo_project(spec, seed=4))
    status = f"{DEMO_PERIOD:%Y-%m}"
    for chart in (report.s_curve(), report.index_trend()):
        values = max(chart.to_dict()["datasets"].values(), key=len)
        lines = pd.DataFrame(values).groupby("measure" if "measure" in values[0] else "index")[C.MONTH]
        assert lines.size().max() <= limits.MAX_CHART_MONTHS
        assert all(m.str.startswith(status).any() for _, m in lines), "status month not drawn"
    months = pd.DataFrame(max(report.s_curve().to_dict()["datasets"].values(), key=len))[C.MONTH]
    assert months.max().startswith("2029-12") and months.min().startswith("1880-01")


def test_long_warning_lists_are_cut_with_a_pointer_to_the_checker() -> None:
    data = build_demo_project(large_spec(8), seed=5)
    data.warnings = [
        Issue.of("DQ-PROGRESS-BACKWARDS", "w.xlsx", "Progress", f"C{i + 3}", "goes backwards", "50%", "at least 60%")
        for i in range(limits.WARNING_ROWS + 7)
    ]
    data.source = "/somewhere/w.xlsx"
    report = report_of(data)
    html = str(report.data_quality().data)
    findings = len(report.metrics.quality.findings)  # the workbook's warnings, EVM checks, unexplained variances
    assert findings >= limits.WARNING_ROWS + 7
    assert html.count("<li>") == limits.WARNING_ROWS + 1
    assert f"{findings:,} finding(s) in w.xlsx" in html and f"and {findings - limits.WARNING_ROWS:,} more" in html
    assert "pmoreports template check w.xlsx" in html


# -- golden: the demo projects render as before -------------------------------------------------

TABLES: dict[str, Callable[[ProjectReport], Any]] = {
    "cost_table_wbs": lambda r: r.cost_table("wbs"),
    "cost_table_category": lambda r: r.cost_table("category"),
    "milestones_table": lambda r: r.milestones_table(),
    "risks_table": lambda r: r.risks_table(),
    "changes_table": lambda r: r.changes_table(),
    "data_quality": lambda r: r.data_quality(),
}
CHARTS: dict[str, Callable[[ProjectReport], Any]] = {
    "cost_chart_wbs": lambda r: r.cost_chart("wbs"),
    "cost_chart_category": lambda r: r.cost_chart("category"),
    "s_curve": lambda r: r.s_curve(),
    "index_trend": lambda r: r.index_trend(),
    "risk_heatmap": lambda r: r.risk_heatmap(),
}


def demo_sections(demo_dir: Path) -> dict[str, str]:
    """Every long-list section of every demo project: normalised HTML, and the sha256 of
    each chart's Vega-Lite spec (canonical JSON)."""
    out: dict[str, str] = {}
    for spec in DEMO_PROJECTS:
        report = ProjectReport.load(demo_dir / "params" / f"{spec.project_id.lower()}.yaml")
        for name, section in TABLES.items():
            out[f"{spec.project_id}/{name}"] = normalise(str(section(report).data))
        for name, chart in CHARTS.items():
            canonical = json.dumps(chart(report).to_dict(), sort_keys=True, default=str)
            out[f"{spec.project_id}/{name}"] = hashlib.sha256(canonical.encode()).hexdigest()
    return out


def test_demo_projects_render_exactly_as_before(demo_dir: Path) -> None:
    actual = demo_sections(demo_dir)
    if os.environ.get(UPDATE_ENV) == "1":
        GOLDEN.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
    assert not changed, (
        f"demo report sections changed: {changed}; if intended, rerun with {UPDATE_ENV}=1 "
        f"and review the diff of {GOLDEN.relative_to(REPO)}"
    )


# -- a real run of a large project (papermill, HTML + PDF) --------------------------------------

N_WBS, N_RISKS, N_MILESTONES, N_CHANGES = 300, 40, 60, 50


@pytest.fixture(scope="module")
def large_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """``pmoreports run`` (HTML + PDF) of a 300-element workbook written by the kit's writer."""
    root = tmp_path_factory.mktemp("large")
    data = build_demo_project(large_spec(N_WBS), seed=11)
    long_lists(data, np.random.default_rng(11), N_RISKS, N_MILESTONES, N_CHANGES)
    book = root / "large.xlsx"
    write_project_workbook(book, data)
    shutil.copyfile(REPO / "params" / "_defaults.yaml", root / "_defaults.yaml")
    (root / "large.yaml").write_text("project_id: LARGE\nworkbook: large.xlsx\n", encoding="utf-8")
    return run_project(root / "large.yaml", output=root / "output"), book


def workbook_figures(book: Path) -> pd.DataFrame:
    """Per WBS element from the workbook file itself (openpyxl): PV and AC to the status
    month, BAC, EV = BAC x percent complete at the status month (carried forward)."""
    wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
    project = {r[0]: r[1] for r in wb["Project"].iter_rows(min_row=3, values_only=True) if r[0]}
    status = pd.Timestamp(project["Status date *"]).to_period("M").to_timestamp()

    def grid(name: str, keys: int) -> pd.DataFrame:
        rows = list(wb[name].iter_rows(min_row=2, values_only=True))
        months = {i: pd.Timestamp(h) for i, h in enumerate(rows[0]) if isinstance(h, dt.datetime)}
        records = [
            (r[0], m, float(r[i] or 0.0))
            for r in rows[1:]
            if r[0] not in (None, "Total")
            for i, m in months.items()
            if keys == 1 or r[1] is not None
        ]
        return pd.DataFrame.from_records(records, columns=["wbs", "month", "value"])

    budget, actuals, progress = grid("Budget", 2), grid("Actuals", 2), grid("Progress", 1)
    wb.close()
    out = pd.DataFrame(
        {
            "bac": budget.groupby("wbs")["value"].sum(),
            "pv": budget[budget["month"] <= status].groupby("wbs")["value"].sum(),
            "ac": actuals[actuals["month"] <= status].groupby("wbs")["value"].sum(),
        }
    ).fillna(0.0)
    done = progress[(progress["month"] <= status) & (progress["value"] > 0)].groupby("wbs")["value"].max()
    out["ev"] = out["bac"] * done.reindex(out.index).fillna(0.0)
    out["vac"] = out["bac"] - out["bac"] * out["ac"] / out["ev"].where(out["ev"] > 0)
    return out


def test_large_run_html_has_the_aggregated_rows_with_correct_sums(large_run: tuple[RunResult, Path]) -> None:
    result, book = large_run
    figures = workbook_figures(book)
    assert len(figures) == N_WBS
    soup = BeautifulSoup((result.out_dir / "report.html").read_text(encoding="utf-8"), "html.parser")
    wbs_table = next(t for t in soup.find_all("table") if "cost_by_wbs.csv" in t.get_text())
    caption, rows = table_rows(wbs_table)
    *shown, others, total = rows
    assert f"Showing {limits.WBS_TABLE_ROWS} of {N_WBS} elements" in caption
    assert len(shown) == limits.WBS_TABLE_ROWS and total[0] == "Total"
    assert others[0] == limits.others_label(N_WBS - limits.WBS_TABLE_ROWS, "elements")
    rest = figures.drop([r[0] for r in shown])
    for col, key in ((1, "pv"), (2, "ac"), (4, "ev"), (6, "bac")):
        assert money(others[col]) == pytest.approx(rest[key].sum(), abs=0.51), (others, key)
        assert sum(money(r[col]) for r in [*shown, others]) == pytest.approx(money(total[col]), abs=len(rows))
    assert money(total[6]) == pytest.approx(figures["bac"].sum(), abs=0.51)
    labels = {t.get_text() for t in soup.select("svg text")}
    assert limits.others_label(N_WBS - limits.WBS_CHART_BARS, "elements") in labels
    top = figures["bac"].sort_values(ascending=False, kind="stable").index[: limits.WBS_CHART_BARS]
    assert set(top) <= labels
    text = soup.get_text(" ")
    for noun, n, count in (
        ("open risks", 5, None),
        ("milestones", limits.MILESTONE_ROWS, N_MILESTONES),
        ("changes", limits.CHANGE_LOG_ROWS, N_CHANGES),
    ):
        assert re.search(rf"Others \(\d+ {noun}\)", text), noun
        if count:
            assert limits.others_label(count - n, noun) in text


def _first_column_text(page: Any) -> str:
    """Words of a page left of its WBS cost table's "Budget to date" column, line by line
    (so that a label wrapped inside its cell reads as one run); "" without such a table."""
    words = page.extract_words()
    heads = [w for w in words if w["text"] == "WBS"]
    edges = [
        w["x0"]
        for w in words
        if w["text"] == "Budget" and any(abs(w["top"] - h["top"]) < 2 and w["x0"] > h["x1"] for h in heads)
    ]
    if not edges:
        return ""
    kept = sorted((w for w in words if w["x1"] < min(edges)), key=lambda w: (round(w["top"]), w["x0"]))
    return " ".join(w["text"] for w in kept)


def test_large_run_pdf_shows_the_rows_and_every_drawing_stays_on_its_page(large_run: tuple[RunResult, Path]) -> None:
    pdfplumber = pytest.importorskip("pdfplumber")
    result, _ = large_run
    html = BeautifulSoup((result.out_dir / "report.html").read_text(encoding="utf-8"), "html.parser")
    wbs_table = next(t for t in html.find_all("table") if "cost_by_wbs.csv" in t.get_text())
    _, rows = table_rows(wbs_table)
    expected = [r[0] for r in rows]
    with pdfplumber.open(result.out_dir / "report.pdf") as pdf:
        folded = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
        first_column = re.sub(r"\s+", "", "".join(_first_column_text(p) for p in pdf.pages))
        for name in expected:
            assert re.sub(r"\s+", "", name) in first_column, f"{name!r} missing from the PDF's cost table"
        others = rows[-2]
        assert others[0].startswith("Others (")
        assert "".join(others[1:]) in folded, "the Others row's figures are not in the PDF (in HTML order)"
        assert limits.others_label(N_WBS - limits.WBS_CHART_BARS, "elements").replace(" ", "") in folded
        for page in pdf.pages:
            assert not outside_content(page), f"page {page.page_number}: {outside_content(page)[:5]}"


def outside_content(page: Any) -> list[str]:
    """What a PDF page draws outside the band between its running header (its first text
    line) and its footer (the "Page X of Y" line) or beyond the page's width."""
    lines = page.extract_text_lines()
    header = min(lines, key=lambda line: line["top"])
    footers = [line for line in lines if re.search(r"Page \d+ of \d+$", line["text"])]
    if not footers:
        return ["no running footer 'Page X of Y'"]
    footer = footers[0]

    def in_line(obj: dict[str, Any], line: dict[str, Any]) -> bool:
        return bool(line["top"] - 0.5 <= obj["top"] and obj["bottom"] <= line["bottom"] + 0.5)

    chars = [c for c in page.chars if not in_line(c, header) and not in_line(c, footer)]
    return [
        f"{obj['object_type']} {obj.get('text', '')!r} at x={obj['x0']:.0f}-{obj['x1']:.0f}, y={obj['top']:.0f}-{obj['bottom']:.0f}"
        for obj in [*page.rects, *page.lines, *page.curves, *chars]
        if obj["top"] < header["bottom"] - 0.5
        or obj["bottom"] > footer["top"] + 0.5
        or obj["x0"] < -0.5
        or obj["x1"] > page.width + 0.5
    ]


def test_large_run_charts_fit_the_page_content_box(large_run: tuple[RunResult, Path]) -> None:
    """Every chart SVG, scaled to the content width as the report's CSS does, is shorter
    than the content box of an A4 page (180 x 257 mm at 96 px per inch)."""
    result, _ = large_run
    soup = BeautifulSoup((result.out_dir / "report.html").read_text(encoding="utf-8"), "html.parser")
    width_px, height_px = 180 / 25.4 * 96, 257 / 25.4 * 96
    svgs = soup.find_all("svg", attrs={"width": True, "height": True})
    assert len(svgs) >= 5
    for svg in svgs:
        w, h = float(svg["width"]), float(svg["height"])
        assert h * min(1.0, width_px / w) < height_px, (w, h)


def test_svg_of_a_2000_element_chart_is_bounded() -> None:
    """The chart that used to raise Altair's MaxRowsError (5,000 rows) at 2,000 elements."""
    data = build_demo_project(large_spec(2000, months=12, categories=1), seed=2)
    report = report_of(data)
    svg = svg_chart(report.cost_chart("wbs"))
    height = float(re.search(r'<svg[^>]*\bheight="([\d.]+)"', svg)[1])  # type: ignore[index]
    assert height < limits.MAX_CHART_HEIGHT + 150
    assert limits.others_label(2000 - limits.WBS_CHART_BARS, "elements") in svg


def test_portfolio_lists_the_soonest_milestones_and_counts_the_rest(tmp_path: Path) -> None:
    n, extra = limits.PORTFOLIO_MILESTONE_ROWS, 9
    due = [pd.Timestamp("2026-11-01") + pd.Timedelta(days=i) for i in range(n + extra)]
    projects = {}
    for pid, part in (("LARGE", due[::2]), ("OTHER", due[1::2])):
        data = build_demo_project(large_spec(5, project_id=pid), seed=7)
        data.milestones = pd.DataFrame(
            {
                C.MILESTONE: [f"{pid} milestone {d:%m-%d}" for d in part],
                C.BASELINE_DATE: pd.to_datetime(part).astype("datetime64[ns]"),
                C.FORECAST_DATE: pd.to_datetime(part).astype("datetime64[ns]"),
                C.ACTUAL_DATE: pd.to_datetime([pd.NaT] * len(part)).astype("datetime64[ns]"),
            }
        )
        projects[pid] = json.loads(json.dumps(project_metrics(data).to_dict()))
    report = PortfolioReport("2026-10", tmp_path, PortfolioSettings(), {"projects": []}, projects, {})
    caption, rows = table_rows(str(report.upcoming_milestones().data))
    assert len(rows) == n + 1
    assert [r[0] for r in rows[:n]] == [f"{d:%Y-%m-%d}" for d in due[:n]]
    assert rows[-1][2] == limits.others_label(extra, "milestones")
    assert rows[-1][0] == f"{due[n]:%Y-%m-%d} to {due[-1]:%Y-%m-%d}" and rows[-1][1] == "LARGE, OTHER"
    assert f"The {n} soonest of {n + extra} milestones" in caption
