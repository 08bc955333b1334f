"""The ``pmoreports`` command line: a thin layer over the library.

Library errors (:class:`~pmoreports.errors.PmoError`) become one clear message
on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import SEVERITIES, Issue, PmoError, UnreadableWorkbookError
from .paths import (
    DEMO_DIR,
    EXAMPLES_DIR,
    OUTPUT_DIR,
    PARAMS_DIR,
    TEMPLATES_DIR,
)
from .workbook.demo import HISTORY_DIR, write_demo, write_demo_history
from .workbook.kinds import DEFAULT_KIND, KINDS, kind_note
from .workbook.model import ProjectData
from .workbook.reader import CheckResult, check_workbook, current_month
from .workbook.restatement import MAJOR, Restatement, find_restatements, not_comparable
from .workbook.schema import COST_CATEGORIES, field_reference_markdown
from .workbook.template import TemplateSpec, month_range

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2
HISTORY_ENV = "PMOREPORTS_HISTORY"
"""Environment variable with the history database URL (``pmoreports.pipeline.history.HISTORY_ENV``)."""


def _friendly(func: F) -> F:
    """Turn library errors, and files or folders that cannot be written, into one line on
    stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PmoError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.secho(f"error: {where}{exc.strerror or exc}", fg="red", err=True)
        sys.exit(EXIT_ERRORS)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmoreports")
def main() -> None:
    """Excel templates, project metrics and status reports for a PMO."""


@main.group()
def template() -> None:
    """Create and check project workbooks."""


def _month(_: click.Context, __: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(f"{value}-01" if len(value) == 7 else value).replace(day=1)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month; use YYYY-MM, e.g. 2026-03") from None


@template.command("new")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the .xlsx file.",
)
@click.option("--project-id", help="Project ID (letters, digits, - _ .).")
@click.option("--name", help="Project name.")
@click.option("--manager", help="Project manager.")
@click.option("--sponsor", help="Sponsor.")
@click.option("--programme", help="Programme the project belongs to.")
@click.option("--currency", help="ISO 4217 currency code, e.g. EUR.")
@click.option("--start", callback=_month, help="Baseline start month, YYYY-MM.")
@click.option("--finish", callback=_month, help="Baseline finish month, YYYY-MM.")
@click.option("--status", callback=_month, help="Status month being reported, YYYY-MM.")
@click.option("--wbs", multiple=True, help="A WBS element (repeat for each), e.g. '1.2 Design'.")
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice(COST_CATEGORIES),
    help="A cost category to lay out for each WBS element (repeat).",
)
@click.option(
    "--kind",
    "kind_name",
    type=click.Choice(list(KINDS)),
    default=DEFAULT_KIND.name,
    show_default=True,
    help="Which template of the gallery (`pmoreports template list`).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_friendly
def template_new(
    output: Path,
    force: bool,
    kind_name: str,
    start: dt.date | None,
    finish: dt.date | None,
    wbs: Sequence[str],
    categories: Sequence[str],
    **fields: Any,
) -> None:
    """Write a blank template of a kind (default: the project workbook), or one pre-filled
    for a project.

    With --start and --finish the month columns are laid out from the baseline;
    without them, the month headers follow the baseline start typed in the
    workbook.
    """
    if output.exists() and not force:
        raise click.UsageError(f"{output} exists; use --force to overwrite it")
    if (start is None) != (finish is None):
        raise click.UsageError("give both --start and --finish (or neither)")
    if start and finish and finish < start:
        raise click.UsageError("--finish is before --start")
    fields = {k: v for k, v in fields.items() if v is not None}
    status = fields.pop("status", None)
    fields |= {"baseline_start": start, "baseline_finish": finish, "status_date": status}
    if fields.get("currency"):
        fields["currency"] = str(fields["currency"]).upper()
    months = month_range(start, finish) if start and finish else ()
    spec = TemplateSpec(fields=fields, months=months, wbs=tuple(wbs), categories=tuple(categories))
    from .workbook.gallery import write_kind_template

    write_kind_template(output, kind_name, spec)
    click.echo(f"wrote {output} ({KINDS[kind_name].title.lower()})")


@template.command("list")
def template_list() -> None:
    """List the template gallery: each kind, its purpose and its sheets."""
    for kind in KINDS.values():
        click.echo(f"{kind.name:<14} {kind.title}: {kind.purpose}")
        click.echo(f"{'':<14} sheets: {', '.join(kind.sheet_names)}")
    click.echo("`pmoreports template new --kind KIND -o FILE.xlsx` writes one.")


@template.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Only print files with critical findings, and only those.")
@click.option(
    "--params",
    "params_file",
    type=click.Path(path_type=Path),
    help="A project's parameter file: check variances against its thresholds (default: the kit's).",
)
@click.option(
    "--previous",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Last period's workbook of the same project: also list what FILE changed in what it reported.",
)
def template_check(
    files: Sequence[Path], as_json: bool, quiet: bool, params_file: Path | None, previous: Path | None
) -> None:
    """Check filled workbooks and list every finding at once, most severe first.

    Each finding has a severity (critical: the workbook cannot be used; major;
    minor) and a stable code; each file gets a data-quality score (100 minus 25
    per critical, 5 per major and 1 per minor finding, at least 0).

    With --previous OLD.xlsx, also list the restatements: actual costs or progress of
    reported months, the baseline, approved changes, milestone baselines, WBS elements or
    categories that FILE changed against OLD, each with its cell, old and new value and a
    severity (major or minor). They do not change the exit status.

    Exit status: 0 when every file is usable (major and minor findings allowed), 1 when a
    workbook has critical findings, 2 when a file is not a usable workbook at all.
    """
    from .metrics.quality import check_quality, quality_score
    from .metrics.variances import VarianceThresholds

    status = EXIT_OK
    report: list[dict[str, Any]] = []
    try:
        today = current_month()
        thresholds = VarianceThresholds()
        if params_file is not None:
            from .report.params import load_params

            thresholds = load_params(params_file).variance
        old = _previous_workbook(previous, today)
    except UnreadableWorkbookError as exc:
        click.secho(f"error: --previous {exc}", fg="red", err=True)
        sys.exit(EXIT_UNUSABLE)
    except PmoError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(EXIT_ERRORS)
    for path in files:
        try:
            result = check_quality(check_workbook(path, today=today), thresholds)
        except UnreadableWorkbookError as exc:
            status = EXIT_UNUSABLE
            report.append({"file": str(path), "unusable": str(exc), "issues": []})
            if not as_json:
                click.secho(f"{path}: UNUSABLE", fg="red", bold=True)
                click.echo(f"  {exc}")
            continue
        if result.errors:
            status = max(status, EXIT_ERRORS)
        issues = _by_severity(result)
        entry: dict[str, Any] = {
            "file": str(path),
            "kind": result.data.kind if result.data is not None else None,
            "score": quality_score(issues),
            "counts": {s: sum(i.severity == s for i in issues) for s in SEVERITIES},
            "issues": [i.to_dict() for i in issues],
        }
        found, why = None, None
        if old is not None and result.data is not None:
            why = not_comparable(old, result.data)
            found = find_restatements(old, result.data) if why is None else None
        if found is not None:
            entry["restatements"] = [r.to_dict() for r in found]
        if why is not None:
            entry["not_compared"] = f"--previous {previous}: {why}"
        report.append(entry)
        if not as_json:
            _print_check(path, result, quiet)
            if why is not None:
                click.secho(f"  not compared with --previous {previous}: {why}", fg="yellow")
            if found is not None and previous is not None:
                _print_restatements(previous, found, quiet)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    sys.exit(status)


def _previous_workbook(path: Path | None, today: dt.date) -> ProjectData | None:
    """The --previous workbook, read (its own errors make it unusable here)."""
    if path is None:
        return None
    result = check_workbook(path, today=today)
    if result.data is None:
        problems = "; ".join(i.describe() for i in result.errors[:3])
        raise UnreadableWorkbookError(f"{path}: has errors, so it cannot be compared with ({problems})")
    return result.data


def _print_restatements(previous: Path, found: Sequence[Restatement], quiet: bool) -> None:
    major = sum(r.severity == MAJOR for r in found)
    if not found:
        if not quiet:
            click.secho(f"  nothing reported in {previous.name} was changed", fg="green")
        return
    click.secho(
        f"  {len(found)} restatement(s) against {previous.name} ({major} major, {len(found) - major} minor)",
        fg="yellow",
    )
    for r in found:
        click.echo(f"  {r.severity:<8} {r.to_issue().describe()} [{r.code}]")


def _by_severity(result: CheckResult) -> list[Issue]:
    """The findings of a check, most severe first (in the order found within a severity)."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(result.issues, key=lambda i: order[i.severity])


def _print_summary(path: Path, result: CheckResult) -> None:
    """``path: OK, data-quality score 78 (0 critical, 4 major, 2 minor)`` (or NOT USABLE)."""
    from .metrics.quality import quality_score

    issues = result.issues
    counts = ", ".join(f"{sum(i.severity == s for i in issues)} {s}" for s in SEVERITIES)
    score = f"data-quality score {quality_score(issues)} ({counts})"
    if result.errors:
        click.secho(f"{path}: NOT USABLE, {score}", fg="red", bold=True)
    else:
        click.secho(f"{path}: OK, {score}", fg="yellow" if issues else "green")


def _print_check(path: Path, result: CheckResult, quiet: bool) -> None:
    """:func:`_print_summary`, then one line per finding, most severe first:
    ``  major    Sheet!A1: message (found; expected) [CODE]``."""
    if quiet and not result.errors:
        return
    _print_summary(path, result)
    note = kind_note(result.data.kind) if result.data is not None else ""
    if note:
        click.echo(f"  note     {note}")
    for issue in _by_severity(result):
        if quiet and not issue.critical:
            continue
        click.echo(f"  {issue.severity:<8} {issue.describe()} [{issue.code}]")


@template.command("next")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--period", callback=_month, help="The month the new workbooks report, YYYY-MM (default: the next).")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=OUTPUT_DIR,
    show_default=True,
    help="Output root: the workbooks go to OUTPUT/<period>/_templates/.",
)
@_friendly
def template_next(sources: Sequence[Path], period: dt.date | None, output: Path) -> None:
    """Write next month's workbook of each project, and a templates.html page listing them.

    SOURCES are filled workbooks, or a folder of project parameter files (e.g. params/).
    Everything is kept; the status date moves one month (or to --period); month
    columns are added when needed; the months already reported are locked (no
    password); a Variances row is added for each threshold breach still to explain.
    """
    from .pipeline.handout import write_handout

    for handout in write_handout(sources, output, period, today=current_month()):
        for w in handout.workbooks:
            extra = f", {w.variance_rows} variance(s) to explain" if w.variance_rows else ""
            click.echo(f"wrote {w.path} ({w.manager}{extra})")
        click.echo(f"wrote {handout.page} ({len(handout.workbooks)} workbooks, {len(handout.blanks)} blank templates)")


@template.command("fields")
def template_fields() -> None:
    """Print the workbook field reference (Markdown)."""
    click.echo(field_reference_markdown(), nl=False)


@main.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEMO_DIR,
    show_default=True,
    help="Folder for templates/, examples/ and params/.",
)
@_friendly
def demo(out: Path) -> None:
    """Build the blank templates of the gallery and the demo portfolio, then check every workbook."""
    from .workbook.gallery import write_kind_template

    for kind in KINDS.values():
        blank = out / TEMPLATES_DIR / "excel" / kind.file_name
        write_kind_template(blank, kind)
        click.echo(f"wrote {blank}")
    written = write_demo(out / EXAMPLES_DIR, out / PARAMS_DIR)
    books = [p for p in written if p.suffix == ".xlsx"]
    click.echo(
        f"wrote {len(books)} demo workbooks to {out / EXAMPLES_DIR} and their parameter files to {out / PARAMS_DIR}"
    )
    earlier = [p for p in write_demo_history(out / EXAMPLES_DIR, out / PARAMS_DIR) if p.suffix == ".xlsx"]
    folders = sorted({p.parent.name for p in earlier})
    click.echo(
        f"wrote {len(earlier)} workbooks of the earlier periods {', '.join(folders)} to "
        f"{out / EXAMPLES_DIR / HISTORY_DIR} (parameter files: {out / PARAMS_DIR / HISTORY_DIR}/<period>/)"
    )
    from .metrics.quality import check_quality
    from .report.params import load_params

    failed = 0
    for book in books:
        params = out / PARAMS_DIR / f"{book.stem}.yaml"
        result = check_quality(check_workbook(book), load_params(params).variance)
        failed += bool(result.errors)
        _print_summary(book, result)
    click.echo("`pmoreports template check FILE` lists each workbook's findings.")
    if failed:
        raise PmoError(f"{failed} demo workbook(s) failed the check")


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    month = _month(ctx, param, value)
    return None if month is None else f"{month:%Y-%m}"


def _formats(_: click.Context, __: click.Parameter, value: str | None) -> list[str] | None:
    return None if value is None else [f.strip().lower() for f in value.split(",") if f.strip()]


def _report_options(what: str) -> Callable[[F], F]:
    """--period, --format, --output and --no-wait, shared by ``run`` and ``batch``."""

    def decorate(func: F) -> F:
        func = _history_option(func)
        func = click.option(
            "--no-wait",
            is_flag=True,
            help="If another run or batch is writing the period, exit 1 at once instead of waiting for it.",
        )(func)
        func = click.option(
            "--output",
            type=click.Path(file_okay=False, path_type=Path),
            default=OUTPUT_DIR,
            show_default=True,
            help=f"Output root; {what}.",
        )(func)
        func = click.option("--format", "formats", callback=_formats, help="Comma-separated: html,pdf.")(func)
        return click.option("--period", callback=_period, help="Reporting month YYYY-MM.")(func)

    return decorate


def _history_option(func: F) -> F:
    """--history URL (or the PMOREPORTS_HISTORY environment variable)."""
    return click.option(
        "--history",
        "history_url",
        envvar=HISTORY_ENV,
        metavar="URL",
        help=f"Reporting history database (SQLAlchemy URL, e.g. postgresql://host/db; env {HISTORY_ENV}). "
        "Default: OUTPUT/history.sqlite.",
    )(func)


def _waiting(message: str) -> None:
    """Tell the user that this command waits for another one's lock on the period (or
    what the reporting history did: its messages start with ``history:``)."""
    suffix = "" if message.startswith("history:") else " (--no-wait refuses instead)"
    click.secho(f"{message}{suffix}", fg="yellow", err=True)


def _command_line() -> str:
    """This command as typed (recorded in the period lock for other runs' messages)."""
    return shlex.join(["pmoreports", *sys.argv[1:]])


def _interrupted(exc: KeyboardInterrupt, what: str) -> NoReturn:
    """Ctrl-C or SIGTERM: say what was kept, exit 130."""
    from .pipeline.locks import LockWaitInterrupted

    message = f"{exc}; nothing was written" if isinstance(exc, LockWaitInterrupted) else f"interrupted: {what}"
    click.secho(message, fg="yellow", err=True)
    sys.exit(130)


@main.command("run")
@click.argument("params_file", type=click.Path(path_type=Path))
@_report_options("the report goes to OUTPUT/<period>/<project>/")
@_friendly
def run(
    params_file: Path,
    period: str | None,
    formats: list[str] | None,
    output: Path,
    no_wait: bool,
    history_url: str | None,
) -> None:
    """Run one project's status report (HTML, PDF, metrics) from its parameter file.

    Another run or batch writing the same period is waited for (--no-wait: exit 1).
    """
    from .pipeline.run import run_project

    try:
        result = run_project(
            params_file,
            period=period,
            formats=formats,
            output=output,
            wait=not no_wait,
            notify=_waiting,
            command=_command_line(),
            history=history_url,
        )
    except KeyboardInterrupt as exc:
        _interrupted(exc, "last run's report is untouched; no half-written file was left")
    names = ", ".join(p.name for p in result.files if p.name.startswith("report."))
    click.echo(f"{result.project_id} {result.period}: {names} in {result.out_dir} ({result.seconds:.1f} s)")


@main.command("batch")
@click.argument("params_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("params"))
@_report_options("the batch writes OUTPUT/<period>/")
@click.option("--jobs", type=click.IntRange(1), help="Parallel worker processes (default: CPU count).")
@click.option("--only", help="Comma-separated project IDs to run (others keep last run's outputs).")
@click.option("--force", is_flag=True, help="Rerun projects whose inputs have not changed.")
@click.option("--timeout", type=click.IntRange(5), help="Seconds per notebook cell before a project fails.")
@click.option("--scheduler", help="Dask scheduler address (tcp://host:8786) to run on a cluster.")
@_friendly
def batch(
    params_dir: Path,
    period: str | None,
    jobs: int | None,
    only: str | None,
    force: bool,
    formats: list[str] | None,
    timeout: int | None,
    scheduler: str | None,
    output: Path,
    no_wait: bool,
    history_url: str | None,
) -> None:
    """Run every project's report in parallel, then the portfolio summary and index page.

    Exit status 0 when every project reported (or was skipped as unchanged), 1 otherwise.
    Another run or batch writing the same period is waited for (--no-wait: exit 1).
    """
    from .pipeline.batch import run_batch
    from .pipeline.progress import Progress

    ids = [x.strip() for x in only.split(",") if x.strip()] if only else None
    try:
        with Progress() as progress:
            result = run_batch(
                params_dir,
                period=period,
                jobs=jobs,
                only=ids,
                force=force,
                formats=formats,
                timeout=timeout,
                output=output,
                scheduler=scheduler,
                progress=progress.update,
                wait=not no_wait,
                notify=_waiting,
                command=_command_line(),
                history=history_url,
            )
    except KeyboardInterrupt as exc:
        _interrupted(
            exc,
            "finished projects have their new reports, the others keep last run's "
            "(see manifest.json); no half-written file was left",
        )
    progress.summary(result)
    if result.failed or result.portfolio_error:
        sys.exit(EXIT_ERRORS)


# -- the reporting history ------------------------------------------------------------------------


def _history_options(func: F) -> F:
    """--output and --history, shared by the ``history`` commands."""
    func = _history_option(func)
    return click.option(
        "--output",
        type=click.Path(file_okay=False, path_type=Path),
        default=OUTPUT_DIR,
        show_default=True,
        help="Output root whose reports the history indexes.",
    )(func)


def _told(message: str) -> None:
    click.secho(message, fg="yellow", err=True)


@main.group("history")
def history_group() -> None:
    """The reporting history: every period's metrics, findings and workbooks.

    Written by every successful run and batch into OUTPUT/history.sqlite (or the database
    given with --history); the output folders stay the source of truth.
    """


@history_group.command("list")
@_history_options
@_friendly
def history_list(output: Path, history_url: str | None) -> None:
    """List the periods in the history, with the projects by overall RAG."""
    from .pipeline.history import History

    with History.open(output, history_url, notify=_told) as store:
        store.sync()
        summary = store.summary()
        label = store.label
    if summary.empty:
        click.echo(f"{label}: no reported period yet (run `pmoreports batch` first)")
        return
    click.echo(f"{label}: {len(summary)} period(s)")
    click.echo(f"{'period':<8} {'projects':>8} {'red':>5} {'amber':>6} {'green':>6} {'n/a':>5}")
    for r in summary.itertuples(index=False):
        click.echo(f"{r.period:<8} {r.projects:>8} {r.red:>5} {r.amber:>6} {r.green:>6} {r.grey:>5}")


_SHOWN = ("rag_overall", "cpi", "spi_t", "eac", "bac", "pct_complete", "restatements_major")


@history_group.command("show")
@click.argument("project")
@click.option("--last", type=click.IntRange(1), default=12, show_default=True, help="Periods to show.")
@_history_options
@_friendly
def history_show(project: str, last: int, output: Path, history_url: str | None) -> None:
    """Show one project's metrics as reported each period."""
    from .pipeline.history import History
    from .report.trends import TREND_FIELDS

    with History.open(output, history_url, notify=_told) as store:
        store.sync()
        known = sorted(set(store.reports()["project"]))
        match = [p for p in known if p.casefold() == project.casefold()]
        if not match:
            hint = f"; known: {', '.join(known[:20])}" if known else ""
            raise PmoError(f"no project {project!r} in the history {store.label}{hint}")
        rows = store.trend(last=last, projects=match, series=False).rows
    currency = str(rows["currency"].iloc[-1]) if len(rows) else ""
    click.echo(f"{match[0]} - {rows['name'].iloc[-1] if len(rows) else ''} ({currency})")
    heads = ["period", *(c for c in _SHOWN if c in TREND_FIELDS)]
    click.echo("  ".join(f"{h:>14}" if i else f"{h:<8}" for i, h in enumerate(heads)))
    for _, r in rows.iterrows():
        cells = [f"{r['period']:<8}"] + [f"{_cell(r[c], c):>14}" for c in heads[1:]]
        click.echo("  ".join(cells))


def _cell(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, str):
        return value
    if column in ("cpi", "spi", "spi_t"):
        return f"{value:.2f}"
    if column.startswith("pct") or column.endswith("pct"):
        return f"{value:.1%}"
    return f"{value:,.0f}"


@history_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", "projects", multiple=True, help="Only this project (repeat for more).")
@click.option("--metric", "metrics", multiple=True, help="Only this metric key, e.g. cpi (repeat for more).")
@_history_options
@_friendly
def history_export(
    file: Path, projects: Sequence[str], metrics: Sequence[str], output: Path, history_url: str | None
) -> None:
    """Export the tidy history (period x project x metric) to FILE.csv or FILE.xlsx."""
    from .metrics._export import frame_csv
    from .pipeline.history import History
    from .report._excel import write_frame_workbook

    suffix = file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise click.UsageError(f"{file}: give a .csv or .xlsx file name")
    with History.open(output, history_url, notify=_told) as store:
        store.sync()
        frame = store.frame(projects=projects or None, metrics=metrics or None)
    if suffix == ".csv":
        from ._files import atomic_write_text

        file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(file, frame_csv(frame))
    else:
        write_frame_workbook(file, frame, sheet="History")
    click.echo(f"wrote {len(frame):,} rows to {file}")


@history_group.command("rebuild")
@_history_options
@_friendly
def history_rebuild(output: Path, history_url: str | None) -> None:
    """Rebuild the history from the output folders (OUTPUT/<period>/<project>/)."""
    from .pipeline.history import History

    with History.open(output, history_url, notify=_told) as store:
        periods = store.rebuild()
        label = store.label
    click.echo(f"rebuilt {label} from {len(periods)} period folder(s)" + (f": {', '.join(periods)}" if periods else ""))
