"""``newsletter campaigns``: create, schedule, start, pause, resume, cancel and settle rows.

Every command goes through the lifecycle or recovery functions, so the command line obeys
the same rules and leaves the same audit trail as the web pages. A refused change prints
why (``Error: campaign 12 is sent; only ...``) and exits 1 with nothing changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from newsletter.delivery import audience, lifecycle, recovery
from newsletter.delivery.campaign_facts import campaign_history, campaign_summary
from newsletter.delivery.cli_common import cli_actor, load
from newsletter.delivery.cli_progress import send_command, status_command
from newsletter.delivery.errors import AudienceError, RecoveryError, TransitionError
from newsletter.delivery.transitions import allowed_actions
from newsletter.delivery.wall_time import local_text, parse_wall_time
from newsletter.extensions import db
from newsletter.issues.commands import find_issue
from newsletter.metrics.progress import attention_rows
from newsletter.models import Campaign, CampaignStatus

F = TypeVar("F", bound=Callable[..., Any])
STATUSES = click.Choice([status.value for status in CampaignStatus])


def domain_errors(command: F) -> F:
    """Turn the domain's refusals into a clean ``Error: ...`` and roll back the session."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (TransitionError, AudienceError, RecoveryError) as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc

    return run  # type: ignore[return-value]


@click.group("campaigns")
def campaigns_group() -> None:
    """Send issues: create, schedule, start, pause, resume, cancel, resend or drop rows."""


@campaigns_group.command("list")
@click.option("--status", type=STATUSES, help="Only campaigns in this status.")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 10_000))
@with_appcontext
def list_command(status: str | None, limit: int) -> None:
    """The newest campaigns with their status and progress."""
    query = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if status:
        query = query.where(Campaign.status == CampaignStatus(status))
    campaigns = db.session.scalars(query).all()
    if not campaigns:
        click.echo("no campaigns: create one with `newsletter campaigns create ISSUE`")
        return
    click.echo(f"{'id':>5}  {'status':<10} {'sent':>15} {'failed':>7}  {'scheduled':<31} name")
    for c in campaigns:
        sent = f"{c.sent_count}/{c.recipients_count}"
        when = local_text(c.scheduled_at, c.schedule_timezone) or "-"
        click.echo(f"{c.id:>5}  {c.status.value:<10} {sent:>15} {c.failed_count:>7}  "
                   f"{when:<31} {c.name}")  # fmt: skip


@campaigns_group.command("show")
@click.argument("campaign_id", type=int)
@with_appcontext
def show_command(campaign_id: int) -> None:
    """A campaign's state, progress, rows needing an operator and history."""
    session = db.session
    campaign = load(session, campaign_id)
    for label, value in campaign_summary(session, campaign):
        click.echo(f"{label + ':':<18} {value}")
    click.echo(f"{'actions:':<18} {', '.join(allowed_actions(campaign.status)) or '-'}")
    rows = attention_rows(session, campaign.id, limit=20)
    if rows:
        click.echo("\nfailed or in doubt (first 20):")
        for row in rows:
            click.echo(f"  {row['delivery_id']:>8}  {row['state']:<9} {row['email']:<32} "
                       f"{row['reason']}")  # fmt: skip
    click.echo("\nhistory:")
    for entry in campaign_history(session, campaign.id):
        click.echo(f"  {entry.when}  {entry.action:<11} {entry.who:<28} {entry.why}")


@campaigns_group.command("create")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--topics", default="", help="Only readers of these topics, comma-separated.")
@click.option("--match", type=click.Choice(audience.MATCHES), default="any", show_default=True,
              help="With --topics: readers of any of them, or of all of them.")  # fmt: skip
@click.option("--name", default="", help="Default: the issue's title.")
@with_appcontext
@domain_errors
def create_command(issue_ref: str, topics: str, match: str, name: str) -> None:
    """Create a draft campaign of ISSUE (its id or slug)."""
    session = db.session
    issue = find_issue(session, issue_ref)
    if issue is None:
        raise click.ClickException(f"no issue {issue_ref!r}; `newsletter issues list`")
    rule = {"topics": topics, "match": match} if topics.strip() else None
    campaign = lifecycle.create_campaign(session, issue, actor=cli_actor(), audience=rule,
                                         name=name)  # fmt: skip
    session.commit()
    click.echo(f"created campaign {campaign.id} (draft) of issue {issue.slug} for "
               f"{audience.describe(campaign.audience)}")  # fmt: skip


@campaigns_group.command("schedule")
@click.argument("campaign_id", type=int)
@click.argument("when", metavar='"YYYY-MM-DD HH:MM"')
@click.option("--timezone", default=None,
              help="The zone of WHEN; default the campaign's (Asia/Shanghai).")  # fmt: skip
@click.option("--reason", default="", help="Why (kept in the audit log).")
@with_appcontext
@domain_errors
def schedule_command(campaign_id: int, when: str, timezone: str | None, reason: str) -> None:
    """Schedule a campaign at a wall time, e.g. "2026-04-08 08:00"."""
    session = db.session
    campaign = load(session, campaign_id)
    zone = timezone or campaign.schedule_timezone or current_app.config["NEWSLETTER"].timezone
    lifecycle.schedule(session, campaign, at=parse_wall_time(when), timezone=zone,
                       actor=cli_actor(), reason=reason)  # fmt: skip
    session.commit()
    click.echo(f"campaign {campaign.id} scheduled for "
               f"{local_text(campaign.scheduled_at, zone)}")  # fmt: skip


def _simple_change(name: str, change: Callable[..., Any], done: str, *, needs_reason: bool) -> None:
    """Register ``campaigns NAME ID [--reason]`` calling ``change``."""

    # A required option must have no default: click takes an explicit None as given.
    reason_option = (
        click.option("--reason", required=True, help="Why (kept in the audit log). Required.")
        if needs_reason
        else click.option("--reason", default="", help="Why (kept in the audit log).")
    )

    @click.argument("campaign_id", type=int)
    @reason_option
    @with_appcontext
    @domain_errors
    def command(campaign_id: int, reason: str) -> None:
        session = db.session
        campaign = load(session, campaign_id)
        result = change(session, campaign, actor=cli_actor(), reason=reason)
        session.commit()
        extra = f" ({result} rows)" if isinstance(result, int) else ""
        click.echo(f"campaign {campaign.id} {done}: now {campaign.status.value}{extra}")

    command.__doc__ = f"{done.capitalize()} a campaign."
    campaigns_group.command(name)(command)


_simple_change("unschedule", lifecycle.unschedule, "unscheduled", needs_reason=False)
_simple_change("start", lifecycle.start, "started", needs_reason=False)
_simple_change("pause", lifecycle.pause, "paused", needs_reason=True)
_simple_change("resume", lifecycle.resume, "resumed", needs_reason=False)


@campaigns_group.command("cancel")
@click.argument("campaign_id", type=int)
@click.option("--reason", required=True, help="Why (kept in the audit log). Required.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@domain_errors
def cancel_command(campaign_id: int, reason: str, yes: bool) -> None:
    """Cancel a campaign; rows not yet sent end cancelled. Cannot be undone."""
    session = db.session
    campaign = load(session, campaign_id)
    if not yes:
        click.confirm(f"Cancel campaign {campaign.id} ({campaign.name})? This cannot be undone",
                      abort=True)  # fmt: skip
    cancelled = lifecycle.cancel(session, campaign, actor=cli_actor(), reason=reason)
    session.commit()
    click.echo(f"campaign {campaign.id} cancelled; {cancelled} rows will not be sent")


def _parse_ids(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise click.BadParameter("give delivery ids like 12,15,19", param_hint="--ids") from exc


def _settle(name: str, settle: Callable[..., int], verb: str, done: str) -> None:
    """Register ``campaigns resend|drop ID [--ids] --reason [--yes]``."""

    @click.argument("campaign_id", type=int)
    @click.option("--ids", default=None, help="Only these delivery ids, comma-separated; "
                  "default every failed and in-doubt row.")  # fmt: skip
    @click.option("--reason", required=True, help="Why (kept in the audit log). Required.")
    @click.option("--yes", is_flag=True, help="Confirm without being asked.")
    @with_appcontext
    @domain_errors
    def command(campaign_id: int, ids: str | None, reason: str, yes: bool) -> None:
        session = db.session
        campaign = load(session, campaign_id)
        wanted = _parse_ids(ids)
        if not yes:
            count = len(
                wanted if wanted is not None else attention_rows(session, campaign.id, None)
            )
            click.confirm(f"{verb} {count} failed or in-doubt rows of campaign {campaign.id}?",
                          abort=True)  # fmt: skip
        changed = settle(session, campaign, wanted, actor=cli_actor(), reason=reason)
        session.commit()
        click.echo(f"campaign {campaign.id}: {changed} rows {done}")

    command.__doc__ = f"{verb} a campaign's failed and in-doubt rows (after confirmation)."
    campaigns_group.command(name)(command)


_settle("resend", recovery.resend, "Resend", "queued again")
_settle("drop", recovery.drop, "Drop", "dropped")
campaigns_group.add_command(status_command)
campaigns_group.add_command(send_command)
