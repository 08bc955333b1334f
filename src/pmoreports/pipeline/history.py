"""The reporting history: every reported period of every project, in a database.

Each successful ``run`` or ``batch`` records its period, from the files it has just put
in ``output/<period>/<project>/``: every number and RAG of ``metrics.json`` (tidy:
period x project x metric), the cumulative PV/EV/AC curves, the data-quality warnings
and restatements of ``checks.json``, the input fingerprints, and the workbook itself
(``inputs.xlsx``), so the next period's workbook can be compared with it.

The output folders are the source of truth; the database is an index of them that
trends can be read from in milliseconds. By default it is one SQLite file,
``<output>/history.sqlite`` (stdlib ``sqlite3``); any SQLAlchemy database URL may be
given instead (``--history postgresql://...``, extra ``history-sql``) so that Power BI
or Excel can read the same tables (``pmo_reports``, ``pmo_metrics``, ``pmo_series``,
``pmo_findings``, ``pmo_inputs``).

- **Atomic.** A period (or one project of it) is written in one transaction that first
  deletes its rows: a re-run replaces them, a failed or killed write leaves the database
  as it was. Writers hold a lock on ``<output>/.history.lock`` as well, and the run's
  own period lock.
- **Self-healing.** Each folder's files carry a stamp (size and modification time); when
  a run opens the history, periods whose folders differ from the database (a run killed
  between its files and its transaction, folders copied in) are recorded again. A
  missing or corrupt SQLite file is rebuilt from the folders, with a message, never a
  traceback. ``pmoreports history rebuild`` does it on request.
- **Quick to read.** :meth:`History.frame` returns the tidy frame of any subset;
  :meth:`History.trend` the rows reports draw their trends from.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import pandas as pd

from .._files import Owner, sweep_staging, temp_prefix
from ..errors import PmoError
from ..paths import OUTPUT_DIR
from ..report import trends as T
from ..workbook import columns as C
from ..workbook.model import ProjectData
from ..workbook.reader import read_workbook
from ..workbook.restatement import find_restatements, not_comparable

__all__ = [
    "CHECKS_FILE",
    "HISTORY_ENV",
    "HISTORY_FILE",
    "INPUTS_FILE",
    "History",
    "HistoryError",
    "PreviousInputs",
    "compare_with_previous",
    "period_folders",
    "read_history",
]

HISTORY_FILE: Final = "history.sqlite"
"""The default history database, in the output root."""
HISTORY_ENV: Final = "PMOREPORTS_HISTORY"
"""Environment variable with a database URL to use instead of the default file."""
INPUTS_FILE: Final = "inputs.xlsx"
"""A report's copy of the workbook it was made from (the next period is compared with it)."""
CHECKS_FILE: Final = "checks.json"
"""A report's data-quality warnings and restatements (written by the run)."""
SCHEMA_VERSION: Final = "1"
LOCK_NAME: Final = ".history.lock"
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_STAMPED = ("metrics.json", CHECKS_FILE, INPUTS_FILE)


class HistoryError(PmoError):
    """The history database cannot be used (unreachable, or written by another version)."""


# -- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A table: columns with their kind (``key``: text in the primary key, ``text``,
    ``real``, ``int``, ``blob``) and the primary key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    index: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]


REPORTS = _Table(
    "pmo_reports",
    (
        ("period", "key"),
        ("project", "key"),
        ("name", "text"),
        ("programme", "text"),
        ("currency", "text"),
        ("status_month", "text"),
        ("baseline_start", "text"),
        ("baseline_finish", "text"),
        ("completed_month", "text"),
        ("previous_period", "text"),
        ("stamp", "text"),
        ("fingerprints", "text"),
    ),
    ("period", "project"),
)
METRICS = _Table(
    "pmo_metrics",
    (
        ("period", "key"),
        ("project", "key"),
        ("grp", "key"),
        ("metric", "key"),
        ("value", "real"),
        ("text_value", "text"),
    ),
    ("period", "project", "grp", "metric"),
    ("metric", "period", "project", "grp", "value", "text_value"),  # covering: trend reads use the index only
)
SERIES = _Table(
    "pmo_series",
    (("period", "key"), ("project", "key"), ("month", "key"), ("pv", "real"), ("ev", "real"), ("ac", "real")),
    ("period", "project", "month"),
)
FINDINGS = _Table(
    "pmo_findings",
    (
        ("period", "key"),
        ("project", "key"),
        ("kind", "key"),
        ("seq", "int"),
        ("code", "text"),
        ("severity", "text"),
        ("sheet", "text"),
        ("cell", "text"),
        ("item", "text"),
        ("old_value", "text"),
        ("new_value", "text"),
        ("message", "text"),
        ("change_amount", "real"),
    ),
    ("period", "project", "kind", "seq"),
)
INPUTS = _Table(
    "pmo_inputs",
    (("period", "key"), ("project", "key"), ("file_name", "text"), ("sha256", "text"), ("content", "blob")),
    ("period", "project"),
)
META = _Table("pmo_meta", (("name", "key"), ("content", "text")), ("name",))
TABLES: Final = (REPORTS, METRICS, SERIES, FINDINGS, INPUTS, META)
"""Every table of the history, in the order they are written."""
_PERIOD_TABLES: Final = (REPORTS, METRICS, SERIES, FINDINGS, INPUTS)


# -- storage backends ----------------------------------------------------------------------------

Where = Sequence[tuple[str, str, Any]]
"""Filters: ``(column, op, value)`` with op ``=``, ``<``, ``<=`` or ``in`` (a sequence)."""


class _Writer(Protocol):
    def delete(self, table: _Table, where: Where) -> None: ...
    def insert(self, table: _Table, rows: list[dict[str, Any]]) -> None: ...


class _Backend(Protocol):
    label: str

    def create(self) -> None: ...
    def transaction(self) -> contextlib.AbstractContextManager[_Writer]: ...
    def select(self, table: _Table, columns: Sequence[str], where: Where = ()) -> list[tuple[Any, ...]]: ...
    def close(self) -> None: ...


_SQLITE_TYPES = {"key": "TEXT NOT NULL", "text": "TEXT", "real": "REAL", "int": "INTEGER", "blob": "BLOB"}


def _sql_where(where: Where) -> tuple[str, list[Any]]:
    parts, args = [], []
    for column, op, value in where:
        if op == "in":
            values = list(value)
            if not values:
                parts.append("1 = 0")
                continue
            parts.append(f"{column} IN ({', '.join('?' for _ in values)})")
            args += values
        else:
            parts.append(f"{column} {op} ?")
            args.append(value)
    return (" WHERE " + " AND ".join(parts) if parts else ""), args


class _SqliteWriter:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def delete(self, table: _Table, where: Where) -> None:
        clause, args = _sql_where(where)
        self.conn.execute(f"DELETE FROM {table.name}{clause}", args)

    def insert(self, table: _Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            names = table.names
            sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
            self.conn.executemany(sql, [tuple(r.get(n) for n in names) for r in rows])


class _Sqlite:
    """The default: one SQLite file, through the standard library. Each statement group
    opens its own connection (nothing is held across a fork into worker processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = str(path)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=120, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    def create(self) -> None:
        with self.transaction() as w:
            conn = w.conn
            for t in TABLES:
                cols = ", ".join(f"{c} {_SQLITE_TYPES[k]}" for c, k in t.columns)
                conn.execute(f"CREATE TABLE IF NOT EXISTS {t.name} ({cols}, PRIMARY KEY ({', '.join(t.key)}))")
                if t.index:
                    name = f"{t.name}_{'_'.join(t.index)}"
                    conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {t.name} ({', '.join(t.index)})")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_SqliteWriter]:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteWriter(conn)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def select(self, table: _Table, columns: Sequence[str], where: Where = ()) -> list[tuple[Any, ...]]:
        clause, args = _sql_where(where)
        with self._connection() as conn:
            return conn.execute(f"SELECT {', '.join(columns)} FROM {table.name}{clause}", args).fetchall()

    def close(self) -> None:
        """Nothing is held open."""


class _Alchemy:
    """Any database SQLAlchemy reaches (``postgresql+psycopg://...``), tables made portably."""

    def __init__(self, url: str) -> None:
        try:
            import sqlalchemy as sa
        except ImportError:
            raise HistoryError(
                "--history with a database URL needs SQLAlchemy and a driver: pip install 'pmoreports[history-sql]'"
            ) from None
        self.sa = sa
        try:
            parsed = sa.engine.make_url(url)
        except (sa.exc.ArgumentError, ValueError):
            raise HistoryError(f"--history {_hide(url)!r} is not a database URL (e.g. postgresql://host/db)") from None
        if parsed.drivername == "postgresql":  # the driver the history-sql extra installs
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.label = parsed.render_as_string(hide_password=True)
        try:
            self.engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
        except (ImportError, sa.exc.ArgumentError) as exc:
            raise HistoryError(f"history database {self.label}: {exc}; pip install 'pmoreports[history-sql]'") from None
        types: dict[str, Any] = {
            "key": sa.String(200),
            "text": sa.Text(),
            "real": sa.Float(53),
            "int": sa.Integer(),
            "blob": sa.LargeBinary(),
        }
        self.meta = sa.MetaData()
        self.tables = {
            t.name: sa.Table(
                t.name,
                self.meta,
                *(sa.Column(c, types[k], primary_key=c in t.key, nullable=c not in t.key) for c, k in t.columns),
                *([sa.Index(f"{t.name}_{'_'.join(t.index)}", *t.index)] if t.index else []),
            )
            for t in TABLES
        }

    def _where(self, table: _Table, where: Where) -> list[Any]:
        t = self.tables[table.name]
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "in": lambda col, v: col.in_(list(v)),
            "=": lambda col, v: col == v,
            "<": lambda col, v: col < v,
            "<=": lambda col, v: col <= v,
        }
        return [ops[op](t.c[column], value) for column, op, value in where]

    def create(self) -> None:
        self._run(lambda: self.meta.create_all(self.engine))

    def _run(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except self.sa.exc.OperationalError as exc:
            raise HistoryError(f"history database {self.label} cannot be reached ({_first(exc)})") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Writer]:
        conn = self._run(self.engine.connect)
        try:
            with conn.begin():
                yield _AlchemyWriter(self, conn)
        finally:
            conn.close()

    def select(self, table: _Table, columns: Sequence[str], where: Where = ()) -> list[tuple[Any, ...]]:
        t = self.tables[table.name]
        query = self.sa.select(*(t.c[c] for c in columns)).where(*self._where(table, where))

        def run() -> list[tuple[Any, ...]]:
            with self.engine.connect() as conn:
                return [tuple(r) for r in conn.execute(query)]

        result: list[tuple[Any, ...]] = self._run(run)
        return result

    def close(self) -> None:
        self.engine.dispose()


class _AlchemyWriter:
    def __init__(self, db: _Alchemy, conn: Any) -> None:
        self.db, self.conn = db, conn

    def delete(self, table: _Table, where: Where) -> None:
        self.conn.execute(self.db.tables[table.name].delete().where(*self.db._where(table, where)))

    def insert(self, table: _Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(self.db.tables[table.name].insert(), [{n: r.get(n) for n in table.names} for r in rows])


def _hide(url: str) -> str:
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


def _first(exc: BaseException) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)[:300]


# -- what a period folder holds -------------------------------------------------------------------


def period_folders(output: Path) -> list[Path]:
    """The period folders (``YYYY-MM``) of an output root, oldest first."""
    if not output.is_dir():
        return []
    return sorted(p for p in output.iterdir() if p.is_dir() and _PERIOD.match(p.name))


def _report_folders(period_dir: Path) -> list[Path]:
    """Project folders of a period that hold a complete report (``metrics.json``)."""
    if not period_dir.is_dir():
        return []
    return sorted(
        p
        for p in period_dir.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and (p / "metrics.json").is_file()
    )


def _stamp(folder: Path) -> str:
    """Size and modification time of a report's files: changes whenever one is rewritten."""
    parts = []
    for name in _STAMPED:
        try:
            st = (folder / name).stat()
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        except FileNotFoundError:
            parts.append("-")
    return "/".join(parts)


def _stamps(period_dir: Path) -> dict[str, str]:
    """:func:`_stamp` of every report folder of a period (by project), with plain ``os``
    calls: run before every run and history read, over every period."""
    out: dict[str, str] = {}
    try:
        entries = list(os.scandir(period_dir))
    except (FileNotFoundError, NotADirectoryError):
        return out
    for entry in entries:
        if entry.name.startswith((".", "_")) or not entry.is_dir():
            continue
        parts = []
        for name in _STAMPED:
            try:
                st = os.stat(os.path.join(entry.path, name))
                parts.append(f"{st.st_size}:{st.st_mtime_ns}")
            except (FileNotFoundError, NotADirectoryError):
                parts.append("-")
        if parts[0] != "-":  # metrics.json: a complete report
            out[entry.name] = "/".join(parts)
    return out


def _manifest_inputs(period_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))
        return {str(p["project_id"]): p.get("inputs", {}) for p in manifest.get("projects", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _period_rows(period_dir: Path, projects: Sequence[str] | None) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows for the reports of one period folder (or of ``projects`` in it)."""
    period = period_dir.name
    rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in _PERIOD_TABLES}
    fingerprints = _manifest_inputs(period_dir)
    for folder in _report_folders(period_dir):
        if projects is not None and folder.name not in projects:
            continue
        raw = (folder / "metrics.json").read_bytes()
        metrics = _read_json(folder / "metrics.json")
        if not isinstance(metrics, dict):
            continue
        checks = _read_json(folder / CHECKS_FILE)
        checks = checks if isinstance(checks, dict) else None
        pid = folder.name
        ident = T.identity(metrics, checks)
        base = {"period": period, "project": pid}
        book = folder / INPUTS_FILE
        content = book.read_bytes() if book.is_file() else None
        prints = {"metrics": hashlib.sha256(raw).hexdigest(), **fingerprints.get(pid, {})}
        if content is not None:
            prints["inputs"] = hashlib.sha256(content).hexdigest()
        rows[REPORTS.name].append(
            base
            | {
                "name": ident["name"],
                "programme": ident[C.PROGRAMME],
                "currency": ident["currency"],
                "status_month": str(metrics.get("project", {}).get("status_month", ""))[:7],
                "baseline_start": (checks or {}).get("baseline_start"),
                "baseline_finish": ident["baseline_finish"],
                "completed_month": ident["completed_month"],
                "previous_period": (checks or {}).get("previous_period"),
                "stamp": _stamp(folder),
                "fingerprints": json.dumps(prints, sort_keys=True),
            }
        )
        rows[METRICS.name] += [
            base | {"grp": grp, "metric": key, "value": value, "text_value": text}
            for grp, key, value, text in T.flat_metrics(metrics, checks)
        ]
        rows[SERIES.name] += [
            base | {"month": r[C.MONTH], "pv": r["pv"], "ev": r["ev"], "ac": r["ac"]}
            for r in T.series_records(period, pid, metrics.get("series", []))
        ]
        for kind, items in (("data_quality", "data_quality"), ("restatement", "restatements")):
            for seq, item in enumerate((checks or {}).get(items, [])):
                rows[FINDINGS.name].append(base | _finding_row(kind, seq, item))
        if content is not None:
            rows[INPUTS.name].append(
                base
                | {
                    "file_name": (checks or {}).get("workbook") or INPUTS_FILE,
                    "sha256": prints["inputs"],
                    "content": content,
                }
            )
    return rows


def _finding_row(kind: str, seq: int, item: Mapping[str, Any]) -> dict[str, Any]:
    change = item.get("change")
    return {
        "kind": kind,
        "seq": seq,
        "code": str(item.get("code") or ""),
        "severity": str(item.get("severity") or ""),
        "sheet": str(item.get("sheet") or ""),
        "cell": str(item.get("cell") or ""),
        "item": str(item.get("item") or ""),
        "old_value": str(item.get("old") or item.get("expected") or ""),
        "new_value": str(item.get("new") or item.get("found") or ""),
        "message": str(item.get("message") or ""),
        "change_amount": None if change is None else float(change),
    }


# -- the history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousInputs:
    """The workbook of a project's latest earlier report: its period, file name and bytes."""

    period: str
    file_name: str
    content: bytes


class History:
    """The reporting history of one output root (see the module doc).

    Open it with :meth:`open` (a context manager). ``notify`` receives one-line messages
    (a database rebuilt or brought up to date).
    """

    def __init__(self, output: Path, url: str | None, notify: Callable[[str], None] | None) -> None:
        self.output = Path(output)
        self.url = url
        self.notify = notify or (lambda _message: None)
        self.db: _Backend = self._connect()

    @classmethod
    def open(
        cls,
        output: str | os.PathLike[str] = OUTPUT_DIR,
        url: str | None = None,
        *,
        notify: Callable[[str], None] | None = None,
    ) -> History:
        """The history of the output root ``output``: ``<output>/history.sqlite`` by default,
        or the database at ``url`` (an SQLAlchemy URL). A missing or corrupt SQLite file is
        (re)built from the output folders."""
        history = cls(Path(output), url or None, notify)
        try:
            history._prepare()
        except BaseException:
            history.close()
            raise
        return history

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @property
    def label(self) -> str:
        """Where the history is (a file path, or the URL without its password)."""
        return self.db.label

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file of the default history (None for a database URL)."""
        return None if self.url else self.output / HISTORY_FILE

    # -- connection, schema, healing ---------------------------------------------------------

    def _connect(self) -> _Backend:
        if self.url:
            return _Alchemy(self.url)
        self.output.mkdir(parents=True, exist_ok=True)
        return _Sqlite(self.output / HISTORY_FILE)

    def _prepare(self) -> None:
        path = self.sqlite_path
        fresh = path is not None and (not path.exists() or path.stat().st_size == 0)
        try:
            self.db.create()
            version = dict(self.db.select(META, ["name", "content"])).get("schema_version")
        except sqlite3.DatabaseError as exc:
            self._rebuild_corrupt(exc)
            return
        if version is None:
            with self._locked(), self.db.transaction() as w:
                w.insert(META, [{"name": "schema_version", "content": SCHEMA_VERSION}])
        elif version != SCHEMA_VERSION:
            if path is None:
                raise HistoryError(
                    f"history database {self.label} was written by another version of pmoreports (schema "
                    f"{version}, this one writes {SCHEMA_VERSION}); run `pmoreports history rebuild --history URL`"
                )
            self.notify(f"history: {path} has schema {version}; rebuilding it from the output folders")
            self.rebuild()
            return
        if fresh and any(_report_folders(p) for p in period_folders(self.output)):
            self.notify(f"history: {path} did not exist; building it from the output folders")

    def _rebuild_corrupt(self, exc: BaseException) -> None:
        if self.sqlite_path is None:
            raise HistoryError(f"history database {self.label}: {_first(exc)}") from None
        self.notify(
            f"history: {self.sqlite_path} is not a readable database ({_first(exc)}); "
            "rebuilding it from the output folders"
        )
        self.rebuild()

    def _guarded(self, call: Callable[[], Any]) -> Any:
        """Run ``call``; a corrupt SQLite file is rebuilt from the folders and ``call`` retried once."""
        try:
            return call()
        except sqlite3.DatabaseError as exc:
            if type(exc) is not sqlite3.DatabaseError:  # locked, constraint...: not corruption
                raise HistoryError(f"history database {self.label}: {_first(exc)}") from None
            self._rebuild_corrupt(exc)
            return call()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Writers, one at a time per output root (besides each run's period lock)."""
        self.output.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.output / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # -- writing ------------------------------------------------------------------------------

    def record(self, period_dir: str | os.PathLike[str], projects: Sequence[str] | None = None) -> None:
        """Replace the rows of the period folder ``period_dir`` (or only of ``projects`` in
        it) by what its report folders hold, in one transaction."""
        folder = Path(period_dir)
        rows = _period_rows(folder, projects)
        where: list[tuple[str, str, Any]] = [("period", "=", folder.name)]
        if projects is not None:
            where.append(("project", "in", list(projects)))

        def write() -> None:
            with self._locked(), self.db.transaction() as w:
                for table in _PERIOD_TABLES:
                    w.delete(table, where)
                for table in _PERIOD_TABLES:
                    w.insert(table, rows[table.name])

        self._guarded(write)

    def stale_periods(self) -> list[str]:
        """Periods whose report folders differ from the database (new, rewritten or removed reports)."""
        stored: dict[str, dict[str, str]] = {}
        for period, project, stamp in self._guarded(lambda: self.db.select(REPORTS, ["period", "project", "stamp"])):
            stored.setdefault(str(period), {})[str(project)] = str(stamp)
        stale = []
        folders = period_folders(self.output)
        for folder in folders:
            found = _stamps(folder)
            if found != stored.get(folder.name, {}) and (found or folder.name in stored):
                stale.append(folder.name)
        gone = set(stored) - {f.name for f in folders}  # period folders deleted since
        return sorted([*stale, *gone])

    def sync(self, *, skip: str | None = None) -> list[str]:
        """Record again every stale period (see :meth:`stale_periods`) except ``skip`` (the
        caller's own, which it records itself). A period another run is writing is left
        to it. Returns the periods recorded."""
        from .locks import PeriodBusyError, period_lock

        done = []
        for period in self.stale_periods():
            if period == skip:
                continue
            folder = self.output / period
            if not folder.is_dir():  # deleted: its rows go (the lock would make the folder again)
                self.record(folder)
                done.append(period)
                continue
            try:
                with period_lock(folder, wait=False):
                    self.record(folder)
            except PeriodBusyError:
                continue
            done.append(period)
        if done:
            self.notify(f"history: brought {', '.join(done)} up to date from the output folders")
        return done

    def sync_period(self, period_dir: str | os.PathLike[str]) -> bool:
        """Record the period folder ``period_dir`` (held by the caller) if it differs from the
        database; True if it was recorded."""
        folder = Path(period_dir)
        if folder.name in self.stale_periods():
            self.record(folder)
            return True
        return False

    def rebuild(self) -> list[str]:
        """Rebuild the whole history from the output folders; return the periods recorded.

        The default SQLite file is built beside the old one and swapped in whole; a
        database URL gets all its rows replaced in one transaction.
        """
        periods = [p.name for p in period_folders(self.output)]
        rows = [_period_rows(self.output / p, None) for p in periods]
        with self._locked():
            if self.sqlite_path is None:
                with self.db.transaction() as w:
                    for table in _PERIOD_TABLES:
                        w.delete(table, ())
                    for batch in rows:
                        for table in _PERIOD_TABLES:
                            w.insert(table, batch[table.name])
                return periods
            sweep_staging(self.output)
            fd, tmp = tempfile.mkstemp(prefix=f".{HISTORY_FILE}.{Owner.current().tag}-", suffix=".tmp", dir=self.output)
            os.close(fd)
            try:
                fresh = _Sqlite(Path(tmp))
                try:
                    fresh.create()
                    with fresh.transaction() as w:
                        w.insert(META, [{"name": "schema_version", "content": SCHEMA_VERSION}])
                        for batch in rows:
                            for table in _PERIOD_TABLES:
                                w.insert(table, batch[table.name])
                finally:
                    fresh.close()
                os.replace(tmp, self.sqlite_path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return periods

    # -- reading ------------------------------------------------------------------------------

    def periods(self) -> list[str]:
        """Periods in the history, oldest first."""
        rows = self._guarded(lambda: self.db.select(REPORTS, ["period"]))
        return sorted({str(r[0]) for r in rows})

    def reports(self, where: Where = ()) -> pd.DataFrame:
        """One row per report (period, project, name, programme, currency, status month,
        baseline start and finish, completion month, previous period compared with)."""
        names = [c for c in REPORTS.names if c not in ("stamp", "fingerprints")]
        rows = self._guarded(lambda: self.db.select(REPORTS, names, where))
        frame = pd.DataFrame.from_records(rows, columns=names)
        return frame.rename(columns={"project": C.PROJECT}).sort_values(["period", C.PROJECT]).reset_index(drop=True)

    def frame(
        self,
        *,
        projects: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
        periods: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The tidy history: one row per period x project x metric, with columns ``period``,
        ``project``, ``group`` (status, costs, risks, business_case, rag, dates, checks),
        ``metric``, ``value`` (numbers; NaN when undefined or text) and ``text`` (RAG
        statuses, dates). Filters: project IDs, metric keys, periods (``YYYY-MM``)."""
        where: list[tuple[str, str, Any]] = []
        for column, values in (("project", projects), ("metric", metrics), ("period", periods)):
            if values is not None:
                where.append((column, "in", list(values)))
        columns = ["period", "project", "grp", "metric", "value", "text_value"]
        rows = self._guarded(lambda: self.db.select(METRICS, columns, where))
        frame = pd.DataFrame.from_records(rows, columns=["period", C.PROJECT, "group", "metric", "value", "text"])
        frame["value"] = frame["value"].astype(float)
        return frame.sort_values(["period", C.PROJECT, "group", "metric"], kind="stable").reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Per period: projects reported and their count by overall RAG."""
        rag = self.frame(metrics=["overall"])
        rag = rag[rag["group"] == "rag"]
        counts = rag.pivot_table(index="period", columns="text", values="metric", aggfunc="count", fill_value=0)
        counts = counts.reindex(columns=["red", "amber", "green", "grey"], fill_value=0)
        counts.insert(0, "projects", counts.sum(axis=1))
        return counts.reset_index().rename_axis(columns=None)

    def trend(
        self,
        *,
        before: str | None = None,
        last: int = T.TREND_WINDOW - 1,
        projects: Sequence[str] | None = None,
        series: bool = True,
    ) -> T.TrendData:
        """The trend rows of the ``last`` periods before ``before`` (all periods if None), for
        ``projects`` (all if None); with the PV/EV/AC curves when ``series``; and every
        completed project's first complete report (from the whole history)."""
        periods = [p for p in self.periods() if before is None or p < before][-last:] if last > 0 else []
        where: list[tuple[str, str, Any]] = [("period", "in", periods)]
        if projects is not None:
            where.append(("project", "in", list(projects)))
        reports = self.reports(where).rename(columns={"period": T.PERIOD})
        wanted = sorted({metric for _, metric in T.TREND_FIELDS.values()})
        tidy = self.frame(projects=projects, metrics=wanted, periods=periods)
        rows = T.trend_rows(reports, tidy)
        curves = pd.DataFrame(columns=list(T.SERIES_COLUMNS))
        if series:
            data = self._guarded(lambda: self.db.select(SERIES, [c for c, _ in SERIES.columns], where))
            curves = pd.DataFrame.from_records(data, columns=list(T.SERIES_COLUMNS))
        return T.TrendData(rows, curves, self.completions(before=before, projects=projects))

    def completions(self, *, before: str | None = None, projects: Sequence[str] | None = None) -> pd.DataFrame:
        """Each completed project's first complete report before ``before`` (see
        :data:`pmoreports.report.trends.COMPLETION_COLUMNS`)."""
        where: list[tuple[str, str, Any]] = [] if before is None else [("period", "<", before)]
        if projects is not None:
            where.append(("project", "in", list(projects)))
        done = self.reports(where)
        done = done[done["completed_month"].notna()].sort_values("period").drop_duplicates(C.PROJECT)
        if done.empty:
            return pd.DataFrame(columns=list(T.COMPLETION_COLUMNS))
        tidy = self.frame(projects=list(done[C.PROJECT]), periods=sorted(set(done["period"])))
        keep = [("status", "ac"), ("status", "bac"), ("costs", "approved_changes_cost")]
        tidy = tidy[[(g_, m) in keep for g_, m in zip(tidy["group"], tidy["metric"], strict=True)]]
        wide = tidy.pivot_table(index=["period", C.PROJECT], columns="metric", values="value", aggfunc="first")
        out = done.merge(wide.reset_index(), on=["period", C.PROJECT], how="left")
        out = out.rename(columns={"approved_changes_cost": "approved_changes"})
        for name in T.COMPLETION_COLUMNS:
            if name not in out:
                out[name] = None
        return out[list(T.COMPLETION_COLUMNS)].reset_index(drop=True)

    def previous_inputs(self, project: str, before: str) -> PreviousInputs | None:
        """The workbook of ``project``'s latest report before period ``before``: from its
        output folder when it is there, else from the database."""
        where: list[tuple[str, str, Any]] = [("project", "=", project), ("period", "<", before)]
        rows = self._guarded(lambda: self.db.select(INPUTS, ["period", "file_name"], where))
        folders = [
            f.name for f in period_folders(self.output) if f.name < before and (f / project / INPUTS_FILE).is_file()
        ]
        candidates = sorted({str(r[0]) for r in rows} | set(folders))
        if not candidates:
            return None
        period = candidates[-1]
        on_disk = self.output / period / project / INPUTS_FILE
        name = next((str(r[1]) for r in rows if str(r[0]) == period), INPUTS_FILE)
        if on_disk.is_file():
            checks = _read_json(self.output / period / project / CHECKS_FILE)
            if isinstance(checks, dict) and checks.get("workbook"):
                name = str(checks["workbook"])
            return PreviousInputs(period, name, on_disk.read_bytes())
        where = [("project", "=", project), ("period", "=", period)]
        content = self._guarded(lambda: self.db.select(INPUTS, ["content"], where))
        return PreviousInputs(period, name, bytes(content[0][0])) if content else None

    def findings(self, *, period: str | None = None, projects: Sequence[str] | None = None) -> pd.DataFrame:
        """Stored data-quality warnings and restatements (one row per finding)."""
        where: list[tuple[str, str, Any]] = [] if period is None else [("period", "=", period)]
        if projects is not None:
            where.append(("project", "in", list(projects)))
        names = [c for c, _ in FINDINGS.columns]
        rows = self._guarded(lambda: self.db.select(FINDINGS, names, where))
        return pd.DataFrame.from_records(rows, columns=names).rename(columns={"project": C.PROJECT})


def read_history(
    output: str | os.PathLike[str] = OUTPUT_DIR,
    *,
    url: str | None = None,
    projects: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The tidy reporting history (period x project x metric, see :meth:`History.frame`)
    of the output root ``output`` (or the database at ``url``), brought up to date with
    the output folders first."""
    with History.open(output, url or os.environ.get(HISTORY_ENV) or None) as history:
        history.sync()
        return history.frame(projects=projects, metrics=metrics, periods=periods)


def compare_with_previous(
    previous: PreviousInputs | None, data: ProjectData, rows: Mapping[str, Any] | pd.DataFrame | None = None
) -> T.ProjectHistory:
    """A project's :class:`~pmoreports.report.trends.ProjectHistory`: its earlier trend
    ``rows`` and the restatements ``data`` (the new workbook) makes against ``previous``."""
    frame = rows if isinstance(rows, pd.DataFrame) else T.TrendData.from_dict({"rows": rows}).rows
    if previous is None:
        note = f"No earlier report of {data.info.project_id} in the reporting history: nothing to compare with."
        return T.ProjectHistory(frame, None, (), note)
    with tempfile.TemporaryDirectory(prefix=temp_prefix("previous")) as tmp:
        path = Path(tmp) / (Path(previous.file_name).name or INPUTS_FILE)
        path.write_bytes(previous.content)
        try:
            old = read_workbook(path)
        except PmoError as exc:
            note = (
                f"The workbook stored with the {previous.period} report cannot be read any more "
                f"({str(exc).splitlines()[0][:200]}); nothing was compared."
            )
            return T.ProjectHistory(frame, None, (), note)
    why = not_comparable(old, data)
    if why is not None:
        note = f"The workbook stored with the {previous.period} report was not compared: {why}."
        return T.ProjectHistory(frame, None, (), note)
    return T.ProjectHistory(frame, previous.period, tuple(find_restatements(old, data)))
