"""What an SMTP server's replies mean to the sender, and the message id in a 250 reply.

Codes follow RFC 5321: 4xx is transient, 5xx permanent. The transient codes relays use when
a client sends too fast or holds too many connections (421, 450, 451, 452, 454; SES's SMTP
endpoint answers "454 Throttling failure: Maximum sending rate exceeded.") are treated as
back-pressure. Where in the conversation a permanent refusal comes decides whose problem it
is: refusing the sender (MAIL FROM, login) stops every message, refusing a recipient or the
content only this one.
"""

from __future__ import annotations

import enum
import re

from newsletter.delivery.transports.base import (
    AccountBlocked,
    PermanentFailure,
    QuotaExhausted,
    TemporaryFailure,
    Throttled,
    TransportError,
)
from newsletter.delivery.transports.ses_errors import (
    DAILY_QUOTA_TEXT,
    says_account_stopped,
    unverified_kind,
)

THROTTLING_CODES = frozenset({421, 450, 451, 452, 454})
_ENHANCED_STATUS = re.compile(r"^\d\.\d{1,3}\.\d{1,3}\s+")
_QUEUED_AS = re.compile(r"queued as\s+<?([^\s<>]+)>?", re.IGNORECASE)
_SINGLE_ID = re.compile(r"^(?:ok|OK|Ok)[:\s]+<?([^\s<>]{6,})>?$")


class Stage(enum.Enum):
    """Where in the SMTP conversation a reply came."""

    CONNECT = "connect"  # greeting, EHLO, STARTTLS, AUTH
    SENDER = "MAIL FROM"
    RECIPIENT = "RCPT TO"
    DATA = "DATA"


def classify_reply(code: int, text: str, stage: Stage, sender: str) -> TransportError:
    """The :class:`TransportError` for an SMTP reply other than success."""
    reason = f"SMTP {code} at {stage.value}: {text}".strip()
    lowered = text.lower()
    if DAILY_QUOTA_TEXT in lowered:
        return QuotaExhausted(reason)
    if code in THROTTLING_CODES:
        return Throttled(reason)
    if 400 <= code < 500:
        return TemporaryFailure(reason)
    if stage in (Stage.CONNECT, Stage.SENDER) or says_account_stopped(lowered):
        return AccountBlocked(reason)
    if "not verified" in lowered:
        return unverified_kind(lowered, sender)(reason)
    return PermanentFailure(reason)


def reply_text(raw: bytes | str) -> str:
    """A server reply as text (servers may answer in any 8-bit encoding)."""
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def message_id_in(reply: str) -> str | None:
    """The relay's id of an accepted message, when its 250 reply carries one.

    SES's SMTP endpoint answers ``Ok <id>``, Postfix ``2.0.0 Ok: queued as <id>``; a reply
    in prose ("Message accepted for delivery") carries none.
    """
    text = _ENHANCED_STATUS.sub("", reply.strip())
    queued = _QUEUED_AS.search(text)
    if queued:
        return queued.group(1)
    single = _SINGLE_ID.match(text)
    return single.group(1) if single else None
