"""The emails readers get about their subscription: confirmation and preference link.

They are sent right after the request's commit, synchronously: one small message per
request. With the outbox transport that is a file write; with SES it is one API call bounded
by the transport's timeouts. A failure is logged, the resend throttle is cleared so the reader
can try again at once, and the page says the email could not be sent.
"""

from __future__ import annotations

import logging
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from flask import current_app, url_for
from sqlalchemy.orm import Session

from newsletter.delivery.transports import OutgoingMessage, TransportError
from newsletter.delivery.transports.outbox import OutboxTransport
from newsletter.models import Subscriber
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
            send_confirmation(subscriber)
        else:
            send_preferences_link(subscriber)
    except (TransportError, OSError, ValueError):
        log.exception("could not send the %s email to reader %s", result.outcome, subscriber.id)
        subscriber.confirmation_sent_at = None
        session.commit()
        return False
    return True


def send_confirmation(subscriber: Subscriber) -> None:
    """Email the double opt-in link (valid for seven days)."""
    url = _external("subscriptions.confirm", confirm_token(subscriber))
    body = (
        f"请确认订阅 / Please confirm your subscription:\n\n{url}\n\n"
        f"This link works for {CONFIRMATION_DAYS} days.\n"
    )
    _send(subscriber, "请确认订阅 AI前沿发展日报", body)


def send_preferences_link(subscriber: Subscriber) -> None:
    """Email an already subscribed reader the link to their preference centre."""
    url = _external("subscriptions.preferences", reader_token(subscriber))
    _send(subscriber, "你的订阅设置 AI前沿发展日报", f"Preferences:\n\n{url}\n")


def _external(endpoint: str, token: str) -> str:
    base = current_app.config["NEWSLETTER"].base_url.rstrip("/")
    return f"{base}{url_for(endpoint, token=token)}"


def _send(subscriber: Subscriber, subject: str, body: str) -> None:
    settings = current_app.config["NEWSLETTER"]
    message = EmailMessage(policy=SMTP.clone(cte_type="7bit"))
    message["From"] = Address(settings.sender_name, addr_spec=settings.sender_address)
    message["To"] = subscriber.email
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.sender_domain)
    message.set_content(body, cte="quoted-printable")
    transport = OutboxTransport(settings.outbox_dir)
    transport.send(OutgoingMessage(settings.sender_address, subscriber.email, bytes(message)))
