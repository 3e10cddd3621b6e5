"""Bounce and complaint rates over the rolling window and per campaign, from the roll-ups.

Both the guard and the dashboard use these, so what pauses sending is what operators see.
Bounce rate: hard bounces over messages sent. Complaint rate: complaints over messages
delivered (SES Delivery events), or over messages sent where no deliveries are reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.metrics.funnel import Rate
from newsletter.metrics.sql import floor_hour
from newsletter.models import EventHour, SendHour

BOUNCE = "bounce"
COMPLAINT = "complaint"
#: Event kinds the reputation rates read from the hourly roll-up.
REPUTATION_KINDS = ("bounce_hard", "complaint", "delivery")


@dataclass(frozen=True)
class Reputation:
    """Sent, delivered, hard-bounced and complained counts of a window or a campaign."""

    sent: int
    delivered: int
    bounced: int
    complained: int

    @property
    def bounce(self) -> Rate:
        return Rate(self.bounced, self.sent)

    @property
    def complaint(self) -> Rate:
        return Rate(self.complained, self.delivered or self.sent)

    def rate(self, metric: str) -> Rate:
        """The rate named ``bounce`` or ``complaint``."""
        return self.bounce if metric == BOUNCE else self.complaint


def window_reputation(session: Session, end: dt.datetime, hours: int) -> Reputation:
    """Counts over the whole hours from ``end - hours`` to ``end`` (the current one included)."""
    start = floor_hour(end - dt.timedelta(hours=hours))
    sent = session.scalar(select(func.sum(SendHour.sent)).where(SendHour.hour >= start))
    events = _event_totals(session, EventHour.hour >= start)
    return Reputation(
        sent=int(sent or 0),
        delivered=events.get("delivery", 0),
        bounced=events.get("bounce_hard", 0),
        complained=events.get("complaint", 0),
    )


def campaign_reputation(session: Session, campaign_id: int, sent: int) -> Reputation:
    """Counts of one campaign; ``sent`` is its live sent counter from the ledger."""
    events = _event_totals(session, EventHour.campaign_id == campaign_id)
    return Reputation(
        sent=sent,
        delivered=events.get("delivery", 0),
        bounced=events.get("bounce_hard", 0),
        complained=events.get("complaint", 0),
    )


def _event_totals(session: Session, condition: object) -> dict[str, int]:
    # Machine-flagged rows are left out: a scanner cannot bounce or complain, and the flag
    # only ever marks opens and clicks.
    rows = session.execute(
        select(EventHour.kind, func.sum(EventHour.count))
        .where(
            condition,  # type: ignore[arg-type]
            EventHour.kind.in_(REPUTATION_KINDS),
            EventHour.is_machine.is_(False),
        )
        .group_by(EventHour.kind)
    ).all()
    return {kind: int(total or 0) for kind, total in rows}
