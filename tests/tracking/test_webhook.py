"""The SNS webhook: genuine messages stored and answered at once, forgeries refused with 4xx,
replays ignored, subscriptions confirmed through the API only after verification."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.stub import Stubber
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry, Event, EventType, SnsMessage
from newsletter.tracking.sns.certificates import CertificateStore
from newsletter.tracking.sns.errors import SnsUnavailable
from newsletter.tracking.sns.webhook import CERTIFICATES_KEY
from tests.tracking.conftest import FakeFetcher, Sns, StubbedAws
from tests.tracking.helpers import (
    TOPIC,
    SigningCertificate,
    SnsSigner,
    make_sent_campaign,
    ses_record,
)


def _stored(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(SnsMessage)) or 0


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_genuine_notification_is_stored_and_answered_200(
    sns: Sns, session: Session, version: str
) -> None:
    response = sns.post(sns.signer.notification(ses_record("Send", None), version=version))
    assert response.status_code == 200
    assert response.get_json() == {"status": "stored"}
    assert _stored(session) == 1
    row = session.scalars(select(SnsMessage)).one()
    assert (row.topic_arn, row.message_type, row.processed_at) == (TOPIC, "Notification", None)


def test_a_replayed_message_id_is_acknowledged_and_handled_once(sns: Sns, session: Session) -> None:
    sent = make_sent_campaign(session, readers=1)
    message = sns.signer.notification(ses_record("Delivery", sent.deliveries[0]))
    assert sns.post(message).get_json() == {"status": "stored"}
    sns.processor.process_pending()
    again = sns.post(message)
    assert again.status_code == 200
    assert again.get_json() == {"status": "duplicate"}
    sns.processor.process_pending()
    count = session.scalar(
        select(func.count()).select_from(Event).where(Event.type == EventType.DELIVERY)
    )
    assert count == 1


def test_a_tampered_body_is_refused_with_403(sns: Sns, session: Session) -> None:
    message = sns.signer.notification(ses_record("Send", None))
    message["Message"] = message["Message"].replace("Send", "Bounce")
    assert sns.post(message).status_code == 403
    assert _stored(session) == 0


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem",
        "https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-x.pem",
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    ],
)
def test_a_certificate_from_anywhere_but_sns_is_refused_unfetched(
    sns: Sns,
    fetcher: FakeFetcher,
    sns_certificate: SigningCertificate,
    session: Session,
    cert_url: str,
) -> None:
    fetcher.pems[cert_url] = sns_certificate.pem  # even if the forger's host served our cert
    forged = SnsSigner(sns_certificate, cert_url).notification(ses_record("Send", None))
    assert sns.post(forged).status_code == 403
    assert fetcher.calls == []
    assert _stored(session) == 0


def test_a_message_signed_by_someone_else_is_refused(
    sns: Sns, other_certificate: SigningCertificate, session: Session
) -> None:
    forged = SnsSigner(other_certificate).notification(ses_record("Send", None))
    assert sns.post(forged).status_code == 403
    assert _stored(session) == 0


def test_a_topic_not_on_the_allow_list_is_refused_before_any_fetch(
    sns: Sns, fetcher: FakeFetcher, session: Session
) -> None:
    other = sns.signer.notification(
        ses_record("Send", None), topic="arn:aws:sns:us-east-1:999999999999:x"
    )
    assert sns.post(other).status_code == 403
    assert fetcher.calls == []


@pytest.mark.parametrize("age", [dt.timedelta(hours=25), dt.timedelta(hours=-1)])
def test_stale_or_future_messages_are_refused(
    sns: Sns, session: Session, age: dt.timedelta
) -> None:
    old = sns.signer.notification(ses_record("Send", None), timestamp=dt.datetime.now(dt.UTC) - age)
    assert sns.post(old).status_code == 403


@pytest.mark.parametrize("body", [b"", b"hello", b"{}", b'{"Type": "Notification"}', b"\xff" * 10])
def test_malformed_bodies_get_400(sns: Sns, body: bytes) -> None:
    assert sns.post(body).status_code == 400


def test_a_genuine_message_re_encoded_as_utf16_gets_400_not_500(sns: Sns) -> None:
    message = sns.signer.notification(ses_record("Send", None))
    assert sns.post(json.dumps(message).encode("utf-16")).status_code == 400


def test_a_type_header_that_disagrees_with_the_body_gets_400(sns: Sns) -> None:
    message = sns.signer.notification(ses_record("Send", None))
    assert sns.post(message, header="SubscriptionConfirmation").status_code == 400


def test_an_oversized_body_gets_413(sns: Sns) -> None:
    assert sns.post(b"x" * (600 * 1024)).status_code == 413


def test_only_post_is_answered(sns: Sns) -> None:
    assert sns.client.get("/webhooks/ses").status_code == 405


def test_a_certificate_that_cannot_be_fetched_now_asks_sns_to_retry(app: Flask, sns: Sns) -> None:
    def down(_url: str) -> bytes:
        raise SnsUnavailable("timed out")

    app.extensions[CERTIFICATES_KEY] = CertificateStore(down, ttl=60)
    assert sns.post(sns.signer.notification(ses_record("Send", None))).status_code == 503


def test_a_subscription_is_confirmed_through_the_api_after_verification(
    sns: Sns, stubbed_aws: StubbedAws, session: Session
) -> None:
    with Stubber(stubbed_aws.sns()) as stub:
        stub.add_response(
            "confirm_subscription",
            {"SubscriptionArn": f"{TOPIC}:sub-1"},
            {"TopicArn": TOPIC, "Token": "tok-abc", "AuthenticateOnUnsubscribe": "true"},
        )
        assert sns.post(sns.signer.confirmation(token="tok-abc")).status_code == 200
        assert sns.processor.process_pending() == 1
        stub.assert_no_pending_responses()
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "sns.subscription_confirmed")
    ).one()
    assert entry.detail == {"topic_arn": TOPIC, "subscription_arn": f"{TOPIC}:sub-1"}


def test_a_forged_subscription_confirmation_is_never_confirmed(
    sns: Sns, stubbed_aws: StubbedAws, other_certificate: SigningCertificate, session: Session
) -> None:
    with Stubber(stubbed_aws.sns()) as stub:  # no response queued: any call would fail
        forged = SnsSigner(other_certificate).confirmation(token="attacker")
        assert sns.post(forged).status_code == 403
        assert sns.processor.process_pending() == 0
        stub.assert_no_pending_responses()
    assert _stored(session) == 0


def test_a_refused_confirmation_is_set_aside_with_the_error(
    sns: Sns, stubbed_aws: StubbedAws, session: Session
) -> None:
    with Stubber(stubbed_aws.sns()) as stub:
        stub.add_client_error("confirm_subscription", "InvalidParameter", "Invalid token", 400)
        sns.post(sns.signer.confirmation(token="expired"))
        sns.processor.process_pending()
    row = session.scalars(select(SnsMessage)).one()
    assert row.processed_at is not None
    assert "Invalid token" in (row.error or "")


def test_a_throttled_confirmation_stays_pending_for_a_later_attempt(
    sns: Sns, stubbed_aws: StubbedAws, session: Session
) -> None:
    with Stubber(stubbed_aws.sns()) as stub:
        stub.add_client_error("confirm_subscription", "Throttled", "slow down", 400)
        sns.post(sns.signer.confirmation())
        assert sns.processor.process_pending() == 0
    session.expire_all()
    row = session.scalars(select(SnsMessage)).one()
    assert (row.processed_at, row.error) == (None, None)


def test_an_unsubscribe_confirmation_is_recorded_for_operators(sns: Sns, session: Session) -> None:
    assert sns.post(sns.signer.confirmation("UnsubscribeConfirmation")).status_code == 200
    sns.processor.process_pending()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "sns.unsubscribed")).one()
    assert entry.detail == {"topic_arn": TOPIC}


@pytest.mark.parametrize(
    "message", ["Hello from the console", json.dumps({"eventType": "Mystery", "mail": {}})]
)
def test_notifications_that_are_not_ses_events_are_set_aside(
    sns: Sns, session: Session, message: Any
) -> None:
    sns.post(sns.signer.notification(message))
    assert sns.processor.process_pending() == 1
    row = session.scalars(select(SnsMessage)).one()
    assert row.error is not None
    assert "BadRecord" in row.error
