"""The monthly batch: every project's report in parallel, then the portfolio.

Plan (main process): validate every parameter file and workbook, resolve the
period, fingerprint each project's inputs and skip the unchanged ones.
Execute: each project becomes a self-contained :class:`ProjectTask` (workbook
and notebook bytes, validated parameters) run by :func:`render_task` in a
worker process or on a Dask worker; it returns the output files as bytes, so
no shared filesystem is needed. Collect (main process): outputs are swapped
into ``output/<period>/<project>/`` atomically; a failure keeps last run's
files and stores the partial notebook under ``_failed/``. Finally the
portfolio report, the index page, the Excel export and ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing.util
import os
import shutil
import signal
import tempfile
import threading
import time
import types
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from .. import __version__
from .._files import (
    Owner,
    atomic_write_bytes,
    atomic_write_text,
    staged_output_dir,
    staging_dir,
    sweep_staging,
    sweep_temp,
    temp_prefix,
)
from ..errors import ParamsError, PmoError
from ..paths import OUTPUT_DIR, PROJECT_NOTEBOOK, REPORT_TEMPLATE_DIR
from ..report._typst import typst_ran_here
from ..report.params import ProjectParams, check_overrides, load_params, params_files, params_from_dict
from ..report.trends import TrendData
from ..workbook.model import ProjectData
from ..workbook.reader import read_workbook
from .history import History, PreviousInputs, compare_with_previous
from .lifetime import die_with_parent, signals_deferred, terminate_on_sigterm
from .locks import period_lock
from .run import EXECUTED_NOTEBOOK, FAILED_DIR, WarmKernel, check_project, execute_report

__all__ = [
    "MANIFEST",
    "BatchResult",
    "Outcome",
    "ProjectTask",
    "TaskResult",
    "render_task",
    "run_batch",
]

MANIFEST = "manifest.json"
_T = TypeVar("_T")
OK, SKIPPED, FAILED, CANCELLED = "ok", "skipped", "failed", "cancelled"


@dataclass(frozen=True)
class ProjectTask:
    """Everything a worker needs to render one project, carried by value."""

    project_id: str
    params: dict[str, Any]
    workbook_name: str
    workbook: bytes
    notebook: bytes
    history: dict[str, Any] | None = None
    """The project's trend rows of earlier periods (column-oriented), None: no history."""
    previous: PreviousInputs | None = None
    """The workbook of its latest earlier report, to find restatements against."""


@dataclass(frozen=True)
class TaskResult:
    """What a worker sends back: output files by name, or the error and partial notebook."""

    project_id: str
    ok: bool
    files: dict[str, bytes]
    seconds: float
    error: str = ""
    cell: str = ""


@dataclass
class Outcome:
    """One project's line in the manifest."""

    project_id: str
    params_file: str
    status: str
    seconds: float = 0.0
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    error: str = ""
    failing_cell: str = ""
    name: str = ""
    rag: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(vars(self))


@dataclass
class BatchResult:
    """The batch as run: period, output folder, one outcome per project, and wall time."""

    period: str
    out_dir: Path
    outcomes: list[Outcome]
    seconds: float
    portfolio_files: list[Path] = field(default_factory=list)
    portfolio_error: str = ""
    portfolio_inputs: str = ""
    portfolio_skipped: bool = False

    @property
    def failed(self) -> list[Outcome]:
        """Projects that failed (or were cancelled)."""
        return [o for o in self.outcomes if o.status in (FAILED, CANCELLED)]

    def count(self, status: str) -> int:
        """Number of projects with ``status``."""
        return sum(o.status == status for o in self.outcomes)


# -- the task (runs in a worker) ------------------------------------------------------------


def render_task(task: ProjectTask, kernel: WarmKernel | None = None, data: ProjectData | None = None) -> TaskResult:
    """Render one project in a private temporary folder; return its files as bytes.

    ``data``: the workbook as already read from these bytes (the batch process renders a
    project it read while planning without reading it again). Never raises for a
    project's own failure: the error, the failing cell and the partially executed
    notebook come back in the :class:`TaskResult`.
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=temp_prefix("task")) as tmp:
        root = Path(tmp)
        book = root / task.workbook_name
        book.write_bytes(task.workbook)
        notebook = root / "notebooks" / PROJECT_NOTEBOOK.name
        notebook.parent.mkdir()
        notebook.write_bytes(task.notebook)
        out = root / "output"
        try:
            params = params_from_dict(task.params | {"workbook": str(book)})
            read = data if data is not None else read_workbook(book)
            past = None if task.history is None else compare_with_previous(task.previous, read, task.history)
            result = execute_report(params, read, output=out, notebook=notebook, kernel=kernel, history=past)
        except PmoError as exc:
            partial = out / str(task.params.get("period")) / FAILED_DIR / task.project_id
            files = {p.name: p.read_bytes() for p in partial.glob(EXECUTED_NOTEBOOK)}
            return TaskResult(
                task.project_id,
                False,
                files,
                time.perf_counter() - start,
                str(exc),
                getattr(exc, "cell", ""),
            )
        files = {p.name: p.read_bytes() for p in result.files}
        return TaskResult(task.project_id, True, files, time.perf_counter() - start)


# -- planning -------------------------------------------------------------------------------


@dataclass
class _Planned:
    outcome: Outcome
    params: ProjectParams | None = None
    data: ProjectData | None = None
    """The workbook as read while planning (None when an earlier run read these bytes)."""
    status: str = ""
    """The workbook's status month, ``YYYY-MM``."""
    book: bytes = b""
    task: ProjectTask | None = None


@dataclass(frozen=True)
class _Known:
    """A workbook an earlier run of this package read and rendered: its project and status month."""

    project_id: str
    name: str
    status: str


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _template_digest() -> str:
    files = sorted(p for p in REPORT_TEMPLATE_DIR.rglob("*") if p.is_file())
    return _digest(b"".join(p.name.encode() + p.read_bytes() for p in files))


def _known_workbooks(output: Path) -> dict[str, _Known]:
    """Workbooks already read and rendered by this version of the package, by the SHA-256 of
    their bytes, from the manifests of every period under ``output``: the same bytes read
    the same, so planning does not read them again (a workbook that failed is not listed)."""
    known: dict[str, _Known] = {}
    for manifest in sorted(output.glob(f"[0-9][0-9][0-9][0-9]-[0-9][0-9]/{MANIFEST}")):
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError, KeyError):
            for p in json.loads(manifest.read_text(encoding="utf-8"))["projects"]:
                inputs = p.get("inputs") or {}
                digest, ok = inputs.get("workbook"), p.get("status") in (OK, SKIPPED)
                if ok and digest and inputs.get("package") == __version__:
                    known[digest] = _Known(str(p["project_id"]), str(p.get("name", "")), manifest.parent.name)
    return known


def _plan(
    params_dir: Path,
    period: str | None,
    only: Sequence[str] | None,
    formats: Sequence[str] | None,
    timeout: int | None,
    output: Path,
    warm: _Warm,
) -> tuple[str, list[_Planned]]:
    """Validate every selected project; the period is ``period`` or the latest status month.

    A workbook whose bytes an earlier run read is not read again (:func:`_known_workbooks`);
    reading a new one tells ``warm`` that a project will render, so a kernel can start now.
    """
    files = params_files(params_dir)
    if not files:
        raise PmoError(f"{params_dir}: no project parameter files (*.yaml) found")
    wanted = {w.upper() for w in only} if only else None

    def selected(item: _Planned) -> bool:
        names = {Path(item.outcome.params_file).stem.upper(), item.outcome.project_id.upper()}
        return wanted is None or bool(names & wanted)

    known = _known_workbooks(output)
    every = []
    for path in files:
        item = _plan_one(path, formats, timeout, known)
        if item.params is not None and selected(item) and (warm.force or item.data is not None):
            warm.will_render()  # it will most likely render: kernels boot while planning goes on
        every.append(item)
    _refuse_duplicates(every)
    planned = [item for item in every if selected(item)]
    if wanted and not planned:
        raise PmoError(f"--only {','.join(sorted(wanted))}: no such project in {params_dir}")
    months = [p.status for p in planned if p.params is not None]
    resolved = period or max(months, default=f"{dt.date.today():%Y-%m}")
    notebook, template = PROJECT_NOTEBOOK.read_bytes(), _template_digest()
    for item in planned:
        _finish_plan(item, resolved, notebook, template)
    return resolved, planned


def _refuse_duplicates(items: list[_Planned]) -> None:
    """Two parameter files of one project (a copied file, or a copied workbook) would report
    one project as another and overwrite each other's outputs: refuse, naming the files."""
    groups: dict[str, list[_Planned]] = defaultdict(list)
    for item in items:
        if item.params is not None:
            groups[item.outcome.project_id.casefold()].append(item)
    problems = []
    for group in (g for g in groups.values() if len(g) > 1):
        files = " and ".join(f"{i.outcome.params_file} (workbook {i.params.workbook.name})" for i in group if i.params)
        problems.append(f"{files} are {'both' if len(group) == 2 else 'all'} project {group[0].outcome.project_id}")
    if problems:
        raise ParamsError(
            "; ".join(problems) + ": each project needs its own parameter file, workbook and project_id; "
            "fix the copied one (nothing was run)"
        )


def _plan_one(path: Path, formats: Sequence[str] | None, timeout: int | None, known: dict[str, _Known]) -> _Planned:
    outcome = Outcome(path.stem.upper(), str(path), FAILED)
    try:
        params = load_params(path).with_overrides(formats=formats, timeout=timeout)
        book = _read_bytes(params.workbook)
        seen = known.get(_digest(book)) if book else None
        if seen is not None:
            outcome.project_id, outcome.name = seen.project_id, seen.name
            return _Planned(outcome, params, None, seen.status, book)
        data = read_workbook(params.workbook)
        book = book or params.workbook.read_bytes()
    except PmoError as exc:
        outcome.error = str(exc)
        return _Planned(outcome)
    outcome.project_id, outcome.name = data.info.project_id, data.info.name
    return _Planned(outcome, params, data, f"{data.info.status_date:%Y-%m}", book)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, or b"" when they cannot be read (the reader then says why)."""
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _finish_plan(item: _Planned, period: str, notebook: bytes, template: str) -> None:
    """Refuse a project that has not reported for ``period``; fingerprint and package the rest."""
    outcome = item.outcome
    if item.params is None:
        return
    params = replace(item.params, period=period)
    try:
        check_project(params, outcome.project_id, item.status)
    except PmoError as exc:
        outcome.error = str(exc)
        return
    notebook = params.notebook.read_bytes() if params.notebook else notebook
    settings = params.to_dict() | {"workbook": params.workbook.name}
    outcome.inputs = {
        "workbook": _digest(item.book),
        "params": _digest(json.dumps(settings, sort_keys=True).encode()),
        "notebook": _digest(notebook),
        "template": template,
        "package": __version__,
    }
    carried = params.to_dict()
    carried["execution"]["notebook"] = None  # the notebook travels as bytes
    item.task = ProjectTask(outcome.project_id, carried, params.workbook.name, item.book, notebook)


# -- running --------------------------------------------------------------------------------


def run_batch(
    params_dir: str | Path,
    *,
    period: str | None = None,
    jobs: int | None = None,
    only: Sequence[str] | None = None,
    force: bool = False,
    formats: Sequence[str] | None = None,
    timeout: int | None = None,
    output: str | Path = OUTPUT_DIR,
    scheduler: str | None = None,
    progress: Callable[[Outcome, int, int], None] | None = None,
    portfolio: bool = True,
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
    command: str | None = None,
    history: str | None = None,
) -> BatchResult:
    """Run every project of ``params_dir`` (or ``only`` those IDs) for one period.

    ``jobs`` worker processes (default: CPU count) or a Dask ``scheduler`` address;
    ``force`` reruns projects whose inputs did not change; ``timeout`` overrides
    the per-cell timeout (seconds). ``progress(outcome, done, total)`` is called as
    each project finishes. Never raises for one project's failure.

    Every input is checked first (a project_id in two parameter files is a
    :class:`~pmoreports.errors.ParamsError`). Then the batch holds the lock on
    ``output/<period>/`` for the rest (:func:`~pmoreports.pipeline.locks.period_lock`:
    ``wait``, ``notify`` and ``command`` are passed to it), reads the period's manifest
    only once it holds the lock, and tidies what killed runs left there. SIGTERM stops it
    like Ctrl-C (``KeyboardInterrupt``) from then on.

    Each project's report gets its earlier periods and restatements from the reporting
    history (``<output>/history.sqlite``, or the database URL ``history``); once the
    projects are in place the period is recorded in it (one transaction), and the
    portfolio report draws its trends from it.
    """
    start = time.perf_counter()
    check_overrides(period=period, formats=formats, timeout=timeout)
    expected = len(only) if only else len(params_files(Path(params_dir)))
    with _Warm(jobs, scheduler, force, expected) as warm:
        resolved, planned = _plan(Path(params_dir), period, only, formats, timeout, Path(output), warm)
        out_dir = Path(output) / resolved
        with terminate_on_sigterm(), period_lock(out_dir, wait=wait, notify=notify, command=command):
            sweep_staging(out_dir)
            sweep_temp()
            with History.open(Path(output), history, notify=notify) as store:
                store.sync(skip=resolved)
                _attach_history(planned, store, resolved)
                result = BatchResult(resolved, out_dir, [p.outcome for p in planned], 0.0)
                run = _Run(result, planned, Path(params_dir), scheduler, jobs, start, store)
                run.projects(force, only, progress, portfolio, warm)
    result.seconds = time.perf_counter() - start
    return result


class _Run:
    """One batch in its locked period folder: the projects, then the portfolio pages."""

    def __init__(
        self,
        result: BatchResult,
        planned: list[_Planned],
        params_dir: Path,
        scheduler: str | None,
        jobs: int | None,
        start: float,
        store: History,
    ) -> None:
        self.result, self.planned, self.params_dir = result, planned, params_dir
        self.scheduler, self.jobs, self.start = scheduler, jobs, start
        self.store = store

    def write_manifest(self) -> None:
        """``manifest.json`` as things stand."""
        _write_manifest(self.result, self.scheduler, self.jobs, self.start)

    def projects(
        self,
        force: bool,
        only: Sequence[str] | None,
        progress: Callable[[Outcome, int, int], None] | None,
        portfolio: bool,
        warm: _Warm,
    ) -> None:
        """Skip the unchanged projects, render the others, record them, make the portfolio."""
        out_dir = self.result.out_dir
        previous = _previous_outcomes(out_dir)
        previous_portfolio = _previous_portfolio(out_dir)
        tracker = _Tracker(progress, len(self.planned))
        todo = []
        for item in self.planned:
            if item.task is None:
                tracker.done(item.outcome)
            elif not force and _unchanged(item.outcome, previous.get(item.outcome.project_id), out_dir):
                old = previous[item.outcome.project_id]
                item.outcome.status, item.outcome.outputs = SKIPPED, old.get("outputs", [])
                item.outcome.rag = old.get("rag", "")
                tracker.done(item.outcome)
            else:
                todo.append(item)
        by_id = {p.outcome.project_id: p for p in todo}
        tasks = [p.task for p in todo if p.task]
        pool = warm.executor(tasks, {p.outcome.project_id: p.data for p in todo if p.data is not None})
        stopped: tuple[str, str] = (FAILED, "no result came back for this project")
        try:
            for result in pool.results(tasks):
                item = by_id[result.project_id]
                with signals_deferred():  # a finished project is recorded whole, even on Ctrl-C
                    _collect(item.outcome, result, out_dir)
                tracker.done(item.outcome)
        except KeyboardInterrupt:
            stopped = (CANCELLED, "batch interrupted")
            raise
        except BaseException as exc:
            stopped = (CANCELLED, f"batch stopped by an error ({type(exc).__name__}: {exc})")
            raise
        finally:
            _mark_unfinished([p.outcome for p in todo], *stopped)
            sweep_staging(out_dir)
            _carry_forward(self.result.outcomes, previous, only)
            self.write_manifest()
        self.store.sync_period(out_dir)
        if portfolio:
            trend = self.store.trend(before=self.result.period)
            _portfolio(self.result, self.params_dir, warm.portfolio_maker(), force, previous_portfolio, trend)
        self.result.seconds = time.perf_counter() - self.start
        self.write_manifest()


def _mark_unfinished(outcomes: list[Outcome], status: str, reason: str) -> None:
    """Projects that were to run but have no result get ``status`` and ``reason``."""
    for outcome in outcomes:
        if outcome.status == FAILED and not outcome.error:
            outcome.status, outcome.error = status, reason


class _Tracker:
    """Counts finished projects and forwards each to the ``progress`` callback."""

    def __init__(self, progress: Callable[[Outcome, int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.finished = progress, total, 0

    def done(self, outcome: Outcome) -> None:
        self.finished += 1
        if self.progress is not None:
            self.progress(outcome, self.finished, self.total)


def _previous_portfolio(out_dir: Path) -> dict[str, Any]:
    """The portfolio part of the previous manifest of this period (empty if none)."""
    try:
        return dict(json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("portfolio", {}))
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _previous_outcomes(out_dir: Path) -> dict[str, dict[str, Any]]:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {p["project_id"]: p for p in manifest.get("projects", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _unchanged(outcome: Outcome, old: dict[str, Any] | None, out_dir: Path) -> bool:
    if not old or old.get("status") not in (OK, SKIPPED) or old.get("inputs") != outcome.inputs:
        return False
    return all((out_dir / rel).is_file() for rel in old.get("outputs", [])) and bool(old.get("outputs"))


def _carry_forward(outcomes: list[Outcome], previous: dict[str, dict[str, Any]], only: Sequence[str] | None) -> None:
    """With ``--only``, keep the other projects' previous lines in the manifest."""
    if not only:
        return
    seen = {o.project_id for o in outcomes}
    for pid, old in previous.items():
        if pid not in seen:
            fields_ = {k: v for k, v in old.items() if k in Outcome.__dataclass_fields__}
            outcomes.append(Outcome(**fields_))


class _Warm:
    """How this batch's projects run, started ahead of need so that kernels boot while the
    batch plans and waits for its lock (and nothing is started that is not needed).

    Local: two or more projects go to a :class:`_LocalPool` (one kernel per worker), one
    project or only the portfolio pages to :class:`_InProcess` (this process and one
    kernel, no worker). Dask: :class:`_DaskPool`; the portfolio is made here.
    """

    def __init__(self, jobs: int | None, scheduler: str | None, force: bool, expected: int) -> None:
        self.jobs, self.scheduler = jobs or os.cpu_count() or 1, scheduler
        self.force, self.expected = force, expected
        """``force``: every selected project renders; at most ``expected`` of them."""
        self.coming = 0
        """Projects seen so far that will (most likely) render."""
        self.kernel: WarmKernel | None = None
        """This process's kernel (in-process work and the portfolio), once one was needed."""
        self.pool: _LocalPool | None = None
        self.dask: _DaskPool | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _Warm:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: types.TracebackType | None
    ) -> None:
        try:
            self._stack.__exit__(kind, exc, tb)
        finally:
            if self.kernel is not None:
                self.kernel.discard()

    def expect(self, n_tasks: int) -> None:
        """``n_tasks`` projects will render: start the worker pool now if they need one."""
        if self.scheduler is None and self.pool is None and min(self.jobs, n_tasks) >= 2:
            self.pool = self._stack.enter_context(_LocalPool(self.jobs, n_tasks))

    def will_render(self) -> None:
        """Planning found a project that will (most likely) render: start what is needed now,
        so it boots while planning goes on. With ``force``, or from the second such project,
        the workers (each launches its kernel); for the first one, a kernel here (one
        project renders here, see :class:`_InProcess`; with more, it makes the portfolio)."""
        self.coming += 1
        if self.scheduler is not None or self.pool is not None:
            return
        if self.force or self.coming >= 2:
            self.expect(self.expected)
        if self.pool is None and self.kernel is None:
            self.kernel = WarmKernel()
            self.kernel.start()

    def executor(self, tasks: list[ProjectTask], data: dict[str, ProjectData]) -> _LocalPool | _InProcess | _DaskPool:
        """Where ``tasks`` run (``data``: workbooks already read here, by project)."""
        if self.scheduler is not None:
            self.dask = self._stack.enter_context(_DaskPool(self.scheduler))
            return self.dask
        self.expect(len(tasks))
        if self.pool is not None:
            return self.pool
        return _InProcess(self._kernel(), data)

    def portfolio_maker(self) -> _LocalPool | _InProcess:
        """Where the portfolio pages are made: with this process's kernel if it has one (or
        there is no worker pool), else in a worker, whose kernel is warm."""
        if self.pool is not None and self.kernel is None:
            return self.pool
        return _InProcess(self._kernel(), {})

    def _kernel(self) -> WarmKernel:
        if self.kernel is None:
            self.kernel = WarmKernel()  # started when first used
        return self.kernel


class _InProcess:
    """This process renders, with its own kernel: for one project, or only the portfolio
    pages, a worker process would be one more process to start and warm up."""

    def __init__(self, kernel: WarmKernel, data: dict[str, ProjectData]) -> None:
        self.kernel, self.data = kernel, data

    def results(self, tasks: list[ProjectTask]) -> Iterator[TaskResult]:
        """Each task's result, one after the other."""
        for task in tasks:
            try:
                yield render_task(task, self.kernel, self.data.get(task.project_id))
            except Exception as exc:  # not the project's own failure (that is in the result)
                self.kernel.discard()
                yield TaskResult(task.project_id, False, {}, 0.0, f"{task.project_id}: rendering failed ({exc!r})")

    def portfolio(self, out_dir: Path, params_dir: Path, history: Path | None = None) -> list[Path]:
        """The portfolio pages, made here."""
        from .portfolio import write_portfolio

        return write_portfolio(out_dir, params_dir, self.kernel, history=history)


class _LocalPool:
    """Worker processes on this machine, each keeping a warm kernel between projects.

    The workers start at once, each launching its kernel, so they warm up while the batch
    plans. They are forked, unless Typst already ran in this process (a library user's
    session): its threads do not survive a fork, so the workers are then started from a
    fresh interpreter ("forkserver"), where Typst runs in-process again.
    """

    def __init__(self, jobs: int | None, n_tasks: int) -> None:
        workers = max(1, min(jobs or os.cpu_count() or 1, max(n_tasks, 1)))
        method = "forkserver" if typst_ran_here() else None
        context = multiprocessing.get_context(method)
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(Owner.current(),)
        )
        for _ in range(workers):  # start the workers now (they launch their kernels)
            self.pool.submit(os.getpid)

    def __enter__(self) -> _LocalPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None:
            _stop_workers(self.pool)
        self.pool.shutdown(wait=True, cancel_futures=True)

    def results(self, tasks: list[ProjectTask]) -> Iterator[TaskResult]:
        """Each task's result, as the tasks finish."""
        with terminate_on_sigterm():
            futures = {self.pool.submit(_render_in_worker, t): t for t in tasks}
            for future in as_completed(futures):
                yield _result_of(future, futures[future])

    def portfolio(self, out_dir: Path, params_dir: Path, history: Path | None = None) -> list[Path]:
        """The portfolio pages, made in a worker (whose kernel is warm)."""
        with terminate_on_sigterm():
            return self.pool.submit(_portfolio_in_worker, out_dir, params_dir, history).result()


def _result_of(future: Future[TaskResult], task: ProjectTask) -> TaskResult:
    try:
        return future.result()
    except Exception as exc:  # a worker process died: that project fails, the batch goes on
        return TaskResult(task.project_id, False, {}, 0.0, f"{task.project_id}: worker failed ({exc!r})")


class _DaskPool:
    """A Dask distributed cluster: tasks carry their inputs and return their outputs.

    Each worker thread keeps a warm kernel between tasks, like a local worker (see
    :func:`_render_on_dask`); the batch shuts them down when it ends.
    """

    def __init__(self, scheduler: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise PmoError("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
        try:
            self.client = Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise PmoError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None

    def __enter__(self) -> _DaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            with contextlib.suppress(Exception):
                self.client.run(_discard_dask_kernels)
        finally:
            self.client.close()  # type: ignore[no-untyped-call]

    def results(self, tasks: list[ProjectTask]) -> Iterator[TaskResult]:
        """Each task's result, as the tasks finish on the cluster."""
        from distributed import as_completed as dask_completed

        if not tasks:
            return
        keys = [f"pmoreports-{t.project_id}-{_digest(t.workbook)[:8]}" for t in tasks]
        futures = self.client.map(_render_on_dask, tasks, key=keys, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            try:
                yield future.result()
            except Exception as exc:  # a worker died or the task raised: that project fails
                task = by_key[future.key]
                yield TaskResult(task.project_id, False, {}, 0.0, f"{task.project_id}: Dask task failed ({exc!r})")


_DASK_KERNELS: dict[int, WarmKernel] = {}
"""On a Dask worker: one warm kernel per worker thread (tasks of one thread run one at a time)."""
_DASK_LOCK = threading.Lock()


def _render_on_dask(task: ProjectTask) -> TaskResult:
    """A task on a Dask worker, with the warm kernel of the thread it runs in."""
    with _DASK_LOCK:
        kernel = _DASK_KERNELS.setdefault(threading.get_ident(), WarmKernel())
    return render_task(task, kernel)


def _discard_dask_kernels() -> int:
    """On a Dask worker, when a batch ends: shut its kernels down; return how many there were."""
    with _DASK_LOCK:
        kernels = list(_DASK_KERNELS.values())
        _DASK_KERNELS.clear()
    for kernel in kernels:
        kernel.discard()
    return len(kernels)


def _portfolio_in_worker(out_dir: Path, params_dir: Path, history: Path | None) -> list[Path]:
    from .portfolio import write_portfolio

    return _stoppable(lambda: write_portfolio(out_dir, params_dir, _KERNEL, history=history))


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Ask running workers to stop now (SIGTERM -> KeyboardInterrupt in the worker, whose
    staging folder is removed and kernel shut down) instead of waiting for them."""
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError, AttributeError):
            process.terminate()


_BUSY = False
"""True in a worker process while it renders a task."""
_KERNEL = WarmKernel()
"""The worker process's kernel, reused from one project to the next."""


_STOPPING = False
"""True in a worker process once it was told to stop."""


def _worker_init(parent: Owner) -> None:
    """Workers leave Ctrl-C to the main process, which stops them with SIGTERM: a busy
    worker then unwinds (temporary files removed, kernel shut down), an idle one exits.
    A worker whose batch process (``parent``) dies gets SIGTERM too, so none outlives it.
    The worker's kernel is launched now, to boot while the batch plans."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    # Pool workers leave through os._exit (atexit never runs); multiprocessing's own
    # finalizers do run, so the warm kernel and its socket folder go with the worker.
    multiprocessing.util.Finalize(None, _KERNEL.discard, exitpriority=10)
    die_with_parent(parent)
    _KERNEL.start()


_STOP_GRACE = 5.0
"""Seconds a stopped worker has to unwind its task before it exits regardless."""


def _stop_worker(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: a busy worker unwinds its task (see :func:`_stoppable`), within
    ``_STOP_GRACE`` seconds; an idle one, or one sending a result that nobody may read any
    more, leaves at once. Later signals while unwinding let the clean-up finish."""
    global _STOPPING
    if not _BUSY:
        _exit_worker()
    if _STOPPING:
        return
    _STOPPING = True
    deadline = threading.Timer(_STOP_GRACE, os._exit, args=(1,))
    deadline.daemon = True
    deadline.start()
    raise KeyboardInterrupt(f"signal {signum}")


def _render_in_worker(task: ProjectTask) -> TaskResult:
    return _stoppable(lambda: render_task(task, _KERNEL))


def _stoppable(work: Callable[[], _T]) -> _T:
    """Run ``work`` in a worker so that SIGTERM (the batch stopping, or dying) interrupts it:
    its temporary files are removed as it unwinds, then the worker exits (the main process
    records the project as cancelled). A worker told to stop returns no result (libraries
    may swallow the interrupt: WeasyPrint does while drawing SVG) and takes no further task."""
    global _BUSY
    if _STOPPING:
        _exit_worker()
    _BUSY = True
    try:
        result = work()
    except KeyboardInterrupt:
        _exit_worker()
    finally:
        _BUSY = False
    if _STOPPING:
        _exit_worker()
    return result


def _exit_worker() -> NoReturn:
    """Shut the kernel down and leave now (a SystemExit would be caught by the pool's worker
    loop, which would go on to the next queued task)."""
    _KERNEL.discard()
    os._exit(1)


def _collect(outcome: Outcome, result: TaskResult, out_dir: Path) -> None:
    outcome.seconds = round(result.seconds, 2)
    if not result.ok:
        outcome.status, outcome.error, outcome.failing_cell = FAILED, result.error, result.cell
        if result.files:
            failed = out_dir / FAILED_DIR / outcome.project_id
            failed.mkdir(parents=True, exist_ok=True)
            for name, data in result.files.items():
                atomic_write_bytes(failed / name, data)
        return
    with staged_output_dir(out_dir / outcome.project_id) as stage:
        for name, data in result.files.items():
            (stage / name).write_bytes(data)
    shutil.rmtree(out_dir / FAILED_DIR / outcome.project_id, ignore_errors=True)
    outcome.status = OK
    outcome.outputs = sorted(f"{outcome.project_id}/{name}" for name in result.files)
    outcome.rag = _overall_rag(out_dir / outcome.project_id)


def _overall_rag(folder: Path) -> str:
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        return str(metrics["rag"]["overall"]["status"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _write_manifest(
    result: BatchResult,
    scheduler: str | None,
    jobs: int | None,
    start: float,
) -> None:
    manifest = {
        "period": result.period,
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pmoreports": __version__,
        "executor": f"dask:{scheduler}" if scheduler else f"processes:{jobs or os.cpu_count()}",
        "seconds": round(time.perf_counter() - start, 2),
        "counts": {s: result.count(s) for s in (OK, SKIPPED, FAILED, CANCELLED)},
        "portfolio": {
            "files": [p.name for p in result.portfolio_files],
            "inputs": result.portfolio_inputs,
            "skipped": result.portfolio_skipped,
            "error": result.portfolio_error,
        },
        "projects": [o.to_dict() for o in sorted(result.outcomes, key=lambda o: o.project_id)],
    }
    atomic_write_text(result.out_dir / MANIFEST, json.dumps(manifest, indent=2))


def _portfolio(
    result: BatchResult,
    params_dir: Path,
    pool: _LocalPool | _InProcess,
    force: bool,
    old: dict[str, Any],
    trend: TrendData,
) -> None:
    """Make the portfolio pages (with ``trend``, the earlier periods of the reporting
    history), unless nothing they are made from changed."""
    from .portfolio import PORTFOLIO_FILES, portfolio_inputs

    history = json.dumps(trend.to_dict(), sort_keys=True)
    result.portfolio_inputs = portfolio_inputs(result.out_dir, params_dir, _digest(history.encode()))
    done = all((result.out_dir / name).is_file() for name in PORTFOLIO_FILES)
    if not force and done and old.get("inputs") == result.portfolio_inputs and not old.get("error"):
        result.portfolio_files = [result.out_dir / name for name in PORTFOLIO_FILES]
        result.portfolio_skipped = True
        return
    try:
        with staging_dir(result.out_dir, "history") as stage:
            atomic_write_text(stage / "history.json", history)
            result.portfolio_files = pool.portfolio(result.out_dir, params_dir, stage / "history.json")
    except PmoError as exc:
        result.portfolio_error = str(exc)


def _attach_history(planned: list[_Planned], store: History, period: str) -> None:
    """Give each project's task its earlier trend rows and previous workbook, and make both
    part of its input fingerprint (a changed history re-renders the report)."""
    rows = store.trend(before=period, series=False).rows
    for item in planned:
        if item.task is None:
            continue
        pid = item.outcome.project_id
        mine = TrendData(rows[rows["project"] == pid].reset_index(drop=True)).to_dict()["rows"]
        previous = store.previous_inputs(pid, period)
        seen = json.dumps(mine, sort_keys=True) + (f"{previous.period}:{_digest(previous.content)}" if previous else "")
        item.outcome.inputs["history"] = _digest(seen.encode())
        item.task = replace(item.task, history=mine, previous=previous)
