"""Processes that never outlive their parent: batch workers and report kernels.

A batch worker asks Linux to send it SIGTERM when its parent dies
(``prctl(PR_SET_PDEATHSIG)``; the worker is forked by the thread that runs the batch,
which lives as long as the batch) and, on every platform, runs a watchdog thread that
does the same when it sees the parent gone. SIGTERM makes a worker unwind: its
temporary folder is removed and its kernel shut down. A kernel runs a watchdog of its
own (started by the kernel's ``exec_lines``): when the process that launched it is gone
it removes its socket folder and exits. Kernels do not use the parent-death signal: they
may be started from a short-lived thread (a Dask task, an event-loop runner), and the
signal fires when that *thread* ends. Parents are watched by pid and start time
(:class:`~pmoreports._files.Owner`), so a reused pid or an unreaped zombie counts as gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from .._files import Owner

__all__ = [
    "POLL_SECONDS",
    "die_with_parent",
    "guard_kernel",
    "kernel_guard_code",
    "signals_deferred",
    "terminate_on_sigterm",
]

POLL_SECONDS = 0.2
"""How often a watchdog looks for its parent."""
_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal(signum: int) -> None:
    """Linux: have the kernel send ``signum`` to this process when its parent (thread) dies."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)


def _watch(parent: Owner, then: Any, name: str) -> None:
    """Call ``then()`` in a daemon thread once ``parent`` is gone."""

    def run() -> None:
        while parent.alive():
            time.sleep(POLL_SECONDS)
        then()

    threading.Thread(target=run, name=name, daemon=True).start()


def die_with_parent(parent: Owner, *, grace: float = 5.0) -> None:
    """In a worker process: receive SIGTERM as soon as ``parent`` dies, and exit at the
    latest ``grace`` seconds later if the SIGTERM handler could not finish."""
    _set_parent_death_signal(signal.SIGTERM)

    def stop() -> None:
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        os._exit(1)

    _watch(parent, stop, "pmoreports-parent-watch")


def guard_kernel(parent_pid: int, parent_started: int, socket_dir: str) -> None:
    """In a report kernel: exit when the process that launched it is gone, removing the
    kernel's socket folder ``socket_dir`` first."""

    def stop() -> None:
        shutil.rmtree(socket_dir, ignore_errors=True)
        os._exit(1)

    _watch(Owner(parent_pid, parent_started), stop, "pmoreports-parent-watch")


def kernel_guard_code(socket_dir: str) -> str:
    """One line of Python for a kernel's ``exec_lines`` that starts :func:`guard_kernel`
    with this process as the parent (it leaves no name in the user namespace)."""
    me = Owner.current()
    return f"__import__('{__name__}', fromlist=['guard_kernel']).guard_kernel({me.pid}, {me.started}, {socket_dir!r})"


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """In the main thread, treat SIGTERM like Ctrl-C (a clean stop) for the block."""
    try:
        old = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not in the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block is done (delivered right after)."""
    stop = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    except (AttributeError, ValueError, OSError):  # no POSIX signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
