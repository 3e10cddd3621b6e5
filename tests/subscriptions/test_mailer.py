"""Readers' system emails: written at once to the outbox, queued off the request for a
provider, and a failure never leaves the reader unable to ask again."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsletter.delivery.transports import OutgoingMessage, SendResult, TemporaryFailure
from newsletter.models import Subscriber
from newsletter.subscriptions import mailer
from newsletter.subscriptions.dispatch import MailDispatcher, dispatcher_for
from tests.factories import make_subscriber
from tests.servers import ReplyingRelay, smtp_relay

FORM = {"email": "li@example.org", "topics": ["capital"], "consent": "y"}


class RecordingTransport:
    """A provider that accepts everything and keeps it."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append(message)
        return SendResult(f"id-{len(self.sent)}")

    def close(self) -> None:
        """Nothing to release."""


class FailingTransport(RecordingTransport):
    """A provider that is down."""

    def send(self, message: OutgoingMessage) -> SendResult:
        raise TemporaryFailure("connection refused")


@pytest.fixture
def provider_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(transport="smtp", smtp_host="127.0.0.1")
    return app_config


def use_provider(app: Flask, transport: RecordingTransport) -> MailDispatcher:
    """Give the app a dispatcher that sends through ``transport``."""
    return dispatcher_for(app, lambda: transport, mailer._deliver_in_thread)


def sent_at(session: Session) -> object:
    session.expire_all()
    return session.scalar(
        select(Subscriber.confirmation_sent_at).where(Subscriber.email == "li@example.org")
    )


def test_a_provider_gets_the_confirmation_off_the_request_path(
    provider_config: dict[str, Any], app: Flask, client: FlaskClient
) -> None:
    transport = RecordingTransport()
    dispatcher = use_provider(app, transport)
    assert client.post("/subscribe", data=FORM).status_code == 200
    dispatcher.wait()
    [message] = transport.sent
    assert message.recipient == "li@example.org"
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert "/confirm/" in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert parsed["List-Unsubscribe"] is None  # transactional, not list mail
    assert not list(Path(provider_config["outbox_dir"]).glob("*/*.eml"))


def test_a_provider_failure_lets_the_reader_ask_again_at_once(
    provider_config: dict[str, Any], app: Flask, client: FlaskClient, session: Session
) -> None:
    dispatcher = use_provider(app, FailingTransport())
    assert client.post("/subscribe", data=FORM).status_code == 200  # the same answer
    dispatcher.wait()
    assert sent_at(session) is None
    working = RecordingTransport()
    app.extensions.pop("newsletter.reader_mail_dispatcher")
    retry = use_provider(app, working)
    client.post("/subscribe", data=FORM)
    retry.wait()
    assert len(working.sent) == 1


@pytest.fixture
def broken_outbox(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox folder should be")
    app_config["outbox_dir"] = str(blocker)
    return app_config


@pytest.fixture
def relay(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> Iterator[ReplyingRelay]:
    """A real SMTP relay on loopback answering with the test's parameter; the app uses it."""
    with smtp_relay(app_config, request.param) as handler:
        yield handler


def sign_up_through_the_configured_provider(app: Flask, client: FlaskClient) -> None:
    """Post the signup form and wait until the provider's dispatcher is done."""
    assert client.post("/subscribe", data=FORM).status_code == 200
    dispatcher_for(app, mailer._transport, mailer._deliver_in_thread).wait()


@pytest.mark.parametrize("relay", ["554 5.7.1 Message rejected: content refused"], indirect=True)
def test_a_provider_that_refuses_fails_loudly_and_lets_the_reader_retry(
    relay: ReplyingRelay,
    app: Flask,
    client: FlaskClient,
    session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sign_up_through_the_configured_provider(app, client)
    assert "SMTP 554 at DATA: 5.7.1 Message rejected" in caplog.text
    assert sent_at(session) is None
    assert relay.accepted == []
    assert not list(Path(app.config["NEWSLETTER"].outbox_dir).glob("*/*.eml"))


@pytest.mark.parametrize("relay", ["250 Ok 0100018c-1234"], indirect=True)
def test_a_configured_smtp_provider_delivers_the_confirmation(
    relay: ReplyingRelay, app: Flask, client: FlaskClient, session: Session
) -> None:
    sign_up_through_the_configured_provider(app, client)
    [data] = relay.accepted
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["To"] == "li@example.org"
    assert "/confirm/" in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert sent_at(session) is not None


def test_an_outbox_that_cannot_be_written_is_said_on_the_page(
    broken_outbox: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    response = client.post("/subscribe?lang=en", data=FORM)
    assert response.status_code == 503
    assert "We could not send the email" in response.get_data(as_text=True)
    assert sent_at(session) is None


def test_a_reader_erased_before_the_email_went_out_gets_nothing(
    app: Flask, session: Session
) -> None:
    reader = make_subscriber(session, "li@example.org")
    session.commit()
    transport = RecordingTransport()
    job_id = reader.id
    session.delete(reader)
    session.commit()
    with app.test_request_context("/"):
        mailer.deliver(session, transport, mailer.MailJob("confirmation", job_id))
    assert transport.sent == []


class DatabaseOutage:
    """Replaces the mailer's first database read: fails ``failures`` times, then works."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self._real = mailer.current_render_settings

    def __call__(self, session: Session) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("SELECT settings", {}, Exception("server closed the connection"))
        return self._real(session)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mailer, "DATABASE_RETRY_DELAYS", (0.0, 0.0, 0.0), raising=False)


def test_a_database_failure_in_the_background_job_is_tried_again(
    provider_config: dict[str, Any],
    app: Flask,
    client: FlaskClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    no_backoff: None,
) -> None:
    outage = DatabaseOutage(failures=2)
    monkeypatch.setattr(mailer, "current_render_settings", outage)
    transport = RecordingTransport()
    dispatcher = use_provider(app, transport)
    assert client.post("/subscribe", data=FORM).status_code == 200
    dispatcher.wait()
    assert outage.calls == 3
    [message] = transport.sent
    assert message.recipient == "li@example.org"
    assert sent_at(session) is not None


def test_a_database_that_stays_down_lets_the_reader_ask_again_at_once(
    provider_config: dict[str, Any],
    app: Flask,
    client: FlaskClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    no_backoff: None,
) -> None:
    outage = DatabaseOutage(failures=100)
    monkeypatch.setattr(mailer, "current_render_settings", outage)
    transport = RecordingTransport()
    dispatcher = use_provider(app, transport)
    assert client.post("/subscribe", data=FORM).status_code == 200
    dispatcher.wait()
    assert outage.calls == len(mailer.DATABASE_RETRY_DELAYS) + 1
    assert transport.sent == []
    assert sent_at(session) is None  # the throttle is cleared: asking again sends at once
    [failure] = [r for r in caplog.records if "the database failed while sending" in r.message]
    assert failure.levelname == "ERROR"
    outage.failures = 0
    client.post("/subscribe", data=FORM)
    dispatcher.wait()
    assert len(transport.sent) == 1
