"""``newsletter metrics``: catch the roll-ups up by hand and show the guard's view."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from newsletter.extensions import db
from newsletter.metrics import guard, rollup, snapshots
from newsletter.metrics.rates import window_reputation
from newsletter.metrics.tables import format_rate
from newsletter.models.base import utcnow


@click.group("metrics")
def metrics_group() -> None:
    """Dashboard figures and the reputation guard."""


@metrics_group.command("rollup")
@click.option("--campaign", "campaign_ids", type=int, multiple=True, help="Also recompute.")
@with_appcontext
def rollup_command(campaign_ids: tuple[int, ...]) -> None:
    """Count every event not yet counted and refresh the snapshots that are due.

    The metrics service does this every few seconds; run it after restoring a backup or to
    see the figures at once.
    """
    session = db.session
    result = rollup.roll_up_all_events(session)
    touched = result.campaigns | rollup.recount_sends(session) | set(campaign_ids)
    due = snapshots.campaigns_due(session, touched, utcnow(), 0)
    for campaign_id in sorted(set(due) | set(campaign_ids)):
        snapshots.store_campaign_snapshot(session, campaign_id)
    snapshots.store_overall_snapshot(session)
    session.commit()
    click.echo(f"counted {result.events} events; snapshots of campaigns {sorted(due) or '-'}")


@metrics_group.command("reputation")
@with_appcontext
def reputation_command() -> None:
    """The rolling window's rates, the alarm levels and the open alarms."""
    settings = current_app.config["NEWSLETTER"]
    window = window_reputation(db.session, utcnow(), settings.reputation_window_hours)
    click.echo(
        f"last {settings.reputation_window_hours} h: bounce {format_rate(window.bounce.value)} "
        f"({window.bounced} of {window.sent}, alarm {format_rate(settings.bounce_alarm_rate)}), "
        f"complaint {format_rate(window.complaint.value)} ({window.complained} of "
        f"{window.complaint.denominator}, alarm {format_rate(settings.complaint_alarm_rate)})"
    )
    alarms = guard.open_alarms(db.session)
    for alarm in alarms:
        click.echo(f"OPEN #{alarm.id} {alarm.raised_at:%Y-%m-%d %H:%M} UTC: {alarm.reason}")
    if not alarms:
        click.echo("no open alarm")
