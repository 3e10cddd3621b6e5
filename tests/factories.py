"""Factories that build valid rows with as little ceremony as a test needs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.auth.users import create_staff_user
from newsletter.models import (
    ConsentMethod,
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
