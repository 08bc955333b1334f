"""Run one project's status report: parameters -> papermill -> HTML, PDF, metrics.

Everything that can be checked is checked before a kernel starts (parameters,
workbook, period). Outputs are written into a staging folder that replaces
``output/<period>/<project>/`` only when every file is complete, so a failure
never leaves a half-written report and never touches last run's files; the
partially executed notebook of a failed run is kept under
``output/<period>/_failed/<project>/`` for debugging.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from traitlets import CaselessStrEnum

from .._files import atomic_write_bytes, atomic_write_text, owned_temp_dir, staged_output_dir, sweep_staging, sweep_temp
from ..errors import ParamsError, ReportError
from ..metrics.project import ProjectMetrics, project_metrics, write_metrics
from ..paths import OUTPUT_DIR, PROJECT_NOTEBOOK
from ..report.params import ProjectParams, load_params
from ..report.render import html_to_pdf, notebook_to_html
from ..report.trends import ProjectHistory
from ..workbook.model import ProjectData
from ..workbook.reader import read_workbook
from .history import CHECKS_FILE, INPUTS_FILE, History, compare_with_previous
from .lifetime import kernel_guard_code, terminate_on_sigterm
from .locks import period_lock

__all__ = [
    "EXECUTED_NOTEBOOK",
    "FAILED_DIR",
    "IpcKernelManager",
    "RunResult",
    "WarmKernel",
    "check_identity",
    "check_project",
    "checks_json",
    "execute_notebook",
    "execute_report",
    "run_project",
]

EXECUTED_NOTEBOOK = "project_status.ipynb"
FAILED_DIR = "_failed"
KERNEL = "python3"


_FAST_IMPORTS = "import sys; sys.modules.setdefault('rfc3987_syntax', None)"
"""Report kernels skip the optional ``rfc3987_syntax`` plug-in of jsonschema (pulled in by
jupyter-events): importing it compiles a grammar and costs ~1 s when Altair loads jsonschema.
Reports never validate IRI formats, so nothing is lost."""
_PREWARM = (
    "__import__('pmoreports.report.project'); "
    "__import__('pmoreports.report.charts_display', fromlist=['warm_up']).warm_up()"
)
"""What a pre-warmed kernel does while it starts, before any report is due: the report
modules' imports (pandas, Altair) and vl-convert's start-up (see
:func:`~pmoreports.report.charts_display.warm_up`). No name is left in the namespace."""
_KERNEL_OPTIONS = ("--HistoryManager.enabled=False", "--InteractiveShell.cache_size=0")
"""Report kernels keep no input history (an SQLite file in the user's home, written for
every cell) and no output cache (``Out``: it held every report's outputs, and clearing it
ran a full garbage collection at each namespace reset)."""
PRELOAD_FILE = "preload.pickle"
"""Name of the file, in a kernel's private folder, that hands it a report's data and metrics."""


class IpcKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """Kernel manager whose kernel talks over Unix sockets in a private temp folder.

    No TCP ports are allocated, so many kernels can start at once without port
    races, and nothing is sent over plaintext TCP. The folder (sockets and connection
    file) is named after this process (:func:`~pmoreports._files.owned_temp_dir`) and goes
    with the kernel: on shutdown, or when this process dies, the kernel's own watchdog
    (:func:`~pmoreports.pipeline.lifetime.guard_kernel`) removes it and exits.
    ``prewarm=True``: the kernel imports the report modules and starts vl-convert as it
    starts (:data:`_PREWARM`), so that work overlaps with whatever runs meanwhile.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    def __init__(self, prewarm: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._socket_dir = str(owned_temp_dir("kernel"))
        self._prewarm = prewarm
        self.ip = str(Path(self._socket_dir) / "kernel")
        self.connection_file = str(Path(self._socket_dir) / "connection.json")

    @property
    def private_dir(self) -> Path:
        """The kernel's private folder (mode 0700, removed with the kernel)."""
        return Path(self._socket_dir)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd: list[str] = super().format_kernel_cmd(extra_arguments)
        if any("ipykernel" in part for part in cmd):
            # our watchdog replaces ipykernel's parent poller (which exits without tidying)
            lines = [_FAST_IMPORTS, kernel_guard_code(self._socket_dir)] + ([_PREWARM] if self._prewarm else [])
            cmd += [f"--IPKernelApp.exec_lines={'; '.join(lines)}", "--IPKernelApp.parent_handle=0", *_KERNEL_OPTIONS]
        return cmd

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # The kernel's own console chatter (shutdown tracebacks after a timeout, warnings)
        # is not report output: cell output and errors arrive over the kernel protocol.
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)


class WarmKernel:
    """One kernel kept running across reports (a batch worker's), or for one report.

    Saves the kernel start and the imports (about half of a report's time), and
    :meth:`start` launches it early so that it boots while the caller does other work.
    Each report starts with a ``%reset -f`` cell (tagged ``remove-cell``, not shown), and a
    kernel that saw a failure is discarded, so projects never see each other's state.
    """

    def __init__(self) -> None:
        self.km: IpcKernelManager | None = None

    def start(self) -> None:
        """Launch the kernel now (pre-warmed) without waiting for it to be ready."""
        if self.km is not None and not run_sync(self.km.is_alive)():
            self.discard()
        if self.km is None:
            km = IpcKernelManager(kernel_name=KERNEL, prewarm=True)
            try:
                run_sync(km.start_kernel)()
            except BaseException:  # stopped (or failed) mid-start: no kernel or folder may outlive it
                with contextlib.suppress(Exception):
                    run_sync(km.shutdown_kernel)(now=True)
                shutil.rmtree(km.private_dir, ignore_errors=True)
                raise
            self.km = km

    def get(self) -> IpcKernelManager:
        """The running kernel, started (again) if needed."""
        self.start()
        assert self.km is not None
        return self.km

    def discard(self) -> None:
        """Shut the kernel down (after a failure, or at the end of the batch)."""
        if self.km is not None:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None


class _Engine(NBClientEngine):  # type: ignore[misc]
    """papermill's nbclient engine, run with ``request_save_on_cell_execute=False``: the
    notebook is kept in memory and written once at the end (papermill wrote and validated
    the whole notebook before and after every cell: most of a warm report's time). When
    the execution itself fails (dead kernel, cell timeout) the partial notebook is written
    to ``partial_path`` before the error goes on. ``source_path``: the notebook file the
    in-memory input was made from (recorded as papermill's ``input_path``)."""

    @classmethod
    def execute_notebook(cls, nb: nbformat.NotebookNode, kernel_name: str, **kwargs: Any) -> nbformat.NotebookNode:
        partial = kwargs.pop("partial_path")
        nb.metadata.papermill["input_path"] = kwargs.pop("source_path")  # not the in-memory copy
        try:
            done: nbformat.NotebookNode = super().execute_notebook(nb, kernel_name, **kwargs)
            return done
        except Exception:
            with contextlib.suppress(Exception):  # nb holds the outputs so far (executed in place)
                nbformat.write(nb, partial)  # type: ignore[no-untyped-call]
            raise


_ENGINE = "pmoreports"
papermill_engines.register(_ENGINE, _Engine)


def _prepared(notebook: Path, prelude: str) -> nbformat.NotebookNode:
    """``notebook`` with a first cell (tagged ``remove-cell``) that clears a reused kernel's
    namespace and runs ``prelude``."""
    nb: nbformat.NotebookNode = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    source = "%reset -f" + (f"\n{prelude}" if prelude else "")
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})  # type: ignore[no-untyped-call]
    nb.cells.insert(0, cell)
    return nb


def _preload_code(km: IpcKernelManager, params: dict[str, Any], data: ProjectData, metrics: ProjectMetrics) -> str:
    """Hand the kernel the data and metrics computed here: pickled into its private folder,
    taken by :func:`pmoreports.report.project.preload` (so the report does not read the
    workbook and compute the metrics a second time)."""
    path = km.private_dir / PRELOAD_FILE
    path.write_bytes(pickle.dumps((params, data, metrics), protocol=pickle.HIGHEST_PROTOCOL))
    return f"__import__('pmoreports.report.project', fromlist=['preload']).preload({str(path)!r})"


@dataclass(frozen=True)
class RunResult:
    """What one run produced: the project, the period (``YYYY-MM``), the output folder
    and its files, and the wall time in seconds."""

    project_id: str
    period: str
    out_dir: Path
    files: tuple[Path, ...]
    seconds: float


def run_project(
    params_path: str | Path,
    *,
    period: str | None = None,
    formats: Sequence[str] | None = None,
    output: str | Path = OUTPUT_DIR,
    notebook: str | Path | None = None,
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
    command: str | None = None,
    history: str | None = None,
) -> RunResult:
    """Produce one project's report into ``output/<period>/<project-id>/``.

    ``period`` (``YYYY-MM``) and ``formats`` override the parameter file. Raises a
    :class:`~pmoreports.errors.PmoError` subclass with a one-paragraph message on
    any failure (bad parameters, bad workbook, stale period, failing cell).

    Inputs are checked first; then the run holds the lock on ``output/<period>/``
    (:func:`~pmoreports.pipeline.locks.period_lock`: ``wait``, ``notify`` and ``command``
    are passed to it), tidies what killed runs left there, and renders. SIGTERM stops
    it like Ctrl-C (``KeyboardInterrupt``), leaving last run's files untouched. The kernel
    is launched as soon as the inputs are checked, so it starts while this process waits
    for the lock and computes the metrics.

    The report gets the project's earlier periods and its restatements from the reporting
    history (:mod:`~pmoreports.pipeline.history`: ``<output>/history.sqlite``, or the
    database URL ``history``), and the new report is recorded in it once its folder is in
    place; a failed run records nothing.
    """
    params = load_params(params_path).with_overrides(period=period, formats=formats)
    data = read_workbook(params.workbook)
    chosen = Path(notebook) if notebook else (params.notebook or PROJECT_NOTEBOOK)
    out = Path(output)
    resolved = check_identity(params, data)
    kernel = WarmKernel()
    try:
        kernel.start()  # it boots while this process waits for the lock, computes the metrics, imports
        with terminate_on_sigterm(), period_lock(out / resolved, wait=wait, notify=notify, command=command):
            sweep_staging(out / resolved)
            sweep_temp()
            with History.open(out, history, notify=notify) as store:
                store.sync(skip=resolved)
                pid = data.info.project_id
                rows = store.trend(before=resolved, projects=[pid], series=False).rows
                past = compare_with_previous(store.previous_inputs(pid, resolved), data, rows)
                result = execute_report(params, data, output=out, notebook=chosen, kernel=kernel, history=past)
                store.record(out / resolved, [pid])
            return result
    finally:
        kernel.discard()


def check_identity(params: ProjectParams, data: ProjectData) -> str:
    """The period to report (``YYYY-MM``): the workbook's status month. Refuses a workbook
    of another project, or one whose status month is not ``params.period`` (stale)."""
    return check_project(params, data.info.project_id, f"{data.info.status_date:%Y-%m}")


def check_project(params: ProjectParams, project_id: str, status: str) -> str:
    """:func:`check_identity` for a workbook known by its ``project_id`` and status month
    ``status`` (``YYYY-MM``); returns ``status``."""
    if params.project_id and params.project_id != project_id:
        raise ParamsError(
            f"{params.source}: project_id is {params.project_id} but {params.workbook.name} "
            f"is project {project_id}; point 'workbook' at the right file"
        )
    if params.period and params.period != status:
        raise ReportError(
            f"{project_id}: the report is for {params.period} but {params.workbook.name} "
            f"has status date {status}; ask the project manager for the {params.period} "
            "update (or run with --period " + status + ")"
        )
    return status


def execute_report(
    params: ProjectParams,
    data: ProjectData,
    *,
    output: Path = OUTPUT_DIR,
    notebook: Path = PROJECT_NOTEBOOK,
    kernel: WarmKernel | None = None,
    history: ProjectHistory | None = None,
) -> RunResult:
    """Execute the report notebook for already validated ``params`` and ``data``.

    ``kernel``: a warm kernel to reuse (batch workers); default a fresh kernel, launched
    first so that it boots while the metrics are computed. The metrics are computed once,
    here: the kernel gets them with the data (see :func:`_preload_code`).
    ``history``: the project's earlier reports and restatements, for the notebook's trend
    and "Changed since last report" sections (None: no history). Besides the report, the
    folder gets a copy of the workbook (``inputs.xlsx``) and ``checks.json`` (data-quality
    warnings and restatements), which the reporting history records.
    """
    start = time.perf_counter()
    period = check_identity(params, data)
    project = data.info.project_id
    own = kernel is None
    kernel = kernel or WarmKernel()
    try:
        kernel.start()
        metrics = project_metrics(data, **params.metrics_options())
        final = output / period / project
        past = history or ProjectHistory(note="No reporting history was given to this report.")
        run_params = params.to_dict() | {"period": period}
        injected = {"params": run_params, "static": True, "history": past.to_dict()}
        prelude = _preload_code(kernel.get(), run_params, data, metrics)
        with staged_output_dir(final, keep_failed=output / period / FAILED_DIR / project) as stage:
            executed = stage / EXECUTED_NOTEBOOK
            nb = execute_notebook(
                notebook, executed, injected, timeout=params.timeout, label=project, kernel=kernel, prelude=prelude
            )
            meta = {
                "Project": f"{project} - {data.info.name}",
                "Period": period,
                "Manager": data.info.manager,
                "Prepared by": params.author,
            }
            title = f"{params.title}: {data.info.name}"
            html = notebook_to_html(nb, title=title, meta=meta, page_size=params.page_size)
            if "html" in params.formats:
                atomic_write_text(stage / "report.html", html)
            if "pdf" in params.formats:
                atomic_write_bytes(stage / "report.pdf", html_to_pdf(html, page_size=params.page_size))
            write_metrics(metrics, stage)
            book = params.workbook.read_bytes()
            atomic_write_bytes(stage / INPUTS_FILE, book)
            atomic_write_text(stage / CHECKS_FILE, checks_json(data, past, period, book))
    finally:
        if own:
            kernel.discard()
    files = tuple(sorted(p for p in final.iterdir() if p.is_file()))
    return RunResult(project, period, final, files, time.perf_counter() - start)


def checks_json(data: ProjectData, history: ProjectHistory, period: str, book: bytes) -> str:
    """``checks.json``: the workbook's name, digest and baseline, its data-quality warnings
    and the restatements found against the previous period's workbook."""
    info = data.info
    return json.dumps(
        {
            "project_id": info.project_id,
            "period": period,
            "workbook": _workbook_name(data),
            "sha256": hashlib.sha256(book).hexdigest(),
            "baseline_start": f"{info.baseline_start:%Y-%m}",
            "baseline_finish": f"{info.baseline_finish:%Y-%m}",
            "status_date": f"{info.status_date:%Y-%m}",
            "previous_period": history.previous_period,
            "comparison_note": history.note,
            "data_quality": [w.to_dict() for w in data.warnings],
            "restatements": [r.to_dict() for r in history.restatements],
        },
        indent=1,
        ensure_ascii=False,
    )


def _workbook_name(data: ProjectData) -> str:
    """The workbook's file name as the project manager sent it."""
    return Path(data.source).name if data.source else INPUTS_FILE


def execute_notebook(
    notebook: Path,
    executed: Path,
    parameters: dict[str, Any],
    *,
    timeout: int | None = None,
    label: str = "",
    kernel: WarmKernel | None = None,
    prelude: str = "",
) -> nbformat.NotebookNode:
    """Execute ``notebook`` with papermill into ``executed`` (written once, at the end), in a
    fresh kernel or a warm one; return the executed notebook.

    A first hidden cell resets the namespace and runs ``prelude`` (one line of Python).
    Any failure becomes one readable :class:`ReportError` naming ``label``, the failing
    cell and the exception, with the partial notebook in ``executed``; a kernel that saw a
    failure is discarded.
    """
    own = kernel is None
    kernel = kernel or WarmKernel()
    try:
        return _execute(notebook, _prepared(notebook, prelude), executed, parameters, timeout, label, kernel.get())
    except ReportError:
        kernel.discard()
        raise
    finally:
        if own:
            kernel.discard()


def _execute(
    notebook: Path,
    nb: nbformat.NotebookNode,
    executed: Path,
    parameters: dict[str, Any],
    timeout: int | None,
    project: str,
    km: IpcKernelManager,
) -> nbformat.NotebookNode:
    """Run ``nb`` (made from ``notebook``) with papermill; turn any failure into one readable
    ReportError."""
    try:
        done: nbformat.NotebookNode = pm.execute_notebook(
            nb,
            str(executed),
            parameters=parameters,
            engine_name=_ENGINE,
            request_save_on_cell_execute=False,
            kernel_name=KERNEL,
            progress_bar=False,
            log_output=False,
            cwd=str(notebook.parent),
            execution_timeout=timeout,
            km=km,
            partial_path=str(executed),
            source_path=str(notebook),
        )
        return done
    except PapermillExecutionError as exc:
        index, source = _failing_cell(executed)
        raise ReportError(
            f"{project}: the report notebook failed in cell [{index}] ({_first_line(source)}): "
            f"{exc.ename}: {_first_line(exc.evalue)}; partial notebook kept for debugging",
            cell=f"[{index}] {_first_line(source)}",
        ) from None
    except CellTimeoutError:
        raise ReportError(
            f"{project}: a notebook cell ran longer than the {timeout} s timeout "
            "(execution.timeout in the parameter file)"
        ) from None
    except DeadKernelError as exc:
        raise ReportError(f"{project}: the notebook kernel died ({_first_line(str(exc))})") from None
    except FileNotFoundError as exc:
        raise ReportError(f"{project}: {exc}") from None


def _failing_cell(executed: Path) -> tuple[int, str]:
    """Execution count and source of the cell that raised (it holds an error output)."""
    try:
        nb = nbformat.read(executed, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError):
        return -1, ""
    for cell in nb.cells:
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return int(cell.get("execution_count") or -1), str(cell.source)
    return -1, ""


def _first_line(text: str, limit: int = 160) -> str:
    line = next((x.strip() for x in str(text).splitlines() if x.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."
