"""Benchmark: the monthly batch vs the loop a user writes by hand today.

Generates N realistic projects (the demo recipes with other IDs and seeds), then,
side by side in one script:

(a) naive loop, per project: ``papermill`` CLI -> ``jupyter nbconvert --to html
    --no-input`` -> ``weasyprint`` CLI (HTML + PDF);
(b) ``pmoreports batch --jobs 2 --force`` (HTML + PDF, plus metrics, portfolio, index);
(c) incremental rerun of (b) after changing one workbook.

Prints wall time, per-project marginal cost and ratios, medians of ``--repeat`` runs.

    python bench/bench_batch.py [--projects 30] [--repeat 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, build_demo_project
from pmoreports.workbook.template import write_project_workbook

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "project_status.ipynb"
BIN = Path(sys.executable).parent


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


def run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)


def naive_loop(root: Path, params: list[Path]) -> float:
    out = root / "naive"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    start = time.perf_counter()
    for p in params:
        nb = out / f"{p.stem}.ipynb"
        run(
            [
                str(BIN / "papermill"),
                str(NOTEBOOK),
                str(nb),
                "-p",
                "params_file",
                str(p),
                "-p",
                "static",
                "True",
                "--cwd",
                str(NOTEBOOK.parent),
                "--no-progress-bar",
            ],
            root,
        )
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)], root)
        run([str(BIN / "weasyprint"), str(nb.with_suffix(".html")), str(nb.with_suffix(".pdf"))], root)
    return time.perf_counter() - start


def batch(root: Path, jobs: int, force: bool) -> float:
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "pmoreports", "batch", "params", "--jobs", str(jobs), "--output", "out"]
    subprocess.run([*cmd, "--force"] if force else cmd, cwd=root, check=True, capture_output=True)
    return time.perf_counter() - start


def touch_one(root: Path, i: int) -> None:
    book = root / "examples" / "p01.xlsx"
    wb = openpyxl.load_workbook(book)
    wb["Project"]["B20"] = f"Comment changed for run {i}."
    wb.save(book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        params = make_portfolio(root, args.projects)
        naive, full, incremental = [], [], []
        for i in range(args.repeat):  # alternate, so machine noise hits both alike
            naive.append(naive_loop(root, params))
            full.append(batch(root, args.jobs, force=True))
            touch_one(root, i)
            incremental.append(batch(root, args.jobs, force=False))
            print(
                f"run {i + 1}: naive {naive[-1]:.1f} s, batch {full[-1]:.1f} s, incremental {incremental[-1]:.1f} s",
                flush=True,
            )
        a, b, c = (statistics.median(x) for x in (naive, full, incremental))
        n = args.projects
        print(f"\n{n} projects, HTML + PDF, medians of {args.repeat} runs")
        print(f"(a) naive loop (papermill CLI + nbconvert CLI + weasyprint CLI): {a:7.1f} s  ({a / n:.2f} s/project)")
        print(
            f"(b) pmoreports batch --jobs {args.jobs}:                             {b:7.1f} s  ({b / n:.2f} s/project)"
        )
        print(f"(c) incremental rerun, one workbook changed:                    {c:7.1f} s")
        print(f"speed-up (a)/(b) = {a / b:.2f}x  (target >= 3x)")
        print(f"incremental (c)/(b) = {c / b:.1%}  (target < 10%)")


if __name__ == "__main__":
    main()
