"""Leaving is immediate, idempotent, suppresses the address and leaves one event behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import Event, EventType, SubscriberStatus, SuppressionReason
from newsletter.subscriptions.addresses import InvalidAddress, normalise_email
from newsletter.subscriptions.leaving import mark_bounced, unsubscribe
from newsletter.subscriptions.suppression import (
    SuppressionError,
    active_suppression,
    is_suppressed,
    lift,
)
from tests.factories import make_subscriber


def test_unsubscribing_suppresses_and_records_one_event(session: Session) -> None:
    reader = make_subscriber(session, "reader@example.org", ["capital"])
    assert unsubscribe(session, reader, source="one-click") is True
    assert unsubscribe(session, reader, source="one-click") is False
    assert reader.status is SubscriberStatus.UNSUBSCRIBED
    assert is_suppressed(session, "reader@example.org")
    events = session.scalar(
        select(func.count()).select_from(Event).where(Event.type == EventType.UNSUBSCRIBE)
    )
    assert events == 1


def test_a_hard_bounce_suppresses_with_its_reason(session: Session) -> None:
    reader = make_subscriber(session, "gone@example.org")
    mark_bounced(session, reader, source="ses:bounce")
    entry = active_suppression(session, "gone@example.org")
    assert entry is not None
    assert entry.reason is SuppressionReason.HARD_BOUNCE
    assert reader.status is SubscriberStatus.BOUNCED


def test_lifting_needs_a_reason_and_happens_once(session: Session) -> None:
    reader = make_subscriber(session, "back@example.org")
    unsubscribe(session, reader, source="footer")
    entry = active_suppression(session, "back@example.org")
    assert entry is not None
    with pytest.raises(SuppressionError, match="say why"):
        lift(session, entry, reason=" ", actor=audit.SYSTEM)
    lift(session, entry, reason="asked us by phone", actor=audit.SYSTEM)
    assert not is_suppressed(session, "back@example.org")
    with pytest.raises(SuppressionError, match="already lifted"):
        lift(session, entry, reason="again", actor=audit.SYSTEM)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("  Reader@Example.ORG ", "reader@example.org"),
        ("li@例子.中国", "li@xn--fsqu00a.xn--fiqs8s"),
        ("a.b+news@sub.example.org", "a.b+news@sub.example.org"),
    ],
)
def test_addresses_are_normalised(given: str, stored: str) -> None:
    assert normalise_email(given) == stored


@pytest.mark.parametrize(
    "bad", ["", "plainaddress", "a@b", "a@@example.org", "张三@example.org", "x" * 330 + "@e.org"]
)
def test_bad_addresses_are_refused(bad: str) -> None:
    with pytest.raises(InvalidAddress):
        normalise_email(bad)
