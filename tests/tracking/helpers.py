"""Helpers of the tracking tests: a sent campaign with its link registry, delivery tokens,
and SNS messages signed with a test key and certificate."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.commands import build_cli
from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.storage import create_issue
from newsletter.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryState,
    Event,
    EventType,
    Issue,
    Subscriber,
    TrackedLink,
    utcnow,
)
from newsletter.signing import TokenPurpose, TokenSigner
from newsletter.tracking.recorder import tracker
from newsletter.tracking.sns.envelope import string_to_sign
from tests.conftest import TEST_SECRET
from tests.factories import make_subscriber

TOPIC = "arn:aws:sns:us-east-1:123456789012:newsletter-events"
WEBHOOK = "https://news.example.org/webhooks/ses"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
LINKS = ("https://example.com/a", "https://example.com/b", "https://example.com/c")
SIGNER = TokenSigner(TEST_SECRET)


@dataclass
class SentCampaign:
    """An issue with a link registry, its campaign and one sent delivery per reader."""

    issue: Issue
    campaign: Campaign
    links: list[TrackedLink]
    deliveries: list[Delivery]
    readers: list[Subscriber] = field(default_factory=list)

    def token(self, index: int = 0) -> str:
        """The delivery token in the email of reader ``index``."""
        return SIGNER.sign(TokenPurpose.DELIVERY, self.deliveries[index].id)


def make_issue(session: Session) -> Issue:
    """A stored issue with one item (its own issue date makes the slug 2026-04-07...)."""
    document = IssueDocument(
        title="AI前沿发展日报 | 2026-04-07",
        date=dt.date(2026, 4, 7),
        sections=[
            Section(
                SectionKind.EVENTS,
                "今日大事件",
                items=[Item("条目", sources=[SourceLink("来源", "标题", LINKS[0])])],
            )
        ],
    )
    return create_issue(session, document)


def make_sent_campaign(
    session: Session,
    readers: int = 3,
    *,
    links: Iterable[str] = LINKS,
    sent_ago: dt.timedelta = dt.timedelta(hours=1),
    track_opens: bool = True,
    track_clicks: bool = True,
) -> SentCampaign:
    """A campaign whose deliveries were sent ``sent_ago``, committed."""
    issue = make_issue(session)
    registry = [
        TrackedLink(issue_id=issue.id, position=n, url=url) for n, url in enumerate(links, 1)
    ]
    campaign = Campaign(
        issue_id=issue.id,
        name="test",
        status=CampaignStatus.SENDING,
        track_opens=track_opens,
        track_clicks=track_clicks,
    )
    session.add_all([*registry, campaign])
    session.flush()
    sent_at = utcnow() - sent_ago
    people = [
        make_subscriber(session, f"reader{n}-{uuid.uuid4().hex[:6]}@example.org")
        for n in range(readers)
    ]
    rows = [
        Delivery(
            campaign_id=campaign.id,
            subscriber_id=person.id,
            variant_key="all",
            state=DeliveryState.SENT,
            sent_at=sent_at,
            transport_message_id=f"ses-{uuid.uuid4().hex}",
        )
        for person in people
    ]
    session.add_all(rows)
    session.commit()
    return SentCampaign(issue, campaign, registry, rows, people)


def flush(app: Flask) -> int:
    """Write the tracker's buffered hits now."""
    return tracker(app).flush()


@dataclass(frozen=True)
class SigningCertificate:
    """An RSA key and a self-signed certificate standing in for SNS's signing certificate."""

    key: rsa.RSAPrivateKey
    pem: bytes

    @classmethod
    def create(
        cls, common_name: str = "sns.amazonaws.com", *, valid: bool = True
    ) -> SigningCertificate:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        start, end = (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
        if not valid:
            start, end = now - dt.timedelta(days=60), now - dt.timedelta(days=30)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate.public_bytes(serialization.Encoding.PEM))


class SnsSigner:
    """Builds SNS messages signed like SNS signs them (versions 1 and 2)."""

    def __init__(self, certificate: SigningCertificate, cert_url: str = CERT_URL) -> None:
        self.certificate = certificate
        self.cert_url = cert_url

    def sign(self, fields: dict[str, str], version: str = "2") -> dict[str, str]:
        """``fields`` with SignatureVersion, SigningCertURL and a valid Signature."""
        signed = {**fields, "SignatureVersion": version, "SigningCertURL": self.cert_url}
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = self.certificate.key.sign(string_to_sign(signed), padding.PKCS1v15(), algorithm)
        signed["Signature"] = base64.b64encode(signature).decode()
        return signed

    def notification(
        self,
        record: dict[str, Any] | str,
        *,
        topic: str = TOPIC,
        version: str = "2",
        message_id: str | None = None,
        subject: str | None = None,
        timestamp: dt.datetime | None = None,
    ) -> dict[str, str]:
        """A signed Notification carrying ``record`` (JSON-encoded unless a string)."""
        fields = {
            "Type": "Notification",
            "MessageId": message_id or str(uuid.uuid4()),
            "TopicArn": topic,
            "Message": record if isinstance(record, str) else json.dumps(record),
            "Timestamp": _stamp(timestamp),
            "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:x",
        }
        if subject is not None:
            fields["Subject"] = subject
        return self.sign(fields, version)

    def confirmation(
        self, kind: str = "SubscriptionConfirmation", *, token: str = "tok-123", topic: str = TOPIC
    ) -> dict[str, str]:
        """A signed SubscriptionConfirmation or UnsubscribeConfirmation."""
        fields = {
            "Type": kind,
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic,
            "Token": token,
            "Message": f"You have chosen to subscribe to the topic {topic}.",
            "SubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
            "Timestamp": _stamp(None),
        }
        return self.sign(fields)


def _stamp(timestamp: dt.datetime | None) -> str:
    moment = timestamp or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ses_record(
    event_type: str,
    delivery: Delivery | None,
    detail: dict[str, Any] | None = None,
    *,
    destination: str = "reader@example.org",
    message_id: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """An SES event record as configuration-set event publishing sends it."""
    moment = _stamp(at)
    tags: dict[str, list[str]] = {"ses:configuration-set": ["newsletter"]}
    if delivery is not None:
        tags["delivery"] = [str(delivery.id)]
        tags["campaign"] = [str(delivery.campaign_id)]
    key = {"Rendering Failure": "failure", "DeliveryDelay": "deliveryDelay"}.get(
        event_type, event_type.lower()
    )
    body = dict(detail or {})
    if event_type not in {"Send", "Reject", "Rendering Failure"}:
        body.setdefault("timestamp", moment)
    return {
        "eventType": event_type,
        "mail": {
            "timestamp": moment,
            "messageId": message_id
            or (delivery.transport_message_id if delivery is not None else str(uuid.uuid4())),
            "source": "daily@news.example.org",
            "destination": [destination],
            "tags": tags,
        },
        key: body,
    }


def fresh(session: Session, row: Any) -> Any:
    """``row`` as the database holds it now."""
    session.expire_all()
    return session.get(type(row), row.id)


def events_of(session: Session, kind: EventType) -> list[Event]:
    """Every stored event of ``kind``, oldest first."""
    session.expire_all()
    return list(session.scalars(select(Event).where(Event.type == kind).order_by(Event.id)))


def bounce_detail(kind: str, subtype: str, address: str = "reader@example.org") -> dict[str, Any]:
    """The ``bounce`` object of an SES Bounce event."""
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


def invoke_cli(app: Flask, *args: str) -> Any:
    """Run ``newsletter ARGS`` against ``app``."""
    return app.test_cli_runner().invoke(build_cli(), list(args))
