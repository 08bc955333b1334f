"""Benchmark: ``template check`` and ``run`` (HTML + PDF) on large projects, time and peak memory.

    python bench/bench_large.py [--repeat 3] [--sizes 500,2000] [--keep DIR]

Workbooks of N WBS elements x 3 cost categories x 36 months are generated with the
kit's own writer (the demo generator with a custom ``DemoProject``) into a temporary
folder (``--keep DIR`` writes them there instead, e.g. ``output/bench``, and reuses
them on the next run). Baselines, measured the same way: the demo project ALPHA as
shipped (5 WBS x 3 x 12 months) and a 7-element project of the large ones' shape.

Each command runs as a user types it, in a fresh process; peak memory is
``ru_maxrss`` of that process's children (the largest single process of its tree:
the CLI or its report kernel), measured by a small wrapper so that runs do not
share one high-water mark. Sizes and commands alternate per repeat; medians printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, DemoProject, build_demo_project
from pmoreports.workbook.template import write_project_workbook

REPO = Path(__file__).resolve().parents[1]
CATEGORIES, MONTHS = ("Labour", "Contractors", "Materials"), 36
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": proc.returncode, "seconds": seconds, "mb": peak, "err": proc.stderr[-2000:]}))
"""


def large_spec(n_wbs: int) -> DemoProject:
    """N WBS elements x 3 categories x 36 months, reporting the demo period (month 22)."""
    return dataclasses.replace(
        DEMO_PROJECTS[4],
        project_id=f"W{n_wbs}",
        start=dt.date(2025, 1, 1),
        months=MONTHS,
        bac=25_000.0 * n_wbs,
        wbs=tuple(f"{i // 50 + 1}.{i % 50 + 1} Work package {i + 1}" for i in range(n_wbs)),
        categories=CATEGORIES,
    )


def workbook(folder: Path, name: str, spec: DemoProject) -> Path:
    """The workbook of ``spec`` in ``folder`` (written unless already there) and its params file."""
    book = folder / f"{name}.xlsx"
    if not book.exists():
        start = time.perf_counter()
        write_project_workbook(book, build_demo_project(spec, seed=SEED))
        print(f"  wrote {book.name} ({book.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s")
    (folder / f"{name}.yaml").write_text(f"project_id: {spec.project_id}\nworkbook: {book.name}\n", encoding="utf-8")
    return book


def measure(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak MB (largest process of the command's tree) of one command."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    if out["rc"] != 0:
        sys.exit(f"failed ({out['rc']}): {' '.join(cmd)}\n{out['err']}")
    return out["seconds"], out["mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--sizes", default="500,2000", help="WBS element counts (default 500,2000)")
    parser.add_argument("--keep", type=Path, help="folder for the workbooks (default: a temporary folder)")
    args = parser.parse_args()
    cli = [shutil.which("pmoreports") or sys.executable, *([] if shutil.which("pmoreports") else ["-m", "pmoreports"])]
    with tempfile.TemporaryDirectory(prefix="pmo-bench-large-") as tmp:
        folder = (args.keep or Path(tmp)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "params" / "_defaults.yaml", folder / "_defaults.yaml")
        print("workbooks:", flush=True)
        cases = {"demo ALPHA (5 x 3 x 12)": workbook(folder, "alpha", DEMO_PROJECTS[0])}
        for n in (7, *(int(s) for s in args.sizes.split(","))):
            cases[f"{n:,} WBS x 3 x {MONTHS}"] = workbook(folder, f"wbs{n}", large_spec(n))
        results: dict[str, dict[str, list[tuple[float, float]]]] = {k: {"check": [], "run": []} for k in cases}
        out = folder / "out"
        for i in range(args.repeat + 1):  # run 0 is an untimed warm-up
            for label, book in cases.items():
                check = measure([*cli, "template", "check", "-q", str(book)], folder)
                shutil.rmtree(out, ignore_errors=True)
                run = measure([*cli, "run", str(book.with_suffix(".yaml")), "--output", str(out)], folder)
                if i:
                    results[label]["check"].append(check)
                    results[label]["run"].append(run)
                    print(f"  run {i} {label}: check {check[0]:.1f} s, run {run[0]:.1f} s", flush=True)
    base = results[next(iter(results))]
    base_run = statistics.median(s for s, _ in base["run"])
    print(f"\nmedians over {args.repeat} runs (peak MB: largest process of the command's tree)")
    print(f"{'workbook':<26} {'check s':>8} {'check MB':>9} {'run s':>7} {'run MB':>7} {'run / demo':>11}")
    for label, r in results.items():
        cs, cm = (statistics.median(x[k] for x in r["check"]) for k in (0, 1))
        rs, rm = (statistics.median(x[k] for x in r["run"]) for k in (0, 1))
        print(f"{label:<26} {cs:8.2f} {cm:9.0f} {rs:7.1f} {rm:7.0f} {rs / base_run:10.2f}x")


if __name__ == "__main__":
    main()
