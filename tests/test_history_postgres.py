"""The reporting history in a real PostgreSQL server, started by the tests.

initdb and pg_ctl (``PATH`` or ``/usr/lib/postgresql/<version>/bin``, package
``postgresql``) make a throw-away cluster in a temporary folder, listening on 127.0.0.1
only, with trust authentication; as root it runs as the ``postgres`` user (or ``nobody``):
PostgreSQL refuses to run as root. Skipped when PostgreSQL is not installed, except
under ``PMOREPORTS_REQUIRE_SYSTEM=1`` (CI), where that is a failure.

The same checks as for SQLite: the rows recorded from the output folders of real batches,
a re-recorded period replaces its rows, a failed write changes nothing, a real run writes
its report, the CLI, and clear errors for a bad or unreachable URL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from history_runs import PERIODS, history_batches

from pmoreports.cli import main
from pmoreports.pipeline.history import History, HistoryError, read_history
from pmoreports.pipeline.run import run_project


def _program(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A running PostgreSQL server with an empty database ``pmo``; stopped afterwards."""
    initdb, pg_ctl = _program("initdb"), _program("pg_ctl")
    if not initdb or not pg_ctl:
        message = "PostgreSQL is not installed (scripts/install-system-deps installs the postgresql package)"
        if os.environ.get("PMOREPORTS_REQUIRE_SYSTEM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="pmoreports-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        assert user is not None, "running as root: need a 'postgres' or 'nobody' user to run PostgreSQL"
        entry = pwd.getpwnam(user)
        os.chmod(root, 0o700)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        prefix = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups", "--"]
    data, port = root / "data", _free_port()
    env = os.environ | {"LC_ALL": "C", "TZ": "UTC"}
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        env=env,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start"],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE pmo")
        yield f"postgresql://postgres@127.0.0.1:{port}/pmo"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return history_batches(tmp_path_factory)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["period", "project", "group", "metric"]).reset_index(drop=True)


def test_postgres_holds_the_same_history_as_sqlite(postgres_url: str, batches: dict[str, Any]) -> None:
    output: Path = batches["output"]
    with History.open(output, postgres_url) as store:
        assert store.rebuild() == PERIODS
        assert store.periods() == PERIODS
        in_pg = store.frame()
    in_sqlite = read_history(output)
    pd.testing.assert_frame_equal(_sorted(in_pg), _sorted(in_sqlite))


def test_postgres_rerecorded_period_is_replaced_and_failed_write_changes_nothing(
    postgres_url: str, batches: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    output: Path = batches["output"]
    with History.open(output, postgres_url) as store:
        store.rebuild()
        before = _sorted(store.frame())
        store.record(output / PERIODS[1])
        pd.testing.assert_frame_equal(_sorted(store.frame()), before)
        from pmoreports.pipeline import history as H

        real = H._AlchemyWriter.insert
        calls = {"n": 0}

        def failing(self: Any, table: Any, rows: list[dict[str, Any]]) -> None:
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
            real(self, table, rows)

        monkeypatch.setattr(H._AlchemyWriter, "insert", failing)
        with pytest.raises(KeyboardInterrupt):
            store.record(output / PERIODS[-1])
        monkeypatch.undo()
        pd.testing.assert_frame_equal(_sorted(store.frame()), before)


def test_a_real_run_writes_its_report_to_postgres(postgres_url: str, batches: dict[str, Any], tmp_path: Path) -> None:
    output = tmp_path / "output"
    shutil.copytree(batches["output"], output)
    with History.open(output, postgres_url) as store:
        store.rebuild()
        rows_before = len(store.frame(projects=["ALPHA"], periods=[PERIODS[-1]]))
        shutil.rmtree(output / PERIODS[-1] / "ALPHA")
        store.record(output / PERIODS[-1])
        assert store.frame(projects=["ALPHA"], periods=[PERIODS[-1]]).empty
    run_project(batches["folders"][PERIODS[-1]] / "alpha.yaml", output=output, formats=["html"], history=postgres_url)
    with History.open(output, postgres_url) as store:
        assert len(store.frame(projects=["ALPHA"], periods=[PERIODS[-1]])) == rows_before
        found = store.findings(period=PERIODS[-1], projects=["ALPHA"])
    assert list(found.loc[found["kind"] == "restatement", "code"]) == ["DQ-RESTATED-ACTUAL"]
    listed = CliRunner().invoke(main, ["history", "list", "--output", str(output), "--history", postgres_url])
    assert listed.exit_code == 0, listed.output
    assert all(p in listed.output for p in PERIODS)


def test_bad_or_unreachable_database_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="not a database URL"):
        History.open(tmp_path, "::nonsense::")
    url = f"postgresql://postgres@127.0.0.1:{_free_port()}/pmo"
    with pytest.raises(HistoryError, match="cannot be reached"):
        History.open(tmp_path, url)
    result = CliRunner().invoke(main, ["history", "list", "--output", str(tmp_path), "--history", url])
    assert result.exit_code != 0 and "cannot be reached" in result.output and "Traceback" not in result.output
