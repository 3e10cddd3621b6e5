"""The local outbox: every message becomes an ``.eml`` file that operators can browse.

The default for ``make run``: the whole pipeline runs for real, nothing leaves the machine.
Files are written to a temporary name and renamed, so a reader of the folder never sees half
a message.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

from newsletter.delivery.transports.base import OutgoingMessage, SendResult, TemporaryFailure


class OutboxTransport:
    """Writes each message into ``folder/YYYY-MM-DD/``."""

    name = "outbox"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, message: OutgoingMessage) -> SendResult:
        """Store the message; its file name is the returned message id."""
        # Time first, so names sort in the order written (the browser lists without stat).
        message_id = f"outbox-{time.time_ns()}-{uuid.uuid4().hex[:12]}"
        day = self.folder / dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        try:
            day.mkdir(parents=True, exist_ok=True)
            final = day / f"{message_id}.eml"
            partial = day / f".{message_id}.partial"
            with partial.open("wb") as handle:
                handle.write(message.data)
                handle.flush()
                os.fsync(handle.fileno())
            partial.rename(final)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write to the outbox {self.folder}: {exc}") from exc
        return SendResult(message_id)

    def close(self) -> None:
        """Nothing to release."""
