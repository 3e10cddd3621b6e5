"""The batch function: each reader's message once, outcomes per row, pauses by itself."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery import lifecycle, sender
from newsletter.delivery.process import sender_process
from newsletter.delivery.sender import send_batch
from newsletter.delivery.transports import (
    AccountBlocked,
    OutcomeUnknown,
    PermanentFailure,
    QuotaExhausted,
    TemporaryFailure,
    Throttled,
)
from newsletter.models import (
    Campaign,
    CampaignStatus,
    DeliveryState,
    RenderedVariant,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    TrackedLink,
)
from newsletter.models.base import utcnow
from newsletter.signing import TokenPurpose, TokenSigner
from tests.conftest import TEST_SECRET
from tests.delivery.helpers import OPERATOR
from tests.delivery.sending import (
    ScriptedTransport,
    numbered_readers,
    rows_of,
    send_all,
    started_campaign,
    use_transport,
)


def refreshed(session: Session, campaign: Campaign) -> Campaign:
    session.expire_all()
    return session.get_one(Campaign, campaign.id)


def body_text(message: Any) -> str:
    return "".join(
        part.get_payload(decode=True).decode("utf-8")
        for part in message.walk()
        if part.get_content_maintype() == "text"
    )


def test_each_reader_gets_one_message_of_their_topics(app: Flask, session: Session) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = started_campaign(session, [
        ("capital@example.org", ["capital"]),
        ("research@example.org", ["research"]),
        ("both@example.org", ["capital", "research", "compute"]),
    ])  # fmt: skip
    send_all(campaign.id)
    messages = transport.parsed()
    assert set(messages) == {"capital@example.org", "research@example.org", "both@example.org"}
    assert "融资消息" in body_text(messages["capital@example.org"])
    assert "新论文" not in body_text(messages["capital@example.org"])
    assert "新论文" in body_text(messages["research@example.org"])
    rows = rows_of(session, campaign.id)
    assert {row.state for row in rows} == {DeliveryState.SENT}
    assert all(row.transport_message_id and row.sent_at for row in rows)
    tags = {m.recipient: dict(m.tags) for m in transport.sent}
    by_reader = {row.subscriber_id: row.id for row in rows}
    for row in rows:
        assert str(row.id) in {t["delivery"] for t in tags.values()}
    assert {t["campaign"] for t in tags.values()} == {str(campaign.id)}
    assert len(by_reader) == 3
    done = refreshed(session, campaign)
    assert (done.status, done.sent_count, done.failed_count) == (CampaignStatus.SENT, 3, 0)


def test_variants_are_rendered_once_and_stored_with_the_link_registry(
    app: Flask, session: Session
) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    # "compute" is absent from the issue: capital+compute readers share the capital render
    campaign = started_campaign(session, [
        ("a@example.org", ["capital"]),
        ("b@example.org", ["capital", "compute"]),
        ("c@example.org", ["research"]),
    ])  # fmt: skip
    send_all(campaign.id)
    keys = set(session.scalars(select(RenderedVariant.variant_key)))
    assert keys == {"capital", "research"}
    links = session.scalars(select(TrackedLink).order_by(TrackedLink.position)).all()
    assert [(link.url, link.topics) for link in links] == [
        ("https://example.com/capital", ["capital"]),
        ("https://example.com/paper", ["research"]),
    ]
    # the reader's own mix is named in the mail, not only the part the issue covers
    text = body_text(transport.parsed()["b@example.org"])
    assert "算力" in text


def test_the_message_carries_the_readers_own_token(app: Flask, session: Session) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = started_campaign(session, [("a@example.org", ["capital"])])
    send_all(campaign.id)
    [row] = rows_of(session, campaign.id)
    token = TokenSigner(TEST_SECRET).sign(TokenPurpose.DELIVERY, row.id)
    message = transport.parsed()["a@example.org"]
    assert token in message["List-Unsubscribe"]
    assert f"/t/c/{token}/1" in body_text(message)


def test_readers_who_left_since_the_snapshot_are_skipped(app: Flask, session: Session) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = started_campaign(session, numbered_readers(4))
    rows = rows_of(session, campaign.id)
    readers = {row.subscriber_id for row in rows}
    gone, suppressed, paused, *_ = sorted(readers)
    session.get_one(Subscriber, gone).status = SubscriberStatus.UNSUBSCRIBED
    address = session.get_one(Subscriber, suppressed).email
    session.add(Suppression(email=address, reason=SuppressionReason.HARD_BOUNCE))
    session.get_one(Subscriber, paused).paused_until = utcnow() + dt.timedelta(days=3)
    session.commit()
    send_all(campaign.id)
    states = {row.subscriber_id: row.state for row in rows_of(session, campaign.id)}
    assert [states[r] for r in (gone, suppressed, paused)] == [DeliveryState.SKIPPED] * 3
    assert len(transport.sent) == 1
    done = refreshed(session, campaign)
    assert (done.sent_count, done.skipped_count, done.status) == (1, 3, CampaignStatus.SENT)


def test_throttling_defers_the_row_briefly_and_slows_the_pacer(
    app: Flask, session: Session
) -> None:
    transport = ScriptedTransport(lambda _r: Throttled("Maximum sending rate exceeded."))
    use_transport(app, transport, rate=50)
    campaign = started_campaign(session, numbered_readers(1))
    report = send_batch(campaign.id, "w")
    [row] = rows_of(session, campaign.id)
    assert row.state is DeliveryState.DEFERRED
    assert row.next_attempt_at is not None
    assert utcnow() < row.next_attempt_at < utcnow() + dt.timedelta(seconds=2)
    assert "Maximum sending rate" in (row.last_error or "")
    assert report.counts == {"deferred": 1}
    pacer: Any = sender_process(app).pacer()
    assert pacer._state.factor == 0.5
    assert refreshed(session, campaign).status is CampaignStatus.SENDING


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "send_max_attempts": 2, "failure_pause_rate": 0.2}


def test_a_temporary_failure_is_retried_then_failed(app: Flask, session: Session) -> None:
    transport = ScriptedTransport(lambda _r: TemporaryFailure("connection reset"))
    use_transport(app, transport)
    campaign = started_campaign(session, numbered_readers(1))
    send_batch(campaign.id, "w")
    [row] = rows_of(session, campaign.id)
    assert (row.state, row.attempts) == (DeliveryState.DEFERRED, 1)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > utcnow() + dt.timedelta(seconds=10)  # backoff, not at once
    row.next_attempt_at = utcnow()
    session.commit()
    send_batch(campaign.id, "w")
    [row] = rows_of(session, campaign.id)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 2)
    assert "failed 2 times" in (row.last_error or "")
    done = refreshed(session, campaign)
    assert (done.status, done.failed_count) == (CampaignStatus.SENT, 1)


def test_a_permanent_failure_fails_the_row_with_the_reason(app: Flask, session: Session) -> None:
    def answers(recipient: str) -> Exception | None:
        return PermanentFailure("550 no such user") if recipient.startswith("reader0") else None

    use_transport(app, ScriptedTransport(answers))
    campaign = started_campaign(session, numbered_readers(3))
    send_all(campaign.id)
    states = [(row.state, row.last_error) for row in rows_of(session, campaign.id)]
    assert states[0] == (DeliveryState.FAILED, "550 no such user")
    assert [state for state, _ in states[1:]] == [DeliveryState.SENT] * 2
    done = refreshed(session, campaign)
    assert (done.sent_count, done.failed_count) == (2, 1)


def test_a_used_up_quota_pauses_until_the_window_allows(app: Flask, session: Session) -> None:
    def answers(recipient: str) -> Exception | None:
        return QuotaExhausted("Daily message quota exceeded.") if recipient >= "reader2" else None

    use_transport(app, ScriptedTransport(answers))
    campaign = started_campaign(session, numbered_readers(4))
    report = send_batch(campaign.id, "w")
    assert report.stopped.startswith("paused")
    states = [row.state for row in rows_of(session, campaign.id)]
    assert states == [DeliveryState.SENT] * 2 + [DeliveryState.QUEUED] * 2
    assert [row.attempts for row in rows_of(session, campaign.id)][2:] == [0, 0]
    paused = refreshed(session, campaign)
    assert paused.status is CampaignStatus.PAUSED
    assert paused.resume_at is not None
    assert paused.resume_at > utcnow() + dt.timedelta(minutes=30)
    assert "quota" in paused.pause_reason


def test_the_configured_daily_quota_is_kept_before_sending(app: Flask, session: Session) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport, max_24h=2)
    campaign = started_campaign(session, numbered_readers(3))
    send_all(campaign.id)
    sender_process(app)._quota_at = float("-inf")  # recount from the ledger
    send_all(campaign.id)
    assert len(transport.sent) == 2
    paused = refreshed(session, campaign)
    assert paused.status is CampaignStatus.PAUSED
    assert paused.resume_at is not None
    assert paused.resume_at > utcnow() + dt.timedelta(hours=23)


def test_a_blocked_account_pauses_and_tells_the_operators(
    app: Flask, session: Session, operator_user: Any
) -> None:
    blocked = AccountBlocked("sending paused for this account")
    transport = ScriptedTransport(lambda r: blocked if r.startswith("reader") else None)
    use_transport(app, transport)
    campaign = started_campaign(session, numbered_readers(3))
    send_batch(campaign.id, "w")
    paused = refreshed(session, campaign)
    assert paused.status is CampaignStatus.PAUSED
    assert "sending paused for this account" in paused.pause_reason
    assert {row.state for row in rows_of(session, campaign.id)} == {DeliveryState.QUEUED}
    [notice] = transport.sent
    assert notice.recipient == operator_user.email


def test_too_many_permanent_failures_pause_the_campaign(app: Flask, session: Session) -> None:
    def answers(recipient: str) -> Exception | None:
        number = int(recipient.removeprefix("reader").partition("@")[0])
        return PermanentFailure("rejected") if number % 2 else None

    use_transport(app, ScriptedTransport(answers))
    campaign = started_campaign(session, numbered_readers(120))
    send_all(campaign.id)
    paused = refreshed(session, campaign)
    assert paused.status is CampaignStatus.PAUSED
    assert "failed permanently" in paused.pause_reason
    rows = rows_of(session, campaign.id)
    attempted = [row for row in rows if row.state in (DeliveryState.SENT, DeliveryState.FAILED)]
    assert 50 <= len(attempted) < 120
    assert {row.state for row in rows} <= {
        DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.QUEUED,
    }  # fmt: skip


def test_a_pause_stops_the_batch_and_returns_its_rows(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender, "STATUS_SECONDS", 0.0)  # a pause counts from the next message
    campaign = started_campaign(session, numbered_readers(6))
    paused_once = threading.Event()

    def answers(recipient: str) -> Exception | None:
        if recipient.startswith("reader1@") and not paused_once.is_set():
            paused_once.set()
            other = app.extensions["newsletter.database"].new_session()
            target = other.get_one(Campaign, campaign.id)
            lifecycle.pause(other, target, actor=OPERATOR, reason="checking a complaint")
            other.commit()
            other.close()
        return None

    transport = ScriptedTransport(answers)
    use_transport(app, transport)
    report = send_batch(campaign.id, "w")
    assert report.stopped == "campaign is paused"
    states = [row.state for row in rows_of(session, campaign.id)]
    assert states[:2] == [DeliveryState.SENT] * 2
    assert set(states[2:]) == {DeliveryState.QUEUED}
    assert len(transport.sent) == 2


def test_an_unknown_transport_error_leaves_the_row_in_doubt(app: Flask, session: Session) -> None:
    use_transport(app, ScriptedTransport(lambda _r: RuntimeError("socket closed mid-reply")))
    campaign = started_campaign(session, numbered_readers(1))
    send_all(campaign.id)
    [row] = rows_of(session, campaign.id)
    assert row.state is DeliveryState.IN_DOUBT
    assert "socket closed" in (row.last_error or "")


def test_workers_in_parallel_never_send_a_row_twice(app: Flask, session: Session) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = started_campaign(session, numbered_readers(150, ["capital"]))

    def work(name: str) -> None:
        with app.app_context():
            send_all(campaign.id, worker=name, most=1000)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(transport.parsed()) == 150  # parsed() fails on a reader twice
    done = refreshed(session, campaign)
    assert (done.status, done.sent_count) == (CampaignStatus.SENT, 150)


def test_a_message_without_an_answer_is_in_doubt(app: Flask, session: Session) -> None:
    use_transport(app, ScriptedTransport(lambda _r: OutcomeUnknown("read timeout after sending")))
    campaign = started_campaign(session, numbered_readers(1))
    send_all(campaign.id)
    [row] = rows_of(session, campaign.id)
    assert (row.state, row.last_error) == (DeliveryState.IN_DOUBT, "read timeout after sending")
    assert refreshed(session, campaign).status is CampaignStatus.SENT  # waits for an operator


@pytest.mark.parametrize(
    ("rate", "threads", "batch_size", "expected"),
    [
        (400.0, 4, 200, 200),  # 2 s of 100/s per thread, capped by the batch size
        (400.0, 4, 1000, 200),  # 2 s of one thread's share, not of the whole rate (800)
        (14.0, 1, 200, 28),  # one thread has the whole rate
        (14.0, 4, 200, 10),  # a slow account's share is small: the floor
        (14.0, 4, 5, 5),  # and the batch size caps even the floor
    ],
)
def test_a_claim_holds_two_seconds_of_one_threads_share_of_the_rate(
    rate: float, threads: int, batch_size: int, expected: int
) -> None:
    assert sender.claim_size(rate, threads, batch_size) == expected


def test_a_batch_claims_only_its_threads_share_of_the_rate(app: Flask, session: Session) -> None:
    # conftest's sender_threads is the default 4: the rate of 40/s is shared by 4 threads.
    assert app.config["NEWSLETTER"].sender_threads == 4
    use_transport(app, ScriptedTransport(), rate=40.0)
    campaign = started_campaign(session, numbered_readers(40))
    report = send_batch(campaign.id, "w")
    assert report.claimed == 20  # 2 s of 10/s; the whole rate would have claimed 80 (all 40)
