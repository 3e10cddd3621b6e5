"""Per-campaign figure sets computed from the ledger, stored so the page reads one row.

A campaign's funnel counts the ledger's first-occurrence columns (one row per reader, each
set once by event processing), grouped by topic mix and state in one pass over the
campaign's rows; clicks per link come from its click events. Both cost time proportional to
the campaign, so the roll-up service recomputes them only for campaigns that changed, and
the page reads the stored result.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from newsletter.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    Event,
    EventType,
    MetricSnapshot,
    SubscriberStatus,
    SubscriberTopic,
    Topic,
    TrackedLink,
)
from newsletter.models.base import utcnow
from newsletter.models.subscribers import Subscriber

CAMPAIGN = "campaign"
OVERALL = "overall"
#: What is counted per group, named as in the snapshot's ``groups`` rows. Machine opens count
#: deliveries that only machines opened (privacy relays, scanners), as
#: ``newsletter.tracking.metrics`` defines them: humans and machines add up to "any open".
COUNTED: dict[str, Any] = {
    "sent": func.count(Delivery.sent_at),
    "delivered": func.count(Delivery.delivered_at),
    "bounced": func.count(Delivery.bounced_at),
    "complained": func.count(Delivery.complained_at),
    "opened": func.count(Delivery.opened_at),
    "machine_opened": func.count(
        case((Delivery.opened_at.is_(None), Delivery.machine_opened_at), else_=None)
    ),
    "clicked": func.count(Delivery.clicked_at),
    "unsubscribed": func.count(Delivery.unsubscribed_at),
}
COUNT_NAMES = (
    "sent",
    "delivered",
    "bounced",
    "complained",
    "opened",
    "machine_opened",
    "clicked",
    "unsubscribed",
)


def compute_campaign(session: Session, campaign_id: int) -> dict[str, Any]:
    """The campaign's counts per (topic mix, state) and its clicks per link."""
    return {
        "groups": _groups(session, campaign_id),
        "links": _links(session, campaign_id),
    }


def _groups(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    columns = [COUNTED[name] for name in COUNT_NAMES]
    rows = session.execute(
        select(Delivery.variant_key, Delivery.state, func.count(), *columns)
        .where(Delivery.campaign_id == campaign_id)
        .group_by(Delivery.variant_key, Delivery.state)
    ).all()
    groups = []
    for variant, state, rows_count, *counts in rows:
        group: dict[str, Any] = {"variant": variant, "state": str(state), "rows": rows_count}
        group.update(zip(COUNT_NAMES, (int(c) for c in counts), strict=True))
        groups.append(group)
    return groups


def _links(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Event.link_id,
            Event.is_machine,
            func.count(),
            func.count(func.distinct(Event.delivery_id)),
        )
        .where(
            Event.campaign_id == campaign_id,
            Event.type == EventType.CLICK,
            Event.link_id.is_not(None),
        )
        .group_by(Event.link_id, Event.is_machine)
    ).all()
    tallies: dict[int, dict[str, int]] = {}
    for link_id, machine, clicks, readers in rows:
        tally = tallies.setdefault(int(link_id or 0), {"clicks": 0, "readers": 0, "machine": 0})
        if machine:
            tally["machine"] += int(clicks)
        else:
            tally["clicks"] += int(clicks)
            tally["readers"] += int(readers)
    return [{"link_id": k, **v} for k, v in sorted(tallies.items())]


def store_campaign_snapshot(session: Session, campaign_id: int) -> MetricSnapshot:
    """Compute and store one campaign's snapshot; the caller commits."""
    started = time.perf_counter()
    data = compute_campaign(session, campaign_id)
    elapsed = int((time.perf_counter() - started) * 1000)
    return _store(session, CAMPAIGN, str(campaign_id), data, elapsed)


def load_snapshot(session: Session, scope: str, key: str) -> MetricSnapshot | None:
    """The stored snapshot of ``scope``/``key``, if one was computed."""
    return session.get(MetricSnapshot, (scope, key))


def campaigns_due(
    session: Session, touched: set[int], now: dt.datetime, min_interval: float
) -> list[int]:
    """Campaigns whose snapshot should be recomputed in this pass.

    Touched campaigns and campaigns in flight are recomputed unless their snapshot is
    younger than ``min_interval`` seconds, stretched for campaigns whose snapshot is slow,
    so a million-row campaign does not keep the database busy; campaigns that were started
    but never measured are computed once.
    """
    flying = set(
        session.scalars(
            select(Campaign.id).where(
                Campaign.status.in_([CampaignStatus.SENDING, CampaignStatus.PAUSED])
            )
        )
    )
    started = set(session.scalars(select(Campaign.id).where(Campaign.started_at.is_not(None))))
    known = {
        int(key): (computed, duration)
        for key, computed, duration in session.execute(
            select(
                MetricSnapshot.key, MetricSnapshot.computed_at, MetricSnapshot.duration_ms
            ).where(MetricSnapshot.scope == CAMPAIGN)
        )
    }
    due = [c for c in started if c not in known]
    for campaign_id in sorted((touched | flying) & (started | set(known))):
        if campaign_id in known and campaign_id not in due:
            computed, duration = known[campaign_id]
            wait = max(min_interval, duration / 1000 * 20)
            if (now - computed).total_seconds() >= wait:
                due.append(campaign_id)
    return sorted(set(due))


def store_overall_snapshot(session: Session) -> MetricSnapshot:
    """Readers per topic now (confirmed readers who chose each topic); the caller commits."""
    started = time.perf_counter()
    rows = session.execute(
        select(Topic.slug, func.count(Subscriber.id))
        .select_from(Topic)
        .outerjoin(SubscriberTopic, SubscriberTopic.topic_id == Topic.id)
        .outerjoin(
            Subscriber,
            (Subscriber.id == SubscriberTopic.subscriber_id)
            & (Subscriber.status == SubscriberStatus.CONFIRMED),
        )
        .group_by(Topic.slug)
    ).all()
    confirmed = session.scalar(
        select(func.count()).where(Subscriber.status == SubscriberStatus.CONFIRMED)
    )
    data = {"topics": {slug: int(n) for slug, n in rows}, "confirmed": int(confirmed or 0)}
    elapsed = int((time.perf_counter() - started) * 1000)
    return _store(session, OVERALL, "readers", data, elapsed)


def _store(
    session: Session, scope: str, key: str, data: dict[str, Any], elapsed_ms: int
) -> MetricSnapshot:
    snapshot = session.get(MetricSnapshot, (scope, key))
    if snapshot is None:
        snapshot = MetricSnapshot(scope=scope, key=key)
        session.add(snapshot)
    snapshot.data = data
    snapshot.computed_at = utcnow()
    snapshot.duration_ms = elapsed_ms
    session.flush()
    return snapshot


def links_of_campaign(session: Session, campaign_id: int) -> list[TrackedLink]:
    """The link registry of the campaign's issue, in position order."""
    issue_id = select(Campaign.issue_id).where(Campaign.id == campaign_id).scalar_subquery()
    return list(
        session.scalars(
            select(TrackedLink)
            .where(TrackedLink.issue_id == issue_id)
            .order_by(TrackedLink.position)
        )
    )
