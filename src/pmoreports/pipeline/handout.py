"""The monthly hand-out: next month's workbook of every project, and a page listing them.

:func:`write_handout` reads the workbooks (given as files, or as the projects' parameter
files), rolls each forward one month (:mod:`pmoreports.workbook.nextmonth`) with one
Variances row per threshold breach that has no explanation yet
(:func:`pmoreports.metrics.variances.unexplained_breaches`, with the project's variance
thresholds when it comes from a parameter file), and writes into
``output/<next period>/_templates/``:

- ``<PROJECT-ID>_<YYYY-MM>.xlsx`` per project;
- ``gallery/``: the blank template of every kind (:mod:`pmoreports.workbook.gallery`);
- ``templates.html``: each project's file with its project manager, and the blank
  templates, ready to upload or e-mail.

Every workbook is read first: when one cannot be used, nothing is written and the error
names every such file. The folder is replaced as a whole (no half-written hand-out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from .._files import atomic_write_text, staged_output_dir
from ..errors import PmoError
from ..metrics.project import project_metrics
from ..metrics.variances import VarianceThresholds, unexplained_breaches
from ..paths import OUTPUT_DIR, REPORT_CSS
from ..report._format import NA, esc, html_table
from ..report.params import load_params, params_files
from ..report.render import sanitize_html
from ..workbook.gallery import write_kind_template
from ..workbook.kinds import KINDS
from ..workbook.model import ProjectData
from ..workbook.nextmonth import NextWorkbook, next_month, write_next_workbook
from ..workbook.reader import read_workbook

__all__ = ["GALLERY_DIR", "HANDOUT_DIR", "HANDOUT_PAGE", "Handout", "handout_dir", "write_handout"]

HANDOUT_DIR = "_templates"
"""Folder of a period's hand-out, under ``output/<period>/``."""
HANDOUT_PAGE = "templates.html"
GALLERY_DIR = "gallery"


def handout_link(period_dir: Path, period: str) -> str:
    """The index page's paragraph about the workbooks after ``period`` (YYYY-MM) whose reports
    are in ``period_dir`` (``output/<period>``): a link to
    ``../<next period>/_templates/templates.html``, or the command that writes it when it is
    not there yet."""
    target = next_month(dt.date.fromisoformat(f"{period}-01"))
    page = handout_dir(period_dir.parent, f"{target:%Y-%m}") / HANDOUT_PAGE
    if page.is_file():
        href = f"../{target:%Y-%m}/{HANDOUT_DIR}/{HANDOUT_PAGE}"
        return f'<p>Workbooks for {target:%B %Y}: <a href="{href}">{HANDOUT_PAGE}</a></p>'
    return (
        f'<p class="pmo-note">Workbooks for {target:%B %Y}: not written yet; '
        "<code>pmoreports template next params/</code> writes them.</p>"
    )


def handout_dir(output: Path, period: str) -> Path:
    """``output/<period>/_templates``: where the hand-out of ``period`` (YYYY-MM) goes."""
    return output / period / HANDOUT_DIR


@dataclass(frozen=True)
class Handout:
    """One period's hand-out: its folder, page, project workbooks and blank templates."""

    period: dt.date
    folder: Path
    page: Path
    workbooks: tuple[NextWorkbook, ...]
    blanks: tuple[Path, ...]


@dataclass(frozen=True)
class _Source:
    workbook: Path
    thresholds: VarianceThresholds


def _sources(paths: Sequence[Path]) -> list[_Source]:
    """Workbooks as given; a folder stands for the parameter files in it."""
    out: list[_Source] = []
    for path in paths:
        if path.is_dir():
            files = params_files(path)
            if not files:
                raise PmoError(f"{path}: no project parameter files (*.yaml) in this folder")
            for f in files:
                params = load_params(f)
                out.append(_Source(params.workbook, params.variance))
        else:
            out.append(_Source(path, VarianceThresholds()))
    return out


def _read_all(sources: Sequence[_Source], today: dt.date | None) -> list[ProjectData]:
    data: list[ProjectData] = []
    problems: list[str] = []
    for s in sources:
        try:
            data.append(read_workbook(s.workbook, today=today))
        except PmoError as exc:  # WorkbookError lists every problem of the file
            problems.append(str(exc))
    if problems:
        raise PmoError(
            f"{len(problems)} workbook(s) cannot be rolled forward; nothing was written:\n" + "\n".join(problems)
        )
    return data


def _breach_rows(data: ProjectData, thresholds: VarianceThresholds) -> pd.DataFrame | tuple[()]:
    """The project's unexplained threshold breaches as Variances rows (none for a kind that
    has no Variances sheet)."""
    if not KINDS[data.kind].has("Variances"):
        return ()
    return unexplained_breaches(project_metrics(data, variance=thresholds))


def write_handout(
    paths: Sequence[Path],
    output: Path = OUTPUT_DIR,
    period: dt.date | None = None,
    today: dt.date | None = None,
) -> list[Handout]:
    """Write next month's workbooks of ``paths`` (workbooks, or folders of parameter files)
    into ``output/<next period>/_templates/`` with ``templates.html``; one hand-out per next
    period (``period`` for all, else each workbook's status month + 1). ``today``: as in
    :func:`~pmoreports.workbook.reader.read_workbook`."""
    sources = _sources(paths)
    projects = _read_all(sources, today)
    by_period: dict[dt.date, list[tuple[ProjectData, _Source]]] = {}
    for data, source in zip(projects, sources, strict=True):
        target = (period or next_month(data.info.status_date)).replace(day=1)
        by_period.setdefault(target, []).append((data, source))
    for target, members in by_period.items():
        ids = [d.info.project_id for d, _ in members]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise PmoError(
                f"project ID(s) {', '.join(twice)} appear in several workbooks for {target:%Y-%m}; "
                "each project gets one next-month workbook"
            )
    return [_write_period(target, members, output) for target, members in sorted(by_period.items())]


def _write_period(target: dt.date, members: list[tuple[ProjectData, _Source]], output: Path) -> Handout:
    final = handout_dir(output, f"{target:%Y-%m}")
    written: list[NextWorkbook] = []
    blanks: list[Path] = []
    with staged_output_dir(final) as stage:
        for data, source in sorted(members, key=lambda m: m[0].info.project_id):
            name = f"{data.info.project_id}_{target:%Y-%m}.xlsx"
            rows = _breach_rows(data, source.thresholds)
            written.append(write_next_workbook(stage / name, data, target, rows))
        for kind in KINDS.values():
            path = stage / GALLERY_DIR / kind.file_name
            write_kind_template(path, kind)
            blanks.append(path)
        atomic_write_text(stage / HANDOUT_PAGE, _page(target, written, blanks))
    moved = tuple(_moved(w, final) for w in written)
    return Handout(target, final, final / HANDOUT_PAGE, moved, tuple(final / GALLERY_DIR / b.name for b in blanks))


def _moved(w: NextWorkbook, folder: Path) -> NextWorkbook:
    return replace(w, path=folder / w.path.name)


def _page(target: dt.date, written: Sequence[NextWorkbook], blanks: Sequence[Path]) -> str:
    """``templates.html``: the projects' workbooks with their managers, then the blank templates."""
    css = REPORT_CSS.read_text(encoding="utf-8")
    rows = [
        [
            esc(w.project_id),
            esc(w.name),
            esc(w.manager),
            f'<a href="{esc(w.path.name)}">{esc(w.path.name)}</a>',
            esc(KINDS[w.kind].title),
            esc(f"{w.locked_through:%b %Y}"),
            esc(w.variance_rows) if w.variance_rows else NA,
        ]
        for w in written
    ]
    heads = ["Project", "Name", "Project manager", "Workbook", "Template", "Locked through", "Variances to explain"]
    projects = html_table(heads, rows, numeric=[False] * 6 + [True])
    gallery = [
        [
            f'<a href="{GALLERY_DIR}/{esc(p.name)}">{esc(p.name)}</a>',
            esc(k.title),
            esc(k.purpose),
        ]
        for k, p in zip(KINDS.values(), blanks, strict=True)
    ]
    blank_table = html_table(["File", "Template", "Purpose"], gallery, numeric=[False] * 3)
    title = f"Workbooks for {target:%B %Y}"
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<style>{css}</style></head><body class="pmo-report"><header class="pmo-doc-header">'
        f'<h1 class="pmo-title">{esc(title)}</h1></header><main class="pmo-doc">'
        f"<h2>Project workbooks</h2><p>Send each project manager their workbook: the status date is "
        f"{target:%B %Y}; the months already reported are locked (grey) and the open risks, pending "
        "changes, unachieved milestones and variance explanations are carried; a row is added on the "
        "Variances sheet for each threshold breach still to explain.</p>"
        f"{projects}<h2>Blank templates</h2>{blank_table}"
        '<p class="pmo-note">Made by <code>pmoreports template next</code>.</p></main></body></html>'
    )
    return sanitize_html(page)
