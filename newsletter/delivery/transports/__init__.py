"""Transports: SES v2, SMTP and the local outbox behind one interface."""

from newsletter.delivery.transports.base import (
    AccountBlocked,
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    QuotaExhausted,
    SendResult,
    TemporaryFailure,
    Throttled,
    Transport,
    TransportError,
)

__all__ = [
    "AccountBlocked",
    "OutcomeUnknown",
    "OutgoingMessage",
    "PermanentFailure",
    "QuotaExhausted",
    "SendResult",
    "TemporaryFailure",
    "Throttled",
    "Transport",
    "TransportError",
]
