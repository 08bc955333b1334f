"""Writing one period's portfolio outputs: the portfolio report, the index page and the
Excel export, beside the projects in ``output/<period>/``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from .._files import atomic_write_bytes, atomic_write_text, staging_dir
from ..paths import PORTFOLIO_NOTEBOOK, REPORT_CSS
from ..report._format import NA, esc, html_table, rag_badge
from ..report.portfolio import PortfolioReport, PortfolioSettings
from ..report.render import html_to_pdf, notebook_to_html, sanitize_html
from .handout import handout_link
from .history import CHECKS_FILE
from .run import FAILED_DIR, WarmKernel, execute_notebook

__all__ = ["PORTFOLIO_FILES", "portfolio_inputs", "write_portfolio"]


# -- writing the portfolio outputs ------------------------------------------------------------


PORTFOLIO_FILES = ("portfolio.ipynb", "portfolio.html", "portfolio.pdf", "index.html", "portfolio_metrics.xlsx")
"""What :func:`write_portfolio` writes into the period folder."""


def portfolio_inputs(period_dir: Path, params_dir: Path | None, history: str = "") -> str:
    """Fingerprint of everything the portfolio pages are made from (to skip them when
    unchanged): the projects' metrics and checks, the settings, ``history`` (a digest of
    the earlier periods handed to it) and the periods the index links; a project rendered
    again or skipped as unchanged counts the same."""
    from .. import __version__

    manifest = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))
    projects = sorted(manifest["projects"], key=lambda p: p["project_id"])
    lines = [__version__, PORTFOLIO_NOTEBOOK.read_text(encoding="utf-8"), repr(PortfolioSettings.load(params_dir))]
    lines += [history, " ".join(p.name for p in _periods(period_dir.parent))]
    for p in projects:
        reported = p["status"] in ("ok", "skipped")  # a skipped project's report is as current as a new one
        entry = {k: p.get(k) for k in ("project_id", "error", "name")} | {"status": "ok" if reported else p["status"]}
        lines.append(json.dumps(entry, sort_keys=True))
        metrics = period_dir / p["project_id"] / "metrics.json"
        reported = reported and metrics.is_file()
        lines.append(metrics.read_text(encoding="utf-8") if reported else "")
        checks = metrics.with_name(CHECKS_FILE)
        lines.append(checks.read_text(encoding="utf-8") if reported and checks.is_file() else "")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def write_portfolio(
    period_dir: Path,
    params_dir: Path | None = None,
    kernel: WarmKernel | None = None,
    history: Path | None = None,
) -> list[Path]:
    """Run the portfolio notebook and write portfolio.html/.pdf, index.html and the Excel export.

    ``kernel``: a warm kernel to reuse (the batch passes a worker's); default a fresh one.
    ``history``: a JSON file of the earlier periods (:class:`~pmoreports.report.trends.TrendData`)
    for the portfolio's trend sections. The notebook and pages are made in a staging folder
    and each moved into place whole; a failed notebook goes to ``_failed/portfolio.ipynb``
    and last run's pages stay. The output root gets an ``index.html`` linking every period.
    """
    settings = PortfolioSettings.load(params_dir)
    report = PortfolioReport.load(period_dir, settings=settings.to_dict())
    written = [_write_excel(report)]
    try:
        if report.projects:
            written += _run_notebook(period_dir, settings, kernel, history)
    except Exception:  # the index links what exists, even when the portfolio pages failed
        _write_index(report)  # (not on Ctrl-C or SIGTERM: a stopped batch writes nothing more)
        raise
    written.append(_write_index(report))
    _write_root_index(period_dir.parent)
    return written


def _run_notebook(
    period_dir: Path, settings: PortfolioSettings, kernel: WarmKernel | None, history: Path | None
) -> list[Path]:
    parameters = {
        "period_dir": str(period_dir.resolve()),
        "static": True,
        "settings": settings.to_dict(),
        "history": str(history.resolve()) if history else None,
    }
    names = ("portfolio.ipynb", "portfolio.html", "portfolio.pdf")
    with staging_dir(period_dir, "portfolio") as stage:
        executed = stage / names[0]
        try:
            nb = execute_notebook(PORTFOLIO_NOTEBOOK, executed, parameters, label="portfolio summary", kernel=kernel)
        except Exception:
            if executed.is_file():
                (period_dir / FAILED_DIR).mkdir(exist_ok=True)
                os.replace(executed, period_dir / FAILED_DIR / names[0])
            raise
        meta = {"Period": period_dir.name, "Currency": settings.currency}
        title = f"{settings.title}: {period_dir.name}"
        html = notebook_to_html(nb, title=title, meta=meta, page_size=settings.page_size)
        atomic_write_text(stage / names[1], html)
        atomic_write_bytes(stage / names[2], html_to_pdf(html, page_size=settings.page_size))
        for name in names:
            os.replace(stage / name, period_dir / name)
    (period_dir / FAILED_DIR / names[0]).unlink(missing_ok=True)
    return [period_dir / name for name in names]


def _write_index(report: PortfolioReport) -> Path:
    """``index.html``: links to the portfolio report and every project's HTML and PDF."""
    css = REPORT_CSS.read_text(encoding="utf-8")
    rows = []
    for p in sorted(report.manifest["projects"], key=lambda p: p["project_id"]):
        pid, status = p["project_id"], p["status"]
        links = " ".join(
            f'<a href="{esc(pid)}/report.{ext}">{ext.upper()}</a>'
            for ext in ("html", "pdf")
            if (report.period_dir / pid / f"report.{ext}").is_file()
        )
        note = esc(str(p.get("error", "")).splitlines()[0][:200]) if p.get("error") else ""
        reported = status in ("ok", "skipped")
        quality = report.projects.get(pid, {}).get("data_quality") if reported else None
        rows.append(
            [
                esc(pid),
                esc(p.get("name", "")),
                rag_badge(p.get("rag") or "grey") if reported else rag_badge("grey", "no report"),
                esc(status),
                links or NA,
                esc(quality["score"]) if quality else NA,
                note,
            ]
        )
    heads = ["Project", "Name", "Overall RAG", "Run", "Report", "Data quality", "Note"]
    table = html_table(heads, rows, numeric=[False] * 5 + [True, False])
    portfolio = " ".join(
        f'<a href="portfolio.{ext}">{ext.upper()}</a>'
        for ext in ("html", "pdf")
        if (report.period_dir / f"portfolio.{ext}").is_file()
    )
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Status reports {esc(report.period)}'
        f'</title><style>{css}</style></head><body class="pmo-report"><header class="pmo-doc-header">'
        f'<h1 class="pmo-title">Status reports: {esc(report.period)}</h1></header><main class="pmo-doc">'
        f"<p>Portfolio summary: {portfolio or NA}</p>{_period_links(report.period_dir)}{table}"
        f"{handout_link(report.period_dir, report.period)}"
        '<p class="pmo-note">Data quality: the score of 100 minus 25 per critical, 5 per major and 1 per minor '
        "finding (at least 0); each report's data-quality section lists its findings.</p>"
        f'<p class="pmo-note">Generated {generated} by pmoreports. Counts: '
        f"{esc(json.dumps(report.manifest.get('counts', {})))}</p></main></body></html>"
    )
    path = report.period_dir / "index.html"
    atomic_write_text(path, sanitize_html(page))
    return path


def _periods(root: Path) -> list[Path]:
    """Period folders of an output root that have an index page, oldest first."""
    from .history import period_folders

    return [p for p in period_folders(root) if (p / "index.html").is_file()]


def _period_links(period_dir: Path) -> str:
    """ "Periods: 2026-07 2026-08 ...": every period with an index page (this one in bold)."""
    here = period_dir.name
    links = [
        f"<strong>{esc(here)}</strong>"
        if p.name == here
        else f'<a href="../{esc(p.name)}/index.html">{esc(p.name)}</a>'
        for p in sorted({*_periods(period_dir.parent), period_dir})
    ]
    return f'<p class="pmo-periods">Periods: {" ".join(links)}</p>'


def _write_root_index(root: Path) -> Path:
    """``<output>/index.html``: one line per period, newest first, with its counts."""
    css = REPORT_CSS.read_text(encoding="utf-8")
    rows = []
    for folder in reversed(_periods(root)):
        try:
            counts = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("counts", {})
        except (OSError, ValueError, AttributeError):
            counts = {}
        links = f'<a href="{esc(folder.name)}/index.html">index</a>'
        if (folder / "portfolio.html").is_file():
            links += f' <a href="{esc(folder.name)}/portfolio.html">portfolio</a>'
        rows.append([esc(folder.name), links, *(esc(str(counts.get(k, 0))) for k in ("ok", "skipped", "failed"))])
    table = html_table(
        ["Period", "Reports", "Rendered", "Unchanged", "Failed"], rows, numeric=[False, False, True, True, True]
    )
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Status reports</title>'
        f'<style>{css}</style></head><body class="pmo-report"><header class="pmo-doc-header">'
        f'<h1 class="pmo-title">Status reports: every period</h1></header>'
        f'<main class="pmo-doc">{table}</main></body></html>'
    )
    path = root / "index.html"
    atomic_write_text(path, sanitize_html(page))
    return path


def _write_excel(report: PortfolioReport) -> Path:
    from ..report._excel import write_portfolio_workbook

    path = report.period_dir / "portfolio_metrics.xlsx"
    programmes, total = report.rollups()
    write_portfolio_workbook(path, report.table(), programmes, total, report.settings.currency)
    return path
