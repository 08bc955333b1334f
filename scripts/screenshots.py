"""Regenerate the README screenshots (docs/*.png) from a batch's period folder.

    .venv/bin/python -m pmoreports batch params --output /tmp/shots
    .venv/bin/python scripts/screenshots.py /tmp/shots/2026-10 docs

Opens the HTML reports in Debian's headless Chromium (``/usr/bin/chromium``, through
Playwright; nothing is downloaded) at a fixed window size and writes
``project-report.png`` (the first project with a red status, else the first),
``portfolio-report.png`` and ``index-page.png`` into the folder given.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

WIDTH, HEIGHT = 1100, 1500


def _project_folder(period: Path) -> Path:
    manifest = json.loads((period / "manifest.json").read_text(encoding="utf-8"))
    rows = manifest.get("projects", [])
    red = [r for r in rows if r.get("rag") == "red" and r.get("status") == "ok"]
    chosen = (red or rows)[0]
    return period / str(chosen["project_id"])


def main(period: Path, out: Path) -> None:
    """Write the three screenshots of ``period`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pages = {
        "project-report.png": _project_folder(period) / "report.html",
        "portfolio-report.png": period / "portfolio.html",
        "index-page.png": period / "index.html",
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
        page.route("http*://**", lambda route: route.abort())
        for name, html in pages.items():
            page.goto(html.resolve().as_uri())
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / name))
            print(out / name)
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: screenshots.py PERIOD_FOLDER OUT_FOLDER")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
