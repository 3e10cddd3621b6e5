"""SES events about sending itself: Send, Delivery, Reject, DeliveryDelay, Rendering Failure,
and reconciling deliveries left in doubt."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import (
    Campaign,
    DeliveryState,
    Event,
    EventSource,
    EventType,
    Subscriber,
    SubscriberStatus,
)
from newsletter.tracking.metrics import campaign_engagement
from tests.tracking.conftest import Sns
from tests.tracking.helpers import (
    SentCampaign,
    bounce_detail,
    events_of,
    flush,
    fresh,
    ses_record,
)

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"}


def test_a_send_event_reconciles_an_in_doubt_delivery(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    delivery = sent.deliveries[0]
    delivery.state = DeliveryState.IN_DOUBT
    delivery.transport_message_id = None
    session.commit()
    sns.deliver(ses_record("Send", delivery, message_id="ses-proof-1"))
    delivery = fresh(session, delivery)
    assert delivery.state is DeliveryState.SENT
    assert delivery.transport_message_id == "ses-proof-1"
    assert fresh(session, sent.campaign).sent_count == 1
    [event] = events_of(session, EventType.SEND)
    assert (event.source, event.delivery_id, event.campaign_id) == (
        EventSource.SES,
        delivery.id,
        sent.campaign.id,
    )


@pytest.mark.parametrize("event_type", ["Delivery", "Bounce"])
def test_any_later_event_also_proves_an_in_doubt_delivery_was_sent(
    sns: Sns, session: Session, sent: SentCampaign, event_type: str
) -> None:
    sent.deliveries[0].state = DeliveryState.IN_DOUBT
    session.commit()
    sns.deliver(ses_record(event_type, sent.deliveries[0], bounce_detail("Transient", "General")))
    assert fresh(session, sent.deliveries[0]).state is DeliveryState.SENT


def test_a_rendering_failure_does_not_count_as_sent(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sent.deliveries[0].state = DeliveryState.IN_DOUBT
    session.commit()
    sns.deliver(ses_record("Rendering Failure", sent.deliveries[0], {"errorMessage": "bad"}))
    assert fresh(session, sent.deliveries[0]).state is DeliveryState.IN_DOUBT


def test_a_send_event_leaves_a_sent_delivery_alone(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sns.deliver(ses_record("Send", sent.deliveries[0]))
    assert fresh(session, sent.deliveries[0]).state is DeliveryState.SENT
    assert fresh(session, sent.campaign).sent_count == 0


def test_events_without_tags_find_the_delivery_by_ses_message_id(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    record = ses_record("Delivery", None, message_id=sent.deliveries[1].transport_message_id)
    sns.deliver(record)
    assert fresh(session, sent.deliveries[1]).delivered_at is not None
    assert events_of(session, EventType.DELIVERY)[0].delivery_id == sent.deliveries[1].id


def test_a_delivery_sets_delivered_at_once_and_ends_the_soft_bounce_streak(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    reader = sent.readers[0]
    reader.soft_bounce_streak = 2
    session.commit()
    first = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    sns.deliver(ses_record("Delivery", sent.deliveries[0], {"smtpResponse": "250 ok"}, at=first))
    sns.deliver(ses_record("Delivery", sent.deliveries[0], at=first + dt.timedelta(minutes=1)))
    delivery = fresh(session, sent.deliveries[0])
    assert abs(delivery.delivered_at - first) < dt.timedelta(milliseconds=5)
    assert fresh(session, reader).soft_bounce_streak == 0
    assert campaign_engagement(session, sent.campaign.id).delivered == 1


def test_opens_before_the_reported_delivery_become_machine_opens(
    app: Flask, client: FlaskClient, sns: Sns, session: Session, sent: SentCampaign
) -> None:
    client.get(f"/t/o/{sent.token(0)}.gif", headers=BROWSER)
    flush(app)
    assert fresh(session, sent.deliveries[0]).opened_at is not None
    sns.deliver(ses_record("Delivery", sent.deliveries[0], at=dt.datetime.now(dt.UTC)))
    [event] = events_of(session, EventType.OPEN)
    assert (event.is_machine, event.machine_reason) == (True, "prefetch")
    delivery = fresh(session, sent.deliveries[0])
    assert delivery.opened_at is None
    assert delivery.machine_opened_at == event.occurred_at


@pytest.mark.parametrize(
    ("event_type", "detail", "kind", "error"),
    [
        (
            "Reject",
            {"reason": "Bad content"},
            EventType.REJECT,
            "SES rejected the message after accepting it: Bad content",
        ),
        (
            "Rendering Failure",
            {"templateName": "daily", "errorMessage": "Attribute 'name' is not present"},
            EventType.RENDERING_FAILURE,
            "SES could not render the message: Attribute 'name' is not present",
        ),
    ],
)
def test_rejections_and_rendering_failures_note_the_error_on_the_delivery(
    sns: Sns,
    session: Session,
    sent: SentCampaign,
    event_type: str,
    detail: dict[str, Any],
    kind: EventType,
    error: str,
) -> None:
    sns.deliver(ses_record(event_type, sent.deliveries[0], detail))
    assert fresh(session, sent.deliveries[0]).last_error == error
    assert len(events_of(session, kind)) == 1


def test_a_delivery_delay_is_recorded_and_changes_nothing_else(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    delay = {
        "delayType": "MailboxFull",
        "expirationTime": "2026-04-08T08:00:00.000Z",
        "delayedRecipients": [
            {"emailAddress": "x@example.org", "status": "4.2.2", "diagnosticCode": "452 full"}
        ],
    }
    sns.deliver(ses_record("DeliveryDelay", sent.deliveries[0], delay))
    [event] = events_of(session, EventType.DELIVERY_DELAY)
    assert event.detail is not None
    assert event.detail["delay_type"] == "MailboxFull"
    assert event.detail["recipients"] == [{"status": "4.2.2", "diagnostic": "452 full"}]
    assert fresh(session, sent.deliveries[0]).delivered_at is None


def test_every_ses_event_is_stored_with_campaign_and_delivery(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    for event_type in ("Send", "Delivery", "Reject", "DeliveryDelay", "Rendering Failure"):
        sns.deliver(ses_record(event_type, sent.deliveries[0]))
    session.expire_all()
    rows = session.scalars(select(Event).where(Event.source == EventSource.SES)).all()
    assert len(rows) == 5
    assert {(e.campaign_id, e.delivery_id, e.subscriber_id) for e in rows} == {
        (sent.campaign.id, sent.deliveries[0].id, sent.readers[0].id)
    }
    assert session.scalar(select(Campaign.sent_count).where(Campaign.id == sent.campaign.id)) == 0
    assert session.get(Subscriber, sent.readers[0].id).status is SubscriberStatus.CONFIRMED  # type: ignore[union-attr]
