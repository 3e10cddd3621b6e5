"""``newsletter campaigns status`` and ``send``: progress on the command line.

``status`` prints a campaign's counts, or follows them with a progress bar (``--watch``)
while the workers send. ``send`` starts a campaign if it has not started and sends it from
this very process, batch after batch through the same function the workers run, so a small
list needs no worker at all; a pause or cancel from elsewhere stops it within a second.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from newsletter.delivery import lifecycle
from newsletter.delivery.cli_common import cli_actor, load
from newsletter.delivery.errors import TransitionError
from newsletter.delivery.sender import send_batch
from newsletter.extensions import db
from newsletter.metrics.progress import Progress, progress_of
from newsletter.models import CampaignStatus

#: Seconds between looks at the ledger while watching, or while rows wait to be retried.
POLL_SECONDS = 1.0


def _line(progress: Progress) -> str:
    return (
        f"campaign {progress.campaign_id} {progress.status}: {progress.sent} sent, "
        f"{progress.failed} failed, {progress.skipped} skipped, {progress.queued} queued, "
        f"{progress.deferred} deferred, {progress.in_doubt} in doubt of {progress.recipients}"
    )


@click.command("status")
@click.argument("campaign_id", type=int)
@click.option("--watch", is_flag=True, help="Follow with a progress bar until it stops sending.")
@with_appcontext
def status_command(campaign_id: int, watch: bool) -> None:
    """A campaign's progress; with --watch a live bar while it sends."""
    session = db.session
    campaign = load(session, campaign_id)
    progress = progress_of(session, campaign)
    if watch and campaign.status in (CampaignStatus.SENDING, CampaignStatus.SCHEDULED):
        with click.progressbar(length=max(progress.recipients, 1), label="sending") as bar:
            progress = _follow(session, campaign_id, bar, lambda: time.sleep(POLL_SECONDS))
    click.echo(_line(progress))
    if progress.pause_reason:
        click.echo(f"paused because: {progress.pause_reason}")


@click.command("send")
@click.argument("campaign_id", type=int)
@click.option("--reason", default="sent from the command line", help="Kept in the audit log.")
@with_appcontext
def send_command(campaign_id: int, reason: str) -> None:
    """Start the campaign if needed and send it from this process, with a progress bar."""
    session = db.session
    campaign = load(session, campaign_id)
    if campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        actor = cli_actor()
        try:
            lifecycle.start(session, campaign, actor=actor, reason=reason)
        except TransitionError as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
    elif campaign.status is not CampaignStatus.SENDING:
        raise click.ClickException(
            f"campaign {campaign.id} is {campaign.status.value}; only a draft, scheduled or "
            "sending campaign can be sent (resume a paused one first)"
        )
    worker = f"{socket.gethostname()}:{os.getpid()}:cli"
    total = max(progress_of(session, campaign).recipients, 1)
    with click.progressbar(length=total, label=f"campaign {campaign.id}") as bar:
        progress = _follow(session, campaign_id, bar, lambda: _one_batch(campaign_id, worker))
    click.echo(_line(progress))
    if progress.pause_reason:
        click.echo(f"paused because: {progress.pause_reason}")


def _one_batch(campaign_id: int, worker: str) -> None:
    report = send_batch(campaign_id, worker)
    if not report.more:
        with db.session_scope() as session:
            lifecycle.complete_if_done(session, campaign_id)
        time.sleep(POLL_SECONDS if not report.claimed else 0)


def _follow(session: Session, campaign_id: int, bar: Any, step: Callable[[], None]) -> Progress:
    """Call ``step`` and move ``bar`` until the campaign is no longer sending."""
    shown = 0
    while True:
        campaign = load(session, campaign_id)
        progress = progress_of(session, campaign)
        bar.update(progress.done - shown)
        shown = progress.done
        session.rollback()  # end the read, so the next look sees the workers' commits
        if campaign.status not in (CampaignStatus.SENDING, CampaignStatus.SCHEDULED):
            return progress
        step()
