"""Double opt-in: every signup gets the same treatment on the page, the right email after."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import (
    AuditEntry,
    ConsentMethod,
    Event,
    EventType,
    SubscriberStatus,
    SuppressionReason,
    utcnow,
)
from newsletter.subscriptions.leaving import mark_bounced, unsubscribe
from newsletter.subscriptions.signup import (
    RECONFIRMED,
    ConfirmationRefused,
    ConfirmOutcome,
    SignupOutcome,
    SignupRequest,
    confirm_subscription,
    find_subscriber,
    request_subscription,
)
from newsletter.subscriptions.suppression import active_suppression, suppress
from tests.factories import make_subscriber

WINDOW = dt.timedelta(minutes=10)


def ask(session: Session, email: str = "li@example.org", **changes: object) -> object:
    request = SignupRequest(email=email, topics=frozenset({"capital"}), form="signup page")
    fields = {**request.__dict__, **changes}
    return request_subscription(session, SignupRequest(**fields), resend_after=WINDOW)


def test_a_new_address_waits_for_confirmation_with_its_choices(session: Session) -> None:
    result = ask(session, topics=frozenset({"capital", "research"}), locale="en", name="Li")
    assert result.outcome is SignupOutcome.SEND_CONFIRMATION
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    assert reader.status is SubscriberStatus.PENDING
    assert reader.topic_slugs() == {"capital", "research"}
    assert (reader.locale, reader.name, reader.consent_form) == ("en", "Li", "signup page")
    assert reader.consent_at is None
    signups = session.scalars(select(Event).where(Event.type == EventType.SIGNUP)).all()
    assert [event.subscriber_id for event in signups] == [reader.id]


def test_asking_again_soon_sends_nothing_new_but_keeps_the_latest_choices(
    session: Session,
) -> None:
    ask(session)
    again = ask(session, topics=frozenset({"compute"}))
    assert again.outcome is SignupOutcome.NOTHING
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    assert reader.topic_slugs() == {"compute"}


def test_asking_again_after_the_window_resends_the_confirmation(session: Session) -> None:
    ask(session)
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    reader.confirmation_sent_at = utcnow() - WINDOW - dt.timedelta(seconds=1)
    assert ask(session).outcome is SignupOutcome.SEND_CONFIRMATION
    signups = session.scalars(select(Event).where(Event.type == EventType.SIGNUP)).all()
    assert len(signups) == 1  # a resend is not a new signup (metrics count them)


def test_a_confirmed_reader_gets_their_preference_link_and_keeps_their_topics(
    session: Session,
) -> None:
    make_subscriber(session, "li@example.org", ["research"])
    result = ask(session, topics=frozenset({"capital"}))
    assert result.outcome is SignupOutcome.SEND_PREFERENCES_LINK
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    assert reader.topic_slugs() == {"research"}
    assert ask(session).outcome is SignupOutcome.NOTHING


def test_an_address_an_operator_blocked_gets_nothing(session: Session) -> None:
    suppress(session, "li@example.org", SuppressionReason.MANUAL, source="operator")
    assert ask(session).outcome is SignupOutcome.NOTHING
    assert find_subscriber(session, "li@example.org") is None


def test_confirming_records_consent_and_one_event(session: Session) -> None:
    ask(session)
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    outcome = confirm_subscription(session, reader, ip="203.0.113.0/24")
    assert outcome is ConfirmOutcome.CONFIRMED
    assert reader.status is SubscriberStatus.CONFIRMED
    assert reader.consent_at is not None
    assert reader.confirmed_at == reader.consent_at
    assert (reader.consent_ip, reader.consent_method) == (
        "203.0.113.0/24",
        ConsentMethod.SIGNUP_FORM,
    )
    assert confirm_subscription(session, reader, ip=None) is ConfirmOutcome.ALREADY_CONFIRMED
    confirms = session.scalars(select(Event).where(Event.type == EventType.CONFIRM)).all()
    assert len(confirms) == 1
    assert confirms[0].detail == {"form": "signup page", "method": "signup_form"}


def test_a_reader_who_left_comes_back_by_a_fresh_confirmation(session: Session) -> None:
    reader = make_subscriber(session, "li@example.org", ["capital"])
    unsubscribe(session, reader, source="one-click")
    assert ask(session).outcome is SignupOutcome.SEND_CONFIRMATION
    assert reader.status is SubscriberStatus.UNSUBSCRIBED  # not mailed until confirmed
    signups = session.scalars(select(Event).where(Event.type == EventType.SIGNUP)).all()
    assert len(signups) == 1  # coming back is a new signup
    confirm_subscription(session, reader, ip=None)
    assert reader.status is SubscriberStatus.CONFIRMED
    assert active_suppression(session, "li@example.org") is None
    lifts = session.scalars(select(AuditEntry).where(AuditEntry.action == "suppression.lift")).all()
    assert [entry.detail for entry in lifts] == [{"reason": RECONFIRMED}]
    assert lifts[0].actor_type == "reader"


def test_a_link_sent_before_the_reader_left_no_longer_confirms(session: Session) -> None:
    ask(session)
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    confirm_subscription(session, reader, ip=None)
    unsubscribe(session, reader, source="footer")
    with pytest.raises(ConfirmationRefused, match="left since"):
        confirm_subscription(session, reader, ip=None)
    assert reader.status is SubscriberStatus.UNSUBSCRIBED


def test_leaving_just_after_an_email_does_not_block_a_new_one(session: Session) -> None:
    ask(session)
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    confirm_subscription(session, reader, ip=None)
    unsubscribe(session, reader, source="footer")
    assert ask(session).outcome is SignupOutcome.SEND_CONFIRMATION


def test_a_bounced_address_needs_a_fresh_confirmation_too(session: Session) -> None:
    reader = make_subscriber(session, "li@example.org")
    mark_bounced(session, reader, source="ses:bounce")
    assert ask(session).outcome is SignupOutcome.SEND_CONFIRMATION
    confirm_subscription(session, reader, ip=None)
    assert reader.status is SubscriberStatus.CONFIRMED


def test_an_operator_block_is_never_lifted_by_confirming(session: Session) -> None:
    ask(session)
    reader = find_subscriber(session, "li@example.org")
    assert reader is not None
    suppress(
        session, "li@example.org", SuppressionReason.MANUAL, source="operator", actor=audit.SYSTEM
    )
    with pytest.raises(ConfirmationRefused, match="blocked"):
        confirm_subscription(session, reader, ip=None)
    assert active_suppression(session, "li@example.org") is not None
