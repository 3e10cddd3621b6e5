"""The links readers follow from emails, and what they open.

Campaign emails carry a DELIVERY token (delivery id); system emails carry a READER token. Both
open the preference centre and the unsubscribe page. Confirmation emails carry a CONFIRM token
that expires after seven days.

READER and CONFIRM tokens also carry a stamp of the reader's creation time. SQLite may give a
new row the id of an erased reader (it re-uses the highest id once that row is gone); the stamp
makes an old link fail instead of opening someone else's subscription.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Session

from newsletter.context import current_signer
from newsletter.models import Delivery, Subscriber
from newsletter.signing import BadToken, TokenPurpose, TokenSigner

CONFIRMATION_DAYS = 7
CONFIRM_MAX_AGE_SECONDS = CONFIRMATION_DAYS * 24 * 3600


class InvalidLink(Exception):
    """A reader's link cannot be used; ``message`` says why, ``status`` is the HTTP answer."""

    def __init__(self, code: str, message: LazyString | str, status: int) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status


DAMAGED = _l(
    "This link is damaged or incomplete. Copy the whole link from the email, "
    "or use the link in a more recent email."
)
FOREIGN = _l("This link belongs to a different page. Use the link exactly as the email shows it.")
EXPIRED = _l(
    "This confirmation link has expired: links work for %(days)d days. "
    "Sign up again to receive a new one.",
    days=CONFIRMATION_DAYS,
)
GONE = _l(
    "We no longer hold a subscription for this link. If you erased your data, nothing more "
    "is needed; to subscribe again, use the signup page."
)


@dataclass(frozen=True)
class ReaderLink:
    """A verified link to a reader's own pages; ``delivery`` is set for campaign links."""

    subscriber: Subscriber
    delivery: Delivery | None
    token: str


def signer() -> TokenSigner:
    """The app's token signer (secret key plus fallbacks)."""
    return current_signer()


def creation_stamp(subscriber: Subscriber) -> int:
    """Whole seconds of the reader's creation time, bound into their long-lived tokens."""
    return int(subscriber.created_at.timestamp())


def reader_token(subscriber: Subscriber) -> str:
    """A long-lived token for the preference centre and unsubscribe page (system emails)."""
    return signer().sign(TokenPurpose.READER, subscriber.id, creation_stamp(subscriber))


def confirm_token(subscriber: Subscriber, *, now: dt.datetime | None = None) -> str:
    """A confirmation token, valid for :data:`CONFIRMATION_DAYS` days from ``now``."""
    when = now.timestamp() if now is not None else None
    return signer().sign(TokenPurpose.CONFIRM, subscriber.id, creation_stamp(subscriber), now=when)


def resolve_reader_link(session: Session, token: str) -> ReaderLink:
    """Find whose preference centre or unsubscribe page ``token`` opens.

    Accepts DELIVERY tokens (campaign emails) and READER tokens (system emails); raises
    :class:`InvalidLink` for anything else.
    """
    try:
        (delivery_id,) = _values(TokenPurpose.DELIVERY, token, 1)
    except BadToken:
        pass
    else:
        delivery = session.get(Delivery, delivery_id)
        subscriber_id = delivery.subscriber_id if delivery is not None else None
        subscriber = session.get(Subscriber, subscriber_id) if subscriber_id else None
        if delivery is None or subscriber is None:
            raise InvalidLink("gone", GONE, 404)
        return ReaderLink(subscriber, delivery, token)
    try:
        subscriber_id, stamp = _values(TokenPurpose.READER, token, 2)
    except BadToken:
        raise _explain(token, TokenPurpose.READER) from None
    return ReaderLink(_stamped_subscriber(session, subscriber_id, stamp), None, token)


def resolve_confirm_link(session: Session, token: str, *, now: float | None = None) -> Subscriber:
    """The reader a confirmation link was sent to; raises :class:`InvalidLink` otherwise."""
    try:
        subscriber_id, stamp = _values(
            TokenPurpose.CONFIRM, token, 2, max_age=CONFIRM_MAX_AGE_SECONDS, now=now
        )
    except BadToken:
        raise _explain(token, TokenPurpose.CONFIRM) from None
    return _stamped_subscriber(session, subscriber_id, stamp)


def _values(
    purpose: TokenPurpose,
    token: str,
    count: int,
    *,
    max_age: float | None = None,
    now: float | None = None,
) -> tuple[int, ...]:
    values = signer().verify(purpose, token, max_age_seconds=max_age, now=now)
    if len(values) != count:
        raise BadToken("token carries the wrong number of values")
    return values


def _stamped_subscriber(session: Session, subscriber_id: int, stamp: int) -> Subscriber:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None or creation_stamp(subscriber) != stamp:
        raise InvalidLink("gone", GONE, 404)
    return subscriber


def _explain(token: str, expected: TokenPurpose) -> InvalidLink:
    """Say why ``token`` failed: expired, meant for another page, or damaged."""
    if expected.timed:
        try:
            signer().verify(expected, token)
        except BadToken:
            pass
        else:
            return InvalidLink("expired", EXPIRED, 410)
    for other in TokenPurpose:
        if other is expected:
            continue
        try:
            signer().verify(other, token)
        except BadToken:
            continue
        return InvalidLink("foreign", FOREIGN, 400)
    return InvalidLink("damaged", DAMAGED, 400)
