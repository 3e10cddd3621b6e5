"""Whatever reaches the SNS webhook, it answers with a 4xx refusal (or stores a genuine
message), never a 500, and stores nothing that SNS did not sign."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import SnsMessage
from newsletter.tracking.sns.certificates import CertificateStore
from newsletter.tracking.sns.envelope import parse_envelope
from newsletter.tracking.sns.errors import SnsMalformed
from newsletter.tracking.sns.webhook import CERTIFICATES_KEY
from tests.fuzz.profiles import fuzz
from tests.tracking.conftest import FakeFetcher
from tests.tracking.helpers import CERT_URL, TOPIC, SigningCertificate, SnsSigner

KEYS = [
    "Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion", "Signature",
    "SigningCertURL", "Token", "SubscribeURL", "Subject", "UnsubscribeURL",
]  # fmt: skip
TYPES = ["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]
# Every character JSON can carry, lone surrogates included (json.dumps escapes them).
any_char = st.characters(codec=None, categories=None)
any_text = st.text(any_char, max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)


def plausible(key: str) -> st.SearchStrategy[Any]:
    """Values that get a message past the first checks, mixed with anything at all."""
    now = dt.datetime.now(dt.UTC)
    good = {
        "Type": st.sampled_from(TYPES),
        "TopicArn": st.just(TOPIC),
        "Timestamp": st.sampled_from(
            [
                now.isoformat(),
                "0001-01-01T00:30:00+01:00",
                "9999-12-31T23:59:59-12:00",
                "2026-04-07T10:00:00",
                (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            ]
        ),
        "SignatureVersion": st.sampled_from(["1", "2", "3", ""]),
        "Signature": st.sampled_from(["AAAA", "not base64!", "QUJD" * 64]),
        "SigningCertURL": st.sampled_from(
            [
                CERT_URL,
                "http://sns.us-east-1.amazonaws.com/x.pem",
                "https://evil.example/x.pem",
                "https://[",
                "https://sns.us-east-1.amazonaws.com:x/a.pem",
            ]
        ),
    }.get(key, any_text)
    return st.one_of(good, any_text, json_values)


sns_like = st.dictionaries(
    st.sampled_from(KEYS), st.deferred(lambda: st.text(max_size=0)), max_size=0
).flatmap(lambda _: st.fixed_dictionaries({}, optional={key: plausible(key) for key in KEYS}))


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "sns_topic_arns": (TOPIC,)}


@pytest.fixture
def certificate(app: Flask) -> SigningCertificate:
    """A signing certificate the webhook fetches from CERT_URL."""
    made = SigningCertificate.create()
    app.extensions[CERTIFICATES_KEY] = CertificateStore(FakeFetcher({CERT_URL: made.pem}), 3600)
    return made


def post(client: FlaskClient, body: bytes, kind: str | None = None) -> int:
    headers = {"x-amz-sns-message-type": kind} if kind else {}
    response = client.post("/webhooks/ses", data=body, headers=headers, content_type="text/plain")
    return response.status_code


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SnsMessage)) or 0


@fuzz()
@given(st.binary(max_size=2000))
@example(b"[" * 100_000)
@example(b'{"Type": "Notification"' + b"," * 3 + b"}")
@example(b"\xff\xfe{\x00}\x00")
def test_any_bytes_are_refused_with_a_4xx(
    client: FlaskClient, session: Session, body: bytes
) -> None:
    assert 400 <= post(client, body) < 500
    assert stored(session) == 0


@fuzz()
@given(json_values)
def test_any_json_value_is_refused_with_a_4xx(
    client: FlaskClient, session: Session, value: Any
) -> None:
    assert 400 <= post(client, json.dumps(value).encode()) < 500
    assert stored(session) == 0


@fuzz(2)
@given(sns_like, st.one_of(st.none(), st.sampled_from(TYPES), any_text))
@example(
    {"Type": "Notification", "MessageId": "m", "TopicArn": TOPIC, "Message": "x",
     "Timestamp": "0001-01-01T00:30:00+01:00", "SignatureVersion": "2", "Signature": "AAAA",
     "SigningCertURL": CERT_URL},
    None,
)  # fmt: skip
def test_messages_shaped_like_sns_but_not_signed_by_it_are_refused_with_a_4xx(
    client: FlaskClient, session: Session, certificate: SigningCertificate, message: Any, kind: Any
) -> None:
    body = json.dumps(message).encode()  # lone surrogates become \\ud800 escapes
    header = kind if kind is None or (kind.isascii() and kind.isprintable()) else None
    assert 400 <= post(client, body, header) < 500
    assert stored(session) == 0


@fuzz(2)
@given(st.sampled_from(["Message", "MessageId", "Timestamp", "Subject", "Token"]), any_text)
def test_a_signed_message_with_any_field_changed_is_refused(
    client: FlaskClient,
    session: Session,
    certificate: SigningCertificate,
    field: str,
    value: str,
) -> None:
    signed = SnsSigner(certificate).notification({"eventType": "Send"}, subject="s")
    if field == "Token":
        signed = SnsSigner(certificate).confirmation(token="t-1")
    changed = {**signed, field: value}
    before = stored(session)  # an unchanged message, in an earlier example, is stored
    answer = post(client, json.dumps(changed).encode())
    if changed == signed:
        assert answer == 200
    else:
        assert 400 <= answer < 500
        assert stored(session) == before


@fuzz()
@given(json_values | sns_like)
def test_the_envelope_parser_raises_only_its_own_refusal(value: Any) -> None:
    with contextlib.suppress(SnsMalformed):
        parse_envelope(json.dumps(value).encode())
