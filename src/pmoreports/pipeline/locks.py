"""One writer per output period: an OS lock on ``output/<period>/``.

``run`` and ``batch`` hold an exclusive ``flock`` on ``output/<period>/.lock`` while they
sweep, write and index the period. The kernel releases it when its holder exits, however
it exits (a ``SIGKILL`` included), so a lock is never stale; worker processes forked by
the holder share it, so it lasts until the last of them is gone. The holder writes who
it is into the file (pid, command, start time, host) for the message of the process
that has to wait; the file is removed when the lock is let go.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shlex
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import PmoError

__all__ = ["LOCK_FILE", "LockHolder", "LockWaitInterrupted", "PeriodBusyError", "period_lock"]

LOCK_FILE = ".lock"


class PeriodBusyError(PmoError):
    """Another process is writing the period folder, and this one was told not to wait."""


class LockWaitInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) while waiting for another process's lock: nothing was written."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds a period lock: pid, command line, start (ISO 8601, UTC) and host name."""

    pid: int
    command: str
    started: str
    host: str

    @classmethod
    def me(cls, command: str | None = None) -> LockHolder:
        """This process, running ``command`` (default: its own command line)."""
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return cls(os.getpid(), command or shlex.join(sys.argv), started, socket.gethostname())

    @classmethod
    def read(cls, path: Path) -> LockHolder | None:
        """The holder recorded in ``path``; None when it cannot be read (being written)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(int(data["pid"]), str(data["command"]), str(data["started"]), str(data["host"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        """``pid 4242 (pmoreports batch params), started 2026-10-05 09:12:03 UTC``."""
        started = self.started.replace("T", " ").replace("+00:00", " UTC")
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"pid {self.pid}{where} ({self.command[:200]}), started {started}"


def _describe(holder: LockHolder | None) -> str:
    return holder.describe() if holder else "another pmoreports process"


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (a holder removes it on release)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    here = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (st.st_dev, st.st_ino)


def _lock(fd: int, period_dir: Path, blocking: bool) -> bool:
    """flock ``fd``; False when ``blocking`` is off and another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        problem = f"{period_dir}: cannot lock the folder ({exc.strerror})"
        raise PmoError(f"{problem}; is it on a filesystem without locks?") from None
    return True


def _acquire(period_dir: Path, wait: bool, notify: Callable[[str], None] | None) -> int:
    """The open, locked lock file of ``period_dir`` (waiting for the holder, or refusing)."""
    path = period_dir / LOCK_FILE
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _lock(fd, period_dir, blocking=False):
                holder = _describe(LockHolder.read(path))
                if not wait:
                    raise PeriodBusyError(f"{period_dir} is being written by {holder}; try again when it has finished")
                if not told and notify is not None:
                    notify(f"{period_dir} is being written by {holder}; waiting for it to finish")
                told = True
                try:
                    _lock(fd, period_dir, blocking=True)
                except KeyboardInterrupt:
                    raise LockWaitInterrupted(f"interrupted while waiting for {period_dir}") from None
            if _same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed the file as it let go: lock the one that is there now


@contextlib.contextmanager
def period_lock(
    period_dir: str | os.PathLike[str],
    *,
    wait: bool = True,
    command: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[LockHolder]:
    """Hold the lock on ``period_dir`` (created if missing) for the ``with`` block.

    If another process holds it: with ``wait``, call ``notify(message)`` once (the message
    names the holder) and block until it is free; else raise :class:`PeriodBusyError`.
    Ctrl-C while waiting raises :class:`LockWaitInterrupted`. ``command`` is recorded
    for others' messages (default: this process's command line).
    """
    folder = Path(period_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = _acquire(folder, wait, notify)
    try:
        me = LockHolder.me(command)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        yield me
    finally:
        with contextlib.suppress(OSError):
            if _same_file(fd, folder / LOCK_FILE):
                os.unlink(folder / LOCK_FILE)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
