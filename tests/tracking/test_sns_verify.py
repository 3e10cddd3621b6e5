"""Verifying SNS messages: the certificate URL by its parsed parts, signatures of both
versions, tampering, and fetching certificates with a timeout and a cache."""

from __future__ import annotations

import json
import socket
import time

import pytest

from newsletter.tracking.sns.certificates import (
    CertificateStore,
    check_certificate_url,
    https_fetcher,
)
from newsletter.tracking.sns.envelope import parse_envelope, string_to_sign, verify_signature
from newsletter.tracking.sns.errors import SnsForbidden, SnsMalformed, SnsUnavailable
from tests.tracking.conftest import FakeFetcher
from tests.tracking.helpers import CERT_URL, SigningCertificate, SnsSigner


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
        "https://sns.us-gov-west-1.amazonaws.com:443/x.pem",
    ],
)
def test_sns_certificate_urls_are_accepted(url: str) -> None:
    check_certificate_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem",
        "https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-abc.pem",
        "https://user:pw@sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://evil.example/?u=https://sns.us-east-1.amazonaws.com/a.pem",
        "https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/a.pem",
        "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-abc.pem",
        "https://sns.us-east-1.amazonaws.com:99999/a.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.txt",
        "https://sns.us-east-1.amazonaws.com/a.pem?x=1",
        "https://sns.us-east-1.amazonaws.com/a.pem#x.pem",
        "https://SNS.us-east-1.amazonaws.com\n/a.pem",
        "https://sns..amazonaws.com/a.pem",
        "https://notsns.us-east-1.amazonaws.com/a.pem",
        "",
    ],
)
def test_other_certificate_urls_are_refused(url: str) -> None:
    with pytest.raises(SnsForbidden):
        check_certificate_url(url)


def test_the_string_to_sign_follows_the_message_type() -> None:
    fields = {
        "Type": "Notification",
        "MessageId": "m1",
        "TopicArn": "arn:t",
        "Message": "line1\nline2",
        "Timestamp": "2026-04-07T08:00:00.000Z",
        "UnsubscribeURL": "https://x",
    }
    expected = (
        "Message\nline1\nline2\nMessageId\nm1\nTimestamp\n2026-04-07T08:00:00.000Z\n"
        "TopicArn\narn:t\nType\nNotification\n"
    )
    assert string_to_sign(fields) == expected.encode()
    with_subject = string_to_sign({**fields, "Subject": "hi"}).decode()
    assert "MessageId\nm1\nSubject\nhi\nTimestamp" in with_subject


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("subject", [None, "Amazon SES Email Event Notification"])
def test_genuine_messages_of_both_versions_verify(
    sns_signer: SnsSigner, sns_certificate: SigningCertificate, version: str, subject: str | None
) -> None:
    message = sns_signer.notification({"eventType": "Send"}, version=version, subject=subject)
    store = CertificateStore(FakeFetcher({CERT_URL: sns_certificate.pem}), ttl=60)
    verify_signature(parse_envelope(json.dumps(message).encode()), store)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Message", '{"eventType": "Bounce"}'),
        ("TopicArn", "arn:aws:sns:us-east-1:123456789012:other"),
        ("MessageId", "another-id"),
        ("Timestamp", "2030-01-01T00:00:00.000Z"),
        ("Subject", "added later"),
        ("SignatureVersion", "1"),
    ],
)
def test_tampered_messages_are_refused(
    sns_signer: SnsSigner, sns_certificate: SigningCertificate, field: str, value: str
) -> None:
    message = {**sns_signer.notification({"eventType": "Send"}), field: value}
    store = CertificateStore(FakeFetcher({CERT_URL: sns_certificate.pem}), ttl=60)
    with pytest.raises(SnsForbidden):
        verify_signature(parse_envelope(json.dumps(message).encode()), store)


def test_a_message_signed_with_another_key_is_refused(
    sns_certificate: SigningCertificate, other_certificate: SigningCertificate
) -> None:
    forged = SnsSigner(other_certificate).notification({"eventType": "Send"})
    store = CertificateStore(FakeFetcher({CERT_URL: sns_certificate.pem}), ttl=60)
    with pytest.raises(SnsForbidden, match="does not match"):
        verify_signature(parse_envelope(json.dumps(forged).encode()), store)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"SignatureVersion": "3"}, "SignatureVersion"),
        ({"Signature": "not base64!"}, "base64"),
        ({"SigningCertURL": "https://evil.example/cert.pem"}, "not SNS's"),
    ],
)
def test_unknown_versions_bad_signatures_and_foreign_certificates_are_refused(
    sns_signer: SnsSigner, sns_certificate: SigningCertificate, change: dict[str, str], reason: str
) -> None:
    fetcher = FakeFetcher({CERT_URL: sns_certificate.pem})
    message = {**sns_signer.notification({"eventType": "Send"}), **change}
    with pytest.raises(SnsForbidden, match=reason):
        verify_signature(
            parse_envelope(json.dumps(message).encode()), CertificateStore(fetcher, 60)
        )
    assert fetcher.calls == []  # refused before anything was fetched


def test_an_expired_or_unreadable_certificate_is_refused(sns_signer: SnsSigner) -> None:
    expired = SigningCertificate.create(valid=False)
    message = SnsSigner(expired).notification({"eventType": "Send"})
    for pem in (expired.pem, b"not a certificate"):
        store = CertificateStore(FakeFetcher({CERT_URL: pem}), ttl=60)
        with pytest.raises(SnsForbidden):
            verify_signature(parse_envelope(json.dumps(message).encode()), store)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"Type": "Notification"}',
        b'{"Type": "Surprise", "MessageId": "x"}',
        json.dumps(
            {
                "Type": "Notification",
                "MessageId": 5,
                "TopicArn": "t",
                "Message": "m",
                "Timestamp": "2026-04-07T08:00:00Z",
                "SignatureVersion": "2",
                "Signature": "x",
                "SigningCertURL": "u",
            }
        ).encode(),
        json.dumps(
            {
                "Type": "Notification",
                "MessageId": "m",
                "TopicArn": "t",
                "Message": "m",
                "Timestamp": "yesterday",
                "SignatureVersion": "2",
                "Signature": "x",
                "SigningCertURL": "u",
            }
        ).encode(),
        b"\xff\xfe",
    ],
)
def test_malformed_bodies_are_told_apart_from_forgeries(body: bytes) -> None:
    with pytest.raises(SnsMalformed):
        parse_envelope(body)


def test_certificates_are_cached_by_url_until_they_expire(
    sns_certificate: SigningCertificate,
) -> None:
    fetcher = FakeFetcher({CERT_URL: sns_certificate.pem})
    now = [1000.0]
    store = CertificateStore(fetcher, ttl=60, clock=lambda: now[0])
    store.public_key(CERT_URL)
    store.public_key(CERT_URL)
    assert len(fetcher.calls) == 1
    now[0] += 61
    store.public_key(CERT_URL)
    assert len(fetcher.calls) == 2


def test_fetching_a_certificate_gives_up_after_the_timeout() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    fetch = https_fetcher(timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(SnsUnavailable):
            fetch(f"https://127.0.0.1:{silent.getsockname()[1]}/cert.pem")
    finally:
        silent.close()
    assert time.monotonic() - started < 3
