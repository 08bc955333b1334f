"""Benchmark: the PDF engines side by side on the real demo reports, and chart conversion.

    python bench/bench_pdf.py [--rounds 5]

Renders the demo portfolio's HTML once (a temp folder: ``pmoreports batch --format html``),
then, medians of ``--rounds`` rounds, each round in fresh processes (a report is laid out
once per process, as in a batch, so no engine reuses a layout it has seen):

(1) HTML -> PDF of ALPHA, GOLF (JPY) and the portfolio: WeasyPrint (the previous
    engine: the same HTML with its print CSS, ``pip install -e ".[bench]"``) vs
    ``pmoreports.report.render.html_to_pdf`` (HTML -> document tree -> Typst). Each
    process first converts another report (BRAVO: fonts and engine loaded, reported as
    the first call), then each of the three once. Wall and CPU time, ratio.
(2) Altair -> SVG of the ALPHA report's five charts: before (``to_dict()`` with the
    JSON-schema check, then vl-convert) vs after (``charts_display.svg_chart``: no
    schema check, fixed font, deterministic ids), CPU per chart; and vl-convert's
    start-up in a fresh process (``charts_display.warm_up()``, paid by the first chart).
(3) Executed notebook -> HTML (``render.notebook_to_html``: nbconvert + sanitizer) of
    the same reports, in fresh processes after one warm-up export. ``--html-only`` runs
    just this part (it works on earlier versions of the kit too, for before/after).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPORTS = {"ALPHA": "ALPHA/report.html", "GOLF": "GOLF/report.html", "portfolio": "portfolio.html"}
WARM_UP = "BRAVO/report.html"


# --- workers (run in a fresh process each) -------------------------------------------------------


def _weasyprint(html: str) -> bytes:
    """The previous ``html_to_pdf``: WeasyPrint with the report's print CSS, A4."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    head_end = html.lower().rfind("</head>")
    source = html[:head_end] + "<style>@page { size: A4; }</style>" + html[head_end:]
    return bytes(HTML(string=source, url_fetcher=URLFetcher(allowed_protocols=("data", "file"))).write_pdf())


def _typst(html: str) -> bytes:
    from pmoreports.report.render import html_to_pdf

    return html_to_pdf(html, page_size="A4")


def worker_pdf(engine: str, period: Path) -> dict[str, Any]:
    convert = _weasyprint if engine == "weasyprint" else _typst
    out: dict[str, Any] = {}
    for name, rel in {"first call": WARM_UP, **REPORTS}.items():
        html = (period / rel).read_text(encoding="utf-8")
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = convert(html)
        out[name] = (time.perf_counter() - wall, time.process_time() - cpu, len(pdf))
    return out


def _alpha_charts(params: Path) -> list[Any]:
    from pmoreports.report.project import ProjectReport

    r = ProjectReport.load(params, static=True)
    return [r.s_curve(), r.index_trend(), r.cost_chart("category"), r.cost_chart("wbs"), r.risk_heatmap()]


def worker_charts(params: Path) -> dict[str, Any]:
    import vl_convert as vlc

    from pmoreports.report import charts_display

    charts_display.warm_up()
    before, after = [], []
    for _ in range(3):
        for chart in _alpha_charts(params):  # fresh chart objects each time
            start = time.process_time()
            vlc.vegalite_to_svg(chart.to_dict(), vl_version=charts_display._VL_VERSION, allowed_base_urls=[])
            before.append(time.process_time() - start)
            start = time.process_time()
            charts_display.svg_chart(chart)
            after.append(time.process_time() - start)
    return {"before": statistics.median(before), "after": statistics.median(after)}


NOTEBOOKS = {"ALPHA": "ALPHA/project_status.ipynb", "GOLF": "GOLF/project_status.ipynb", "portfolio": "portfolio.ipynb"}


def worker_html(period: Path) -> dict[str, Any]:
    import nbformat

    from pmoreports.report.render import notebook_to_html

    out: dict[str, Any] = {}
    for name, rel in {"first call": "BRAVO/project_status.ipynb", **NOTEBOOKS}.items():
        nb = nbformat.read(period / rel, as_version=4)
        wall, cpu = time.perf_counter(), time.process_time()
        notebook_to_html(nb, title=name, meta={"Project": name, "Period": period.name})
        out[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    return out


def worker_start_up() -> dict[str, Any]:
    from pmoreports.report import charts_display

    wall, cpu = time.perf_counter(), time.process_time()
    charts_display.warm_up()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


# --- driver ----------------------------------------------------------------------------------------


def _worker(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return result


def _demo(work: Path) -> Path:
    from pmoreports.paths import KIT_ROOT
    from pmoreports.workbook.demo import write_demo

    write_demo(work / "examples", work / "params")
    root = KIT_ROOT
    for name in ("_defaults.yaml", "_portfolio.yaml"):
        (work / "params" / name).write_text((root / "params" / name).read_text())
    cmd = [sys.executable, "-m", "pmoreports", "batch", "params", "--format", "html", "--jobs", "2"]
    subprocess.run([*cmd, "--output", "out"], cwd=work, check=True, capture_output=True)
    (period,) = (work / "out").iterdir()
    return period


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of fresh processes (default 5)")
    parser.add_argument("--html-only", action="store_true", help="only (3), notebook -> HTML")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmo-bench-pdf-") as tmp:
        print("rendering the demo reports' HTML ...", flush=True)
        period = _demo(Path(tmp))
        params = Path(tmp) / "params" / "alpha.yaml"
        html = [_worker("html", str(period)) for _ in range(args.rounds)]
        if args.html_only:
            _print_html(html, args.rounds)
            return
        runs: dict[str, list[dict[str, Any]]] = {"weasyprint": [], "typst": []}
        for i in range(args.rounds):
            order = ("weasyprint", "typst") if i % 2 == 0 else ("typst", "weasyprint")
            for engine in order:
                runs[engine].append(_worker("pdf", engine, str(period)))
            print(f"  round {i + 1}: " + ", ".join(f"{e} ALPHA {runs[e][-1]['ALPHA'][0]:.2f} s" for e in order))
        charts = [_worker("charts", str(params)) for _ in range(args.rounds)]
        start_up = [_worker("start-up") for _ in range(args.rounds)]

    def med(engine: str, name: str, k: int) -> float:
        return statistics.median(r[name][k] for r in runs[engine])

    print(f"\n(1) HTML -> PDF, medians of {args.rounds} rounds (wall s / CPU s; PDF size)")
    print(f"{'report':12s} {'WeasyPrint':>22s} {'Typst (pmoreports)':>22s}   ratio Typst / WeasyPrint")
    for name in ("first call", *REPORTS):
        w = (med("weasyprint", name, 0), med("weasyprint", name, 1), med("weasyprint", name, 2))
        t = (med("typst", name, 0), med("typst", name, 1), med("typst", name, 2))
        print(
            f"{name:12s} {w[0]:6.3f} / {w[1]:5.3f} {w[2] / 1e3:5.0f} kB {t[0]:6.3f} / {t[1]:5.3f} {t[2] / 1e3:5.0f} kB"
            f"   wall {t[0] / w[0]:.3f} ({w[0] / t[0]:.0f}x faster), CPU {t[1] / w[1]:.3f} ({w[1] / t[1]:.0f}x)"
        )
    b = statistics.median(c["before"] for c in charts)
    a = statistics.median(c["after"] for c in charts)
    print(
        f"\n(2) Altair -> SVG, ALPHA's 5 charts, CPU s per chart (median): before {b:.3f}, after {a:.3f}, ratio {a / b:.2f}"
    )
    wall = statistics.median(r["wall"] for r in start_up)
    cpu = statistics.median(r["cpu"] for r in start_up)
    print(f"    vl-convert start-up in a fresh process (paid by the first chart): {wall:.2f} s wall, {cpu:.2f} s CPU")
    _print_html(html, args.rounds)


def _print_html(runs: list[dict[str, Any]], rounds: int) -> None:
    print(f"\n(3) executed notebook -> HTML, medians of {rounds} rounds (wall s / CPU s)")
    for name in ("first call", *NOTEBOOKS):
        wall = statistics.median(r[name][0] for r in runs)
        cpu = statistics.median(r[name][1] for r in runs)
        print(f"{name:12s} {wall:6.3f} / {cpu:5.3f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        kind, rest = sys.argv[2], sys.argv[3:]
        if kind == "pdf":
            result = worker_pdf(rest[0], Path(rest[1]))
        elif kind == "charts":
            result = worker_charts(Path(rest[0]))
        elif kind == "html":
            result = worker_html(Path(rest[0]))
        else:
            result = worker_start_up()
        print(json.dumps(result))
    else:
        main()
