"""Double opt-in: asking to subscribe, and confirming from the emailed link.

Every request gets the same answer on the page, whether the address is new, waiting for
confirmation, already subscribed or left; only the email that follows differs, and it goes to
the address's owner. Someone who left comes back only through a fresh confirmation, which
lifts their suppression entry. Entries an operator added by hand are never lifted this way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import (
    ConsentMethod,
    Event,
    EventSource,
    EventType,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    utcnow,
)
from newsletter.subscriptions.suppression import active_suppression, lift
from newsletter.subscriptions.topic_choices import set_topics

LEFT_STATUSES = frozenset(
    {SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED}
)
RECONFIRMED = "re-confirmed by double opt-in"


@dataclass(frozen=True)
class SignupRequest:
    """What a signup form asked for; ``email`` is already normalised, topics validated."""

    email: str
    name: str = ""
    topics: frozenset[str] = frozenset()
    locale: str = "zh_CN"
    form: str = ""
    method: ConsentMethod = ConsentMethod.SIGNUP_FORM
    ip: str | None = None


class SignupOutcome(StrEnum):
    """Which email, if any, a signup request leads to."""

    SEND_CONFIRMATION = "send_confirmation"
    SEND_PREFERENCES_LINK = "send_preferences_link"  # already subscribed
    NOTHING = "nothing"  # a recent email is still good, or an operator blocked the address


@dataclass(frozen=True)
class SignupResult:
    """The outcome and the reader it concerns (None when nothing was stored)."""

    outcome: SignupOutcome
    subscriber: Subscriber | None


class ConfirmOutcome(StrEnum):
    """What following a confirmation link did."""

    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"


class ConfirmationRefused(Exception):
    """The link is genuine but cannot confirm; ``message`` tells the reader why."""

    def __init__(self, code: str, message: LazyString) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


BLOCKED = _l("This address cannot be subscribed. Please write to us if you think this is wrong.")
LEFT_SINCE = _l(
    "You unsubscribed after this link was sent, so it no longer subscribes you. "
    "To come back, sign up again and use the link in the new email."
)


def reader_actor(subscriber: Subscriber) -> audit.Actor:
    """The audit actor for a reader acting through their own link (no address kept)."""
    return audit.Actor("reader", subscriber.id, f"reader #{subscriber.id}")


def find_subscriber(session: Session, email: str) -> Subscriber | None:
    """The reader with the normalised address ``email``, if any."""
    return session.scalar(select(Subscriber).where(Subscriber.email == email))


def request_subscription(
    session: Session,
    request: SignupRequest,
    *,
    resend_after: dt.timedelta,
    now: dt.datetime | None = None,
) -> SignupResult:
    """Record a signup request and say which email to send; the caller commits, then sends.

    New and waiting addresses get a confirmation; confirmed readers get their preference
    link instead (so the page reveals nothing); readers who left get a fresh confirmation.
    No email goes out twice within ``resend_after``.
    """
    now = now or utcnow()
    subscriber = find_subscriber(session, request.email)
    suppression = active_suppression(session, request.email)
    if suppression is not None and suppression.reason is SuppressionReason.MANUAL:
        return SignupResult(SignupOutcome.NOTHING, subscriber)
    if subscriber is not None and not needs_opt_in(subscriber, suppression):
        if _recently_mailed(subscriber, suppression, resend_after, now):
            return SignupResult(SignupOutcome.NOTHING, subscriber)
        subscriber.confirmation_sent_at = now  # also throttles preference-link reminders
        return SignupResult(SignupOutcome.SEND_PREFERENCES_LINK, subscriber)
    return _ask_to_confirm(
        session, subscriber, suppression, request, resend_after=resend_after, now=now
    )


def _ask_to_confirm(
    session: Session,
    subscriber: Subscriber | None,
    suppression: Suppression | None,
    request: SignupRequest,
    *,
    resend_after: dt.timedelta,
    now: dt.datetime,
) -> SignupResult:
    """A new address, one waiting for confirmation, or a reader who left."""
    # A SIGNUP event marks a new request (metrics count them), not a resend to one waiting.
    new_request = (
        subscriber is None
        or subscriber.confirmation_sent_at is None
        or not _asked_since_leaving(subscriber, suppression)
    )
    if subscriber is None:
        subscriber = Subscriber(email=request.email, status=SubscriberStatus.PENDING)
        session.add(subscriber)
    _apply_choices(session, subscriber, request)
    if _recently_mailed(subscriber, suppression, resend_after, now):
        session.flush()
        return SignupResult(SignupOutcome.NOTHING, subscriber)
    subscriber.confirmation_sent_at = now
    session.flush()
    if new_request:
        session.add(_event(EventType.SIGNUP, subscriber, request.ip, now))
        session.flush()
    return SignupResult(SignupOutcome.SEND_CONFIRMATION, subscriber)


def needs_opt_in(subscriber: Subscriber, suppression: Suppression | None) -> bool:
    """Whether this reader must confirm (again) before being mailed an issue."""
    return subscriber.status is not SubscriberStatus.CONFIRMED or suppression is not None


def confirm_subscription(
    session: Session, subscriber: Subscriber, *, ip: str | None, now: dt.datetime | None = None
) -> ConfirmOutcome:
    """Confirm from the emailed link: record consent and lift a reader's own suppression.

    Idempotent for confirmed readers. Raises :class:`ConfirmationRefused` when an operator
    blocked the address or the reader left after the link was sent.
    """
    now = now or utcnow()
    suppression = active_suppression(session, subscriber.email)
    if suppression is not None and suppression.reason is SuppressionReason.MANUAL:
        raise ConfirmationRefused("blocked", BLOCKED)
    if not needs_opt_in(subscriber, suppression):
        return ConfirmOutcome.ALREADY_CONFIRMED
    if not _asked_since_leaving(subscriber, suppression):
        raise ConfirmationRefused("left since", LEFT_SINCE)
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = subscriber.consent_at = now
    subscriber.consent_ip = ip
    subscriber.consent_method = subscriber.consent_method or ConsentMethod.SIGNUP_FORM
    subscriber.unsubscribed_at = subscriber.paused_until = None
    subscriber.soft_bounce_streak = 0
    if suppression is not None:
        lift(session, suppression, reason=RECONFIRMED, actor=reader_actor(subscriber))
    session.add(_event(EventType.CONFIRM, subscriber, ip, now))
    session.flush()
    return ConfirmOutcome.CONFIRMED


def _apply_choices(session: Session, subscriber: Subscriber, request: SignupRequest) -> None:
    """The latest request's choices win for a reader who is not (or no longer) confirmed."""
    if request.name:
        subscriber.name = request.name
    subscriber.locale = request.locale
    subscriber.consent_form = request.form[:200]
    subscriber.consent_method = request.method
    set_topics(session, subscriber, request.topics)


def _left_at(subscriber: Subscriber, suppression: Suppression | None) -> dt.datetime | None:
    moments = [subscriber.unsubscribed_at if subscriber.status in LEFT_STATUSES else None]
    moments.append(suppression.created_at if suppression is not None else None)
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _recently_mailed(
    subscriber: Subscriber,
    suppression: Suppression | None,
    resend_after: dt.timedelta,
    now: dt.datetime,
) -> bool:
    sent = subscriber.confirmation_sent_at
    if sent is None or now - sent >= resend_after:
        return False
    left = _left_at(subscriber, suppression)
    # An email sent before the reader left does not count: they need a fresh link now.
    return left is None or sent >= left


def _asked_since_leaving(subscriber: Subscriber, suppression: Suppression | None) -> bool:
    left = _left_at(subscriber, suppression)
    if left is None:
        return True
    sent = subscriber.confirmation_sent_at
    return sent is not None and sent >= left


def _event(kind: EventType, subscriber: Subscriber, ip: str | None, now: dt.datetime) -> Event:
    method = subscriber.consent_method.value if subscriber.consent_method else None
    return Event(
        type=kind,
        source=EventSource.READER,
        occurred_at=now,
        subscriber_id=subscriber.id,
        ip=ip,
        detail={"form": subscriber.consent_form, "method": method},
    )
