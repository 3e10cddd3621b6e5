"""What the readers' tests share: the outbox, links in emails, and database snapshots."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import (
    AuditEntry,
    Event,
    ImportJob,
    Subscriber,
    SubscriberTopic,
    Suppression,
)

_LINK = re.compile(r"https?://[^/\s]+(/(?:confirm|p|u)/[A-Za-z0-9_\-]+)")
COUNTED = (Subscriber, SubscriberTopic, Suppression, Event, AuditEntry, ImportJob)


def outbox_messages(outbox: str | Path) -> list[EmailMessage]:
    """Every message the outbox transport wrote, oldest first."""
    files = sorted(Path(outbox).glob("*/*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in files
    ]


def message_text(message: EmailMessage) -> str:
    """The plain-text body of ``message``."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text part"
    return str(part.get_content())


def links_in(message: EmailMessage, kind: str) -> list[str]:
    """Paths of the reader links of ``kind`` (confirm, p or u) in a message's text."""
    return [path for path in _LINK.findall(message_text(message)) if path.startswith(f"/{kind}/")]


def only_link(outbox: str | Path, kind: str) -> str:
    """The one link of ``kind`` in the newest message of the outbox."""
    messages = outbox_messages(outbox)
    assert messages, "no email was sent"
    found = links_in(messages[-1], kind)
    assert found, f"the newest email has no /{kind}/ link:\n{message_text(messages[-1])}"
    return found[0]


def snapshot(session: Session) -> dict[str, Any]:
    """Row counts of the tables readers' actions touch, and every reader's state."""
    session.expire_all()
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in COUNTED
    }
    readers = session.execute(
        select(
            Subscriber.email,
            Subscriber.status,
            Subscriber.name,
            Subscriber.locale,
            Subscriber.receive_empty_issues,
            Subscriber.paused_until,
            Subscriber.consent_at,
            Subscriber.confirmation_sent_at,
        ).order_by(Subscriber.email)
    ).all()
    topics = session.execute(
        select(SubscriberTopic.subscriber_id, SubscriberTopic.topic_id).order_by(
            SubscriberTopic.subscriber_id, SubscriberTopic.topic_id
        )
    ).all()
    return {"counts": counts, "readers": [tuple(r) for r in readers], "topics": topics}
