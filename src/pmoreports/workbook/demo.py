"""A seeded, deterministic demo portfolio: filled workbooks and their parameter files.

Seven synthetic projects of different health (on track, over budget, late,
finished late, early stage, one with data-quality warnings, a large one in
JPY), currencies, sizes and lengths (6 to 36 months), all reporting the same
period. Costs are generated from a planned S-curve per WBS element, a true
schedule pace (``spi``) and cost efficiency (``cpi``), so the metrics in the
reports behave like real projects.

The variance analysis shows each case at least once: BRAVO explains some of its
threshold breaches on the Variances sheet and not others, its team forecasts the
rest of the work at budget (an optimistic EAC, with a TCPI far above its CPI) and
its business case holds with the budget but not at its EAC; CHARLIE explains its
schedule slip; GOLF, in JPY, has its own variance thresholds and no explanations.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import columns as C
from .model import VARIANCE_COLUMNS, ProjectData, ProjectInfo
from .schema import PROJECT_ELEMENT, RISK_CATEGORIES
from .template import month_range, write_project_workbook

__all__ = ["DEMO_PERIOD", "DEMO_PROJECTS", "DemoProject", "build_demo_project", "write_demo"]

DEMO_PERIOD = dt.date(2026, 10, 1)
"""The month every demo project reports (October 2026)."""

SEED = 20261001


@dataclass(frozen=True)
class DemoProject:
    """Recipe for one demo project.

    ``spi`` is the true pace (0.8 = work goes at 80 % of plan), ``cpi`` the true
    cost efficiency (0.85 = 15 % overspend on work done). ``forecast_cpi``: the cost
    efficiency the team's bottom-up ETC assumes (``None``: the true ``cpi``, give or
    take 10 %); ``benefit_share``: yearly benefit at full run rate as a share of BAC;
    ``explanations``: Variances rows (element, variance type, cause, impact, corrective
    action); ``params_extra``: YAML appended to the project's parameter file.
    """

    project_id: str
    name: str
    manager: str
    sponsor: str
    programme: str
    currency: str
    start: dt.date
    months: int
    bac: float
    wbs: tuple[str, ...]
    categories: tuple[str, ...]
    cpi: float
    spi: float
    story: str
    with_forecast: bool = False
    with_warnings: bool = False
    forecast_cpi: float | None = None
    benefit_share: float = 0.4
    explanations: tuple[tuple[str, str, str, str, str], ...] = ()
    params_extra: str = ""


DEMO_PROJECTS: tuple[DemoProject, ...] = (
    DemoProject(
        "ALPHA",
        "CRM replacement",
        "Ana Pereira",
        "Chief Operating Officer",
        "Digital",
        "EUR",
        dt.date(2026, 1, 1),
        12,
        1_200_000,
        ("1 Discovery", "2 Configuration", "3 Data migration", "4 Training", "5 Go-live"),
        ("Labour", "Contractors", "Software"),
        1.02,
        1.0,
        "on track",
        with_forecast=True,
        forecast_cpi=1.015,
    ),
    DemoProject(
        "BRAVO",
        "Data centre consolidation",
        "Ben Okafor",
        "Chief Information Officer",
        "Infrastructure",
        "USD",
        dt.date(2025, 6, 1),
        24,
        4_800_000,
        (
            "1 Design",
            "2 Procurement",
            "3 Migration wave 1",
            "4 Migration wave 2",
            "5 Decommissioning",
            "6 Project management",
        ),
        ("Labour", "Contractors", "Equipment", "Facilities"),
        0.85,
        0.97,
        "over budget",
        with_forecast=True,
        forecast_cpi=1.0,
        benefit_share=0.38,
        explanations=(
            (
                PROJECT_ELEMENT,
                "cost",
                "Contractor day rates 18 % above the baseline since the 2025 framework renewal; "
                "equipment prices up with the exchange rate.",
                "CV of about -15 % that grows with every month of contractor work.",
                "Move wave 2 to the internal team; renegotiate the framework at the April review.",
            ),
            (
                PROJECT_ELEMENT,
                "at completion",
                "The cost overrun to date, extrapolated: the remaining waves use the same contractors.",
                "EAC above the approved budget; contingency will not cover it.",
                "Change request for additional funding to the steering group in November.",
            ),
            (
                "5 Decommissioning",
                "schedule",
                "Decommissioning waits for wave 2 cut-over, which slipped by one month.",
                "Two sites keep running one month longer (facilities cost).",
                "Start decommissioning the empty halls before cut-over.",
            ),
        ),
    ),
    DemoProject(
        "CHARLIE",
        "Warehouse automation",
        "Chloe Martin",
        "Supply Chain Director",
        "Operations",
        "GBP",
        dt.date(2025, 9, 1),
        18,
        2_600_000,
        ("1 Site survey", "2 Conveyor system", "3 Robotics", "4 Integration", "5 Commissioning"),
        ("Labour", "Equipment", "Materials"),
        0.98,
        0.8,
        "late",
        explanations=(
            (
                PROJECT_ELEMENT,
                "schedule",
                "The robotics supplier delivered the first cells ten weeks late.",
                "Integration and commissioning start two months late; go-live moves to Q2 2027.",
                "Second shift for integration; weekly supplier review.",
            ),
        ),
    ),
    DemoProject(
        "DELTA",
        "Payroll upgrade",
        "David Kim",
        "HR Director",
        "Digital",
        "EUR",
        dt.date(2025, 10, 1),
        10,
        650_000,
        ("1 Analysis", "2 Build", "3 Parallel run"),
        ("Labour", "Software"),
        0.93,
        10 / 13,
        "finished late",
    ),
    DemoProject(
        "ECHO",
        "New headquarters fit-out",
        "Eva Schmid",
        "Chief Financial Officer",
        "Infrastructure",
        "CHF",
        dt.date(2026, 8, 1),
        36,
        9_500_000,
        ("1 Design", "2 Permits", "3 Construction", "4 Fit-out", "5 Move", "6 Project office"),
        ("Labour", "Contractors", "Materials", "Facilities"),
        0.97,
        1.02,
        "early stage",
    ),
    DemoProject(
        "FOXTROT",
        "Customer mobile app",
        "Farid Haddad",
        "Chief Marketing Officer",
        "Digital",
        "USD",
        dt.date(2026, 6, 1),
        6,
        380_000,
        ("1 UX design", "2 App build", "3 Launch"),
        ("Labour", "Contractors", "Software"),
        0.95,
        0.95,
        "with data warnings",
        with_warnings=True,
    ),
    DemoProject(
        "GOLF",
        "ERP rollout Asia",
        "Gen Tanaka",
        "Regional Managing Director",
        "Digital",
        "JPY",
        dt.date(2025, 1, 1),
        30,
        1_450_000_000,
        (
            "1.1 Blueprint",
            "1.2 Finance build",
            "1.3 Supply chain build",
            "2.1 Data migration",
            "2.2 Integration test",
            "3.1 Japan go-live",
            "3.2 Korea go-live",
            "3.3 Hypercare",
            "4.1 Change management",
            "4.2 PMO",
        ),
        ("Labour", "Contractors", "Software", "Travel", "Other"),
        0.91,
        0.9,
        "amber/red",
        params_extra=(
            "variance:               # amounts in JPY: the defaults are sized for EUR\n"
            "  cost:\n"
            "    current: {unfavourable: {amount: 1500000}, favourable: {amount: 3000000}}\n"
            "    cumulative: {unfavourable: {amount: 4000000}, favourable: {amount: 8000000}}\n"
            "    at_completion: {unfavourable: {amount: 8000000}, favourable: {amount: 15000000}}\n"
            "  schedule:\n"
            "    current: {unfavourable: {amount: 1500000}, favourable: {amount: 3000000}}\n"
            "    cumulative: {unfavourable: {amount: 4000000}, favourable: {amount: 8000000}}\n"
        ),
    ),
)


def write_demo(examples: Path, params: Path) -> list[Path]:
    """Write every demo workbook to ``examples`` and its YAML file to ``params``."""
    examples.mkdir(parents=True, exist_ok=True)
    params.mkdir(parents=True, exist_ok=True)
    written = []
    for i, spec in enumerate(DEMO_PROJECTS):
        data = build_demo_project(spec, seed=SEED + i)
        book = examples / f"{spec.project_id.lower()}.xlsx"
        write_project_workbook(book, data)
        written.append(book)
        written.append(_write_params(params, spec, book))
    return written


def _write_params(params: Path, spec: DemoProject, book: Path) -> Path:
    path = params / f"{spec.project_id.lower()}.yaml"
    rel = Path("..") / book.parent.name / book.name
    path.write_text(
        f"# {spec.name} ({spec.story}) - demo project generated by `pmoreports demo`\n"
        f"project_id: {spec.project_id}\nworkbook: {rel.as_posix()}\n{spec.params_extra}",
        encoding="utf-8",
    )
    return path


def build_demo_project(spec: DemoProject, seed: int = SEED) -> ProjectData:
    """Generate the workbook content of one demo project, deterministically from ``seed``."""
    rng = np.random.default_rng(seed)
    planned = month_range(spec.start, _add_months(spec.start, spec.months - 1))
    elapsed = _months_between(spec.start, DEMO_PERIOD) + 1
    grid_months = month_range(spec.start, max(planned[-1], DEMO_PERIOD))
    shares = _element_shares(rng, len(spec.wbs))
    windows = _windows(len(spec.wbs), spec.months)
    cat_shares = {w: _normalise(rng.uniform(0.5, 1.5, len(spec.categories))) for w in spec.wbs}
    budget, actuals, progress = [], [], []
    remaining: dict[str, float] = {}
    for i, w in enumerate(spec.wbs):
        bac = spec.bac * shares[i]
        plan = _s_curve(windows[i], spec.months)
        for c, cat in enumerate(spec.categories):
            for m, month in enumerate(grid_months):
                pv = plan[m] - (plan[m - 1] if m else 0.0) if m < spec.months else 0.0
                budget.append((w, cat, month, _round(bac * cat_shares[w][c] * pv, 100)))
        earned = [_planned_at(plan, (m + 1) * spec.spi) for m in range(len(grid_months))]
        remaining[w] = bac * (1.0 - round(earned[elapsed - 1], 2)) / (spec.forecast_cpi or spec.cpi)
        for m, month in enumerate(grid_months[:elapsed]):
            progress.append((w, month, round(earned[m], 2)))
            delta = earned[m] - (earned[m - 1] if m else 0.0)
            for c, cat in enumerate(spec.categories):
                noise = rng.uniform(0.9, 1.1)
                cost = bac * cat_shares[w][c] * delta / spec.cpi * noise
                actuals.append((w, cat, month, _round(cost, 10)))
    data = ProjectData(
        info=_info(spec, planned),
        budget=_frame(budget, (C.WBS, C.CATEGORY, C.MONTH, C.VALUE)),
        actuals=_frame(actuals, (C.WBS, C.CATEGORY, C.MONTH, C.VALUE)),
        progress=_frame(progress, (C.WBS, C.MONTH, C.VALUE)),
        forecast=_forecast(spec, remaining, rng),
        changes=_changes(spec, rng),
        risks=_risks(spec, rng),
        milestones=_milestones(spec, planned),
        benefits=_benefits(spec, planned),
        variances=_variances(spec),
    )
    if spec.with_warnings:
        _add_warnings(data)
    return data


# -- plan shape -------------------------------------------------------------------------------


def _element_shares(rng: np.random.Generator, n: int) -> np.ndarray:
    return _normalise(rng.uniform(0.6, 1.4, n))


def _normalise(x: np.ndarray) -> np.ndarray:
    return np.asarray(x / x.sum(), dtype=float)


def _windows(n: int, months: int) -> list[tuple[float, float]]:
    """Overlapping phases: element i runs over a slice of the project's duration (in months)."""
    out = []
    for i in range(n):
        start = months * i / (n + 1)
        finish = months * (i + 2) / (n + 1)
        out.append((start, min(finish, months)))
    return out


def _s_curve(window: tuple[float, float], months: int) -> list[float]:
    """Cumulative planned fraction at the end of each month (sine S-curve over the window)."""
    start, finish = window
    out = []
    for m in range(1, months + 1):
        x = min(max((m - start) / (finish - start), 0.0), 1.0)
        out.append(round((1 - math.cos(math.pi * x)) / 2, 6))
    out[-1] = 1.0
    return out


def _planned_at(plan: list[float], t: float) -> float:
    """Cumulative planned fraction at (fractional) month ``t``; 1 after the end."""
    if t >= len(plan):
        return 1.0
    lo = int(t)
    before = plan[lo - 1] if lo >= 1 else 0.0
    return before + (plan[lo] - before) * (t - lo)


# -- project fields and lists -------------------------------------------------------------------


def _info(spec: DemoProject, planned: tuple[dt.date, ...]) -> ProjectInfo:
    health = {
        "on track": "Delivery is on plan and slightly under budget.",
        "over budget": "Contractor rates and equipment prices are above the baseline.",
        "late": "Robotics supplier delays have pushed integration back.",
        "finished late": "All work is complete; go-live happened three months after the baseline.",
        "early stage": "Design is under way; permits are being prepared.",
        "with data warnings": "Build is progressing; the workbook has data warnings to fix.",
        "amber/red": "Cost and schedule are behind; a recovery plan is with the steering group.",
    }[spec.story]
    return ProjectInfo(
        project_id=spec.project_id,
        name=spec.name,
        manager=spec.manager,
        sponsor=spec.sponsor,
        programme=spec.programme,
        currency=spec.currency,
        baseline_start=planned[0],
        baseline_finish=planned[-1],
        status_date=DEMO_PERIOD,
        approved_budget=None,
        contingency=_round(spec.bac * 0.08, 1000),
        management_reserve=_round(spec.bac * 0.05, 1000),
        discount_rate=0.08,
        executive_summary=f"{spec.name}: {health}",
        accomplishments=f"Completed the {DEMO_PERIOD:%B} deliverables of {spec.wbs[0]}.\n"
        "Steering committee reviewed the risk register.",
        next_steps=f"Continue {spec.wbs[min(1, len(spec.wbs) - 1)]}.\nUpdate the forecast.",
        overall_comment="",
    )


def _forecast(spec: DemoProject, remaining: dict[str, float], rng: np.random.Generator) -> pd.DataFrame:
    """Bottom-up estimate to complete: the remaining work at the cost efficiency the team
    assumes (``forecast_cpi``, exactly), else at the project's, give or take 10 % (0 for
    finished elements)."""
    if not spec.with_forecast:
        return _frame([], (C.WBS, C.ETC, C.COMMENT))
    rows = []
    for w in spec.wbs:
        noise = rng.uniform(0.9, 1.1)
        etc = remaining[w] if spec.forecast_cpi else remaining[w] * noise
        rows.append((w, _round(etc, 1000), "team estimate"))
    return _frame(rows, (C.WBS, C.ETC, C.COMMENT))


def _variances(spec: DemoProject) -> pd.DataFrame:
    """The Variances sheet: the recipe's explanations, owned by the manager, due next month."""
    due = pd.Timestamp(_month_end(_add_months(DEMO_PERIOD, 1)))
    rows = [
        (e, kind, cause, impact, action, spec.manager, due, "in progress")
        for e, kind, cause, impact, action in spec.explanations
    ]
    frame = _frame(rows, VARIANCE_COLUMNS)
    frame[C.DUE_DATE] = pd.to_datetime(frame[C.DUE_DATE]).astype("datetime64[ns]")
    return frame


def _changes(spec: DemoProject, rng: np.random.Generator) -> pd.DataFrame:
    kinds = (
        ("scope", "Add reporting module"),
        ("cost", "Licence price increase"),
        ("schedule", "Move training after holidays"),
        ("scope", "Extra interface"),
    )
    statuses = ("approved", "approved", "proposed", "rejected")
    rows = []
    for i, ((kind, title), status) in enumerate(zip(kinds, statuses, strict=True)):
        raised = _add_months(spec.start, min(i * 2 + 1, spec.months - 1))
        if raised > DEMO_PERIOD:
            continue
        decided = pd.Timestamp(raised) + pd.Timedelta(days=14) if status != "proposed" else pd.NaT
        rows.append(
            (
                f"CR-{i + 1:02d}",
                pd.Timestamp(raised),
                title,
                kind,
                status,
                _round(spec.bac * rng.uniform(0.005, 0.03), 100),
                int(rng.integers(0, 30)),
                decided,
            )
        )
    return _frame(
        rows,
        (
            C.CHANGE_ID,
            C.RAISED,
            C.TITLE,
            C.TYPE,
            C.STATUS,
            C.COST_IMPACT,
            C.SCHEDULE_IMPACT_DAYS,
            C.DECIDED_ON,
        ),
    )


def _risks(spec: DemoProject, rng: np.random.Generator) -> pd.DataFrame:
    titles = (
        "Key supplier delivers late",
        "Integration defects found late",
        "Staff turnover",
        "Scope creep from business units",
        "Regulatory approval delayed",
        "Exchange-rate moves",
    )
    owners = (spec.manager, "Technical lead", "HR partner", spec.sponsor, "Legal", "Finance")
    rows = []
    for i, title in enumerate(titles[: 3 + len(spec.wbs) // 2]):
        prob: float = float(rng.integers(1, 6)) if i % 2 == 0 else float(rng.choice([0.1, 0.25, 0.4, 0.6]))
        status = "realised" if i == 2 and spec.spi < 0.95 else ("closed" if i == 5 else "open")
        rows.append(
            (
                f"R-{i + 1:02d}",
                title,
                RISK_CATEGORIES[i % len(RISK_CATEGORIES)],
                prob,
                _round(spec.bac * rng.uniform(0.01, 0.08), 1000),
                int(rng.integers(0, 60)),
                owners[i],
                "Mitigate: weekly follow-up",
                status,
            )
        )
    return _frame(
        rows,
        (
            C.RISK_ID,
            C.TITLE,
            C.CATEGORY,
            C.PROBABILITY,
            C.COST_IMPACT,
            C.SCHEDULE_IMPACT_DAYS,
            C.OWNER,
            C.RESPONSE,
            C.STATUS,
        ),
    )


def _milestones(spec: DemoProject, planned: tuple[dt.date, ...]) -> pd.DataFrame:
    rows = []
    for i, w in enumerate(spec.wbs[:6]):
        base_m = min(len(planned) - 1, round(len(planned) * (i + 1) / min(len(spec.wbs), 6)) - 1)
        baseline = _month_end(planned[base_m])
        slip = round((base_m + 1) * (1 / spec.spi - 1) * 30.4)
        forecast = baseline + dt.timedelta(days=slip)
        actual = forecast if forecast <= _month_end(DEMO_PERIOD) else None
        rows.append(
            (
                f"{w} complete",
                pd.Timestamp(baseline),
                pd.Timestamp(forecast),
                pd.Timestamp(actual) if actual else pd.NaT,
            )
        )
    return _frame(rows, (C.MILESTONE, C.BASELINE_DATE, C.FORECAST_DATE, C.ACTUAL_DATE))


def _benefits(spec: DemoProject, planned: tuple[dt.date, ...]) -> pd.DataFrame:
    first = planned[-1].year + 1
    rows = [
        (
            y,
            _round(spec.bac * spec.benefit_share * min(1.0, (y - first + 1) / 2), 1000),
            _round(spec.bac * 0.03, 1000),
        )
        for y in range(first, first + 5)
    ]
    return _frame(rows, (C.PERIOD, C.EXPECTED_BENEFIT, C.OTHER_COSTS))


def _add_warnings(data: ProjectData) -> None:
    """Make the workbook suspicious but legal: each warning the checker knows, once."""
    p = data.progress
    last, prev = p[C.MONTH].max(), p[C.MONTH].unique()[-2]
    first_wbs = p[C.WBS].iloc[0]
    earlier = p.loc[(p[C.WBS] == first_wbs) & (p[C.MONTH] == prev), C.VALUE].iloc[0]
    p.loc[(p[C.WBS] == first_wbs) & (p[C.MONTH] == last), C.VALUE] = round(max(earlier - 0.1, 0.0), 2)
    a = data.actuals
    future = pd.Timestamp(_add_months(DEMO_PERIOD, 1))
    row = a.iloc[[0]].copy()
    row[C.MONTH], row[C.VALUE] = future, 1500.0
    data.actuals = pd.concat([a, row], ignore_index=True)
    total = float(data.budget[C.VALUE].sum())
    info = vars(data.info) | {"approved_budget": _round(total * 1.05, 1000)}
    data.info = ProjectInfo(**info)


# -- small helpers ------------------------------------------------------------------------------


def _frame(rows: Sequence[tuple[Any, ...]], cols: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(cols))
    for col in frame.columns:
        if col == C.MONTH or pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    return frame


def _round(x: float, step: int) -> float:
    return float(round(x / step) * step)


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _month_end(d: dt.date) -> dt.date:
    return _add_months(d, 1) - dt.timedelta(days=1)
