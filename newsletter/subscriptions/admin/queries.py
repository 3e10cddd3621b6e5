"""Finding readers and suppression entries for the operators' pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from newsletter.models import (
    Campaign,
    Delivery,
    Event,
    Subscriber,
    SubscriberStatus,
    SubscriberTopic,
    Suppression,
    SuppressionReason,
    Topic,
)
from newsletter.pagination import Page, paginate

PAGE_SIZE = 50
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class ReaderFilter:
    """The list's search box and filters; empty strings mean "any"."""

    text: str = ""
    status: str = ""
    topic: str = ""
    locale: str = ""

    @classmethod
    def from_args(cls, args: Any) -> ReaderFilter:
        """Read the filter from query arguments, ignoring values that mean nothing."""
        status = args.get("status", "")
        locale = args.get("locale", "")
        return cls(
            text=args.get("q", "").strip()[:320],
            status=status if status in {s.value for s in SubscriberStatus} else "",
            topic=args.get("topic", "").strip()[:40],
            locale=locale if locale in {"zh_CN", "en"} else "",
        )


def find_readers(session: Session, wanted: ReaderFilter, number: int = 1) -> Page[Subscriber]:
    """Readers matching ``wanted``, newest first, one page at a time."""
    query = _reader_query(wanted)
    ordered = query.order_by(Subscriber.created_at.desc(), Subscriber.id.desc())
    page: Page[Subscriber] = paginate(session, ordered, number, PAGE_SIZE)
    return page


def _reader_query(wanted: ReaderFilter) -> Select[Subscriber]:
    query = select(Subscriber)
    if wanted.text:
        pattern = f"%{_escape_like(wanted.text.lower())}%"
        query = query.where(
            or_(
                Subscriber.email.like(pattern, escape="\\"),
                func.lower(Subscriber.name).like(pattern, escape="\\"),
            )
        )
    if wanted.status:
        query = query.where(Subscriber.status == SubscriberStatus(wanted.status))
    if wanted.locale:
        query = query.where(Subscriber.locale == wanted.locale)
    if wanted.topic:
        chose = (
            select(SubscriberTopic.subscriber_id)
            .join(Topic, Topic.id == SubscriberTopic.topic_id)
            .where(Topic.slug == wanted.topic)
        )
        query = query.where(Subscriber.id.in_(chose))
    return query


def status_counts(session: Session) -> dict[str, int]:
    """How many readers have each status."""
    rows = session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status))
    counts = {status.value: 0 for status in SubscriberStatus}
    counts.update({status.value: count for status, count in rows})
    return counts


def reader_events(session: Session, subscriber_id: int) -> list[Event]:
    """The reader's latest events, newest first."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.subscriber_id == subscriber_id)
            .order_by(Event.occurred_at.desc(), Event.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )


def reader_deliveries(session: Session, subscriber_id: int) -> list[tuple[Delivery, str]]:
    """The reader's latest deliveries with their campaign's name, newest first."""
    rows = session.execute(
        select(Delivery, Campaign.name)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.subscriber_id == subscriber_id)
        .order_by(Delivery.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return [(delivery, name) for delivery, name in rows]


def suppression_history(session: Session, email: str) -> list[Suppression]:
    """Every entry ever made for ``email``, lifted ones included, newest first."""
    return list(
        session.scalars(
            select(Suppression)
            .where(Suppression.email == email)
            .order_by(Suppression.created_at.desc(), Suppression.id.desc())
        )
    )


def find_suppressions(
    session: Session, text: str = "", state: str = "active", reason: str = "", number: int = 1
) -> Page[Suppression]:
    """Suppression entries matching the search, newest first."""
    query = select(Suppression)
    if text:
        pattern = f"%{_escape_like(text.strip().lower())}%"
        query = query.where(Suppression.email.like(pattern, escape="\\"))
    if state == "active":
        query = query.where(Suppression.lifted_at.is_(None))
    elif state == "lifted":
        query = query.where(Suppression.lifted_at.is_not(None))
    if reason in {r.value for r in SuppressionReason}:
        query = query.where(Suppression.reason == SuppressionReason(reason))
    ordered = query.order_by(Suppression.created_at.desc(), Suppression.id.desc())
    page: Page[Suppression] = paginate(session, ordered, number, PAGE_SIZE)
    return page


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
