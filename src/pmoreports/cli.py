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
    BLANK_TEMPLATE_NAME,
    DEMO_DIR,
    EXAMPLES_DIR,
    OUTPUT_DIR,
    PARAMS_DIR,
    TEMPLATES_DIR,
)
from .workbook.demo import write_demo
from .workbook.reader import CheckResult, check_workbook, current_month
from .workbook.schema import COST_CATEGORIES, field_reference_markdown
from .workbook.template import TemplateSpec, month_range, write_template

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2


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
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_friendly
def template_new(
    output: Path,
    force: bool,
    start: dt.date | None,
    finish: dt.date | None,
    wbs: Sequence[str],
    categories: Sequence[str],
    **fields: Any,
) -> None:
    """Write a blank template, or one pre-filled for a project.

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
    write_template(output, spec)
    click.echo(f"wrote {output}")


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
def template_check(files: Sequence[Path], as_json: bool, quiet: bool, params_file: Path | None) -> None:
    """Check filled workbooks and list every finding at once, most severe first.

    Each finding has a severity (critical: the workbook cannot be used; major;
    minor) and a stable code; each file gets a data-quality score (100 minus 25
    per critical, 5 per major and 1 per minor finding, at least 0). Exit status:
    0 when every file is usable (major and minor findings allowed), 1 when a
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
        report.append(
            {
                "file": str(path),
                "score": quality_score(issues),
                "counts": {s: sum(i.severity == s for i in issues) for s in SEVERITIES},
                "issues": [i.to_dict() for i in issues],
            }
        )
        if not as_json:
            _print_check(path, result, quiet)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    sys.exit(status)


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
    for issue in _by_severity(result):
        if quiet and not issue.critical:
            continue
        click.echo(f"  {issue.severity:<8} {issue.describe()} [{issue.code}]")


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
    """Build the blank template and the demo portfolio, then check every workbook."""
    blank = write_template(out / TEMPLATES_DIR / "excel" / BLANK_TEMPLATE_NAME)
    click.echo(f"wrote {blank}")
    written = write_demo(out / EXAMPLES_DIR, out / PARAMS_DIR)
    books = [p for p in written if p.suffix == ".xlsx"]
    click.echo(
        f"wrote {len(books)} demo workbooks to {out / EXAMPLES_DIR} and their parameter files to {out / PARAMS_DIR}"
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


def _waiting(message: str) -> None:
    """Tell the user that this command waits for another one's lock on the period."""
    click.secho(f"{message} (--no-wait refuses instead)", fg="yellow", err=True)


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
def run(params_file: Path, period: str | None, formats: list[str] | None, output: Path, no_wait: bool) -> None:
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
