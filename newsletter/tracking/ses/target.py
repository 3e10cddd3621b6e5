"""Which delivery and reader an SES event concerns, and recording it as an event row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.models import Delivery, Event, EventSource, EventType, Subscriber
from newsletter.subscriptions.addresses import InvalidAddress, normalise_email
from newsletter.tracking.ingest import IngestContext
from newsletter.tracking.ses.records import SesRecord

MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class EventContext:
    """What event handlers need from the configuration."""

    settings: Settings
    ingest: IngestContext


@dataclass
class Target:
    """The delivery an event names (by tag or SES message id) and its reader."""

    delivery: Delivery | None
    subscriber: Subscriber | None


def find_target(session: Session, record: SesRecord) -> Target:
    """Find the delivery by the ``delivery`` message tag, else by SES's message id."""
    delivery = None
    tag = record.tag("delivery")
    if tag is not None and tag.isdigit() and 0 < int(tag) <= MAX_ID:
        delivery = session.get(Delivery, int(tag))
    if delivery is None and record.message_id:
        delivery = session.scalar(
            select(Delivery).where(Delivery.transport_message_id == record.message_id).limit(1)
        )
    subscriber = None
    if delivery is not None and delivery.subscriber_id is not None:
        subscriber = session.get(Subscriber, delivery.subscriber_id)
    if subscriber is None and delivery is None and len(record.destination) == 1:
        subscriber = subscriber_by_address(session, record.destination[0])
    return Target(delivery, subscriber)


def normalised(address: str) -> str:
    """The stored form of an address SES reports (lower-cased if it does not validate)."""
    try:
        return normalise_email(address)
    except InvalidAddress:
        return address.strip().lower()


def subscriber_by_address(session: Session, address: str) -> Subscriber | None:
    """The reader with this address, if any."""
    return session.scalar(select(Subscriber).where(Subscriber.email == normalised(address)))


def affected(
    session: Session, target: Target, items: list[dict[str, Any]]
) -> list[tuple[str, Subscriber | None, dict[str, Any]]]:
    """(address, reader, recipient object) for each recipient a bounce or complaint names.

    Our messages have one recipient, so a known delivery means its reader; otherwise (a
    message sent without tags) each named address is looked up.
    """
    if target.subscriber is not None and target.delivery is not None:
        return [(target.subscriber.email, target.subscriber, items[0] if items else {})]
    found = []
    for item in items:
        address = normalised(item["emailAddress"])
        found.append((address, subscriber_by_address(session, address), item))
    return found


def add_event(
    session: Session,
    record: SesRecord,
    target: Target,
    event_type: EventType,
    detail: dict[str, Any],
    *,
    subscriber: Subscriber | None = None,
) -> None:
    """Store the event with the delivery's campaign, the delivery and the reader."""
    delivery = target.delivery
    reader = subscriber or target.subscriber
    session.add(
        Event(
            type=event_type,
            source=EventSource.SES,
            occurred_at=record.timestamp,
            campaign_id=delivery.campaign_id if delivery else None,
            delivery_id=delivery.id if delivery else None,
            subscriber_id=reader.id if reader else None,
            detail={"message_id": record.message_id, **detail},
        )
    )


def clip(value: object, limit: int = 1000) -> str | None:
    """A text field of a record, cut to ``limit`` characters."""
    return value[:limit] if isinstance(value, str) else None
