"""``newsletter ses ...`` and ``newsletter tracking ...``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from newsletter.config import Settings
from newsletter.extensions import db
from newsletter.tracking.apple_ranges import DEFAULT_FILE, RefreshError, refresh
from newsletter.tracking.ses.aws import aws_clients
from newsletter.tracking.ses.check import blocks_sending, run_check
from newsletter.tracking.ses.setup import run_setup
from newsletter.tracking.sns.inbox import retry_failed

COLOURS = {"ok": "green", "warn": "yellow", "fail": "red", "unavailable": "blue"}


def _settings() -> Settings:
    settings: Settings = current_app.config["NEWSLETTER"]
    return settings


@click.group("ses")
def ses_group() -> None:
    """Set up and check Amazon SES event publishing."""


@ses_group.command("setup")
@click.option(
    "--ses-tracking",
    is_flag=True,
    help="Also publish SES's own Open and Click events (merged with ours, never double-counted).",
)
@with_appcontext
def setup_command(ses_tracking: bool) -> None:
    """Create (or find) the configuration set, SNS topic, webhook subscription and event
    destination. Exits non-zero until every piece is in place."""
    steps = run_setup(aws_clients(), _settings(), ses_tracking=ses_tracking)
    width = max(len(step.name) for step in steps)
    for step in steps:
        colour = "green" if step.done else "yellow"
        click.echo(
            f"{click.style(f'{step.outcome:<11}', fg=colour)} {step.name:<{width}}  {step.detail}"
        )
    if not all(step.done for step in steps) or len(steps) < 4:
        raise SystemExit(1)


@ses_group.command("check")
@with_appcontext
def check_command() -> None:
    """Report identity verification, DKIM, MAIL FROM, sandbox, quota and event publishing,
    with what to fix. Exits non-zero when something blocks sending."""
    findings = run_check(aws_clients(), _settings())
    width = max(len(finding.name) for finding in findings)
    for finding in findings:
        status = click.style(f"{finding.status:<11}", fg=COLOURS[finding.status])
        click.echo(f"{status} {finding.name:<{width}}  {finding.summary}")
        if finding.fix:
            click.echo(f"{'':<11} {'':<{width}}  fix: {finding.fix}")
    if blocks_sending(findings):
        click.secho("something blocks sending; fix the lines marked fail", fg="red")
        raise SystemExit(1)


@ses_group.command("retry-failed")
@with_appcontext
def retry_failed_command() -> None:
    """Put SNS messages that failed processing back in the queue."""
    with db.session_scope() as session:
        count = retry_failed(session)
    click.echo(f"{count} messages queued again")


@click.group("tracking")
def tracking_group() -> None:
    """Open and click tracking."""


@tracking_group.command("refresh-apple-ranges")
@click.option("--url", default=None, help="Where to download Apple's egress list (CSV).")
@click.option(
    "--file",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read the list from a file instead of downloading it.",
)
@click.option("--timeout", default=60.0, show_default=True, help="Download timeout in seconds.")
@with_appcontext
def refresh_apple_ranges_command(url: str | None, source: Path | None, timeout: float) -> None:
    """Rewrite the Apple Mail Privacy Protection relay ranges from Apple's published list."""
    if url and source:
        raise click.UsageError("give --url or --file, not both")
    configured = _settings().apple_relay_ranges_file
    target = Path(configured) if configured else DEFAULT_FILE
    try:
        report = refresh(target, url=url, source_file=source, timeout=timeout)
    except RefreshError as exc:
        raise click.ClickException(f"{exc}; {target} is unchanged") from exc
    click.echo(
        f"wrote {report.networks} networks ({report.rows} rows, {report.rejected} unreadable) "
        f"to {report.path}; running processes pick them up at their next write"
    )
