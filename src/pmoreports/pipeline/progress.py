"""Live progress and the final summary of a batch, on the terminal.

On a terminal the status line is redrawn in place (done / failed / skipped,
elapsed, ETA); otherwise (CI logs) one line is printed per finished project.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType

import click

from .batch import CANCELLED, FAILED, OK, SKIPPED, BatchResult, Outcome

__all__ = ["Progress"]

_COLOURS = {OK: "green", SKIPPED: "cyan", FAILED: "red", CANCELLED: "yellow"}


class Progress:
    """Callable progress display for :func:`pmoreports.batch.run_batch`."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.counts = {OK: 0, SKIPPED: 0, FAILED: 0, CANCELLED: 0}
        self.tty = sys.stderr.isatty()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.tty:
            click.echo("", err=True)

    def update(self, outcome: Outcome, done: int, total: int) -> None:
        """Record one finished project and redraw the status."""
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1
        elapsed = time.perf_counter() - self.start
        ran = self.counts[OK] + self.counts[FAILED]
        eta = elapsed / ran * (total - done) if ran and done < total else 0.0
        line = (
            f"[{done}/{total}] ok {self.counts[OK]}  failed {self.counts[FAILED]}  "
            f"skipped {self.counts[SKIPPED]}  elapsed {elapsed:.0f}s  ETA {eta:.0f}s"
        )
        if self.tty:
            click.echo(f"\r{line}  ", nl=False, err=True)
        else:
            click.echo(f"{line}  <- {outcome.project_id} {outcome.status}", err=True)

    def summary(self, result: BatchResult) -> None:
        """The final table: one line per project, then where the index page is."""
        click.echo(f"\n{'project':<12} {'status':<9} {'seconds':>8}  {'RAG':<6} note")
        for o in sorted(result.outcomes, key=lambda o: o.project_id):
            note = " ".join(line.strip(" -") for line in o.error.splitlines()[:2])
            status = click.style(f"{o.status:<9}", fg=_COLOURS.get(o.status))
            click.echo(f"{o.project_id:<12} {status} {o.seconds:>8.1f}  {o.rag or '-':<6} {note[:120]}")
        counts = ", ".join(f"{result.count(s)} {s}" for s in (OK, SKIPPED, FAILED, CANCELLED) if result.count(s))
        click.echo(f"\n{len(result.outcomes)} projects: {counts} in {result.seconds:.1f} s")
        if result.portfolio_error:
            click.secho(f"portfolio summary failed: {result.portfolio_error}", fg="red")
        click.echo(f"manifest: {result.out_dir / 'manifest.json'}")
        click.echo(f"index:    {result.out_dir / 'index.html'}")
