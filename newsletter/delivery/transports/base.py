"""The one small interface every transport implements, and how failures are classified.

The sender only ever sees :class:`Transport`; whether bytes go to SES, an SMTP relay or a
folder of ``.eml`` files is configuration. Failures are sorted into the few kinds the sender
acts on differently, so no caller has to know one provider's error codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """A complete MIME message and its envelope, ready to hand over."""

    sender: str  # envelope sender, a bare address
    recipient: str  # one recipient per message, so unsubscribes and complaints are per reader
    data: bytes
    # Correlation tags (campaign, delivery); SES publishes them with every event.
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """What the transport returned: the provider's id of the accepted message."""

    message_id: str


class TransportError(Exception):
    """The message was not accepted. Subclasses say what the sender should do about it."""


class Throttled(TransportError):
    """Sending too fast (SES TooManyRequestsException, SMTP 454): slow down and retry."""


class QuotaExhausted(TransportError):
    """The 24-hour quota is used up: hold sending until the window allows more."""


class TemporaryFailure(TransportError):
    """A transient fault (network, 5xx, SMTP 4xx): retry later with backoff."""


class PermanentFailure(TransportError):
    """This message will never be accepted as it is (bad address, rejected content)."""


class OutcomeUnknown(TransportError):
    """The message was handed over but no answer came (a timeout or a connection lost after
    sending): it may have been accepted. Never resend it blindly; it is in doubt until an
    event or an operator settles it."""


class AccountBlocked(TransportError):
    """The sending account or configuration cannot send at all (paused, suspended,
    unverified sender): stop everything and tell an operator."""


class Transport(Protocol):
    """Hands one message to the outside world."""

    name: str

    def send(self, message: OutgoingMessage) -> SendResult:
        """Send ``message``; raise a :class:`TransportError` subclass when not accepted."""
        ...

    def close(self) -> None:
        """Release connections; the transport may be used again afterwards."""
        ...
