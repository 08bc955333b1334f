"""One writer per output period, and leftovers swept only when their owner is dead.

Real OS locks between real processes: the lock itself (exclusion under generated
interleavings, dies with its holder, names its holder), two batches or a run and a batch
at once on the same period (both land in the manifest and the index), --no-wait, Ctrl-C
while waiting; then the sweep of staging folders and temporary folders by owner.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_kit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmoreports._files import Owner, owned_temp_dir, sweep_staging, sweep_temp
from pmoreports.pipeline.locks import LOCK_FILE, LockHolder, PeriodBusyError, period_lock

PERIOD = "2026-10"
HOLDER = "test holder --for the lock tests"
HOLD = """
import sys
from pmoreports.pipeline.locks import period_lock
with period_lock(sys.argv[1], command="held by a child"):
    print("locked", flush=True)
    sys.stdin.read()
"""


# --- the lock itself -----------------------------------------------------------------------


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A separate process holding the lock on ``tmp_path/2026-10`` until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / PERIOD)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_a_held_period_is_refused_with_the_holder_named(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(PeriodBusyError) as info, period_lock(tmp_path / PERIOD, wait=False):
        pytest.fail("got a lock another process holds")
    message = str(info.value)
    assert f"pid {holder.pid} (held by a child), started " in message and " UTC" in message
    assert str(tmp_path / PERIOD) in message and "\n" not in message


def test_the_lock_dies_with_its_holder(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    holder.kill()  # SIGKILL: no clean-up runs in the holder
    holder.wait()
    assert (tmp_path / PERIOD / LOCK_FILE).exists()  # the file stays, but it is no lock
    with period_lock(tmp_path / PERIOD, wait=False, command="after the kill") as me:
        assert LockHolder.read(tmp_path / PERIOD / LOCK_FILE) == me
    assert not (tmp_path / PERIOD / LOCK_FILE).exists()


def test_a_waiter_is_told_once_and_proceeds_when_the_holder_lets_go(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    told: list[str] = []

    def release_soon(message: str) -> None:
        told.append(message)
        assert holder.stdin is not None
        holder.stdin.close()  # the holder leaves its `with` block and removes the file

    with period_lock(tmp_path / PERIOD, notify=release_soon, command="the waiter") as me:
        assert holder.wait(timeout=60) == 0
        assert LockHolder.read(tmp_path / PERIOD / LOCK_FILE) == me
    assert len(told) == 1 and f"pid {holder.pid} (held by a child)" in told[0] and "waiting" in told[0]


def _count(folder: str, pauses: list[float]) -> None:
    """Increment a counter file once per pause, pausing between the read and the write."""
    counter = Path(folder) / "counter"
    for pause in pauses:
        with period_lock(folder, command="counter"):
            value = int(counter.read_text())
            time.sleep(pause)
            counter.write_text(str(value + 1))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.floats(0, 0.004), min_size=1, max_size=6), min_size=2, max_size=4))
def test_no_lost_update_between_processes(schedule: list[list[float]]) -> None:
    """Processes doing read-pause-write under the lock never lose an increment, whatever the
    interleaving (this includes a waiter that locked a file its holder just removed)."""
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "counter").write_text("0")
        procs = [ctx.Process(target=_count, args=(tmp, pauses)) for pauses in schedule]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
            assert p.exitcode == 0
        assert int((Path(tmp) / "counter").read_text()) == sum(map(len, schedule))
        assert not (Path(tmp) / LOCK_FILE).exists()


# --- two commands on one period (real batches) ---------------------------------------------


@pytest.fixture(scope="module")
def kit(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ALPHA and BRAVO of the demo portfolio, with the shared defaults."""
    root = tmp_path_factory.mktemp("locks")
    make_kit(demo_dir, root, ("alpha", "bravo"))
    return root


class Command:
    """A ``pmoreports`` command running in the background, its stderr going to a file."""

    def __init__(self, kit: Path, *args: str) -> None:
        self.err = kit / f"stderr-{len(list(kit.glob('stderr-*')))}.txt"
        with self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pmoreports", *args],
                cwd=kit,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )

    def wait_for(self, text: str, limit: float = 300) -> str:
        """stderr, once it contains ``text`` (fails if the command ends first)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            stderr = self.err.read_text()
            if text in stderr:
                return stderr
            assert self.proc.poll() is None, f"ended before saying {text!r}: {stderr}"
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in {self.err.read_text()}")

    def finish(self) -> tuple[int, str, str]:
        """Exit status, stdout and stderr."""
        stdout, _ = self.proc.communicate(timeout=600)
        return self.proc.returncode, stdout, self.err.read_text()


def _manifest(period: Path) -> dict[str, dict[str, object]]:
    return {p["project_id"]: p for p in json.loads((period / "manifest.json").read_text())["projects"]}


def _index_links(period: Path) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', (period / "index.html").read_text()))


def _leftovers(period: Path) -> list[str]:
    return sorted(p.name for p in period.glob(".*"))


def _both_wait_then_run(kit: Path, *commands: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """Start ``commands`` while this test holds the period's lock; each must say it waits
    for us, then all run once we let go (and contend with each other for the lock)."""
    period = kit / "out" / PERIOD
    with period_lock(period, command=HOLDER):
        started = [Command(kit, *args) for args in commands]
        for command in started:
            said = command.wait_for("waiting for it to finish")
            assert f"is being written by pid {os.getpid()} ({HOLDER}), started " in said
            assert "(--no-wait refuses instead)" in said
    return [command.finish() for command in started]


def test_two_batches_at_once_both_land_in_the_manifest_and_index(kit: Path) -> None:
    period = kit / "out" / PERIOD
    common = ("--jobs", "1", "--format", "html", "--output", "out")
    results = _both_wait_then_run(
        kit, ("batch", "params", "--only", "ALPHA", *common), ("batch", "params", "--only", "BRAVO", *common)
    )
    for code, stdout, stderr in results:
        assert code == 0, stdout + stderr
        assert "Traceback" not in stderr and "FileNotFoundError" not in stdout + stderr
    manifest = _manifest(period)
    assert {pid: p["status"] for pid, p in manifest.items()} == {"ALPHA": "ok", "BRAVO": "ok"}
    assert {"ALPHA/report.html", "BRAVO/report.html", "portfolio.html"} <= _index_links(period)
    assert "BRAVO" in (period / "portfolio.html").read_text() and "ALPHA" in (period / "portfolio.html").read_text()
    assert _leftovers(period) == []


def test_a_run_and_a_batch_at_once(kit: Path) -> None:
    period = kit / "out" / PERIOD
    if not (period / "manifest.json").exists():
        pytest.skip("needs the two-batch test's outputs")
    alpha_before = (period / "ALPHA" / "report.html").stat().st_mtime_ns
    bravo_before = (period / "BRAVO" / "report.html").stat().st_mtime_ns
    results = _both_wait_then_run(
        kit,
        ("run", "params/alpha.yaml", "--format", "html", "--output", "out"),
        ("batch", "params", "--only", "BRAVO", "--force", "--jobs", "1", "--format", "html", "--output", "out"),
    )
    for code, stdout, stderr in results:
        assert code == 0, stdout + stderr
        assert "Traceback" not in stderr and "FileNotFoundError" not in stdout + stderr
    assert (period / "ALPHA" / "report.html").stat().st_mtime_ns != alpha_before  # the run's new report
    assert (period / "BRAVO" / "report.html").stat().st_mtime_ns != bravo_before  # the batch's
    for pid in ("ALPHA", "BRAVO"):
        assert (period / pid / "report.html").read_text().rstrip().endswith("</html>")
    assert {pid: p["status"] for pid, p in _manifest(period).items()} == {"ALPHA": "ok", "BRAVO": "ok"}
    assert {"ALPHA/report.html", "BRAVO/report.html"} <= _index_links(period)
    assert _leftovers(period) == []


@pytest.mark.parametrize(
    "args",
    [
        ("batch", "params", "--no-wait", "--output", "out-nowait"),
        ("run", "params/alpha.yaml", "--no-wait", "--output", "out-nowait"),
    ],
    ids=["batch", "run"],
)
def test_no_wait_refuses_in_one_line(kit: Path, args: tuple[str, ...]) -> None:
    period = kit / "out-nowait" / PERIOD
    with period_lock(period, command=HOLDER):
        code, stdout, stderr = Command(kit, *args).finish()
        assert sorted(p.name for p in period.iterdir()) == [LOCK_FILE]  # nothing written
    assert code == 1 and stdout == ""
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"error: {Path('out-nowait') / PERIOD} is being written by pid {os.getpid()} ({HOLDER})")
    assert line.endswith("try again when it has finished")


def test_ctrl_c_while_waiting_writes_nothing(kit: Path) -> None:
    period = kit / "out-ctrl-c" / PERIOD
    with period_lock(period, command=HOLDER):
        command = Command(kit, "batch", "params", "--output", "out-ctrl-c")
        command.wait_for("waiting for it to finish")
        command.proc.send_signal(signal.SIGINT)
        code, _, stderr = command.finish()
        assert sorted(p.name for p in period.iterdir()) == [LOCK_FILE]
    assert code == 130 and "Traceback" not in stderr
    assert f"interrupted while waiting for {Path('out-ctrl-c') / PERIOD}; nothing was written" in stderr
    assert "batch interrupted" not in stderr and "finished projects" not in stderr


# --- leftovers are swept only when their owner is dead -------------------------------------


@pytest.fixture(scope="module")
def dead() -> Owner:
    """A process that ran and is gone (killed and reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    owner = Owner.of(proc.pid)
    proc.kill()
    proc.wait()
    assert owner is not None and not owner.alive()
    return owner


@pytest.fixture(scope="module")
def live() -> Iterator[Owner]:
    """Another process that is running."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    owner = Owner.of(proc.pid)
    assert owner is not None and owner.alive()
    yield owner
    proc.kill()
    proc.wait()


OWNERS = ("me", "live", "dead", "reused pid", "untagged")
KINDS = ("staging", "tmp file", "backup, swap done", "backup, swap cut")


def _tag(owner: str, live: Owner, dead: Owner) -> str:
    me = Owner.current()
    return {
        "me": f"{me.tag}-",
        "live": f"{live.tag}-",
        "dead": f"{dead.tag}-",
        "reused pid": f"{me.pid}-{me.started - 500}-",  # this pid, but an earlier process's start
        "untagged": "",
    }[owner]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leftovers=st.lists(st.tuples(st.sampled_from(OWNERS), st.sampled_from(KINDS)), min_size=1, max_size=8))
def test_sweep_staging_only_tidies_what_dead_owners_left(
    leftovers: list[tuple[str, str]], live: Owner, dead: Owner
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        period = Path(tmp)
        expected: dict[str, str] = {}  # name -> what must be there afterwards ("" = gone)
        for i, (owner, kind) in enumerate(leftovers):
            tag, project = _tag(owner, live, dead), f"P{i}"
            orphan = owner not in ("me", "live")
            if kind == "staging":
                name = f".{project}.staging-{tag}x{i}y"
                (period / name).mkdir()
                (period / name / "report.html").write_text("half")
                expected[name] = "" if orphan else "half"
            elif kind == "tmp file":
                if not tag:
                    continue  # untagged temp files are never touched (not even listed here)
                name = f".manifest.json.{tag}a{i}b.tmp"
                (period / name).write_text("half")
                expected[name] = "" if orphan else "half"
            else:
                name = f".{project}.old-{tag}{i:08x}"
                (period / name).mkdir()
                (period / name / "report.html").write_text("last month")
                if kind == "backup, swap done":
                    (period / project).mkdir()
                    (period / project / "report.html").write_text("this month")
                    expected[project] = "this month"
                    expected[name] = "" if orphan else "last month"
                else:  # killed between the two renames: the backup is the only report
                    expected[project] = "last month" if orphan else ""
                    expected[name] = "" if orphan else "last month"
        sweep_staging(period)
        for name, content in expected.items():
            path = period / name
            if not content:
                assert not path.exists(), name
            elif path.is_dir():
                assert (path / "report.html").read_text() == content, name
            else:
                assert path.read_text() == content, name


def test_sweep_temp_removes_only_dead_owners_folders(tmp_path: Path, live: Owner, dead: Owner) -> None:
    me = owned_temp_dir("kernel")
    try:
        folders = {
            "mine": me,
            "live": tmp_path / f"pmoreports-kernel-{live.tag}-abc",
            "dead kernel": tmp_path / f"pmoreports-kernel-{dead.tag}-abc",
            "dead task": tmp_path / f"pmoreports-task-{dead.tag}-x_1",
            "untagged": tmp_path / "pmoreports-kernel-q1w2e3",
            "other": tmp_path / f"other-kernel-{dead.tag}-abc",
        }
        for folder in folders.values():
            folder.mkdir(exist_ok=True)
            (folder / "kernel-1").write_text("")
        assert sorted(sweep_temp(tmp_path)) == sorted([folders["dead kernel"], folders["dead task"]])
        assert {k for k, f in folders.items() if f.exists()} == {"mine", "live", "untagged", "other"}
        sweep_temp()  # the real temp folder: this process's own folder stays
        assert me.exists()
    finally:
        shutil.rmtree(me, ignore_errors=True)
