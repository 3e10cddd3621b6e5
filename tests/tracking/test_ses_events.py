"""What each SES event does to deliveries, readers, the suppression list and the figures."""

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
    Delivery,
    DeliveryState,
    Event,
    EventSource,
    EventType,
    SnsMessage,
    Subscriber,
    SubscriberStatus,
    SuppressionReason,
)
from newsletter.subscriptions.suppression import active_suppression, is_suppressed
from newsletter.tracking.metrics import campaign_engagement
from tests.factories import make_subscriber
from tests.tracking.conftest import Sns
from tests.tracking.helpers import SentCampaign, flush, make_sent_campaign, ses_record

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"}


@pytest.fixture
def sent(session: Session) -> SentCampaign:
    return make_sent_campaign(session, readers=2)


def _fresh(session: Session, row: Any) -> Any:
    session.expire_all()
    return session.get(type(row), row.id)


def _events(session: Session, kind: EventType) -> list[Event]:
    session.expire_all()
    return list(session.scalars(select(Event).where(Event.type == kind).order_by(Event.id)))


def _bounce(kind: str, subtype: str, address: str = "reader@example.org") -> dict[str, Any]:
    return {
        "bounceType": kind,
        "bounceSubType": subtype,
        "bouncedRecipients": [
            {
                "emailAddress": address,
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
        ],
        "feedbackId": "0100-feedback",
    }


def test_a_send_event_reconciles_an_in_doubt_delivery(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    delivery = sent.deliveries[0]
    delivery.state = DeliveryState.IN_DOUBT
    delivery.transport_message_id = None
    session.commit()
    sns.deliver(ses_record("Send", delivery, message_id="ses-proof-1"))
    delivery = _fresh(session, delivery)
    assert delivery.state is DeliveryState.SENT
    assert delivery.transport_message_id == "ses-proof-1"
    assert _fresh(session, sent.campaign).sent_count == 1
    [event] = _events(session, EventType.SEND)
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
    sns.deliver(ses_record(event_type, sent.deliveries[0], _bounce("Transient", "General")))
    assert _fresh(session, sent.deliveries[0]).state is DeliveryState.SENT


def test_a_rendering_failure_does_not_count_as_sent(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sent.deliveries[0].state = DeliveryState.IN_DOUBT
    session.commit()
    sns.deliver(ses_record("Rendering Failure", sent.deliveries[0], {"errorMessage": "bad"}))
    assert _fresh(session, sent.deliveries[0]).state is DeliveryState.IN_DOUBT


def test_a_send_event_leaves_a_sent_delivery_alone(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sns.deliver(ses_record("Send", sent.deliveries[0]))
    assert _fresh(session, sent.deliveries[0]).state is DeliveryState.SENT
    assert _fresh(session, sent.campaign).sent_count == 0


def test_events_without_tags_find_the_delivery_by_ses_message_id(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    record = ses_record("Delivery", None, message_id=sent.deliveries[1].transport_message_id)
    sns.deliver(record)
    assert _fresh(session, sent.deliveries[1]).delivered_at is not None
    assert _events(session, EventType.DELIVERY)[0].delivery_id == sent.deliveries[1].id


def test_a_delivery_sets_delivered_at_once_and_ends_the_soft_bounce_streak(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    reader = sent.readers[0]
    reader.soft_bounce_streak = 2
    session.commit()
    first = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    sns.deliver(ses_record("Delivery", sent.deliveries[0], {"smtpResponse": "250 ok"}, at=first))
    sns.deliver(ses_record("Delivery", sent.deliveries[0], at=first + dt.timedelta(minutes=1)))
    delivery = _fresh(session, sent.deliveries[0])
    assert abs(delivery.delivered_at - first) < dt.timedelta(milliseconds=5)
    assert _fresh(session, reader).soft_bounce_streak == 0
    assert campaign_engagement(session, sent.campaign.id).delivered == 1


def test_opens_before_the_reported_delivery_become_machine_opens(
    app: Flask, client: FlaskClient, sns: Sns, session: Session, sent: SentCampaign
) -> None:
    client.get(f"/t/o/{sent.token(0)}.gif", headers=BROWSER)
    flush(app)
    assert _fresh(session, sent.deliveries[0]).opened_at is not None
    sns.deliver(ses_record("Delivery", sent.deliveries[0], at=dt.datetime.now(dt.UTC)))
    [event] = _events(session, EventType.OPEN)
    assert (event.is_machine, event.machine_reason) == (True, "prefetch")
    delivery = _fresh(session, sent.deliveries[0])
    assert delivery.opened_at is None
    assert delivery.machine_opened_at == event.occurred_at


def test_a_permanent_bounce_suppresses_the_reader_at_once(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sns.deliver(ses_record("Bounce", sent.deliveries[0], _bounce("Permanent", "General")))
    reader = _fresh(session, sent.readers[0])
    assert reader.status is SubscriberStatus.BOUNCED
    entry = active_suppression(session, reader.email)
    assert entry is not None
    assert entry.reason is SuppressionReason.HARD_BOUNCE
    assert _fresh(session, sent.deliveries[0]).bounced_at is not None
    [event] = _events(session, EventType.BOUNCE)
    assert event.detail is not None
    assert (
        event.detail["permanent"],
        event.detail["counts_toward_rate"],
        event.detail["status"],
    ) == (True, True, "5.1.1")
    assert campaign_engagement(session, sent.campaign.id).bounced == 1


def test_a_bounce_from_the_account_suppression_list_is_flagged_as_not_counting(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sns.deliver(
        ses_record("Bounce", sent.deliveries[0], _bounce("Permanent", "OnAccountSuppressionList"))
    )
    assert is_suppressed(session, sent.readers[0].email)
    detail = _events(session, EventType.BOUNCE)[0].detail
    assert detail is not None
    assert detail["counts_toward_rate"] is False


@pytest.mark.parametrize("settings_overrides", [{"soft_bounce_limit": 3}])
def test_transient_bounces_suppress_only_after_the_limit_in_a_row(
    sns: Sns, session: Session, settings_overrides: dict[str, Any]
) -> None:
    sent = make_sent_campaign(session, readers=1)
    reader = sent.readers[0]
    for _ in range(2):
        sns.deliver(ses_record("Bounce", sent.deliveries[0], _bounce("Transient", "MailboxFull")))
    assert _fresh(session, reader).soft_bounce_streak == 2
    assert not is_suppressed(session, reader.email)
    sns.deliver(ses_record("Delivery", sent.deliveries[0]))  # a delivery ends the streak
    for _ in range(2):
        sns.deliver(ses_record("Bounce", sent.deliveries[0], _bounce("Transient", "General")))
    assert not is_suppressed(session, reader.email)
    sns.deliver(ses_record("Bounce", sent.deliveries[0], _bounce("Undetermined", "Undetermined")))
    entry = active_suppression(session, reader.email)
    assert entry is not None
    assert entry.reason is SuppressionReason.SOFT_BOUNCES
    assert _fresh(session, reader).status is SubscriberStatus.BOUNCED
    assert _fresh(session, sent.deliveries[0]).bounced_at is None  # no hard bounce
    assert len(_events(session, EventType.BOUNCE)) == 5


def test_a_bounce_of_an_untagged_message_suppresses_the_address(sns: Sns, session: Session) -> None:
    record = ses_record(
        "Bounce",
        None,
        _bounce("Permanent", "NoEmail", "Typo@Exmaple.org"),
        destination="Typo@Exmaple.org",
    )
    sns.deliver(record)
    assert is_suppressed(session, "typo@exmaple.org")
    loner = make_subscriber(session, "loner@example.org")
    session.commit()
    sns.deliver(
        ses_record(
            "Bounce",
            None,
            _bounce("Permanent", "General", "loner@example.org"),
            destination="loner@example.org",
        )
    )
    assert _fresh(session, loner).status is SubscriberStatus.BOUNCED


def test_a_complaint_unsubscribes_and_suppresses(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    complaint = {
        "complainedRecipients": [{"emailAddress": "x@example.org"}],
        "complaintFeedbackType": "abuse",
        "feedbackId": "f",
    }
    sns.deliver(ses_record("Complaint", sent.deliveries[1], complaint))
    reader = _fresh(session, sent.readers[1])
    assert reader.status is SubscriberStatus.COMPLAINED
    assert active_suppression(session, reader.email).reason is SuppressionReason.COMPLAINT  # type: ignore[union-attr]
    assert _fresh(session, sent.deliveries[1]).complained_at is not None
    assert campaign_engagement(session, sent.campaign.id).complained == 1


def test_a_not_spam_report_is_recorded_without_suppressing(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    report = {
        "complainedRecipients": [{"emailAddress": "x@example.org"}],
        "complaintFeedbackType": "not-spam",
    }
    sns.deliver(ses_record("Complaint", sent.deliveries[0], report))
    assert len(_events(session, EventType.COMPLAINT)) == 1
    assert not is_suppressed(session, sent.readers[0].email)
    assert _fresh(session, sent.deliveries[0]).complained_at is None


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
    assert _fresh(session, sent.deliveries[0]).last_error == error
    assert len(_events(session, kind)) == 1


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
    [event] = _events(session, EventType.DELIVERY_DELAY)
    assert event.detail is not None
    assert event.detail["delay_type"] == "MailboxFull"
    assert event.detail["recipients"] == [{"status": "4.2.2", "diagnostic": "452 full"}]
    assert _fresh(session, sent.deliveries[0]).delivered_at is None


def _subscription(unsubscribe_all: bool, opt_out: list[str]) -> dict[str, Any]:
    return {
        "contactList": "newsletter",
        "source": "UnsubscribeHeader",
        "newTopicPreferences": {
            "unsubscribeAll": unsubscribe_all,
            "topicSubscriptionStatus": [
                {"topicName": t, "subscriptionStatus": "OptOut"} for t in opt_out
            ],
        },
    }


def test_an_ses_unsubscribe_all_unsubscribes_the_reader(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sns.deliver(ses_record("Subscription", sent.deliveries[0], _subscription(True, [])))
    reader = _fresh(session, sent.readers[0])
    assert reader.status is SubscriberStatus.UNSUBSCRIBED
    assert is_suppressed(session, reader.email)
    assert _fresh(session, sent.deliveries[0]).unsubscribed_at is not None
    [unsubscribe] = _events(session, EventType.UNSUBSCRIBE)
    assert (unsubscribe.source, unsubscribe.campaign_id) == (EventSource.SES, sent.campaign.id)
    assert campaign_engagement(session, sent.campaign.id).unsubscribed == 1


def test_an_ses_topic_opt_out_removes_only_that_topic(sns: Sns, session: Session) -> None:
    sent = make_sent_campaign(session, readers=0)
    reader = make_subscriber(session, "topics@example.org", ["capital", "compute"])
    delivery = Delivery(
        campaign_id=sent.campaign.id,
        subscriber_id=reader.id,
        variant_key="x",
        state=DeliveryState.SENT,
    )
    session.add(delivery)
    session.commit()
    sns.deliver(
        ses_record("Subscription", delivery, _subscription(False, ["capital", "no-such-topic"]))
    )
    reader = _fresh(session, reader)
    assert reader.topic_slugs() == {"compute"}
    assert reader.status is SubscriberStatus.CONFIRMED
    detail = _events(session, EventType.SUBSCRIPTION)[0].detail
    assert detail is not None
    assert detail["topics_removed"] == ["capital"]


def test_ses_opens_and_ours_count_a_reader_once(
    app: Flask, client: FlaskClient, sns: Sns, session: Session, sent: SentCampaign
) -> None:
    client.get(f"/t/o/{sent.token(0)}.gif", headers=BROWSER)
    flush(app)
    sns.deliver(
        ses_record(
            "Open",
            sent.deliveries[0],
            {"ipAddress": "198.51.100.4", "userAgent": BROWSER["User-Agent"]},
        )
    )
    sns.deliver(
        ses_record(
            "Open", sent.deliveries[1], {"ipAddress": "17.1.2.3", "userAgent": "Mozilla/5.0"}
        )
    )
    sources = sorted(e.source.value for e in _events(session, EventType.OPEN))
    assert sources == ["ses", "ses", "tracking"]
    figures = campaign_engagement(session, sent.campaign.id)
    assert (figures.opened, figures.machine_opened_only) == (1, 1)


def test_an_ses_click_on_our_wrapped_link_is_attributed_to_that_link(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    link = f"https://news.example.org/t/c/{sent.token(0)}/2"
    sns.deliver(
        ses_record(
            "Click",
            sent.deliveries[0],
            {"ipAddress": "198.51.100.4", "userAgent": BROWSER["User-Agent"], "link": link},
        )
    )
    sns.deliver(
        ses_record(
            "Click",
            sent.deliveries[1],
            {
                "ipAddress": "198.51.100.5",
                "userAgent": BROWSER["User-Agent"],
                "link": "https://example.com/c",
            },
        )
    )
    clicks = _events(session, EventType.CLICK)
    assert [c.link_id for c in clicks] == [sent.links[1].id, sent.links[2].id]
    assert campaign_engagement(session, sent.campaign.id).clicked == 2


@pytest.mark.parametrize("settings_overrides", [{"tracking": False}])
def test_ses_opens_are_ignored_when_tracking_is_off(
    sns: Sns, session: Session, settings_overrides: dict[str, Any]
) -> None:
    sent = make_sent_campaign(session, readers=1)
    sns.deliver(
        ses_record("Open", sent.deliveries[0], {"ipAddress": "198.51.100.4", "userAgent": "x"})
    )
    assert _events(session, EventType.OPEN) == []
    assert session.scalars(select(SnsMessage)).one().error is None


def test_ses_opens_respect_the_campaigns_switch(sns: Sns, session: Session) -> None:
    sent = make_sent_campaign(session, readers=1, track_opens=False)
    sns.deliver(
        ses_record("Open", sent.deliveries[0], {"ipAddress": "198.51.100.4", "userAgent": "x"})
    )
    assert _events(session, EventType.OPEN) == []


def test_legacy_identity_notifications_are_understood(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    record = ses_record(
        "Bounce",
        None,
        _bounce("Permanent", "General"),
        message_id=sent.deliveries[0].transport_message_id,
    )
    record["notificationType"] = record.pop("eventType")
    sns.deliver(record)
    assert _fresh(session, sent.readers[0]).status is SubscriberStatus.BOUNCED


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
