"""Benchmark: one project report (HTML + PDF) via ``pmoreports run`` vs the hand-made chain.

    python bench/bench_run.py [--repeat 3] [--project alpha]

Same demo project (a freshly generated demo portfolio in a temp folder), same
notebook, every step a subprocess as a user would type it:

(a) ``pmoreports run params/<project>.yaml --output OUT`` (HTML, PDF, metrics);
(b) the chain a user would write by hand:
    ``papermill notebooks/project_status.ipynb out.ipynb -p params_file <abs> -p static True``,
    then ``jupyter nbconvert --to html --no-input out.ipynb``,
    then ``python -m pmoreports.report.render out.html out.pdf`` (the kit's own HTML -> PDF
    route, Typst, as a command: the same engine as (a), so the ratio measures the
    pipeline, not two PDF engines).

Both are cold: every run starts its own processes (interpreter, kernel, vl-convert).
After one untimed warm-up of each (disk caches), the two alternate (a, b, then b, a, ...)
so machine noise hits both alike. Prints the median wall time of each, the hand chain's
steps, and the speed-up hand chain / pmoreports (target >= 2x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pmoreports.workbook.demo import write_demo

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "project_status.ipynb"


def _cli(name: str, module: str) -> list[str]:
    """The console script if installed, else ``python -m module``."""
    exe = shutil.which(name) if name else None
    return [exe] if exe else [sys.executable, "-m", module]


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return elapsed


def run_pmoreports(params: Path, work: Path, env: dict[str, str]) -> float:
    out = work / "pmo-output"
    shutil.rmtree(out, ignore_errors=True)
    seconds = _timed([*_cli("pmoreports", "pmoreports"), "run", str(params), "--output", str(out)], work, env)
    (folder,) = (out).glob("*/*")
    assert (folder / "report.html").is_file() and (folder / "report.pdf").is_file()
    return seconds


def run_hand_chain(params: Path, work: Path, env: dict[str, str]) -> tuple[float, float, float]:
    chain = work / "hand"
    shutil.rmtree(chain, ignore_errors=True)
    chain.mkdir()
    executed, html, pdf = chain / "out.ipynb", chain / "out.html", chain / "out.pdf"
    papermill = [*_cli("papermill", "papermill"), str(NOTEBOOK), str(executed)]
    papermill += ["-p", "params_file", str(params), "-p", "static", "True", "--no-progress-bar"]
    nbconvert = ["jupyter", "nbconvert"] if shutil.which("jupyter") else _cli("", "nbconvert")
    nbconvert += ["--to", "html", "--no-input", str(executed), "--output", html.stem]
    render = [sys.executable, "-m", "pmoreports.report.render", str(html), str(pdf)]
    steps = (_timed(papermill, chain, env), _timed(nbconvert, chain, env), _timed(render, chain, env))
    assert html.is_file() and pdf.is_file()
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--project", default="alpha", help="demo project (default alpha)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PMOREPORTS_STATIC"}
    with tempfile.TemporaryDirectory(prefix="pmo-bench-") as tmp:
        work = Path(tmp)
        write_demo(work / "examples", work / "params")
        params = (work / "params" / f"{args.project}.yaml").resolve()
        print(f"project {args.project}: warm-up ...", flush=True)
        run_pmoreports(params, work, env)
        run_hand_chain(params, work, env)
        ours: list[float] = []
        hand: list[tuple[float, float, float]] = []
        for i in range(args.repeat):
            if i % 2 == 0:
                ours.append(run_pmoreports(params, work, env))
                hand.append(run_hand_chain(params, work, env))
            else:
                hand.append(run_hand_chain(params, work, env))
                ours.append(run_pmoreports(params, work, env))
            print(f"  run {i + 1}: pmoreports {ours[-1]:.2f} s, hand chain {sum(hand[-1]):.2f} s", flush=True)
    a = statistics.median(ours)
    b = statistics.median(sum(h) for h in hand)
    p, n, w = (statistics.median(h[k] for h in hand) for k in range(3))
    print(f"pmoreports run (HTML + PDF + metrics):        median {a:6.2f} s over {args.repeat} runs")
    print(
        f"hand chain papermill + nbconvert + render:    median {b:6.2f} s over {args.repeat} runs"
        f"  (steps: {p:.2f} + {n:.2f} + {w:.2f} s)"
    )
    print(f"speed-up hand chain / pmoreports = {b / a:.2f}x  (target >= 2x)")
    print(f"(fastest runs: pmoreports {min(ours):.2f} s, hand chain {min(sum(h) for h in hand):.2f} s)")


if __name__ == "__main__":
    main()
