"""The one batch function: claim rows, build each reader's message, hand it over, record.

Both executors (the embedded sender threads and Celery tasks) call :func:`send_batch` over
and over; it is safe to run on any number of threads, processes and machines at once.

One batch: check the campaign is still sending and the 24-hour quota has room; claim up to
a few seconds' worth of rows (committed, so the claim is visible); load the readers; then
for each row, re-check the campaign's status (at most :data:`STATUS_SECONDS` old, read by
one thread for the whole process, so a pause or cancel stops the batch within a second),
skip a reader who has left, fill the reader's slots in the prepared variant, wait for a
pacing slot, hand the message to the transport and note the outcome. Outcomes are written
every :data:`FLUSH_ROWS` messages or :data:`FLUSH_SECONDS` (see
:mod:`newsletter.delivery.outcomes`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from newsletter.delivery import halts, lifecycle
from newsletter.delivery.alerts import tell_operators
from newsletter.delivery.claims import claim_batch, renew_claims
from newsletter.delivery.handover import Handover
from newsletter.delivery.outcomes import OutcomeBuffer
from newsletter.delivery.pacing import quota_frees_at
from newsletter.delivery.process import SenderProcess, sender_process
from newsletter.delivery.readers import load_readers
from newsletter.delivery.transports import AccountBlocked, QuotaExhausted
from newsletter.extensions import db
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryState
from newsletter.models.base import utcnow

log = logging.getLogger(__name__)

#: A claim holds about this many seconds of one thread's share of the account's rate (and at
#: most NEWSLETTER_BATCH_SIZE rows), so a dead worker leaves few rows in doubt.
CLAIM_SECONDS = 2.0
#: ... but at least this many rows, so that a slow account's batches do not become tiny.
CLAIM_FLOOR = 10
#: The campaign's status is read again when the last reading is older than this.
STATUS_SECONDS = 0.25
#: Outcomes are written after this many messages or seconds, whichever comes first.
FLUSH_ROWS = 100
FLUSH_SECONDS = 1.0
#: After the database failed in the middle of a batch, seconds between tries to record what
#: the batch knows (see :meth:`_Batch._settle_after_database_error`).
SETTLE_RETRY_SECONDS = 1.0


def claim_size(max_send_rate: float, sender_threads: int, batch_size: int) -> int:
    """Rows one batch claims: :data:`CLAIM_SECONDS` of one thread's share of the rate.

    Every sender thread of the process (and of the other processes) shares the account's one
    rate, so a claim of the whole rate's worth per thread would hold several times what the
    thread can send in that time, all of it in doubt if the worker is killed. The floor keeps
    slow accounts' batches from shrinking to a few rows; the cap is NEWSLETTER_BATCH_SIZE.
    """
    share = max_send_rate / max(1, sender_threads)
    return min(batch_size, max(CLAIM_FLOOR, int(share * CLAIM_SECONDS)))


@dataclass
class BatchReport:
    """What one batch did; ``stopped`` says why it ended early (empty: it ran through)."""

    campaign_id: int
    claimed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    stopped: str = ""

    @property
    def more(self) -> bool:
        """Whether calling again right away is likely to find work."""
        return self.claimed > 0 and not self.stopped

    def add(self, state: DeliveryState | str, count: int = 1) -> None:
        """Count rows that ended the batch in ``state``."""
        self.counts[str(state)] = self.counts.get(str(state), 0) + count


def send_batch(
    campaign_id: int, worker: str, *, stop: threading.Event | None = None
) -> BatchReport:
    """Send one batch of a campaign as ``worker`` (see the module docstring).

    Needs an application context. Commits its own work; never raises for a message's
    failure, only for a fault of the database or a bug. When ``stop`` is set (the process
    is shutting down) the rows not yet tried go back to the queue.
    """
    process = sender_process()
    session = db.new_session()
    try:
        return _Batch(session, process, campaign_id, worker, stop).run()
    finally:
        session.close()


class _Batch:
    """One run of :func:`send_batch`."""

    def __init__(
        self,
        session: Session,
        process: SenderProcess,
        campaign_id: int,
        worker: str,
        stop: threading.Event | None,
    ) -> None:
        self.session = session
        self.stop = stop
        self.process = process
        self.settings = process.settings
        self.campaign_id = campaign_id
        self.worker = worker
        self.report = BatchReport(campaign_id)
        self.buffer = OutcomeBuffer(worker, campaign_id)
        self.flushed_at = time.monotonic()
        self.renewed_at = time.monotonic()
        self.next_untried = 0  # index of the first claimed row not yet handed over

    def run(self) -> BatchReport:
        campaign = self.session.get(Campaign, self.campaign_id)
        self.process.remember_status(self.campaign_id, campaign.status if campaign else None)
        if campaign is None or campaign.status is not CampaignStatus.SENDING:
            self.report.stopped = f"campaign is {campaign.status if campaign else 'missing'}"
            return self.report
        limit = self._claim_limit()
        if limit < 1:
            return self.report
        rows = claim_batch(self.session, self.campaign_id, self.worker, limit)
        self.session.commit()
        self.report.claimed = len(rows)
        if rows:
            try:
                self._send_rows(campaign, rows)
            except SQLAlchemyError:
                self._settle_after_database_error(rows)
                raise
        lifecycle.complete_if_done(self.session, self.campaign_id)
        self.session.commit()
        return self.report

    def _claim_limit(self) -> int:
        limits = self.process.limits()
        limit = claim_size(
            limits.max_send_rate, self.settings.sender_threads, self.settings.batch_size
        )
        left = self.process.quota_left(self.session, limits)
        if left is not None and left < 1:
            self._pause_for_quota()
            return 0
        return limit if left is None else min(limit, int(left))

    def _send_rows(self, campaign: Campaign, rows: list[Delivery]) -> None:
        now = utcnow()
        readers = load_readers(self.session, (row.subscriber_id for row in rows), now)
        handover = Handover(self.session, self.process, campaign)
        for index, row in enumerate(rows):
            if not self._still_sending():
                self._release(rows[index:])
                return
            reader = readers.get(row.subscriber_id) if row.subscriber_id else None
            halt = handover.deliver(row, reader, self.buffer)
            self.next_untried = index + 1
            if halt is not None:
                self._release(rows[index + 1 :])
                self._flush(rows)
                self._halt(halt, handover)
                return
            self._maybe_flush(rows[index + 1 :])
        self._flush(rows)

    def _still_sending(self) -> bool:
        if self.stop is not None and self.stop.is_set():
            self.report.stopped = "the worker is stopping"
            return False
        if self.report.stopped:
            return False
        status = self.process.campaign_status(self.campaign_id, self._read_status, STATUS_SECONDS)
        if status is not CampaignStatus.SENDING:
            self.report.stopped = f"campaign is {status}"
        return status is CampaignStatus.SENDING

    def _read_status(self) -> CampaignStatus | None:
        # End the read snapshot (SQLite keeps one per transaction) before looking again.
        self.session.commit()
        return self.session.scalar(select(Campaign.status).where(Campaign.id == self.campaign_id))

    def _maybe_flush(self, remaining: list[Delivery]) -> None:
        if len(self.buffer) >= FLUSH_ROWS or time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
            self._flush(remaining)

    def _flush(self, remaining: list[Delivery]) -> None:
        kept = (list(self.buffer.rows), Counter(self.buffer.counts))
        try:
            written = self.buffer.write(self.session)
            lease = self.settings.send_lease_seconds
            if remaining and time.monotonic() - self.renewed_at > lease / 3:
                renew_claims(self.session, self.worker, [row.id for row in remaining])
                self.renewed_at = time.monotonic()
            self.session.commit()
        except SQLAlchemyError:
            # Nothing was written: keep the outcomes to write once the database is back.
            self.buffer.rows, self.buffer.counts = kept
            raise
        for state, count in written.items():
            self.report.add(state, count)
        self.process.spend_quota(written[DeliveryState.SENT])
        self.flushed_at = time.monotonic()
        failed, sent = written[DeliveryState.FAILED], written[DeliveryState.SENT]
        if failed or sent:
            self._judge_failures(failed, sent)

    def _judge_failures(self, failed: int, sent: int) -> None:
        window = self.process.failures(self.campaign_id)
        window.add(failed, sent)
        rate = window.rate()
        limit = self.settings.failure_pause_rate
        if rate is None or rate <= limit:
            return
        self.process.forget_failures(self.campaign_id)
        reason = halts.failure_reason(rate, limit, len(window.outcomes))
        if halts.pause_campaign(self.session, self.campaign_id, reason):
            self.session.commit()
            tell_operators(
                self.session, self.settings, self.process.transport(), self.campaign_id, reason
            )
        self.report.stopped = "paused: too many failures"

    def _release(self, rows: list[Delivery]) -> None:
        """Give rows not yet tried back to the queue (or cancel them with their campaign)."""
        cancelled = self.report.stopped == f"campaign is {CampaignStatus.CANCELLED}"
        state = DeliveryState.CANCELLED if cancelled else DeliveryState.QUEUED
        for row in rows:
            self.buffer.note(row.id, state, give_back_attempt=True)
        self._flush([])

    def _settle_after_database_error(self, rows: list[Delivery]) -> None:
        """The database failed mid-batch (a restart, a fail-over). This batch still knows
        which messages it handed over and which rows it never tried: record both once the
        database answers again, so that the reaper does not turn hundreds of rows that never
        left into ``in_doubt`` for an operator. Gives up after half the lease; then the rows
        are the reaper's, as when a worker dies."""
        untried = [row.id for row in rows[self.next_untried :]]
        known = (list(self.buffer.rows), Counter(self.buffer.counts))
        deadline = time.monotonic() + self.settings.send_lease_seconds / 2
        while True:
            try:
                self.session.rollback()
                status = self.session.scalar(
                    select(Campaign.status).where(Campaign.id == self.campaign_id)
                )
                back = (
                    DeliveryState.CANCELLED
                    if status is CampaignStatus.CANCELLED
                    else DeliveryState.QUEUED
                )
                self.buffer.rows, self.buffer.counts = list(known[0]), Counter(known[1])
                for row_id in untried:
                    self.buffer.note(row_id, back, give_back_attempt=True)
                self._flush([])
            except SQLAlchemyError:
                if time.monotonic() > deadline or (self.stop is not None and self.stop.is_set()):
                    log.error("%s: the database stayed away; %d rows are left to the reaper",
                              self.worker, len(untried) + len(known[0]))  # fmt: skip
                    return
                time.sleep(SETTLE_RETRY_SECONDS)
                continue
            log.warning("%s: the database failed mid-batch; recorded %d outcomes and gave %d "
                        "untried rows back", self.worker, len(known[0]), len(untried))  # fmt: skip
            return

    def _halt(self, halt: Exception, handover: Handover) -> None:
        if isinstance(halt, QuotaExhausted):
            self._pause_for_quota()
            return
        reason = (
            halts.blocked_reason(halt)
            if isinstance(halt, AccountBlocked)
            else halts.render_reason(halt)
        )
        self.report.stopped = f"paused: {reason}"
        if halts.pause_campaign(self.session, self.campaign_id, reason):
            self.session.commit()
            tell_operators(
                self.session, self.settings, handover.transport, self.campaign_id, reason
            )
        self.session.commit()

    def _pause_for_quota(self) -> None:
        resume_at = quota_frees_at(self.session, utcnow(), self.settings.batch_size)
        self.report.stopped = "paused: 24-hour quota used up"
        halts.pause_campaign(
            self.session, self.campaign_id, halts.quota_reason(resume_at), resume_at=resume_at
        )
        self.session.commit()
