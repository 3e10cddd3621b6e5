"""SES event records as published through SNS: the JSON inside the envelope's Message.

Both channels are read: configuration-set event publishing (``eventType``, with message
tags) and the older identity notifications (``notificationType``: Bounce, Complaint and
Delivery only, no tags). Configure one of them, not both, or each event arrives twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from newsletter.models import utcnow

# eventType -> the key of its own object in the record.
DETAIL_KEYS = {
    "Send": "send",
    "Delivery": "delivery",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Reject": "reject",
    "DeliveryDelay": "deliveryDelay",
    "Rendering Failure": "failure",
    "Subscription": "subscription",
    "Open": "open",
    "Click": "click",
}


class BadRecord(ValueError):
    """The message is not an SES event record we can read."""


@dataclass(frozen=True)
class SesRecord:
    """One SES event: its type, the message it concerns and its own object."""

    event_type: str
    message_id: str | None
    tags: dict[str, list[str]]
    destination: list[str]
    detail: dict[str, Any]
    timestamp: dt.datetime
    mail_timestamp: dt.datetime | None

    def tag(self, name: str) -> str | None:
        """The first value of message tag ``name``."""
        values = self.tags.get(name) or []
        return values[0] if values else None


def parse_record(data: object) -> SesRecord:
    """Read a decoded SES record; raises :class:`BadRecord` for anything else."""
    if not isinstance(data, dict):
        raise BadRecord("the SES record is not a JSON object")
    event_type = data.get("eventType") or data.get("notificationType")
    if event_type not in DETAIL_KEYS:
        raise BadRecord(f"not an SES event type: {event_type!r}")
    mail = data.get("mail")
    if not isinstance(mail, dict):
        raise BadRecord("the SES record has no mail object")
    detail = data.get(DETAIL_KEYS[event_type]) or {}
    if not isinstance(detail, dict):
        raise BadRecord(f"the {event_type} object is not a JSON object")
    mail_time = parse_time(mail.get("timestamp"))
    return SesRecord(
        event_type=event_type,
        message_id=_text(mail.get("messageId")),
        tags=_tags(mail.get("tags")),
        destination=[d for d in mail.get("destination") or [] if isinstance(d, str)],
        detail=detail,
        timestamp=parse_time(detail.get("timestamp")) or mail_time or utcnow(),
        mail_timestamp=mail_time,
    )


def parse_time(value: object) -> dt.datetime | None:
    """An SES timestamp (``2024-05-01T08:00:00.123Z``) as aware UTC, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _text(value: object) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


def _tags(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    tags: dict[str, list[str]] = {}
    for name, given in value.items():
        values = [given] if isinstance(given, str) else given
        if isinstance(name, str) and isinstance(values, list):
            tags[name] = [v for v in values if isinstance(v, str)]
    return tags


def recipients(items: object, key: str = "emailAddress") -> list[dict[str, Any]]:
    """The recipient objects of a bounce, complaint or delay that name an address."""
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict) and isinstance(item.get(key), str)]
