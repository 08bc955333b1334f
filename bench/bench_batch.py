"""Benchmark: the monthly batch vs the loop a user writes by hand, wall time and CPU.

    python bench/bench_batch.py [--projects 30] [--repeat 3] [--jobs 2] [--small 6]

Generates N realistic projects (the demo recipes with other IDs and seeds), then, side by
side in one script, each round in the same order (medians over ``--repeat`` rounds):

(a)  naive loop, one project after another: ``papermill`` CLI -> ``jupyter nbconvert --to
     html --no-input`` -> ``python -m pmoreports.report.render`` (HTML -> PDF);
(a2) the same loop two projects at a time (``xargs -P 2``);
(b)  ``pmoreports batch --jobs 2 --force`` (HTML + PDF + metrics files, portfolio, index);
(s)  the same batch over ``--small`` of the projects, into a fresh folder;
(c)  an incremental rerun of (b) after changing one workbook.

The naive loop's PDF step is the kit's own PDF route as a command (Typst, the engine the
batch uses), so the ratios measure the pipeline, not two PDF engines.

CPU is user + system time of every process a step started (batch, workers, kernels,
subprocesses): this script makes itself the "child subreaper" (Linux), so processes whose
parent exits are re-parented to it, waits for all of them after each step, and reads
``getrusage(RUSAGE_CHILDREN)``. The per-report marginal cost is
``(CPU(b) - CPU(s)) / (N - small)``: what one more report costs a batch that is already
running (start-up, the portfolio and the index cancel out).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl

from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, build_demo_project
from pmoreports.workbook.template import write_project_workbook

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "project_status.ipynb"
BIN = Path(sys.executable).parent
_PR_SET_CHILD_SUBREAPER = 36

NAIVE_STEPS = """set -e
p="$1"; nb="$2/$(basename "$p" .yaml).ipynb"
"$3/papermill" "$4" "$nb" -p params_file "$p" -p static True --cwd "$(dirname "$4")" --no-progress-bar --log-level ERROR
"$3/jupyter" nbconvert --to html --no-input --log-level ERROR "$nb"
"$3/python" -m pmoreports.report.render "${nb%.ipynb}.html" "${nb%.ipynb}.pdf"
"""
"""One project of the naive loop: notebook, HTML, PDF (``sh -c`` with params, folder, bin, notebook)."""


@dataclasses.dataclass(frozen=True)
class Sample:
    """One timed step: wall seconds and CPU seconds (user + system, all processes)."""

    wall: float
    cpu: float


def _become_subreaper() -> None:
    """Orphaned grandchildren (a kernel whose worker has gone) come to this process, so
    their CPU is counted when they are reaped."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap_all(timeout: float = 30.0) -> None:
    """Wait for every remaining descendant (re-parented here) to exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(step: Callable[[], None]) -> Sample:
    """Wall and CPU of ``step`` and of every process it started."""
    _reap_all()
    cpu, start = _children_cpu(), time.perf_counter()
    step()
    wall = time.perf_counter() - start
    _reap_all()
    return Sample(wall, _children_cpu() - cpu)


def make_portfolio(root: Path, n: int) -> list[Path]:
    (root / "examples").mkdir(parents=True)
    (root / "params").mkdir()
    shutil.copy(REPO / "params" / "_defaults.yaml", root / "params")
    shutil.copy(REPO / "params" / "_portfolio.yaml", root / "params")
    files = []
    for i in range(n):
        recipe = dataclasses.replace(DEMO_PROJECTS[i % len(DEMO_PROJECTS)], project_id=f"P{i + 1:02d}")
        book = root / "examples" / f"p{i + 1:02d}.xlsx"
        write_project_workbook(book, build_demo_project(recipe, SEED + 100 + i))
        params = root / "params" / f"p{i + 1:02d}.yaml"
        params.write_text(f"project_id: P{i + 1:02d}\nworkbook: ../examples/{book.name}\n", encoding="utf-8")
        files.append(params)
    return files


def run(cmd: list[str], cwd: Path, stdin: str | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def naive_loop(root: Path, params: list[Path], parallel: int) -> None:
    """The hand-made loop through ``xargs -P parallel``: 1 is one project after another."""
    out = root / f"naive-{parallel}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    script = ["sh", "-c", NAIVE_STEPS, "naive"]
    xargs = ["xargs", "-P", str(parallel), "-I", "{}", *script, "{}", str(out), str(BIN), str(NOTEBOOK)]
    run(xargs, root, stdin="".join(f"{p}\n" for p in params))
    assert len(list(out.glob("*.pdf"))) == len(params)


def batch(root: Path, jobs: int, *extra: str, output: str = "out") -> None:
    cmd = [sys.executable, "-m", "pmoreports", "batch", "params", "--jobs", str(jobs), "--output", output, *extra]
    run(cmd, root)


def touch_one(root: Path, i: int) -> None:
    book = root / "examples" / "p01.xlsx"
    wb = openpyxl.load_workbook(book)
    wb["Project"]["B20"] = f"Comment changed for run {i}."
    wb.save(book)


def _median(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--small", type=int, default=6, help="projects in the small batch (marginal cost)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive loops (pipeline figures only)")
    args = parser.parse_args()
    n, small = args.projects, args.small
    _become_subreaper()
    names = ("naive", "naive2", "batch", "small", "incremental")
    samples: dict[str, list[Sample]] = {k: [] for k in names}
    with tempfile.TemporaryDirectory(prefix="pmo-bench-") as tmp:
        root = Path(tmp)
        params = make_portfolio(root, n)
        first = ",".join(f"P{i + 1:02d}" for i in range(small))
        batch(root, args.jobs, "--force")  # untimed: creates the output folder and the manifest
        for i in range(args.repeat):
            if not args.no_naive:
                samples["naive"].append(measured(lambda: naive_loop(root, params, 1)))
                samples["naive2"].append(measured(lambda: naive_loop(root, params, 2)))
            samples["batch"].append(measured(lambda: batch(root, args.jobs, "--force")))
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(root / "small")
            samples["small"].append(measured(lambda: batch(root, args.jobs, "--only", first, output="small")))
            touch_one(root, i)
            samples["incremental"].append(measured(lambda: batch(root, args.jobs)))
            line = ", ".join(f"{k} {v[-1].wall:.1f} s / {v[-1].cpu:.1f} CPU s" for k, v in samples.items() if v)
            print(f"round {i + 1}: {line}", flush=True)
    med = {k: _median(v) for k, v in samples.items() if v}
    b, s, c = med["batch"], med["small"], med["incremental"]
    marginal = (b.cpu - s.cpu) / (n - small)
    print(f"\n{n} projects, HTML + PDF, medians of {args.repeat} rounds (wall / CPU of all processes)")
    rows = [
        ("naive", "(a)  naive loop, one after another"),
        ("naive2", "(a2) naive loop, two at a time (xargs -P 2)"),
        ("batch", f"(b)  pmoreports batch --jobs {args.jobs} --force"),
        ("small", f"(s)  pmoreports batch, {small} projects"),
        ("incremental", "(c)  incremental rerun, one workbook changed"),
    ]
    for key, label in rows:
        if key in med:
            m = med[key]
            per = n if key in ("naive", "naive2", "batch") else small if key == "small" else 1
            print(
                f"{label:<46} {m.wall:7.1f} s  {m.cpu:7.1f} CPU s  ({m.wall / per:.2f} s, {m.cpu / per:.2f} CPU s each)"
            )
    print(f"per-report marginal cost (CPU(b) - CPU(s)) / {n - small} = {marginal:.2f} CPU s  (target <= 0.5)")
    if "naive" in med:
        a, a2 = med["naive"], med["naive2"]
        print(f"speed-up (a)/(b) = {a.wall / b.wall:.1f}x  (target >= 10x)")
        print(f"speed-up (a2)/(b) = {a2.wall / b.wall:.1f}x  (target >= 5x)")
    print(f"incremental (c)/(b) = {c.wall / b.wall:.1%}  (target <= 5 %)")


if __name__ == "__main__":
    main()
