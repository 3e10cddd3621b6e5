"""The emails readers get about their subscription: confirmation and preference link.

They are rendered by the rendering library's system emails (MJML + text, in the reader's
language, transactional: no list headers) and sent right after the request's commit,
synchronously: one small message per request. With the outbox transport that is a file
write; with SES one API call bounded by the transport's timeouts. A failure is logged, the
resend throttle is cleared so the reader can try again at once, and the page says the email
could not be sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import url_for
from sqlalchemy.orm import Session

from newsletter.context import current_render_settings, current_settings, email_locale
from newsletter.delivery.transports import OutgoingMessage, TransportError
from newsletter.delivery.transports.outbox import OutboxTransport
from newsletter.models import Subscriber
from newsletter.rendering import RenderError, SystemEmail, build_system_message
from newsletter.subscriptions.signup import SignupOutcome, SignupResult
from newsletter.subscriptions.tokens import CONFIRMATION_DAYS, confirm_token, reader_token

log = logging.getLogger(__name__)


def send_after_signup(session: Session, result: SignupResult) -> bool:
    """Send the email a signup request calls for; False when it could not be sent."""
    subscriber = result.subscriber
    if subscriber is None or result.outcome is SignupOutcome.NOTHING:
        return True
    try:
        if result.outcome is SignupOutcome.SEND_CONFIRMATION:
            send_confirmation(session, subscriber)
        else:
            send_preferences_link(session, subscriber)
    except (TransportError, RenderError, OSError, ValueError):
        log.exception("could not send the %s email to reader %s", result.outcome, subscriber.id)
        subscriber.confirmation_sent_at = None
        session.commit()
        return False
    return True


def send_confirmation(session: Session, subscriber: Subscriber) -> None:
    """Email the double opt-in link (valid for seven days)."""
    context = {
        "confirm_url": reader_url("subscriptions.confirm", confirm_token(subscriber)),
        "email": subscriber.email,
        "name": subscriber.name,
        "topics": sorted(subscriber.topic_slugs()),
        "expires_days": CONFIRMATION_DAYS,
    }
    _send(session, subscriber, SystemEmail.CONFIRMATION, context)


def send_preferences_link(session: Session, subscriber: Subscriber) -> None:
    """Email an already subscribed reader the link to their preference centre."""
    context = {
        "preferences_url": reader_url("subscriptions.preferences", reader_token(subscriber)),
        "email": subscriber.email,
        "name": subscriber.name,
    }
    _send(session, subscriber, SystemEmail.PREFERENCES_LINK, context)


def reader_url(endpoint: str, token: str) -> str:
    """An absolute link for an email: the public base URL, whatever host served the request."""
    base = current_settings().base_url.rstrip("/")
    return f"{base}{url_for(endpoint, token=token)}"


def _send(
    session: Session, subscriber: Subscriber, kind: SystemEmail, context: Mapping[str, object]
) -> None:
    settings = current_settings()
    data = build_system_message(
        kind,
        context,
        current_render_settings(session),
        to_email=subscriber.email,
        to_name=subscriber.name,
        locale=email_locale(subscriber.locale),
    )
    transport = OutboxTransport(settings.outbox_dir)
    transport.send(OutgoingMessage(settings.sender_address, subscriber.email, data))
