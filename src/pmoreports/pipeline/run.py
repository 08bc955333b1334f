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
from papermill.exceptions import PapermillExecutionError
from traitlets import CaselessStrEnum

from .._files import atomic_write_bytes, atomic_write_text, owned_temp_dir, staged_output_dir, sweep_staging, sweep_temp
from ..errors import ParamsError, ReportError
from ..metrics.project import project_metrics, write_metrics
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


class IpcKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """Kernel manager whose kernel talks over Unix sockets in a private temp folder.

    No TCP ports are allocated, so many kernels can start at once without port
    races, and nothing is sent over plaintext TCP. The folder (sockets and connection
    file) is named after this process (:func:`~pmoreports._files.owned_temp_dir`) and goes
    with the kernel: on shutdown, or when this process dies, the kernel's own watchdog
    (:func:`~pmoreports.pipeline.lifetime.guard_kernel`) removes it and exits.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._socket_dir = str(owned_temp_dir("kernel"))
        self.ip = str(Path(self._socket_dir) / "kernel")
        self.connection_file = str(Path(self._socket_dir) / "connection.json")

    @property
    def socket_dir(self) -> str:
        """The private folder of the kernel's sockets and connection file."""
        return self._socket_dir

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd: list[str] = super().format_kernel_cmd(extra_arguments)
        if any("ipykernel" in part for part in cmd):
            # our watchdog replaces ipykernel's parent poller (which exits without tidying)
            guard = kernel_guard_code(self._socket_dir)
            cmd += [f"--IPKernelApp.exec_lines={_FAST_IMPORTS}; {guard}", "--IPKernelApp.parent_handle=0"]
        return cmd

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # The kernel's own console chatter (shutdown tracebacks after a timeout, warnings)
        # is not report output: cell output and errors arrive over the kernel protocol.
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)


class WarmKernel:
    """One kernel kept running across reports in a batch worker process.

    Saves the kernel start and the imports (about half of a report's time). Each
    report starts with a ``%reset -f`` cell (tagged ``remove-cell``, not shown), and a
    kernel that saw a failure is discarded, so projects never see each other's state.
    """

    def __init__(self) -> None:
        self.km: IpcKernelManager | None = None

    def get(self) -> IpcKernelManager:
        """The running kernel, started (again) if needed."""
        if self.km is not None and not run_sync(self.km.is_alive)():
            self.discard()
        if self.km is None:
            km = IpcKernelManager(kernel_name=KERNEL)
            try:
                run_sync(km.start_kernel)()
            except BaseException:  # stopped (or failed) mid-start: no kernel or folder may outlive it
                with contextlib.suppress(Exception):
                    run_sync(km.shutdown_kernel)(now=True)
                shutil.rmtree(km.socket_dir, ignore_errors=True)
                raise
            self.km = km
        return self.km

    def discard(self) -> None:
        """Shut the kernel down (after a failure, or at the end of the batch)."""
        if self.km is not None:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None


def _with_reset(notebook: Path, target: Path) -> Path:
    """A copy of ``notebook`` whose first cell clears a reused kernel's namespace."""
    nb = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    cell = nbformat.v4.new_code_cell("%reset -f", metadata={"tags": ["remove-cell"]})  # type: ignore[no-untyped-call]
    nb.cells.insert(0, cell)
    nbformat.write(nb, target)  # type: ignore[no-untyped-call]
    return target


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
    it like Ctrl-C (``KeyboardInterrupt``), leaving last run's files untouched.

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
    with terminate_on_sigterm(), period_lock(out / resolved, wait=wait, notify=notify, command=command):
        sweep_staging(out / resolved)
        sweep_temp()
        with History.open(out, history, notify=notify) as store:
            store.sync(skip=resolved)
            pid = data.info.project_id
            rows = store.trend(before=resolved, projects=[pid], series=False).rows
            past = compare_with_previous(store.previous_inputs(pid, resolved), data, rows)
            result = execute_report(params, data, output=out, notebook=chosen, history=past)
            store.record(out / resolved, [pid])
        return result


def check_identity(params: ProjectParams, data: ProjectData) -> str:
    """The period to report (``YYYY-MM``): the workbook's status month. Refuses a workbook
    of another project, or one whose status month is not ``params.period`` (stale)."""
    info = data.info
    status = f"{info.status_date:%Y-%m}"
    if params.project_id and params.project_id != info.project_id:
        raise ParamsError(
            f"{params.source}: project_id is {params.project_id} but {params.workbook.name} "
            f"is project {info.project_id}; point 'workbook' at the right file"
        )
    if params.period and params.period != status:
        raise ReportError(
            f"{info.project_id}: the report is for {params.period} but {params.workbook.name} "
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

    ``kernel``: a warm kernel to reuse (batch workers); default a fresh kernel.
    ``history``: the project's earlier reports and restatements, for the notebook's trend
    and "Changed since last report" sections (None: no history). Besides the report, the
    folder gets a copy of the workbook (``inputs.xlsx``) and ``checks.json`` (data-quality
    warnings and restatements), which the reporting history records.
    """
    start = time.perf_counter()
    period = check_identity(params, data)
    project = data.info.project_id
    metrics = project_metrics(data, **params.metrics_options())
    final = output / period / project
    past = history or ProjectHistory(note="No reporting history was given to this report.")
    injected = {"params": params.to_dict() | {"period": period}, "static": True, "history": past.to_dict()}
    with staged_output_dir(final, keep_failed=output / period / FAILED_DIR / project) as stage:
        executed = stage / EXECUTED_NOTEBOOK
        execute_notebook(notebook, executed, injected, timeout=params.timeout, label=project, kernel=kernel)
        nb = nbformat.read(executed, as_version=4)  # type: ignore[no-untyped-call]
        meta = {
            "Project": f"{project} - {data.info.name}",
            "Period": period,
            "Manager": data.info.manager,
            "Prepared by": params.author,
        }
        html = notebook_to_html(nb, title=f"{params.title}: {data.info.name}", meta=meta, page_size=params.page_size)
        if "html" in params.formats:
            atomic_write_text(stage / "report.html", html)
        if "pdf" in params.formats:
            atomic_write_bytes(stage / "report.pdf", html_to_pdf(html, page_size=params.page_size))
        write_metrics(metrics, stage)
        book = params.workbook.read_bytes()
        atomic_write_bytes(stage / INPUTS_FILE, book)
        atomic_write_text(stage / CHECKS_FILE, checks_json(data, past, period, book))
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
) -> None:
    """Execute ``notebook`` with papermill into ``executed``, in a fresh kernel or a warm one.

    Any failure becomes one readable :class:`ReportError` naming ``label``, the failing
    cell and the exception; a warm kernel that saw a failure is discarded.
    """
    if kernel is None:
        _execute(notebook, executed, parameters, timeout, label, {"kernel_manager_class": IpcKernelManager})
        return
    source = _with_reset(notebook, executed.with_name(f".input-{executed.name}"))
    try:
        _execute(source, executed, parameters, timeout, label, {"km": kernel.get()})
    except ReportError:
        kernel.discard()
        raise
    finally:
        source.unlink(missing_ok=True)


def _execute(
    notebook: Path,
    executed: Path,
    parameters: dict[str, Any],
    timeout: int | None,
    project: str,
    where: dict[str, Any],
) -> None:
    """Run the notebook with papermill; turn any failure into one readable ReportError."""
    try:
        pm.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name=KERNEL,
            progress_bar=False,
            log_output=False,
            cwd=str(notebook.parent),
            execution_timeout=timeout,
            **where,
        )
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
