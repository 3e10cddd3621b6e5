"""Regressions found by fuzzing the SNS webhook: each body was answered with a 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from newsletter.tracking.sns.envelope import parse_envelope
from newsletter.tracking.sns.errors import SnsMalformed
from tests.tracking.helpers import CERT_URL, TOPIC

BASE = {
    "Type": "Notification",
    "MessageId": "m-1",
    "TopicArn": TOPIC,
    "Message": "{}",
    "Timestamp": "2026-04-07T10:00:00Z",
    "SignatureVersion": "2",
    "Signature": "AAAA",
    "SigningCertURL": CERT_URL,
}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000, "nested too deeply"),
        (json.dumps({**BASE, "Type": []}).encode(), "unknown message type"),
        (json.dumps({**BASE, "Type": {"a": 1}}).encode(), "unknown message type"),
        (json.dumps({**BASE, "Timestamp": "0001-01-01T00:30:00+01:00"}).encode(), "out of range"),
        (json.dumps({**BASE, "Message": "\ud800"}).encode(), "not valid Unicode"),
        (json.dumps({**BASE, "\udfff": "x"}).encode(), "not valid Unicode"),
    ],
)
def test_malformed_bodies_are_refused_as_malformed(body: bytes, reason: str) -> None:
    with pytest.raises(SnsMalformed, match=reason):
        parse_envelope(body)


def test_a_message_with_a_lone_surrogate_is_a_400_not_a_500(sns: Any, client: FlaskClient) -> None:
    # Recent, for an allowed topic, with SNS's certificate URL: it reaches the signature check.
    now = dt.datetime.now(dt.UTC).isoformat()
    message = {**BASE, "Timestamp": now, "Message": "\ud800"}  # SNS itself could not sign it
    assert sns.post(json.dumps(message).encode()).status_code == 400


def test_a_deeply_nested_body_is_a_400(sns: Any) -> None:
    assert sns.post(b"[" * 100_000, header="Notification").status_code == 400


def test_a_malformed_certificate_url_is_a_403_not_a_500(sns: Any) -> None:
    now = dt.datetime.now(dt.UTC).isoformat()
    for url in ("https://[", "https://[::1/x.pem", "https://sns.us-east-1.amazonaws.com:x/a.pem"):
        message = {**BASE, "Timestamp": now, "SigningCertURL": url}
        assert sns.post(json.dumps(message).encode()).status_code == 403, url
