"""Factories that build valid rows with as little ceremony as a test needs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.auth.users import create_staff_user
from newsletter.models import (
    Campaign,
    CampaignStatus,
    ConsentMethod,
    Delivery,
    DeliveryState,
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


def make_campaign(session: Session, name: str = "Daily 2026-03-01") -> Campaign:
    """A campaign of a minimal issue, as the delivery ledger refers to it."""
    issue = Issue(slug=f"issue-{name.lower().replace(' ', '-')}", title=name)
    campaign = Campaign(issue=issue, name=name, status=CampaignStatus.SENDING)
    session.add(campaign)
    session.flush()
    return campaign


def make_delivery(
    session: Session,
    campaign: Campaign,
    subscriber: Subscriber,
    *,
    state: DeliveryState = DeliveryState.SENT,
) -> Delivery:
    """One reader's row of a campaign's ledger."""
    delivery = Delivery(
        campaign_id=campaign.id,
        subscriber_id=subscriber.id,
        variant_key="-",
        state=state,
        sent_at=utcnow() if state is DeliveryState.SENT else None,
    )
    session.add(delivery)
    session.flush()
    return delivery
