"""The emails readers get about their subscription: confirmation and preference link.

They are the rendering library's system emails (MJML + text, in the reader's language,
transactional: no list headers). With the local outbox they are written during the request;
with SES or SMTP they go through :mod:`.dispatch`, off the request path, so the page answers
at once and in the same time whatever the address. When the outbox cannot be written the
page says so; when a provider fails, the reader's resend throttle is cleared and asking
again sends at once. When the database fails while an email is prepared off the request
(a restart, a fail-over), the email is tried again a few times, then given up the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, url_for
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from newsletter.config import ConfigError
from newsletter.context import current_render_settings, current_settings, email_locale
from newsletter.delivery.transports import OutgoingMessage, Transport, TransportError
from newsletter.delivery.transports.factory import build_transport
from newsletter.delivery.transports.outbox import OutboxTransport
from newsletter.extensions import db
from newsletter.models import Subscriber
from newsletter.rendering import RenderError, SystemEmail, build_system_message
from newsletter.subscriptions.dispatch import MailJob, dispatcher_for
from newsletter.subscriptions.signup import SignupOutcome, SignupResult
from newsletter.subscriptions.tokens import CONFIRMATION_DAYS, confirm_token, reader_token

log = logging.getLogger(__name__)
# ConfigError: a provider configuration that cannot work (named in the log).
SEND_ERRORS = (TransportError, RenderError, OSError, ValueError, ConfigError)
#: Seconds before each new try when the database fails in the background job. Nothing has
#: been sent when it fails (the database is read before the provider is called), so trying
#: again cannot send twice.
DATABASE_RETRY_DELAYS = (0.5, 1.0, 2.0)

T = TypeVar("T")


def send_after_signup(session: Session, result: SignupResult) -> bool:
    """Send (or queue) the email a signup request calls for; False when it is known to fail."""
    subscriber = result.subscriber
    if subscriber is None or result.outcome is SignupOutcome.NOTHING:
        return True
    kind = (
        SystemEmail.CONFIRMATION
        if result.outcome is SignupOutcome.SEND_CONFIRMATION
        else SystemEmail.PREFERENCES_LINK
    )
    job = MailJob(kind.value, subscriber.id)
    settings = current_settings()
    if settings.transport != "outbox":
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        return dispatcher_for(app, _transport, _deliver_in_thread).submit(job)
    try:
        deliver(session, OutboxTransport(settings.outbox_dir), job)
    except SEND_ERRORS:
        log.exception("could not write the %s email for reader %s", kind, subscriber.id)
        allow_resend(session, subscriber.id)
        return False
    return True


def deliver(session: Session, transport: Transport, job: MailJob) -> None:
    """Render and send one email; raises what the transport or renderer raised."""
    subscriber = session.get(Subscriber, job.subscriber_id)
    if subscriber is None:
        return  # erased since the email was asked for
    kind = SystemEmail(job.kind)
    data = build_system_message(
        kind,
        _context(kind, subscriber),
        current_render_settings(session),
        to_email=subscriber.email,
        to_name=subscriber.name,
        locale=email_locale(subscriber.locale),
    )
    sender = current_settings().sender_address
    transport.send(OutgoingMessage(sender, subscriber.email, data))


def allow_resend(session: Session, subscriber_id: int) -> None:
    """Clear the resend throttle after a failed send, so that asking again sends at once."""
    session.rollback()
    session.execute(
        update(Subscriber).where(Subscriber.id == subscriber_id).values(confirmation_sent_at=None)
    )
    session.commit()


def reader_url(endpoint: str, token: str) -> str:
    """An absolute link for an email: the public base URL, whatever host served the request."""
    base = current_settings().base_url.rstrip("/")
    return f"{base}{url_for(endpoint, token=token)}"


def _context(kind: SystemEmail, subscriber: Subscriber) -> dict[str, object]:
    if kind is SystemEmail.CONFIRMATION:
        return {
            "confirm_url": reader_url("subscriptions.confirm", confirm_token(subscriber)),
            "email": subscriber.email,
            "name": subscriber.name,
            "topics": sorted(subscriber.topic_slugs()),
            "expires_days": CONFIRMATION_DAYS,
        }
    return {
        "preferences_url": reader_url("subscriptions.preferences", reader_token(subscriber)),
        "email": subscriber.email,
        "name": subscriber.name,
    }


def _transport() -> Transport:
    """The provider transport for readers' emails (a configuration that cannot work raises
    ConfigError naming the variable, which the dispatcher logs)."""
    return build_transport(current_settings())


def _deliver_in_thread(transport: Callable[[], Transport], job: MailJob) -> None:
    """The dispatcher's work: a request context for url_for, a session of its own per try.

    A failing provider or a database that stays down past the retries both end the same
    way: the reader's resend throttle is cleared, so that asking again sends at once.
    """
    with current_app.test_request_context("/"):
        try:
            _with_database_retries(lambda session: deliver(session, transport(), job), job)
        except SEND_ERRORS:
            _clear_throttle(job)
            raise
        except SQLAlchemyError as exc:
            log.error(
                "the database failed while sending %s to reader %s, %d tries: %s",
                job.kind,
                job.subscriber_id,
                len(DATABASE_RETRY_DELAYS) + 1,
                type(exc).__name__,
            )
            _clear_throttle(job)


def _clear_throttle(job: MailJob) -> None:
    """:func:`allow_resend` for the job's reader, with the same retries; logged if the
    database stays down (the throttle then lapses by itself)."""
    try:
        _with_database_retries(lambda session: allow_resend(session, job.subscriber_id), job)
    except SQLAlchemyError as exc:
        log.error(
            "could not clear the resend throttle of reader %s: %s",
            job.subscriber_id,
            type(exc).__name__,
        )


def _with_database_retries(work: Callable[[Session], T], job: MailJob) -> T:
    """Run ``work`` in a fresh session, again after each of :data:`DATABASE_RETRY_DELAYS`
    while the database fails; raises the last database error."""
    for delay in (*DATABASE_RETRY_DELAYS, None):
        session = db.new_session()
        try:
            return work(session)
        except SQLAlchemyError as exc:
            if delay is None:
                raise
            log.warning(
                "database error for %s to reader %s (%s); trying again in %.1f s",
                job.kind,
                job.subscriber_id,
                type(exc).__name__,
                delay,
            )
        finally:
            session.close()
        time.sleep(delay)
    raise AssertionError("unreachable: the last try returns or raises")
