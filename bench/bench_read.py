"""Benchmark: read + validate a large project workbook vs pandas.read_excel of the same file.

Workbook: 100 WBS elements x 5 cost categories x 60 months, every sheet filled.
Baseline: ``pandas.read_excel(path, sheet_name=None)`` (what an analyst would
otherwise call; openpyxl engine, no validation at all). Both run alternately
in one process; medians of repeated runs and their ratio are printed.

    python bench/bench_read.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pmoreports import ProjectData, read_workbook, write_project_workbook
from pmoreports.workbook import columns as C
from pmoreports.workbook.demo import DEMO_PROJECTS, build_demo_project
from pmoreports.workbook.template import month_range

N_WBS, CATEGORIES, N_MONTHS = 100, ("Labour", "Contractors", "Materials", "Software", "Other"), 60


def large_project() -> ProjectData:
    """A 100 x 5 x 60 project built on the demo generator's lists and fields."""
    base = build_demo_project(DEMO_PROJECTS[0])
    start = dt.date(2022, 1, 1)
    months = month_range(start, dt.date(2026, 12, 1))
    status = months[45]
    wbs = [f"{i // 10 + 1}.{i % 10 + 1} Work package {i + 1}" for i in range(N_WBS)]
    cost = [
        (w, c, pd.Timestamp(m), float(1000 + (i * 37 + j * 11) % 900))
        for i, w in enumerate(wbs)
        for c in CATEGORIES
        for j, m in enumerate(months)
    ]
    actual = [r for r in cost if r[2] <= pd.Timestamp(status)]
    progress = [
        (w, pd.Timestamp(m), round(min(1.0, (j + 1) / N_MONTHS), 2))
        for w in wbs
        for j, m in enumerate(months)
        if m <= status
    ]
    info = vars(base.info) | {
        "baseline_start": start,
        "baseline_finish": months[-1],
        "status_date": status,
    }
    forecast = pd.DataFrame({C.WBS: wbs, C.ETC: 5000.0, C.COMMENT: "estimate"})
    return ProjectData(
        info=type(base.info)(**info),
        budget=pd.DataFrame(cost, columns=[C.WBS, C.CATEGORY, C.MONTH, C.VALUE]),
        actuals=pd.DataFrame(actual, columns=[C.WBS, C.CATEGORY, C.MONTH, C.VALUE]),
        progress=pd.DataFrame(progress, columns=[C.WBS, C.MONTH, C.VALUE]),
        forecast=forecast,
        changes=base.changes,
        risks=base.risks,
        milestones=base.milestones,
        benefits=base.benefits,
    )


def median_time(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_project_workbook(Path(tmp) / "large.xlsx", large_project())
        data = read_workbook(path)  # warm-up, and proof it is valid
        assert len(data.budget) == N_WBS * len(CATEGORIES) * N_MONTHS
        ours, theirs = [], []
        for _ in range(args.repeat):  # alternate so machine noise hits both alike
            ours += median_time(lambda: read_workbook(path), 1)
            theirs += median_time(lambda: pd.read_excel(path, sheet_name=None), 1)
        a, b = statistics.median(ours), statistics.median(theirs)
        size = path.stat().st_size / 1e6
        print(f"workbook: {N_WBS} WBS x {len(CATEGORIES)} categories x {N_MONTHS} months, {size:.1f} MB")
        print(f"pmoreports read_workbook (read + validate): median {a * 1000:8.1f} ms over {args.repeat} runs")
        print(f"pandas.read_excel(sheet_name=None):        median {b * 1000:8.1f} ms over {args.repeat} runs")
        print(f"ratio pmoreports / pandas = {a / b:.3f}  (target <= 1.0)")


if __name__ == "__main__":
    main()
