"""The SNS inbox: verified messages stored by the webhook, processed off the request path.

The webhook only verifies and inserts (the message id is the primary key, so a message SNS
delivers twice is stored once) and answers. :class:`SnsProcessor` then handles each pending
message in its own transaction. A message that cannot be handled (a bug, a record we cannot
read) is set aside with its error so the queue keeps moving; ``newsletter ses retry-failed``
puts such messages back. A temporary failure (AWS unreachable while confirming a
subscription, the database gone) leaves the message pending for a later attempt.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsletter.extensions import db
from newsletter.models import SnsMessage, utcnow
from newsletter.tracking.rows import affected_rows
from newsletter.tracking.sns.envelope import Envelope

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A temporary problem: leave the message pending and try again later."""


# handle(session, message_type, topic_arn, body): raises RetryLater for temporary problems.
MessageHandler = Callable[[Session, str, str, str], None]


def store_message(session: Session, envelope: Envelope, body: str) -> bool:
    """Insert a verified message; False when its MessageId was already stored (a replay)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(SnsMessage)
        .values(
            message_id=envelope.message_id,
            topic_arn=envelope.topic_arn[:300],
            message_type=envelope.type,
            body=body,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(SnsMessage.message_id)
    )
    # RETURNING, not rowcount: drivers do not all report a count for INSERT.
    return session.execute(statement).first() is not None


@dataclass(frozen=True)
class InboxCounts:
    """What the inbox holds, for the operators' page."""

    pending: int
    failed: int
    last_received: dt.datetime | None


def inbox_counts(session: Session) -> InboxCounts:
    """Pending and failed messages and the newest arrival."""
    pending = session.scalar(
        select(func.count()).select_from(SnsMessage).where(SnsMessage.processed_at.is_(None))
    )
    failed = session.scalar(
        select(func.count()).select_from(SnsMessage).where(SnsMessage.error.is_not(None))
    )
    last = session.scalar(select(SnsMessage.received_at).order_by(SnsMessage.received_at.desc()))
    return InboxCounts(pending or 0, failed or 0, last)


def retry_failed(session: Session) -> int:
    """Put every set-aside message back in the queue; returns how many."""
    return affected_rows(
        session.execute(
            update(SnsMessage)
            .where(SnsMessage.error.is_not(None))
            .values(processed_at=None, error=None)
        )
    )


def purge_processed(session: Session, older_than_days: int) -> int:
    """Delete processed messages received more than ``older_than_days`` ago."""
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    return affected_rows(
        session.execute(
            delete(SnsMessage).where(
                SnsMessage.processed_at.is_not(None), SnsMessage.received_at < cutoff
            )
        )
    )


class SnsProcessor:
    """Handles pending messages with ``handle(session, message_type, topic_arn, body)``."""

    def __init__(self, handle: MessageHandler, *, batch: int = 100) -> None:
        self._handle = handle
        self._batch = batch
        self._not_before: dict[str, float] = {}
        self._attempts: dict[str, int] = {}

    def process_pending(self) -> int:
        """Handle up to one batch of pending messages; returns how many were handled."""
        with db.session_scope() as session:
            ids = list(
                session.scalars(
                    select(SnsMessage.message_id)
                    .where(SnsMessage.processed_at.is_(None))
                    .order_by(SnsMessage.received_at)
                    .limit(self._batch)
                )
            )
        now = time.monotonic()
        handled = 0
        for message_id in ids:
            if self._not_before.get(message_id, 0.0) <= now:
                handled += self._process_one(message_id)
        return handled

    def _process_one(self, message_id: str) -> int:
        try:
            with db.session_scope() as session:
                # Claiming and handling in one transaction: another processor that reaches
                # the same row waits for this one and then finds it processed.
                claimed = affected_rows(
                    session.execute(
                        update(SnsMessage)
                        .where(
                            SnsMessage.message_id == message_id, SnsMessage.processed_at.is_(None)
                        )
                        .values(processed_at=utcnow())
                    )
                )
                if not claimed:
                    return 0
                row = session.get_one(SnsMessage, message_id)
                self._handle(session, row.message_type, row.topic_arn, row.body)
            self._not_before.pop(message_id, None)
            self._attempts.pop(message_id, None)
            return 1
        except (RetryLater, OperationalError) as exc:
            self._postpone(message_id, exc)
            return 0
        except Exception as exc:
            log.exception("SNS message %s could not be handled; set aside", message_id)
            self._set_aside(message_id, f"{type(exc).__name__}: {exc}")
            return 1

    def _postpone(self, message_id: str, exc: Exception) -> None:
        attempts = self._attempts.get(message_id, 0) + 1
        self._attempts[message_id] = attempts
        delay = min(5.0 * 2**attempts, 600.0)
        self._not_before[message_id] = time.monotonic() + delay
        log.warning("SNS message %s postponed %.0f s: %s", message_id, delay, exc)

    @staticmethod
    def _set_aside(message_id: str, error: str) -> None:
        with db.session_scope() as session:
            session.execute(
                update(SnsMessage)
                .where(SnsMessage.message_id == message_id)
                .values(processed_at=utcnow(), error=error[:2000])
            )
