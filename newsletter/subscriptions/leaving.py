"""Readers leaving: unsubscribing, bouncing and complaining, each effective at once.

Each function is idempotent, records one event (kept after the reader erases their data),
suppresses the address and marks the delivery the reader left from. Rows of campaigns still
sending are skipped by the sender, which re-checks eligibility before every message.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import (
    Delivery,
    Event,
    EventSource,
    EventType,
    Subscriber,
    SubscriberStatus,
    SuppressionReason,
    utcnow,
)
from newsletter.subscriptions.suppression import suppress

_REASON_FOR_STATUS = {
    SubscriberStatus.UNSUBSCRIBED: SuppressionReason.UNSUBSCRIBED,
    SubscriberStatus.BOUNCED: SuppressionReason.HARD_BOUNCE,
    SubscriberStatus.COMPLAINED: SuppressionReason.COMPLAINT,
}


def unsubscribe(
    session: Session,
    subscriber: Subscriber,
    *,
    source: str,
    delivery: Delivery | None = None,
    event_source: EventSource = EventSource.READER,
    actor: audit.Actor | None = None,
) -> bool:
    """Unsubscribe a reader from everything; False when they had already left."""
    return _leave(
        session,
        subscriber,
        SubscriberStatus.UNSUBSCRIBED,
        EventType.UNSUBSCRIBE,
        source=source,
        delivery=delivery,
        event_source=event_source,
        actor=actor,
    )


def mark_bounced(
    session: Session, subscriber: Subscriber, *, source: str, delivery: Delivery | None = None
) -> bool:
    """A hard bounce: the address does not exist; never mail it again."""
    return _leave(
        session,
        subscriber,
        SubscriberStatus.BOUNCED,
        None,
        source=source,
        delivery=delivery,
        event_source=EventSource.SES,
        actor=audit.SYSTEM,
    )


def mark_complained(
    session: Session, subscriber: Subscriber, *, source: str, delivery: Delivery | None = None
) -> bool:
    """A spam complaint: unsubscribe and suppress."""
    return _leave(
        session,
        subscriber,
        SubscriberStatus.COMPLAINED,
        None,
        source=source,
        delivery=delivery,
        event_source=EventSource.SES,
        actor=audit.SYSTEM,
    )


def _leave(
    session: Session,
    subscriber: Subscriber,
    status: SubscriberStatus,
    event_type: EventType | None,
    *,
    source: str,
    delivery: Delivery | None,
    event_source: EventSource,
    actor: audit.Actor | None,
) -> bool:
    suppress(session, subscriber.email, _REASON_FOR_STATUS[status], source=source, actor=actor)
    if delivery is not None and status is SubscriberStatus.UNSUBSCRIBED:
        # Only the first unsubscribe from a delivery counts towards the campaign's figures.
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.unsubscribed_at.is_(None))
            .values(unsubscribed_at=utcnow())
        )
    if subscriber.status in _REASON_FOR_STATUS:
        return False
    subscriber.status = status
    subscriber.unsubscribed_at = utcnow()
    if event_type is not None:
        session.add(
            Event(
                type=event_type,
                source=event_source,
                subscriber_id=subscriber.id,
                campaign_id=delivery.campaign_id if delivery else None,
                delivery_id=delivery.id if delivery else None,
                detail={"source": source},
            )
        )
    session.flush()
    return True
