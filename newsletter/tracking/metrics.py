"""Engagement figures of a campaign, people and machines counted apart.

Unique figures are counts of deliveries whose first-occurrence column is set, so a reader who
opened through our pixel and SES's counts once. ``opened`` counts human opens (a human click
implies one); ``machine_opened_only`` counts deliveries that only machines opened (Apple's
privacy relay, prefetching, scanners): they may or may not have been read, and are reported,
not counted as opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from newsletter.models import Delivery, Event, EventType, TrackedLink


@dataclass(frozen=True)
class Engagement:
    """Unique deliveries per outcome for one campaign."""

    sent: int
    delivered: int
    opened: int
    machine_opened_only: int
    clicked: int
    bounced: int
    complained: int
    unsubscribed: int

    @property
    def open_rate(self) -> float:
        """Human opens over delivered (sent when SES reports no deliveries)."""
        base = self.delivered or self.sent
        return self.opened / base if base else 0.0

    @property
    def click_rate(self) -> float:
        """Human clicks over delivered (sent when SES reports no deliveries)."""
        base = self.delivered or self.sent
        return self.clicked / base if base else 0.0


def campaign_engagement(session: Session, campaign_id: int) -> Engagement:
    """The unique figures of one campaign, from its delivery rows."""
    machine_only = and_(Delivery.machine_opened_at.is_not(None), Delivery.opened_at.is_(None))
    row = session.execute(
        select(
            func.count(Delivery.sent_at),
            func.count(Delivery.delivered_at),
            func.count(Delivery.opened_at),
            func.coalesce(func.sum(case((machine_only, 1), else_=0)), 0),
            func.count(Delivery.clicked_at),
            func.count(Delivery.bounced_at),
            func.count(Delivery.complained_at),
            func.count(Delivery.unsubscribed_at),
        ).where(Delivery.campaign_id == campaign_id)
    ).one()
    return Engagement(*(int(value) for value in row))


@dataclass(frozen=True)
class MachineCounts:
    """Events of one kind by who caused them: people, and machines by reason."""

    human: int
    machine: dict[str, int]

    @property
    def machine_total(self) -> int:
        """Machine events of every reason."""
        return sum(self.machine.values())


def event_counts(session: Session, campaign_id: int, kind: EventType) -> MachineCounts:
    """All open or click events of a campaign (both channels), human and machine by reason."""
    rows = session.execute(
        select(Event.is_machine, Event.machine_reason, func.count())
        .where(Event.campaign_id == campaign_id, Event.type == kind)
        .group_by(Event.is_machine, Event.machine_reason)
    )
    human = 0
    machine: dict[str, int] = {}
    for is_machine, reason, count in rows:
        if is_machine:
            machine[reason or "unknown"] = machine.get(reason or "unknown", 0) + count
        else:
            human += count
    return MachineCounts(human, machine)


@dataclass(frozen=True)
class LinkClicks:
    """Clicks of one link of the issue: readers who clicked it, and machine clicks."""

    link_id: int
    position: int
    url: str
    readers: int
    machine_clicks: int


def link_clicks(session: Session, campaign_id: int) -> list[LinkClicks]:
    """Per link of the campaign's issue: distinct deliveries with a human click, machine clicks."""
    human = func.count(func.distinct(case((Event.is_machine.is_(False), Event.delivery_id))))
    machine = func.coalesce(func.sum(case((Event.is_machine.is_(True), 1), else_=0)), 0)
    rows = session.execute(
        select(TrackedLink.id, TrackedLink.position, TrackedLink.url, human, machine)
        .join(Event, Event.link_id == TrackedLink.id)
        .where(Event.campaign_id == campaign_id, Event.type == EventType.CLICK)
        .group_by(TrackedLink.id, TrackedLink.position, TrackedLink.url)
        .order_by(TrackedLink.position)
    )
    return [LinkClicks(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]
