"""No secret and no reader's token reaches a log line, across a day's worth of traffic.

The flow: a signup whose confirmation email fails on an SMTP relay with a password, the
confirmation link, a staff sign-in (right and wrong password), an SNS subscription
confirmation through the webhook, opens and clicks, a /metrics scrape with its bearer token,
and an unhandled error on a reader's page. Every record of every logger is captured.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from botocore.stub import Stubber
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit, redaction
from newsletter.api.tokens import create_token
from newsletter.models import Role, Subscriber
from newsletter.subscriptions.dispatch import _EXTENSION_KEY as DISPATCHER
from newsletter.subscriptions.tokens import confirm_token, reader_token
from newsletter.tracking.sns.certificates import CertificateStore
from newsletter.tracking.sns.dispatch import SnsDispatcher
from newsletter.tracking.sns.inbox import SnsProcessor
from newsletter.tracking.sns.webhook import CERTIFICATES_KEY
from tests.conftest import TEST_SECRET, StaffClient, csrf_token
from tests.factories import TEST_PASSWORD, make_staff
from tests.tracking.conftest import FakeFetcher, StubbedAws
from tests.tracking.helpers import (
    CERT_URL,
    TOPIC,
    SigningCertificate,
    SnsSigner,
    flush,
    make_sent_campaign,
)

OLD_SECRET = "an-old-secret-key-still-accepted-0123456789"
SMTP_PASSWORD = "smtp-relay-password-4242"
METRICS_TOKEN = "prometheus-bearer-token-7777"
WRONG_PASSWORD = "a-guess-at-the-password"
SNS_TOKEN = "sns-subscription-token-0000111122223333"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **app_config,
        "secret_key_fallbacks": (OLD_SECRET,),
        "transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": closed_port(),
        "smtp_username": "relay-user",
        "smtp_password": SMTP_PASSWORD,
        "metrics_token": METRICS_TOKEN,
        "sns_topic_arns": (TOPIC,),
    }


def _boom(token: str) -> str:
    raise RuntimeError("something broke while showing a reader's page")


def test_no_secret_or_token_is_logged_through_a_day_of_traffic(
    app: Flask, client: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    app.add_url_rule("/p/<token>/boom", "boom", _boom)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="newsletter")
    tokens = _readers_traffic(app, client, session)
    tokens += _staff_traffic(client, session)
    tokens.append(_sns_traffic(app, client))
    tokens += _tracking_traffic(app, client, session)
    tokens.append(_api_traffic(client, session))
    client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert "unhandled error" in logged  # the flow did log, including a traceback
    assert "Connection refused" in logged or "refused" in logged
    for secret in [TEST_SECRET, OLD_SECRET, SMTP_PASSWORD, METRICS_TOKEN, TEST_PASSWORD,
                   WRONG_PASSWORD, SNS_TOKEN, *tokens]:  # fmt: skip
        assert secret not in logged, f"{secret!r} was logged"


def _readers_traffic(app: Flask, client: FlaskClient, session: Session) -> list[str]:
    form = {"email": "li@example.org", "topics": ["capital"], "consent": "y"}
    assert client.post("/subscribe", data=form).status_code == 200
    app.extensions[DISPATCHER].wait()  # the relay refuses the connection: an error is logged
    reader = session.scalars(select(Subscriber)).one()
    confirm = confirm_token(reader)
    page = client.get(f"/confirm/{confirm}")
    client.post(f"/confirm/{confirm}", data={"csrf_token": csrf_token(page.get_data(True))})
    preferences = reader_token(reader)
    client.get(f"/p/{preferences}")
    assert client.get(f"/p/{preferences}/boom").status_code == 500
    return [confirm, preferences]


def _staff_traffic(client: FlaskClient, session: Session) -> list[str]:
    make_staff(session, "admin@news.example.org", ["admin"])
    session.commit()
    staff = StaffClient(client)
    assert staff.login("admin@news.example.org", WRONG_PASSWORD).status_code == 401
    assert staff.login("admin@news.example.org").status_code == 302
    return [csrf_token(client.get("/admin/").get_data(as_text=True))]


def _sns_traffic(app: Flask, client: FlaskClient) -> str:
    certificate = SigningCertificate.create()
    app.extensions[CERTIFICATES_KEY] = CertificateStore(
        FakeFetcher({CERT_URL: certificate.pem}), ttl=3600
    )
    aws = StubbedAws()
    message = SnsSigner(certificate).confirmation(token=SNS_TOKEN)
    headers = {"x-amz-sns-message-type": "SubscriptionConfirmation"}
    with Stubber(aws.sns()) as stub:
        stub.add_client_error("confirm_subscription", "InvalidParameter", "Invalid token", 400)
        answer = client.post("/webhooks/ses", json=message, headers=headers)
        assert answer.status_code == 200
        processor = SnsProcessor(SnsDispatcher(app.config["NEWSLETTER"], aws))  # type: ignore[arg-type]
        processor.process_pending()
        forged = {**message, "Signature": "AAAA", "Token": SNS_TOKEN}
        client.post("/webhooks/ses", json=forged, headers=headers)
    return SNS_TOKEN


def _api_traffic(client: FlaskClient, session: Session) -> str:
    editor = make_staff(session, "editor@news.example.org", ["editor"])
    secret = create_token(
        session, owner=editor, name="pipeline", scope=Role.EDITOR, actor=audit.SYSTEM
    ).secret
    session.commit()
    assert (
        client.get("/api/v1/issues", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    client.get("/api/v1/issues", headers={"Authorization": f"Bearer {secret}x"})
    logging.getLogger("newsletter.api").warning("a request with %s", secret)  # a careless log
    return secret


def _tracking_traffic(app: Flask, client: FlaskClient, session: Session) -> list[str]:
    sent = make_sent_campaign(session, readers=1)
    token = sent.token(0)
    client.get(f"/t/o/{token}.gif")
    client.get(f"/t/c/{token}/1")
    client.get(f"/t/c/{token}/99")
    client.get(f"/u/{token}")
    flush(app)
    return [token]


def test_a_request_line_in_any_logger_loses_its_token_and_passwords(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    access = logging.getLogger("gunicorn.access")
    access.info('%(h)s "%(r)s" %(s)s', {"h": "203.0.113.9", "r": "GET /u/AbCdEf123456_- HTTP/1.1",
                                         "s": "200"})  # fmt: skip
    logging.getLogger("sqlalchemy").info("connect postgresql://app:%s@db/news", "pg-pass-123")
    logging.getLogger("x").warning("fetching ?Action=Confirm&Token=%s&x=1", "abcdefgh")
    assert "AbCdEf123456" not in caplog.text
    assert "pg-pass-123" not in caplog.text
    assert "abcdefgh" not in caplog.text
    assert "GET /u/[token] HTTP/1.1" in caplog.text
    assert "Token=[token]&x=1" in caplog.text


def test_redaction_keeps_ordinary_text_as_it_was() -> None:
    text = "campaign 12 sent 4,000 messages to /admin/dashboard/campaigns/12 in 3.2 s"
    assert redaction.redact(text, secrets=["longsecretvalue"]) == text
