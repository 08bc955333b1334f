"""A real JupyterLab for tests: a server on loopback in a private sandbox, and a notebook
run in it by headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Usage::

    with jupyter_lab(root) as server, open_lab(server) as lab:
        lab.open("notebooks/explore.ipynb")
        lab.run_all()
        assert lab.errors() == [] and lab.foreign_requests == []

The server listens on 127.0.0.1 on a port the OS picks, with a random token, no browser,
and its config, runtime, data, settings and workspace folders in a temporary directory
(``JUPYTER_*`` variables), so a test never reads or writes ``~/.jupyter``; it is told
not to fetch news or check for updates. The browser sends nothing off the machine: every
request to another host is recorded and aborted. Waits are for conditions (the server
answering, the kernel idle, every cell executed), never fixed sleeps.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from browser import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 120.0
"""Seconds JupyterLab may take to answer (a loaded 2-core machine takes about 10)."""
RUN_TIMEOUT_MS = 240_000
"""Milliseconds a notebook may take to run all its cells in the browser."""

_SETTINGS = {
    # every cell in the DOM, so every output can be inspected (no virtual scrolling)
    # and the notebook's own kernel started without asking
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    # no request for news or updates (the server would make it to jupyter.org)
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token and sandbox folder."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


def _sandbox_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env.pop("PMOREPORTS_STATIC", None)  # interactive charts, as an analyst has them
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    return env


def _write_settings(settings_dir: Path) -> None:
    for name, values in _SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _server_info(runtime: Path, pid: int) -> dict[str, Any] | None:
    path = runtime / f"jpserver-{pid}.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _answers(url: str, token: str) -> bool:
    request = urllib.request.Request(f"{url}api/status", headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # loopback only
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def jupyter_lab(root: Path, home: Path) -> Iterator[LabServer]:
    """JupyterLab serving ``root``, sandboxed in ``home``; stopped (SIGTERM, then SIGKILL) on exit."""
    env = _sandbox_env(home)
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    token = secrets.token_hex(24)
    log = home / "jupyter.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
        "--allow-root",  # CI containers run as root; a no-op otherwise
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        runtime = Path(env["JUPYTER_RUNTIME_DIR"])
        while True:
            info = _server_info(runtime, process.pid)
            if info and _answers(str(info["url"]), token):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)  # polling for the server to answer
        yield LabServer(str(info["url"]), token, root, process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Lab:
    """A JupyterLab page in headless Chromium, and what it did."""

    server: LabServer
    page: Any
    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"] + self.page_errors

    def open(self, path: str) -> None:
        """Open the notebook ``path`` (relative to the server root) in a fresh workspace (so
        the page shows that notebook only, not what an earlier page left open); wait until its
        cells are shown and its kernel is connected and idle."""
        workspace = f"test-{secrets.token_hex(4)}"
        url = f"{self.server.url}lab/workspaces/{workspace}/tree/{path}?reset&token={self.server.token}"
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function(
            """() => document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length > 0
                && !document.querySelector('.jp-NotebookPanel .jp-Spinner')""",
            timeout=RUN_TIMEOUT_MS,
        )
        self.wait_idle()
        panels = self.evaluate("() => document.querySelectorAll('.jp-NotebookPanel').length")
        assert panels == 1, f"{panels} notebooks open, expected only {path}"

    def wait_idle(self) -> None:
        """Wait until the status bar says the notebook's kernel is idle (not initializing,
        connecting, starting or busy)."""
        self.page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
                .some(e => /^Change kernel/.test(e.title) && /\\(ipykernel\\) \\| Idle$/.test(e.textContent.trim()))""",
            timeout=RUN_TIMEOUT_MS,
        )

    def run_all(self) -> None:
        """Run > Run All Cells, then wait until every code cell has run (or one shows an error,
        which stops the run) and the kernel is idle."""
        self.page.click("#jp-MainMenu .lm-MenuBar-item >> text=Run")
        self.page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
        self.page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                const error = document.querySelector(
                    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]');
                return error || (prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim())));
            }""",
            timeout=RUN_TIMEOUT_MS,
        )
        self.wait_idle()

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


@contextmanager
def open_lab(server: LabServer, width: int = 1400, height: int = 1000) -> Iterator[Lab]:
    """Headless Chromium on ``server``: console messages, page errors and every request
    recorded; requests (and WebSockets) to any host but the server aborted and listed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(service_workers="block", viewport={"width": width, "height": height})
            page = context.new_page()
            lab = Lab(server, page)

            def route(r: Any) -> None:
                url = r.request.url
                lab.requests.append(url)
                if urlsplit(url).netloc == server.host or url.startswith(("data:", "blob:")):
                    r.continue_()
                else:
                    lab.foreign_requests.append(url)
                    r.abort()

            def websocket(ws: Any) -> None:
                if urlsplit(ws.url).netloc != server.host:
                    lab.foreign_requests.append(ws.url)

            context.route("**/*", route)
            page.on("websocket", websocket)
            page.on("console", lambda msg: lab.console.append((msg.type, msg.text)))
            page.on("pageerror", lambda exc: lab.page_errors.append(str(exc)))
            page.on("dialog", lambda d: d.dismiss())
            yield lab
        finally:
            browser.close()
