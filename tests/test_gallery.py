"""The template gallery: every kind written from the schema, readable by the kit, and every
formula recalculated by LibreOffice equal to the engine's value for the same data.

The workbooks compared: each demo project filled into each kind; edge cases (no actuals
yet, no budget, work complete, no discount rate, never paid back, no cash flows, no open
risks, unrecognised probabilities); and projects generated at random (seeded: set
``PMOREPORTS_GALLERY_CASES`` for more). All are recalculated by one LibreOffice run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import require_program
from gallery_check import compare, recalculate

from pmoreports.metrics.kinds import data_as_kind
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PERIOD, DEMO_PROJECTS, SEED, DemoProject, build_demo_project
from pmoreports.workbook.gallery import write_kind_template, write_kind_workbook
from pmoreports.workbook.kinds import KINDS
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.nextmonth import write_next_workbook
from pmoreports.workbook.reader import read_workbook
from pmoreports.workbook.template import Layout

CASES = int(os.environ.get("PMOREPORTS_GALLERY_CASES", "6"))


@dataclass
class Case:
    name: str
    kind: str
    written: Path
    layout: Layout
    data: ProjectData


def _demo() -> list[tuple[str, ProjectData]]:
    return [(s.project_id.lower(), build_demo_project(s, SEED + i)) for i, s in enumerate(DEMO_PROJECTS)]


def _before_start(data: ProjectData) -> ProjectData:
    """The first month of a project: no actual cost and no progress yet."""
    start = data.info.baseline_start
    info = dataclasses.replace(data.info, status_date=start)
    return dataclasses.replace(
        data,
        info=info,
        actuals=data.actuals.iloc[0:0],
        progress=data.progress.iloc[0:0],
        forecast=data.forecast.iloc[0:0],
    )


def _no_budget(data: ProjectData) -> ProjectData:
    return dataclasses.replace(data, budget=data.budget.assign(**{C.VALUE: 0.0}))


def _edge_cases(demo: list[tuple[str, ProjectData]]) -> list[tuple[str, ProjectData]]:
    alpha = demo[0][1]
    no_rate = dataclasses.replace(alpha, info=dataclasses.replace(alpha.info, discount_rate=None))
    never = dataclasses.replace(alpha, benefits=alpha.benefits.assign(**{C.EXPECTED_BENEFIT: 1000.0}))
    empty = dataclasses.replace(
        alpha,
        benefits=alpha.benefits.iloc[0:0],
        budget=alpha.budget.iloc[0:0],
        actuals=alpha.actuals.iloc[0:0],
        kind="business-case",
    )
    risks = alpha.risks.copy()
    risks[C.PROBABILITY] = [2.5, 0.55, 40.0, 5.0, 1.0][: len(risks)]
    risks[C.STATUS] = ["open", "realised", "closed", "open", "open"][: len(risks)]
    odd_risks = dataclasses.replace(alpha, risks=risks)
    closed = dataclasses.replace(alpha, risks=alpha.risks.assign(**{C.STATUS: "closed"}))
    return [
        ("first-month", _before_start(alpha)),
        ("no-budget", _no_budget(_before_start(alpha))),
        ("no-rate", no_rate),
        ("never-paid-back", never),
        ("no-cash-flows", empty),
        ("odd-risks", odd_risks),
        ("no-open-risks", closed),
    ]


def _generated(n: int) -> list[tuple[str, ProjectData]]:
    """Random projects: sizes, lengths, health, status month, forecasts, risks, flows."""
    rng = np.random.default_rng(20261014)
    out = []
    for i in range(n):
        months = int(rng.integers(3, 30))
        start = dt.date(2024 + int(rng.integers(0, 3)), int(rng.integers(1, 13)), 1)
        n_wbs = int(rng.integers(1, 7))
        cats = tuple(
            rng.choice(
                ["Labour", "Contractors", "Software", "Travel", "Materials"], int(rng.integers(1, 4)), replace=False
            )
        )
        spec = DemoProject(
            f"GEN{i}",
            f"Generated {i}",
            "Gen Manager",
            "Sponsor",
            "Programme",
            "EUR",
            start,
            months,
            float(rng.integers(50, 5000)) * 1000,
            tuple(f"{j + 1} Work {j + 1}" for j in range(n_wbs)),
            cats,
            float(rng.uniform(0.7, 1.2)),
            float(rng.uniform(0.6, 1.2)),
            "on track",
            with_forecast=bool(rng.integers(0, 2)),
        )
        data = build_demo_project(spec, seed=int(rng.integers(1, 10**6)))
        status = pd.Timestamp(start) + pd.DateOffset(months=int(rng.integers(0, months + 3)))
        status = min(status, pd.Timestamp(DEMO_PERIOD))

        def keep(f: pd.DataFrame, status: pd.Timestamp = status) -> pd.DataFrame:
            return f[f[C.MONTH] <= status]

        rate = None if rng.random() < 0.2 else float(rng.choice([0.0, 0.03, 0.08, 0.12]))
        benefits = data.benefits.assign(
            **{C.EXPECTED_BENEFIT: rng.integers(0, 3, len(data.benefits)) * float(rng.integers(10, 900)) * 1000}
        )
        data = dataclasses.replace(
            data,
            info=dataclasses.replace(data.info, status_date=status.date(), discount_rate=rate),
            actuals=keep(data.actuals),
            progress=keep(data.progress),
            benefits=benefits,
        )
        out.append((f"gen{i}", data))
    return out


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Case], Path]:
    soffice = require_program("soffice")
    root = tmp_path_factory.mktemp("gallery")
    demo = _demo()
    cases: list[Case] = []
    for name, data in [*demo, *_edge_cases(demo), *_generated(CASES)]:
        for kind in KINDS if data.kind == "project" else [data.kind]:
            path = root / "in" / f"{name}-{kind}.xlsx"
            layout = write_kind_workbook(path, data_as_kind(data, kind))
            cases.append(Case(name, kind, path, layout, read_workbook(path)))
    alpha = demo[0][1]
    for kind in KINDS:  # next month's workbooks: a month column added, nothing entered yet
        rolled = root / "in" / f"next-{kind}.xlsx"
        row = {C.ELEMENT: "Project", C.VARIANCE_TYPE: "cost", C.STATUS: "open"}
        written = write_next_workbook(rolled, data_as_kind(alpha, kind), variances=[row])
        assert written.layout is not None
        cases.append(Case("next", kind, rolled, written.layout, read_workbook(rolled, today=dt.date(2030, 1, 1))))
    blanks = [root / "in" / f"blank-{kind}.xlsx" for kind in KINDS]
    for path, kind in zip(blanks, KINDS, strict=True):
        write_kind_template(path, kind)
    recalculate(soffice, [*(c.written for c in cases), *blanks], root / "out", root / "profile")
    return cases, root / "out"


def test_every_formula_of_every_kind_equals_the_engine(recalculated: tuple[list[Case], Path]) -> None:
    cases, out = recalculated
    problems = []
    for case in cases:
        found = compare(case.written, out / case.written.name, case.layout, case.data)
        problems += [f"{case.written.name} {m}" for m in found[:5]]
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:60])


def test_kinds_are_read_back_as_written(recalculated: tuple[list[Case], Path]) -> None:
    cases, _ = recalculated
    assert {c.kind for c in cases} == set(KINDS)
    for case in cases:
        assert case.data.kind == case.kind


def test_blank_templates_recalculate_without_error_values(recalculated: tuple[list[Case], Path]) -> None:
    """A blank template opened in a spreadsheet shows blanks or n/a texts, never #DIV/0! and
    the like (the earned-value chart's hidden #N/A columns aside)."""
    _, out = recalculated
    for kind in KINDS:
        wb = openpyxl.load_workbook(out / f"blank-{kind}.xlsx", data_only=True)
        errors = [
            f"{ws.title}!{c.coordinate}={c.value}"
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str)
            and c.value.startswith("#")
            and not (
                c.value == "#N/A" and "(chart)" in str(ws.cell(row=_header_row_of(ws, c.column), column=c.column).value)
            )
        ]
        assert not errors, f"{kind}: {errors[:10]}"


def _header_row_of(ws: openpyxl.worksheet.worksheet.Worksheet, column: int) -> int:
    """The row of the header above a column's chart values (the first cell naming '(chart)')."""
    for r in range(1, 40):
        if "(chart)" in str(ws.cell(row=r, column=column).value or ""):
            return r
    return 1
