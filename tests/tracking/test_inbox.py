"""The SNS inbox: each message handled once, failures set aside and retried on request, old
messages purged, and the background service working through it."""

from __future__ import annotations

import datetime as dt
import threading
import time

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from newsletter.commands import build_cli
from newsletter.extensions import db
from newsletter.models import Event, EventType, SnsMessage, utcnow
from newsletter.tracking.sns.inbox import SnsProcessor, purge_processed
from newsletter.tracking.sns.service import SnsInboxService
from tests.tracking.conftest import Sns
from tests.tracking.helpers import make_sent_campaign, ses_record


def _deliveries_events(session: Session) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count()).select_from(Event).where(Event.type == EventType.DELIVERY)
        )
        or 0
    )


def test_two_processors_handle_each_message_once(sns: Sns, session: Session) -> None:
    sent = make_sent_campaign(session, readers=3)
    for delivery in sent.deliveries:
        sns.post(sns.signer.notification(ses_record("Delivery", delivery)))
    other = SnsProcessor(sns.processor._handle)
    threads = [threading.Thread(target=p.process_pending) for p in (sns.processor, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _deliveries_events(session) == 3
    assert (
        session.scalar(
            select(func.count()).select_from(SnsMessage).where(SnsMessage.processed_at.is_(None))
        )
        == 0
    )


def test_set_aside_messages_go_back_in_the_queue_with_retry_failed(
    app: Flask, sns: Sns, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    calls = []

    def broken(*args: object) -> None:
        calls.append(args)
        raise RuntimeError("a bug in a handler")

    failing = SnsProcessor(broken)
    sns.post(sns.signer.notification(ses_record("Delivery", sent.deliveries[0])))
    assert failing.process_pending() == 1
    assert failing.process_pending() == 0  # set aside, not retried in a loop
    session.expire_all()
    assert "RuntimeError: a bug in a handler" in (
        session.scalars(select(SnsMessage)).one().error or ""
    )
    result = app.test_cli_runner().invoke(build_cli(), ["ses", "retry-failed"])
    assert result.exit_code == 0, result.output
    assert "1 messages queued again" in result.output
    assert sns.processor.process_pending() == 1
    assert _deliveries_events(session) == 1
    session.expire_all()
    assert session.scalars(select(SnsMessage)).one().error is None


def test_processed_messages_are_purged_after_the_retention(sns: Sns, session: Session) -> None:
    sns.post(sns.signer.notification(ses_record("Send", None)))
    sns.post(sns.signer.notification(ses_record("Send", None)))
    sns.processor.process_pending()
    sns.post(sns.signer.notification(ses_record("Send", None)))  # pending: never purged
    session.execute(update(SnsMessage).values(received_at=utcnow() - dt.timedelta(days=20)))
    session.commit()
    with db.session_scope() as scope:
        assert purge_processed(scope, older_than_days=14) == 2
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(SnsMessage)) == 1


def test_the_inbox_service_processes_messages_as_they_arrive(
    app: Flask, sns: Sns, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    service = SnsInboxService(app)
    service.processor = sns.processor
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,))
    thread.start()
    try:
        sns.post(sns.signer.notification(ses_record("Delivery", sent.deliveries[0])))
        deadline = time.monotonic() + 10
        while _deliveries_events(session) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(5)
    assert _deliveries_events(session) == 1
    assert not thread.is_alive()
