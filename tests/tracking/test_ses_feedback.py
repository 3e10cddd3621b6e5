"""SES events from readers' mailboxes: bounces, complaints and subscription changes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from newsletter.models import (
    Delivery,
    DeliveryState,
    EventSource,
    EventType,
    SubscriberStatus,
    SuppressionReason,
)
from newsletter.subscriptions.suppression import active_suppression, is_suppressed
from newsletter.tracking.metrics import campaign_engagement
from tests.factories import make_subscriber
from tests.tracking.conftest import Sns
from tests.tracking.helpers import (
    SentCampaign,
    bounce_detail,
    events_of,
    fresh,
    make_sent_campaign,
    ses_record,
)


def test_a_permanent_bounce_suppresses_the_reader_at_once(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    sns.deliver(ses_record("Bounce", sent.deliveries[0], bounce_detail("Permanent", "General")))
    reader = fresh(session, sent.readers[0])
    assert reader.status is SubscriberStatus.BOUNCED
    entry = active_suppression(session, reader.email)
    assert entry is not None
    assert entry.reason is SuppressionReason.HARD_BOUNCE
    assert fresh(session, sent.deliveries[0]).bounced_at is not None
    [event] = events_of(session, EventType.BOUNCE)
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
        ses_record(
            "Bounce", sent.deliveries[0], bounce_detail("Permanent", "OnAccountSuppressionList")
        )
    )
    assert is_suppressed(session, sent.readers[0].email)
    detail = events_of(session, EventType.BOUNCE)[0].detail
    assert detail is not None
    assert detail["counts_toward_rate"] is False


@pytest.mark.parametrize("settings_overrides", [{"soft_bounce_limit": 3}])
def test_transient_bounces_suppress_only_after_the_limit_in_a_row(
    sns: Sns, session: Session, settings_overrides: dict[str, Any]
) -> None:
    sent = make_sent_campaign(session, readers=1)
    reader = sent.readers[0]
    for _ in range(2):
        sns.deliver(
            ses_record("Bounce", sent.deliveries[0], bounce_detail("Transient", "MailboxFull"))
        )
    assert fresh(session, reader).soft_bounce_streak == 2
    assert not is_suppressed(session, reader.email)
    sns.deliver(ses_record("Delivery", sent.deliveries[0]))  # a delivery ends the streak
    for _ in range(2):
        sns.deliver(ses_record("Bounce", sent.deliveries[0], bounce_detail("Transient", "General")))
    assert not is_suppressed(session, reader.email)
    sns.deliver(
        ses_record("Bounce", sent.deliveries[0], bounce_detail("Undetermined", "Undetermined"))
    )
    entry = active_suppression(session, reader.email)
    assert entry is not None
    assert entry.reason is SuppressionReason.SOFT_BOUNCES
    assert fresh(session, reader).status is SubscriberStatus.BOUNCED
    assert fresh(session, sent.deliveries[0]).bounced_at is None  # no hard bounce
    assert len(events_of(session, EventType.BOUNCE)) == 5


def test_a_bounce_of_an_untagged_message_suppresses_the_address(sns: Sns, session: Session) -> None:
    record = ses_record(
        "Bounce",
        None,
        bounce_detail("Permanent", "NoEmail", "Typo@Exmaple.org"),
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
            bounce_detail("Permanent", "General", "loner@example.org"),
            destination="loner@example.org",
        )
    )
    assert fresh(session, loner).status is SubscriberStatus.BOUNCED


def test_a_complaint_unsubscribes_and_suppresses(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    complaint = {
        "complainedRecipients": [{"emailAddress": "x@example.org"}],
        "complaintFeedbackType": "abuse",
        "feedbackId": "f",
    }
    sns.deliver(ses_record("Complaint", sent.deliveries[1], complaint))
    reader = fresh(session, sent.readers[1])
    assert reader.status is SubscriberStatus.COMPLAINED
    assert active_suppression(session, reader.email).reason is SuppressionReason.COMPLAINT  # type: ignore[union-attr]
    assert fresh(session, sent.deliveries[1]).complained_at is not None
    assert campaign_engagement(session, sent.campaign.id).complained == 1


def test_a_not_spam_report_is_recorded_without_suppressing(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    report = {
        "complainedRecipients": [{"emailAddress": "x@example.org"}],
        "complaintFeedbackType": "not-spam",
    }
    sns.deliver(ses_record("Complaint", sent.deliveries[0], report))
    assert len(events_of(session, EventType.COMPLAINT)) == 1
    assert not is_suppressed(session, sent.readers[0].email)
    assert fresh(session, sent.deliveries[0]).complained_at is None


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
    reader = fresh(session, sent.readers[0])
    assert reader.status is SubscriberStatus.UNSUBSCRIBED
    assert is_suppressed(session, reader.email)
    assert fresh(session, sent.deliveries[0]).unsubscribed_at is not None
    [unsubscribe] = events_of(session, EventType.UNSUBSCRIBE)
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
    reader = fresh(session, reader)
    assert reader.topic_slugs() == {"compute"}
    assert reader.status is SubscriberStatus.CONFIRMED
    detail = events_of(session, EventType.SUBSCRIPTION)[0].detail
    assert detail is not None
    assert detail["topics_removed"] == ["capital"]


def test_legacy_identity_notifications_are_understood(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    record = ses_record(
        "Bounce",
        None,
        bounce_detail("Permanent", "General"),
        message_id=sent.deliveries[0].transport_message_id,
    )
    record["notificationType"] = record.pop("eventType")
    sns.deliver(record)
    assert fresh(session, sent.readers[0]).status is SubscriberStatus.BOUNCED
