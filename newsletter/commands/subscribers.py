"""``newsletter subscribers``: import and export the list from the command line."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click
from flask import current_app
from flask.cli import with_appcontext

from newsletter import audit
from newsletter.extensions import db
from newsletter.models import SubscriberStatus
from newsletter.subscriptions.transfer.exporter import count_readers, write_csv
from newsletter.subscriptions.transfer.importer import ImportSummary
from newsletter.subscriptions.transfer.jobs import create_job, import_options, run_job
from newsletter.subscriptions.transfer.plan import Outcome

CLI_ACTOR = audit.Actor("system", None, "cli")
EXPORTS = Path("subscribers") / "exports"


@click.group("subscribers")
def subscribers_group() -> None:
    """Import and export readers (the CSV contract is in subscribers/README.md)."""


@subscribers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every line and report; write nothing.")
@click.option("--quiet", is_flag=True, help="Print only the totals, not line by line.")
@with_appcontext
def import_command(file: Path, dry_run: bool, quiet: bool) -> None:
    """Import readers from FILE (CSV or TSV, UTF-8); safe to run again with the same file."""
    options = import_options(current_app.config["NEWSLETTER"], dry_run=dry_run)
    session = db.new_session()
    try:
        job = create_job(session, file.name, dry_run=dry_run, actor=CLI_ACTOR)
        session.commit()
        with _progress() as show:
            summary = run_job(session, job, file, options, actor=CLI_ACTOR, progress=show)
        if summary is None:
            raise click.ClickException(job.error)
        _print_summary(summary, quiet)
    finally:
        session.close()


@contextlib.contextmanager
def _progress() -> Iterator[Any]:
    """A progress bar per phase (checking lines, then writing them) on stderr."""
    bars: dict[str, Any] = {}

    def show(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            label = {"checking": "checking lines ", "importing": "importing lines"}[phase]
            bar = bars[phase] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.length = max(bar.length or 0, total)
        bar.update(done - bar.pos)

    try:
        yield show
    finally:
        for bar in bars.values():
            bar.__exit__(None, None, None)


def _print_summary(summary: ImportSummary, quiet: bool) -> None:
    verb = "would be" if summary.dry_run else "were"
    if not quiet:
        for result in summary.report:
            reason = f": {result.reason}" if result.reason else ""
            click.echo(f"line {result.line}: {result.email or '-'} {result.outcome.value}{reason}")
    counts = summary.counts
    click.echo(
        f"{summary.lines} lines: {counts[Outcome.CREATED]} {verb} created, "
        f"{counts[Outcome.UPDATED]} updated, {counts[Outcome.UNCHANGED]} already as the file "
        f"says, {counts[Outcome.REJECTED]} rejected"
    )
    if summary.unknown_columns:
        click.echo(f"ignored unknown columns: {', '.join(summary.unknown_columns)}")
    if summary.dry_run:
        click.echo("dry run: nothing was written")


@subscribers_group.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--status",
    type=click.Choice([status.value for status in SubscriberStatus]),
    help="Only readers with this status.",
)
@with_appcontext
def export_command(file: Path | None, status: str | None) -> None:
    """Export readers as CSV to FILE ('-' for standard output; default subscribers/exports/)."""
    wanted = SubscriberStatus(status) if status else None
    session = db.new_session()
    try:
        if file is not None and str(file) == "-":
            for _written in write_csv(session, sys.stdout, wanted):
                pass
            return
        target = file or EXPORTS / f"readers-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        total = count_readers(session, wanted)
        with target.open("w", encoding="utf-8", newline="") as out:
            written = _export_with_bar(session, out, wanted, total)
        audit.record(session, "subscribers.export", actor=CLI_ACTOR, detail={"rows": written})
        session.commit()
        click.echo(f"exported {written} readers to {target}")
    finally:
        session.close()


def _export_with_bar(session: Any, out: TextIO, status: SubscriberStatus | None, total: int) -> int:
    written = 0
    with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
        for written in write_csv(session, out, status):
            bar.update(written - bar.pos)
    return written
