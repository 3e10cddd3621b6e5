"""Recording what happened to each claimed row, a few dozen rows per statement.

The sender notes each message's outcome in an :class:`OutcomeBuffer` and writes the buffer
every few dozen messages or every second: one ``executemany`` UPDATE for the rows and one
UPDATE of the campaign's counters, committed together. A worker that dies loses at most
that buffer; those rows are still ``sending`` and the reaper makes them ``in_doubt``,
never ``queued``, because their messages may have left.

Every row update is guarded by ``state = 'sending' AND claimed_by = <this worker>``, so an
outcome can never overwrite a row that has since been reaped or handed to someone else.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy.orm import Session

from newsletter.models import Campaign, Delivery, DeliveryState

_table = cast(Table, Delivery.__table__)
_rows = _table.c
# One statement for every kind of outcome; parameters per row.
_RECORD = (
    update(_table)
    .where(
        _rows.id == bindparam("row_id"),
        _rows.state == DeliveryState.SENDING,
        _rows.claimed_by == bindparam("worker"),
    )
    .values(
        state=bindparam("new_state", type_=_rows.state.type),
        transport_message_id=func.coalesce(
            bindparam("message_id", type_=_rows.transport_message_id.type),
            _rows.transport_message_id,
        ),
        last_error=bindparam("error", type_=_rows.last_error.type),
        next_attempt_at=bindparam("retry_at", type_=_rows.next_attempt_at.type),
        sent_at=bindparam("sent_at", type_=_rows.sent_at.type),
        attempts=_rows.attempts - bindparam("give_back", type_=_rows.attempts.type),
    )
)


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before retry number ``attempt`` (1, 2, ...): exponential, capped, with
    "equal jitter" so that rows deferred together do not all come back together."""
    ceiling = min(cap, base * 2.0 ** max(attempt - 1, 0))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


@dataclass
class OutcomeBuffer:
    """Outcomes noted but not yet written, for one worker and one campaign."""

    worker: str
    campaign_id: int
    rows: list[dict[str, object]] = field(default_factory=list)
    counts: Counter[DeliveryState] = field(default_factory=Counter)

    def note(
        self,
        delivery_id: int,
        state: DeliveryState,
        *,
        message_id: str | None = None,
        error: str | None = None,
        retry_at: dt.datetime | None = None,
        sent_at: dt.datetime | None = None,
        give_back_attempt: bool = False,
    ) -> None:
        """Note one row's outcome. ``give_back_attempt`` un-counts the claim's attempt for a
        row that goes back to the queue without having been tried."""
        self.rows.append(
            {
                "row_id": delivery_id,
                "worker": self.worker,
                "new_state": state,
                "message_id": message_id,
                "error": error[:2000] if error else None,
                "retry_at": retry_at,
                "sent_at": sent_at,
                "give_back": 1 if give_back_attempt else 0,
            }
        )
        self.counts[state] += 1

    def __len__(self) -> int:
        return len(self.rows)

    def write(self, session: Session) -> Counter[DeliveryState]:
        """Write the noted outcomes and the campaign's counters; returns what was written.

        The caller commits.
        """
        if not self.rows:
            return Counter()
        session.execute(_RECORD, self.rows)
        written, self.rows, self.counts = self.counts, [], Counter()
        counters = {
            "sent_count": Campaign.sent_count + written[DeliveryState.SENT],
            "failed_count": Campaign.failed_count + written[DeliveryState.FAILED],
            "skipped_count": Campaign.skipped_count + written[DeliveryState.SKIPPED],
        }
        if (
            written[DeliveryState.SENT]
            or written[DeliveryState.FAILED]
            or written[DeliveryState.SKIPPED]
        ):
            session.execute(
                update(Campaign)
                .where(Campaign.id == self.campaign_id)
                .values(**counters)
                .execution_options(synchronize_session=False)
            )
        return written
