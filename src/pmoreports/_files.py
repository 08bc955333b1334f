"""Writing outputs so that nothing is ever half-written.

Files are written to a temporary sibling and renamed into place; a run's folder
is built in a staging sibling and swapped in whole. A folder left behind by a
killed process is cleaned (or, for a swap cut half-way, restored) by
:func:`sweep_staging`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "staged_output_dir", "sweep_staging"]


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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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


@contextlib.contextmanager
def staged_output_dir(
    final_dir: str | os.PathLike[str], *, keep_failed: str | os.PathLike[str] | None = None
) -> Iterator[Path]:
    """Yield an empty sibling directory to write a run's outputs into.

    On success it replaces ``final_dir`` as a whole (old moved aside, new moved
    in, old deleted). On any exception ``final_dir`` is untouched and the staging
    directory is removed, or moved to ``keep_failed`` (replacing what was there)
    so a partially executed notebook can be inspected.
    """
    final = Path(final_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.staging-", dir=final.parent))
    try:
        yield stage
    except BaseException:
        if keep_failed is not None:
            shutil.rmtree(keep_failed, ignore_errors=True)
            with contextlib.suppress(OSError):
                Path(keep_failed).parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage, keep_failed)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    backup = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
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


def sweep_staging(parent: str | os.PathLike[str]) -> None:
    """Tidy ``parent`` after a process was killed mid-run: staging folders are removed;
    a backup whose report folder is missing (a swap cut half-way) is put back."""
    folder = Path(parent)
    for path in folder.glob(".*.staging-*"):
        shutil.rmtree(path, ignore_errors=True)
    for backup in folder.glob(".*.old-*"):
        final = folder / backup.name[1:].rsplit(".old-", 1)[0]
        if final.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(backup, final)
