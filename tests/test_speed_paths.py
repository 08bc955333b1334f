"""The fast paths of the pipeline, checked by counting in real runs (never by timing).

Every Python process the runs start loads a probe (``sitecustomize.py`` on PYTHONPATH)
that logs, one JSON line each, the process start (argv), every fork, every call of
``project_metrics`` and every vl-convert chart conversion, so a test can tell what ran
where: metrics once per report (in the worker, not again in the kernel), each chart
converted once (in the kernel), how many kernels and workers a batch started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import psutil
import pytest
from bs4 import BeautifulSoup
from conftest import make_kit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsx_helpers import mutate

from pmoreports.pipeline.batch import run_batch
from pmoreports.report import charts_display, render

DEMO = ("ALPHA", "DELTA", "FOXTROT")

PROBE = """
import json, os, sys

_LOG = os.environ.get("PMO_PROBE_LOG")


def _log(event, **extra):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"event": event, "pid": os.getpid(), "ppid": os.getppid(), **extra}) + "\\n")


if _LOG:
    import psutil

    _log("start", argv=psutil.Process().cmdline())
    os.register_at_fork(after_in_child=lambda: _log("fork"))
    import vl_convert as _vlc
    import pmoreports.metrics.project as _mp

    _metrics, _svg = _mp.project_metrics, _vlc.vegalite_to_svg

    def project_metrics(data, *args, **kwargs):
        _log("metrics", project=data.info.project_id)
        return _metrics(data, *args, **kwargs)

    def vegalite_to_svg(spec, *args, **kwargs):
        _log("chart", warm_up=spec.get("data") == {"values": [{"a": 1}]}, title=str(spec.get("title", "")))
        return _svg(spec, *args, **kwargs)

    _mp.project_metrics = project_metrics
    _vlc.vegalite_to_svg = vegalite_to_svg
"""


@dataclass
class Probe:
    """The probe's folder (for PYTHONPATH) and its log."""

    folder: Path
    log: Path

    def env(self) -> dict[str, str]:
        """The current environment with the probe on."""
        path = os.pathsep.join(p for p in (str(self.folder), os.environ.get("PYTHONPATH", "")) if p)
        return os.environ | {"PYTHONPATH": path, "PMO_PROBE_LOG": str(self.log)}

    def events(self) -> list[dict[str, Any]]:
        """Everything logged so far; the log starts afresh."""
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        self.log.unlink(missing_ok=True)
        return [json.loads(line) for line in lines]


def kernels(events: list[dict[str, Any]]) -> set[int]:
    """Pids of the report kernels that started."""
    return {e["pid"] for e in events if e["event"] == "start" and any("ipykernel" in a for a in e["argv"])}


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == kind]


@pytest.fixture
def probe(tmp_path: Path) -> Probe:
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(PROBE, encoding="utf-8")
    return Probe(folder, tmp_path / "probe.log")


@pytest.fixture
def kit(demo_dir: Path, tmp_path: Path) -> Path:
    """Three demo projects in a params folder of their own."""
    return make_kit(demo_dir, tmp_path / "kit", DEMO)


def batch(kit: Path, probe: Probe, *args: str) -> list[dict[str, Any]]:
    """``pmoreports batch`` in ``kit`` with the probe on; what the probe logged."""
    cmd = [sys.executable, "-m", "pmoreports", "batch", "params", "--output", "out", *args]
    proc = subprocess.run(cmd, cwd=kit, env=probe.env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return probe.events()


def test_metrics_once_and_each_chart_converted_once(kit: Path, probe: Probe) -> None:
    """Each project's metrics are computed once, by the process that writes metrics.json
    (the kernel gets them with the data); each chart is converted once, in a kernel."""
    events = batch(kit, probe, "--jobs", "2")
    in_kernels = kernels(events)
    metrics = of(events, "metrics")
    assert sorted(e["project"] for e in metrics) == sorted(DEMO)
    assert not [e for e in metrics if e["pid"] in in_kernels], "a kernel computed metrics again"
    charts = [e for e in of(events, "chart") if not e["warm_up"]]
    assert {e["pid"] for e in charts} <= in_kernels, "a chart was converted outside a kernel"
    warm_ups = [e for e in of(events, "chart") if e["warm_up"]]
    assert len(warm_ups) == len(in_kernels), "vl-convert is warmed up once per kernel"
    period = kit / "out" / "2026-10"
    for pid in DEMO:
        assert {"report.html", "report.pdf", "metrics.json"} <= {p.name for p in (period / pid).iterdir()}
    pages = [period / pid / "report.html" for pid in DEMO] + [period / "portfolio.html"]
    shown = sum(page.read_text(encoding="utf-8").count("<svg") for page in pages)
    assert shown >= len(DEMO) + 1 and len(charts) == shown, "each chart shown was converted exactly once"


def test_processes_started_by_full_incremental_and_idle_runs(kit: Path, probe: Probe) -> None:
    """--force with 3 projects and --jobs 2: two workers, each with one kernel (the portfolio
    in one of them). One changed workbook: no worker, one kernel (project and portfolio).
    Nothing changed: no kernel and no worker at all."""
    full = batch(kit, probe, "--jobs", "2", "--force")
    assert len(of(full, "fork")) == 2
    assert len(kernels(full)) == 2
    assert not [e for e in full if e["event"] == "start" and "pmoreports.report._typst" in e["argv"]]

    book = kit / "examples" / "delta.xlsx"
    mutate(book, book, lambda wb: wb["Project"].__setitem__("B18", "Handed over to operations."))
    incremental = batch(kit, probe, "--jobs", "2")
    (main,) = [
        e["pid"] for e in incremental if e["event"] == "start" and e["argv"][1:4] == ["-m", "pmoreports", "batch"]
    ]
    assert of(incremental, "fork") == []
    assert len(kernels(incremental)) == 1
    assert {e["ppid"] for e in incremental if e["pid"] in kernels(incremental) and e["event"] == "start"} == {main}
    assert [e["project"] for e in of(incremental, "metrics")] == ["DELTA"]
    manifest = json.loads((kit / "out" / "2026-10" / "manifest.json").read_text())
    status = {p["project_id"]: p["status"] for p in manifest["projects"]}
    assert status == {"ALPHA": "skipped", "DELTA": "ok", "FOXTROT": "skipped"}
    assert "Handed over to operations." in (kit / "out" / "2026-10" / "DELTA" / "report.html").read_text()

    idle = batch(kit, probe, "--jobs", "2")
    assert of(idle, "fork") == [] and kernels(idle) == set()
    assert of(idle, "metrics") == []


def test_unchanged_workbooks_are_not_read_again_while_planning(kit: Path, probe: Probe) -> None:
    """A workbook whose bytes an earlier run rendered is not read again to plan the next run."""
    batch(kit, probe, "--jobs", "2")
    again = [sys.executable, "-c", _COUNT_READS, str(kit / "params"), str(kit / "out")]
    proc = subprocess.run(again, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"reads": 0, "statuses": ["skipped"] * 3}


_COUNT_READS = """
import json, sys
from pmoreports.pipeline import batch
reads = []
original = batch.read_workbook
batch.read_workbook = lambda *a, **k: reads.append(a) or original(*a, **k)
result = batch.run_batch(sys.argv[1], output=sys.argv[2], portfolio=False)
print(json.dumps({"reads": len(reads), "statuses": [o.status for o in result.outcomes]}))
"""


@pytest.fixture
def probed(probe: Probe, monkeypatch: pytest.MonkeyPatch) -> Iterator[Probe]:
    """The probe on for processes started from this test process (not for itself)."""
    for key, value in probe.env().items():
        if key in ("PYTHONPATH", "PMO_PROBE_LOG"):
            monkeypatch.setenv(key, value)
    yield probe


def test_workers_after_typst_ran_here_lay_out_in_process(kit: Path, probe: Probe) -> None:
    """Typst's threads do not survive a fork: in a process that already made a PDF, the
    batch starts its workers from a fresh interpreter (forkserver), so they lay PDFs out
    themselves instead of starting a layout subprocess for each. (Run in a fresh process:
    multiprocessing keeps one forkserver per process, and one started earlier in this test
    session would not carry the probe.)"""
    script = [sys.executable, "-c", _TYPST_THEN_BATCH, str(kit / "params"), str(kit / "out")]
    proc = subprocess.run(script, capture_output=True, text=True, timeout=600, env=probe.env())
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["typst_ran"] and out["statuses"] == ["ok"] * 3
    events = [e for e in probe.events() if e["pid"] != out["pid"]]  # the script names _typst itself
    layouts = [e for e in events if e["event"] == "start" and "pmoreports.report._typst" in e["argv"]]
    assert layouts == []
    assert len(kernels(events)) == 2


_TYPST_THEN_BATCH = """
import json, os, sys
from pmoreports.pipeline.batch import run_batch
from pmoreports.report._typst import typst_ran_here
from pmoreports.report.render import html_to_pdf
html_to_pdf("<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>")
ran = typst_ran_here()
result = run_batch(sys.argv[1], output=sys.argv[2], jobs=2, force=True, portfolio=False)
print(json.dumps({"pid": os.getpid(), "typst_ran": ran, "statuses": [o.status for o in result.outcomes]}))
"""


def test_dask_workers_keep_a_warm_kernel(kit: Path, probed: Probe) -> None:
    """On a Dask worker, one kernel renders every project it gets (like a local worker),
    and the batch shuts it down when it ends."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        worker_pid = _worker_pid(cluster)
        result = run_batch(kit / "params", output=kit / "out", scheduler=cluster.scheduler_address)
        assert [o.status for o in result.outcomes] == ["ok"] * 3
        events = probed.events()
        on_worker = {e["pid"] for e in events if e["event"] == "start" and e["ppid"] == worker_pid} & kernels(events)
        assert len(on_worker) == 1
        assert not [pid for pid in on_worker if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]


def _worker_pid(cluster: Any) -> int:
    client = __import__("distributed").Client(cluster)
    try:
        return int(next(iter(client.run(os.getpid).values())))
    finally:
        client.close()


# -- the sanitizer's fast path for charts -------------------------------------------------

_ELEMENTS = ("g", "path", "rect", "text", "title", "clipPath", "defs", "script", "foreignObject", "a", "image", "use")
_ELEMENTS += ("animate", "style", "svg", "iframe")
_ATTRS = (
    'd="M0 0L1 1"',
    'fill="url(#c1)"',
    'fill="url(https://e.example/x)"',
    'clip-path="url( #c1 )"',
    'onload="x()"',
    'ONCLICK="x()"',
    'style="background:url(http://e.example/i.png)"',
    'href="#c1"',
    'href="javascript:alert(1)"',
    'href=" java\tscript:alert(1)"',
    'xlink:href="https://e.example/i.svg"',
    'transform="translate(1,2)"',
    'viewBox="0 0 10 10"',
    'id="c1"',
    'font-family="Liberation Sans, Arial"',
    'd="&quot;M0"',
    "fill='red'",
    "stroke=blue",
)
_TEXTS = ("a &amp; b", "x > y", "it's", "&lt;script&gt;", "<!-- c -->", "<![CDATA[x]]>", "</svg>", "<svg>")
_WRAPS = ("{}", "<!-- {} -->", '<div title="{}">x</div>', "<style>{}</style>", "<p>{}", "<textarea>{}</textarea>")


def _element(draw: st.DrawFn, depth: int) -> str:
    name = draw(st.sampled_from(_ELEMENTS))
    attrs = "".join(" " + a for a in draw(st.lists(st.sampled_from(_ATTRS), max_size=3)))
    if depth == 0 or draw(st.booleans()):
        body = draw(st.sampled_from(("", *_TEXTS)))
    else:
        body = "".join(draw(st.lists(st.builds(lambda: _element(draw, depth - 1)), max_size=3)))
    return f"<{name}{attrs}>{body}</{name}>" if body or draw(st.booleans()) else f"<{name}{attrs}/>"


@st.composite
def svg_documents(draw: st.DrawFn, wraps: tuple[str, ...] = _WRAPS) -> str:
    """HTML with inline SVGs: plain charts-like drawing, hostile parts, SVGs in comments,
    attributes, style sheets, unclosed ones."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        inner = "".join(draw(st.lists(st.builds(lambda: _element(draw, 2)), max_size=3)))
        attrs = draw(st.sampled_from(('xmlns="http://www.w3.org/2000/svg" width="10"', 'onload="x()"', "")))
        svg = f"<svg {attrs}>{inner}" + draw(st.sampled_from(("</svg>", "</svg >", "", "</SVG>")))
        parts.append(draw(st.sampled_from(wraps)).format(svg))
    return "<!DOCTYPE html><html><head><title>t</title></head><body>" + "<hr>".join(parts) + "</body></html>"


def _tree(html: str) -> list[tuple[str, tuple[tuple[str, str], ...], str]]:
    """Elements in document order: name, attributes, own text (as a parser sees them)."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        (
            t.name,
            tuple(sorted((k, str(v)) for k, v in t.attrs.items())),
            "".join(t.find_all(string=True, recursive=False)),
        )
        for t in soup.find_all(True)
    ]


def _full_parse(document: str) -> str:
    """:func:`render.sanitize_html` with every SVG parsed and cleaned (no fast path)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "_lift_inert_svgs", lambda doc, nonce: (doc, []))
        return render.sanitize_html(document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(svg_documents(wraps=tuple(w for w in _WRAPS if "title=" not in w)))
def test_inert_svgs_kept_as_is_sanitize_like_the_full_parse(document: str) -> None:
    """An SVG the sanitizer keeps without parsing (only drawing elements) comes out as the
    full parse-and-clean would make it; anything else still goes through the parser."""
    assert _tree(render.sanitize_html(document)) == _tree(_full_parse(document))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(svg_documents())
def test_fast_path_output_is_clean(document: str) -> None:
    """Whatever the input (an SVG inside a broken attribute too), the full sanitizer finds
    nothing to remove or change in what the fast path made."""
    fast = render.sanitize_html(document)
    assert _tree(_full_parse(fast)) == _tree(fast)


def test_a_chart_svg_takes_the_fast_path() -> None:
    """A real chart is inert: kept byte for byte (the fast path is not dead code)."""
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line(clip=True).encode(x="x:Q", y="y:Q")
    svg = charts_display.svg_chart(chart)
    _, kept = render._lift_inert_svgs(f"<p>a</p>{svg}<p>b</p>", "n")
    assert kept == [svg]
    assert svg in render.sanitize_html(f"<p>a</p>{svg}<p>b</p>")
