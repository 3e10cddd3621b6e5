"""Factories that build valid rows with as little ceremony as a test needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.auth.users import create_staff_user
from newsletter.models import (
    Campaign,
    CampaignStatus,
    ConsentMethod,
    Delivery,
    DeliveryState,
    Event,
    EventSource,
    EventType,
    Issue,
    Role,
    StaffUser,
    Subscriber,
    SubscriberStatus,
    Topic,
    utcnow,
)

TEST_PASSWORD = "correct horse battery"


def make_staff(session: Session, email: str, roles: Iterable[str], name: str = "") -> StaffUser:
    """A staff account with the test password and the given role names."""
    return create_staff_user(session, email, TEST_PASSWORD, [Role(r) for r in roles], name=name)


def make_subscriber(
    session: Session,
    email: str,
    topics: Iterable[str] = (),
    *,
    status: SubscriberStatus = SubscriberStatus.CONFIRMED,
    name: str = "",
    locale: str = "zh_CN",
) -> Subscriber:
    """A reader with the given topic slugs (topics must be seeded)."""
    subscriber = Subscriber(email=email, name=name, status=status, locale=locale)
    wanted = set(topics)
    if wanted:
        subscriber.topics = list(session.scalars(select(Topic).where(Topic.slug.in_(wanted))))
    if status is SubscriberStatus.CONFIRMED:
        subscriber.confirmed_at = subscriber.consent_at = utcnow()
        subscriber.consent_method = ConsentMethod.SIGNUP_FORM
    session.add(subscriber)
    session.flush()
    return subscriber


def make_issue(session: Session, title: str = "AI前沿发展日报 2026-04-07", slug: str = "") -> Issue:
    """An issue with a title and a unique slug, no sections."""
    count = session.scalar(select(func.count()).select_from(Issue)) or 0
    issue = Issue(slug=slug or f"2026-04-07-{count + 1}", title=title, subject=title)
    session.add(issue)
    session.flush()
    return issue


def make_campaign(
    session: Session,
    issue: Issue | None = None,
    *,
    status: CampaignStatus = CampaignStatus.DRAFT,
    name: str = "",
    started_at: dt.datetime | None = None,
    **counters: int,
) -> Campaign:
    """A campaign of ``issue`` (a new one by default); ``counters`` set e.g. ``sent_count``."""
    campaign = Campaign(
        issue_id=(issue or make_issue(session)).id,
        name=name,
        status=status,
        started_at=started_at,
        snapshot_at=started_at,
        **counters,
    )
    session.add(campaign)
    session.flush()
    return campaign


def make_delivery(
    session: Session,
    campaign: Campaign,
    subscriber: Subscriber | None = None,
    *,
    variant_key: str = "*",
    state: DeliveryState = DeliveryState.QUEUED,
    **columns: object,
) -> Delivery:
    """One ledger row; ``columns`` set e.g. ``sent_at`` or ``opened_at``."""
    delivery = Delivery(
        campaign_id=campaign.id,
        subscriber_id=subscriber.id if subscriber else None,
        variant_key=variant_key,
        state=state,
        **columns,
    )
    session.add(delivery)
    session.flush()
    return delivery


def make_event(
    session: Session,
    type: EventType,
    *,
    delivery: Delivery | None = None,
    occurred_at: dt.datetime | None = None,
    source: EventSource | None = None,
    **columns: object,
) -> Event:
    """An event, of a delivery's campaign when ``delivery`` is given."""
    event = Event(
        type=type,
        source=source or (EventSource.SES if type in _SES_TYPES else EventSource.TRACKING),
        occurred_at=occurred_at or utcnow(),
        campaign_id=delivery.campaign_id if delivery else None,
        delivery_id=delivery.id if delivery else None,
        subscriber_id=delivery.subscriber_id if delivery else None,
        **columns,
    )
    session.add(event)
    session.flush()
    return event


_SES_TYPES = frozenset(
    {EventType.SEND, EventType.DELIVERY, EventType.BOUNCE, EventType.COMPLAINT, EventType.REJECT}
)
