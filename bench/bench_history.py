"""Benchmark: read a 100-project, 36-period reporting history vs reading the metrics.json files.

Portfolio: 100 projects x 36 monthly periods, each report folder holding a real
``metrics.json`` (the demo projects' metrics, renamed and scaled per project and period),
recorded into the default SQLite history with ``History.rebuild()``.

Measured (medians of repeated runs, alternately in one process):

- ``history``: :func:`pmoreports.pipeline.history.read_history` restricted to the trend
  metrics (CPI, SPI(t), EAC, BAC, overall RAG) of every project and period, as a tidy frame;
- ``trend``: ``History.trend()``, the rows the portfolio report draws its trends from
  (last 12 periods, with the PV/EV/AC curves);
- ``baseline``: what one would do without the history: ``json.load`` every
  ``metrics.json`` of the 36 periods and build the same tidy frame with pandas.

    python bench/bench_history.py [--repeat 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pmoreports.metrics.project import metrics_json, project_metrics
from pmoreports.pipeline.history import History, read_history
from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, build_demo_project

N_PROJECTS, N_PERIODS = 100, 36
WANTED = ("cpi", "spi_t", "eac", "bac")


def _periods() -> list[str]:
    return [f"{2024 + (m // 12)}-{m % 12 + 1:02d}" for m in range(N_PERIODS)]


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, float):
        return value * factor
    return value


def build(root: Path) -> Path:
    """Write the 3,600 report folders under ``root/output`` and record them."""
    bases = [
        json.loads(metrics_json(project_metrics(build_demo_project(spec, seed=SEED + i))))
        for i, spec in enumerate(DEMO_PROJECTS)
    ]
    output = root / "output"
    for p, period in enumerate(_periods()):
        for i in range(N_PROJECTS):
            data = _scaled(bases[i % len(bases)], 1.0 + 0.001 * (i + p))
            pid = f"P{i:03d}"
            data["project"] = data["project"] | {"project_id": pid}
            folder = output / period / pid
            folder.mkdir(parents=True)
            (folder / "metrics.json").write_text(json.dumps(data), encoding="utf-8")
    with History.open(output) as store:
        store.rebuild()
    return output


def baseline(output: Path) -> pd.DataFrame:
    """Every metrics.json of every period, the same tidy frame as the history's."""
    records = []
    for period_dir in sorted(p for p in output.iterdir() if p.is_dir()):
        for folder in sorted(period_dir.iterdir()):
            data = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
            status = data["status"]
            for key in WANTED:
                value = status[key]
                records.append((period_dir.name, folder.name, "status", key, value["value"], ""))
            records.append((period_dir.name, folder.name, "rag", "overall", None, data["rag"]["overall"]["status"]))
    return pd.DataFrame(records, columns=["period", "project", "group", "metric", "value", "text"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Build the portfolio in DIR (reused when it is already there).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        start = time.perf_counter()
        output = root / "output" if (root / "output").is_dir() else build(root)
        print(f"{N_PROJECTS} projects x {N_PERIODS} periods ready in {time.perf_counter() - start:.1f} s")

        def from_history() -> pd.DataFrame:
            return read_history(output, metrics=[*WANTED, "overall"])

        def trend() -> object:
            with History.open(output) as store:
                return store.trend()

        frame, base = from_history(), baseline(output)
        assert len(frame) == len(base), (len(frame), len(base))
        times: dict[str, list[float]] = {"history": [], "trend": [], "baseline": []}
        calls: dict[str, Callable[[], object]] = {
            "history": from_history,
            "trend": trend,
            "baseline": lambda: baseline(output),
        }
        for _ in range(args.repeat):
            for name, call in calls.items():
                start = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - start)
        results = {name: statistics.median(t) for name, t in times.items()}
        for name, value in results.items():
            print(f"{name:<9} {value:8.3f} s (median of {args.repeat})")
        print(f"history / baseline: {results['history'] / results['baseline']:.2f}")


if __name__ == "__main__":
    main()
