"""A reader's own data: all of it on request, and erased for good while totals stay."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import (
    Delivery,
    DeliveryState,
    Event,
    EventSource,
    EventType,
    Subscriber,
    SubscriberStatus,
    SubscriberTopic,
    Suppression,
)
from newsletter.subscriptions.leaving import unsubscribe
from newsletter.subscriptions.privacy import erase_reader, reader_data
from newsletter.subscriptions.signup import (
    SignupOutcome,
    SignupRequest,
    find_subscriber,
    request_subscription,
)
from newsletter.subscriptions.suppression import active_suppression, lift
from tests.factories import make_campaign, make_delivery, make_subscriber


def test_the_data_export_holds_the_readers_history(app: Flask, session: Session) -> None:
    reader = make_subscriber(session, "li@example.org", ["capital"], name="李伟")
    delivery = make_delivery(session, make_campaign(session), reader)
    unsubscribe(session, reader, source="one-click", delivery=delivery)
    data = reader_data(session, reader)
    assert data["subscriber"]["status"] == "unsubscribed"
    assert [e["type"] for e in data["events"]] == ["unsubscribe"]
    assert data["deliveries"][0]["unsubscribed_at"] is not None
    assert [s["reason"] for s in data["suppressions"]] == ["unsubscribed"]


def test_erasing_keeps_campaign_totals_without_the_reader(app: Flask, session: Session) -> None:
    reader = make_subscriber(session, "li@example.org", ["capital"])
    campaign = make_campaign(session)
    delivery = make_delivery(session, campaign, reader, state=DeliveryState.FAILED)
    delivery.last_error = "550 5.1.1 <li@example.org>: no such user"
    session.add(
        Event(
            type=EventType.OPEN,
            source=EventSource.TRACKING,
            subscriber_id=reader.id,
            delivery_id=delivery.id,
            campaign_id=campaign.id,
            ip="203.0.113.0/24",
            user_agent="Mail/1.0",
        )
    )
    session.flush()
    kept = erase_reader(session, reader, actor=audit.SYSTEM)
    session.commit()
    session.expire_all()
    assert kept is False
    assert session.get(Subscriber, reader.id) is None
    assert session.scalar(select(func.count()).select_from(SubscriberTopic)) == 0
    row = session.get(Delivery, delivery.id)
    assert row is not None
    assert (row.subscriber_id, row.campaign_id) == (None, campaign.id)
    assert row.last_error == "550 5.1.1 <[erased]>: no such user"
    [event] = session.scalars(select(Event))
    assert (event.subscriber_id, event.ip, event.user_agent) == (None, None, None)
    assert event.campaign_id == campaign.id


def test_an_erased_reader_who_had_left_stays_unmailable(app: Flask, session: Session) -> None:
    reader = make_subscriber(session, "li@example.org")
    unsubscribe(session, reader, source="footer")
    old = active_suppression(session, "li@example.org")
    assert old is not None
    lift(session, old, reason="test", actor=audit.SYSTEM)
    unsubscribe(session, reader, source="footer")  # already left: suppress again
    session.flush()
    assert erase_reader(session, reader, actor=audit.SYSTEM) is True
    session.commit()
    entries = session.scalars(select(Suppression)).all()
    assert [(e.email, e.reason.value, e.note, e.lifted_at) for e in entries] == [
        ("li@example.org", "unsubscribed", "", None)
    ]
    assert find_subscriber(session, "li@example.org") is None
    again = request_subscription(
        session, SignupRequest(email="li@example.org"), resend_after=dt.timedelta(minutes=10)
    )
    assert again.outcome is SignupOutcome.SEND_CONFIRMATION
    assert again.subscriber is not None
    assert again.subscriber.status is SubscriberStatus.PENDING
    assert active_suppression(session, "li@example.org") is not None  # until confirmed
