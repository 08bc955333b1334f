"""Headless-Chromium helpers for report tests (Debian's /usr/bin/chromium via Playwright).

Usage::

    from browser import open_page, requires_chromium

    @requires_chromium
    def test_report(tmp_path):
        with open_page(tmp_path / "report.html") as page:
            assert page.console_errors == []
            assert page.foreign_requests == []
            assert page.dialogs == []
            assert page.evaluate("document.querySelectorAll('svg path').length") > 0

Never runs ``playwright install``: the browser is the system package (``.ci/run``
installs it). Every request other than the opened file itself is recorded and
aborted, so a test never reaches the network even when the page tries to.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PMOREPORTS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("PMOREPORTS_REQUIRE_SYSTEM") != "1",
    reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)",
)


@dataclass
class PageResult:
    """What happened while a page was open, plus a way to query its DOM."""

    url: str
    evaluate: Callable[[str], Any]
    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text)
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions
    requests: list[str] = field(default_factory=list)  # every URL requested
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt messages
    page: Any = None  # the playwright Page, for anything else

    @property
    def console_errors(self) -> list[str]:
        """Console messages of type error, and uncaught page errors."""
        return [text for kind, text in self.console if kind == "error"] + self.page_errors

    @property
    def foreign_requests(self) -> list[str]:
        """Requests other than the page itself and data: URIs (should be empty)."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]


@contextmanager
def open_page(html_path: str | os.PathLike[str], settle_ms: int = 250) -> Iterator[PageResult]:
    """Open a local HTML file in headless Chromium, recording console messages,
    page errors, network requests and dialogs (dismissed). Yields a PageResult."""
    from playwright.sync_api import sync_playwright

    url = Path(html_path).resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(service_workers="block")
            page = context.new_page()
            result = PageResult(url=url, evaluate=page.evaluate, page=page)
            page.on("console", lambda msg: result.console.append((msg.type, msg.text)))
            page.on("pageerror", lambda exc: result.page_errors.append(str(exc)))
            page.on("dialog", lambda d: (result.dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda req: result.requests.append(req.url))
            # Abort anything that would leave the machine; the file itself is not routed.
            context.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
            page.goto(url, wait_until="load")
            page.wait_for_timeout(settle_ms)
            yield result
        finally:
            browser.close()
