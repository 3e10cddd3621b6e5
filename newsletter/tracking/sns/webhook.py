"""``POST /webhooks/ses``: where SNS delivers SES's events.

The request is checked in order of cost: shape, message type header, topic allow-list, age,
then the signature (which may fetch SNS's certificate, cached). A genuine message is stored
and answered at once with 200; a replay of a stored MessageId is answered 200 and ignored.
Forgeries get 403, malformed bodies 400; a certificate that cannot be fetched right now and
a database that cannot store the message get 503, so SNS tries again.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from newsletter.config import Settings
from newsletter.extensions import db
from newsletter.models import utcnow
from newsletter.tracking.sns.certificates import CertificateStore
from newsletter.tracking.sns.envelope import Envelope, parse_envelope, verify_signature
from newsletter.tracking.sns.errors import SnsForbidden, SnsMalformed, SnsRejected
from newsletter.tracking.sns.inbox import store_message

log = logging.getLogger(__name__)
bp = Blueprint("ses_webhook", __name__)
CERTIFICATES_KEY = "newsletter.sns_certificates"
MAX_BODY = 512 * 1024  # SNS messages are at most 256 KB; the envelope adds little
FUTURE_SLACK = dt.timedelta(minutes=15)  # clock skew between SNS and us


def certificates(app: Flask | None = None) -> CertificateStore:
    """The app's certificate store (tests replace it with one using a local fetcher)."""
    store: CertificateStore = (app or current_app).extensions[CERTIFICATES_KEY]
    return store


def authenticate(
    body: bytes,
    *,
    header_type: str | None,
    settings: Settings,
    store: CertificateStore,
    now: dt.datetime,
) -> Envelope:
    """The envelope of a genuine SNS message for one of our topics, or :class:`SnsRejected`."""
    envelope = parse_envelope(body)
    if header_type and header_type != envelope.type:
        raise SnsMalformed("x-amz-sns-message-type does not match the body")
    if envelope.topic_arn not in settings.sns_topic_arns:
        raise SnsForbidden(f"topic {envelope.topic_arn!r} is not in NEWSLETTER_SNS_TOPIC_ARNS")
    age = now - envelope.timestamp
    if age > dt.timedelta(hours=settings.sns_max_age_hours) or age < -FUTURE_SLACK:
        raise SnsForbidden(f"message timestamp {envelope.timestamp.isoformat()} is out of range")
    verify_signature(envelope, store)
    return envelope


@bp.route("/webhooks/ses", methods=["POST"])
def receive() -> tuple[Response, int]:
    """Verify and store one SNS message; the inbox processor handles it."""
    request.max_content_length = MAX_BODY
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return jsonify(error="message too large"), 413
    settings: Settings = current_app.config["NEWSLETTER"]
    try:
        envelope = authenticate(
            body,
            header_type=request.headers.get("x-amz-sns-message-type"),
            settings=settings,
            store=certificates(),
            now=utcnow(),
        )
    except SnsRejected as exc:
        log.warning("SNS webhook refused a message from %s: %s", request.remote_addr, exc)
        return jsonify(error=str(exc)), exc.status
    try:
        stored = store_message(db.session, envelope, body.decode("utf-8"))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("SNS webhook could not store message %s", envelope.message_id)
        return jsonify(error="temporarily unavailable"), 503
    return jsonify(status="stored" if stored else "duplicate"), 200
