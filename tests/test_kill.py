"""Nothing outlives a killed batch or run: real commands, killed with SIGKILL mid-run.

Every process a command starts inherits a tag in its environment, so the test finds the
batch, its workers and their kernels by scanning ``/proc/*/environ`` while it runs; after
the kill none of them may be left 10 s later, nor any temporary or kernel socket folder
named after them, and the period's previous outputs must be whole. The next command
tidies what the kill left in the period folder.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import make_kit

from pmoreports._files import Owner

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds processes through /proc")

PERIOD = "2026-10"
TAG = "PMOREPORTS_KILL_TEST"
GONE_WITHIN = 10.0
"""Seconds after the kill by which every process of the command must have exited."""


class Tagged:
    """A command started in its own session with a unique tag in its environment."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.tag = uuid.uuid4().hex
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pmoreports", *args],
            cwd=cwd,
            env=os.environ | {TAG: self.tag},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.seen: dict[int, str] = {}

    def processes(self) -> dict[int, str]:
        """Live processes carrying the tag: pid -> command line (also remembered in ``seen``)."""
        found = {}
        marker = f"{TAG}={self.tag}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:  # gone meanwhile, or not ours
                continue
        self.seen |= found
        return found

    def wait_until(self, condition: Callable[[dict[int, str]], bool], limit: float = 300) -> None:
        """Poll the tagged processes until ``condition(processes)`` holds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if condition(self.processes()):
                return
            assert self.proc.poll() is None, f"the command ended first: {self.proc.communicate()[1]}"
            time.sleep(0.1)
        raise AssertionError("the command never got there")

    def kill(self) -> None:
        """SIGKILL the command's own process (not its group: its children must go by themselves)."""
        self.processes()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc.communicate()

    def survivors(self) -> dict[int, str]:
        """Processes of the command still alive ``GONE_WITHIN`` s after the kill (polled)."""
        deadline = time.monotonic() + GONE_WITHIN
        while time.monotonic() < deadline:
            alive = {pid: cmd for pid, cmd in self.processes().items() if pid in self.seen}
            if not alive:
                return {}
            time.sleep(0.2)
        return alive

    def temp_folders(self) -> list[Path]:
        """Temporary folders (kernel sockets, task files) named after a process of the command."""
        tmp = Path(tempfile.gettempdir())
        return [p for pid in self.seen for p in tmp.glob(f"pmoreports-*-{pid}-*")]


def _kernels(procs: dict[int, str]) -> int:
    return sum("ipykernel" in cmd for cmd in procs.values())


def _files(period: Path) -> dict[str, bytes]:
    """Every file under ``period`` except dot files, by relative path."""
    return {
        str(p.relative_to(period)): p.read_bytes()
        for p in sorted(period.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(period).parts)
    }


def _assert_whole(period: Path, before: dict[str, bytes], changed_ok: set[str]) -> None:
    """Every previous file is there; those not in ``changed_ok`` (folders or names) are
    unchanged, the others complete; nothing new is half-written."""
    after = _files(period)
    assert set(after) == set(before), set(after) ^ set(before)
    for name, data in before.items():
        if name.split("/")[0] not in changed_ok and name not in changed_ok:
            assert after[name] == data, name
        elif name.endswith(".html"):
            assert after[name].rstrip().endswith(b"</html>"), name
        elif name.endswith(".json"):
            json.loads(after[name])
        elif name.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(after[name])) as book:
                assert book.testzip() is None, name


def _no_leftovers(period: Path) -> None:
    assert sorted(p.name for p in period.glob(".*")) == []


@pytest.fixture(scope="module")
def kit(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three demo projects and last run's outputs for them (HTML reports, portfolio)."""
    root = tmp_path_factory.mktemp("kill")
    make_kit(demo_dir, root, ("alpha", "bravo", "charlie"))
    done = subprocess.run(
        [sys.executable, "-m", "pmoreports", "batch", "params", "--jobs", "2", "--format", "html", "--output", "out"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def _next_batch(kit: Path) -> None:
    """A batch after the kill: it sweeps what the kill left and completes."""
    done = subprocess.run(
        [sys.executable, "-m", "pmoreports", "batch", "params", "--format", "html", "--output", "out"],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_sigkill_of_a_batch_mid_projects_leaves_nothing_running(kit: Path) -> None:
    period = kit / "out" / PERIOD
    before = _files(period)
    batch = Tagged(kit, "batch", "params", "--jobs", "2", "--force", "--format", "html", "--output", "out")
    batch.wait_until(lambda procs: _kernels(procs) >= 1)  # workers are up, a kernel is running
    batch.kill()
    assert batch.survivors() == {}, "processes of the killed batch are still running"
    assert _kernels(batch.seen) >= 1 and len(batch.seen) >= 3  # batch, >= 2 workers, kernels
    # A kernel killed while still booting (before its guard runs) cannot remove its socket
    # folder; the folder carries its dead owner's name and the next run sweeps it.
    leftover = batch.temp_folders()
    assert all(p.name.startswith("pmoreports-kernel-") for p in leftover), leftover
    # projects that finished before the kill have complete new reports; the rest is untouched
    _assert_whole(period, before, changed_ok={"ALPHA", "BRAVO", "CHARLIE"})
    _next_batch(kit)
    _no_leftovers(period)
    assert [p for p in leftover if p.exists()] == []


def test_sigkill_of_a_batch_making_the_portfolio_writes_no_portfolio_file(kit: Path) -> None:
    period = kit / "out" / PERIOD
    before = _files(period)
    batch = Tagged(kit, "batch", "params", "--only", "ALPHA", "--force", "--format", "html", "--output", "out")
    batch.wait_until(lambda procs: any(period.glob(".portfolio.staging-*")))  # the portfolio notebook runs
    batch.kill()
    assert batch.survivors() == {}, "processes of the killed batch are still running"
    assert batch.temp_folders() == []
    time.sleep(1)  # a worker left alive would write now; none may
    # the Excel export is made before the notebook; the notebook, pages and index not yet
    _assert_whole(period, before, changed_ok={"ALPHA", "manifest.json", "portfolio_metrics.xlsx"})
    _next_batch(kit)
    _no_leftovers(period)


def test_sigkill_of_a_run_leaves_no_kernel_and_the_next_run_sweeps(kit: Path) -> None:
    period = kit / "out" / PERIOD
    before = _files(period)
    run = Tagged(kit, "run", "params/alpha.yaml", "--format", "html", "--output", "out")
    # the kernel starts before the lock is taken: wait for the staging folder too
    run.wait_until(lambda procs: _kernels(procs) >= 1 and any(period.glob(".ALPHA.staging-*")))
    run.kill()
    assert run.survivors() == {}, "the killed run's kernel is still running"
    assert run.temp_folders() == []  # the kernel removed its socket folder as it exited
    _assert_whole(period, before, changed_ok=set())
    assert [p.name.split("-")[1] for p in period.glob(".ALPHA.staging-*")] == [str(run.proc.pid)]
    done = subprocess.run(
        [sys.executable, "-m", "pmoreports", "run", "params/alpha.yaml", "--format", "html", "--output", "out"],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    _no_leftovers(period)


def test_sigterm_stops_a_run_cleanly(kit: Path) -> None:
    period = kit / "out" / PERIOD
    before = _files(period)
    run = Tagged(kit, "run", "params/alpha.yaml", "--format", "html", "--output", "out")
    # the kernel starts before the lock is taken: wait for the staging folder too
    run.wait_until(lambda procs: _kernels(procs) >= 1 and any(period.glob(".ALPHA.staging-*")))
    run.proc.send_signal(signal.SIGTERM)
    _, stderr = run.proc.communicate(timeout=120)
    assert run.proc.returncode == 130 and "Traceback" not in stderr
    assert "interrupted: last run's report is untouched" in stderr
    assert run.survivors() == {}
    assert run.temp_folders() == []
    _assert_whole(period, before, changed_ok=set())
    _no_leftovers(period)


# --- the watchdogs, each on its own ---------------------------------------------------------

WATCHED = """
import os, signal, sys, time
from pmoreports._files import Owner
from pmoreports.pipeline import lifetime
parent = Owner(int(sys.argv[1]), int(sys.argv[2]))
if sys.argv[3] == "worker":
    def stop(signum, frame):
        open(sys.argv[4], "w").write("stopped by SIGTERM")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    lifetime.die_with_parent(parent)
else:
    lifetime.guard_kernel(parent.pid, parent.started, sys.argv[4])
print("watching", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("role", ["worker", "kernel"])
def test_watchdog_acts_when_the_watched_process_dies(role: str, tmp_path: Path) -> None:
    """The portable watchdog (the one macOS relies on): here the watched process is not the
    real parent, so only the watchdog can notice that it died."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    owner = Owner.of(sleeper.pid)
    assert owner is not None
    target = tmp_path / ("marker.txt" if role == "worker" else "pmoreports-kernel-socket")
    if role == "kernel":
        target.mkdir()
    watched = subprocess.Popen(
        [sys.executable, "-c", WATCHED, str(owner.pid), str(owner.started), role, str(target)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert watched.stdout is not None and watched.stdout.readline().strip() == "watching"
        assert watched.poll() is None
        sleeper.kill()
        sleeper.wait()
        watched.wait(timeout=GONE_WITHIN)
    finally:
        for proc in (sleeper, watched):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if role == "worker":
        assert watched.returncode == 0 and target.read_text() == "stopped by SIGTERM"
    else:
        assert watched.returncode == 1 and not target.exists()
