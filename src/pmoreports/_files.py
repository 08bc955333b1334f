"""Writing outputs so that nothing is ever half-written, and tidying what a killed process left.

Files are written to a temporary sibling and renamed into place; a run's folder
is built in a staging sibling and swapped in whole. Every such temporary name
carries its owner, the process that made it (``<pid>-<start time>``, see
:class:`Owner`), so :func:`sweep_staging` and :func:`sweep_temp` remove (or, for a
swap cut half-way, restore) only what a dead process left, never the work of a
live one.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = [
    "Owner",
    "atomic_write_bytes",
    "atomic_write_text",
    "owned_temp_dir",
    "staged_output_dir",
    "staging_dir",
    "sweep_staging",
    "sweep_temp",
    "temp_prefix",
]

_TAG = r"(?P<pid>\d+)-(?P<started>\d+)-"
_STAGING = re.compile(r"^\.(?P<name>.+)\.staging-(?:" + _TAG + r")?[a-z0-9_]+$")
_BACKUP = re.compile(r"^\.(?P<name>.+)\.old-(?:" + _TAG + r")?[0-9a-f]+$")
_TMP_FILE = re.compile(r"^\..+\." + _TAG + r"[a-z0-9_]+\.tmp$")
_TEMP_DIR = re.compile(r"^pmoreports-[a-z]+-" + _TAG)


@dataclass(frozen=True)
class Owner:
    """A process, named by its pid and its start time (centiseconds since the epoch), so
    that a pid reused by a later process is not mistaken for it."""

    pid: int
    started: int

    @classmethod
    def current(cls) -> Owner:
        """This process."""
        return _current(os.getpid())

    @classmethod
    def of(cls, pid: int) -> Owner | None:
        """The running process ``pid``, or None when there is none."""
        try:
            return cls(pid, round(psutil.Process(pid).create_time() * 100))
        except psutil.NoSuchProcess:
            return None

    @classmethod
    def from_match(cls, match: re.Match[str] | None) -> Owner | None:
        """The owner named in a matched temporary name (None for names without one)."""
        if match is None or match.group("pid") is None:
            return None
        return cls(int(match.group("pid")), int(match.group("started")))

    @property
    def tag(self) -> str:
        """``<pid>-<started>``: the part of a temporary name that names its owner."""
        return f"{self.pid}-{self.started}"

    def alive(self) -> bool:
        """True while this process runs (a zombie, killed but not yet reaped, is dead)."""
        try:
            proc = psutil.Process(self.pid)
            if abs(round(proc.create_time() * 100) - self.started) > 1:
                return False  # the pid now belongs to another process
            return bool(proc.status() != psutil.STATUS_ZOMBIE)
        except psutil.NoSuchProcess:
            return False
        except psutil.AccessDenied:  # another user's process: it exists
            return True


_OWNERS: dict[int, Owner] = {}


def _current(pid: int) -> Owner:
    """This process as an :class:`Owner` (cached per pid: a forked child is another owner)."""
    if pid not in _OWNERS:
        _OWNERS[pid] = Owner(pid, round(psutil.Process(pid).create_time() * 100))
    return _OWNERS[pid]


def _orphaned(owner: Owner | None) -> bool:
    """Whether a leftover named with ``owner`` may be tidied: its owner is dead, or unknown
    (an untagged name from an older version, in a folder this process has locked)."""
    return owner is None or not owner.alive()


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not supported on every platform/filesystem
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same directory,
    fsync, ``os.replace``. Readers see the old file or the new one, never a part."""
    target = Path(path)
    prefix = f".{target.name}.{Owner.current().tag}-"
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(target.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Atomically write ``text`` (encoded, newlines untouched) to ``path``."""
    atomic_write_bytes(path, text.encode(encoding))


def _new_staging(parent: Path, name: str) -> Path:
    """An empty staging folder ``parent/.<name>.staging-<owner>-<random>``."""
    return Path(tempfile.mkdtemp(prefix=f".{name}.staging-{Owner.current().tag}-", dir=parent))


@contextlib.contextmanager
def staging_dir(parent: str | os.PathLike[str], name: str) -> Iterator[Path]:
    """Yield an empty folder in ``parent`` owned by this process, removed afterwards: files
    are made there, then moved into place one by one with ``os.replace``."""
    stage = _new_staging(Path(parent), name)
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def staged_output_dir(
    final_dir: str | os.PathLike[str], *, keep_failed: str | os.PathLike[str] | None = None
) -> Iterator[Path]:
    """Yield an empty sibling directory to write a run's outputs into.

    On success it replaces ``final_dir`` as a whole (old moved aside, new moved
    in, old deleted). On any exception ``final_dir`` is untouched and the staging
    directory is removed, or, for an error (not Ctrl-C or SIGTERM), moved to
    ``keep_failed`` (replacing what was there) so a partially executed notebook can be
    inspected.
    """
    final = Path(final_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = _new_staging(final.parent, final.name)
    try:
        yield stage
    except BaseException as exc:
        if keep_failed is not None and isinstance(exc, Exception):  # not when stopped (Ctrl-C)
            shutil.rmtree(keep_failed, ignore_errors=True)
            with contextlib.suppress(OSError):
                Path(keep_failed).parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage, keep_failed)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    backup = final.with_name(f".{final.name}.old-{Owner.current().tag}-{uuid.uuid4().hex[:8]}")
    had_old = final.exists()
    if had_old:
        os.replace(final, backup)
    try:
        os.replace(stage, final)
    except BaseException:
        if had_old:
            os.replace(backup, final)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if had_old:
        shutil.rmtree(backup, ignore_errors=True)
    _fsync_dir(final.parent)


def sweep_staging(parent: str | os.PathLike[str]) -> list[Path]:
    """Tidy ``parent`` (a period folder, locked by the caller) after a process was killed
    mid-run; return what was tidied.

    Staging folders and temporary files of dead owners are removed; a backup of a dead
    owner whose report folder is missing (a swap cut half-way) is put back, else removed.
    Anything owned by a live process is left alone.
    """
    folder = Path(parent)
    tidied: list[Path] = []
    for path in sorted(folder.glob(".*")):
        if (m := _STAGING.match(path.name)) and path.is_dir() and _orphaned(Owner.from_match(m)):
            shutil.rmtree(path, ignore_errors=True)
        elif (m := _TMP_FILE.match(path.name)) and path.is_file() and _orphaned(Owner.from_match(m)):
            path.unlink(missing_ok=True)
        elif (m := _BACKUP.match(path.name)) and path.is_dir() and _orphaned(Owner.from_match(m)):
            final = folder / m.group("name")
            if final.exists():
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.replace(path, final)
        else:
            continue
        tidied.append(path)
    return tidied


def temp_prefix(kind: str) -> str:
    """Name prefix of a temporary folder of this process: ``pmoreports-<kind>-<owner>-``."""
    return f"pmoreports-{kind}-{Owner.current().tag}-"


def owned_temp_dir(kind: str) -> Path:
    """A new private folder in the system temp folder, named after ``kind`` and this process,
    so :func:`sweep_temp` can remove it once this process is gone."""
    return Path(tempfile.mkdtemp(prefix=temp_prefix(kind)))


def sweep_temp(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the ``pmoreports-<kind>-<owner>-*`` folders of dead owners from ``folder``
    (default: the system temp folder); return them. Untagged names are never touched."""
    tidied = []
    for path in Path(folder or tempfile.gettempdir()).glob("pmoreports-*"):
        owner = Owner.from_match(_TEMP_DIR.match(path.name))
        if owner is not None and path.is_dir() and not path.is_symlink() and not owner.alive():
            shutil.rmtree(path, ignore_errors=True)
            tidied.append(path)
    return tidied
