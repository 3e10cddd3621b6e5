"""One reader's message: build it, wait for a slot, hand it to the transport, classify.

What happens to the row for each answer of the transport is decided here, in one place:

========================  ==============================================================
sent                      ``sent`` with the provider's message id
Throttled                 ``deferred`` a second or so (jittered), and the pacer slows down
TemporaryFailure          ``deferred`` with exponential backoff; ``failed`` after
                          NEWSLETTER_SEND_MAX_ATTEMPTS tries
PermanentFailure          ``failed`` with the provider's reason
QuotaExhausted            back to ``queued``; the batch stops and the campaign pauses
AccountBlocked            back to ``queued``; the batch stops, the campaign pauses, operators
                          are told
OutcomeUnknown            ``in_doubt``: handed over without an answer; SES's Send event or
                          an operator settles it
anything else             ``in_doubt`` too, with the error, logged as a fault
========================  ==============================================================
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from sqlalchemy.orm import Session

from newsletter.delivery.outcomes import OutcomeBuffer, backoff
from newsletter.delivery.pacing import sleep_for_slot
from newsletter.delivery.process import SenderProcess
from newsletter.delivery.readers import ERASED, BatchReader
from newsletter.delivery.transports import (
    AccountBlocked,
    OutcomeUnknown,
    OutgoingMessage,
    PermanentFailure,
    QuotaExhausted,
    TemporaryFailure,
    Throttled,
)
from newsletter.delivery.variants import ReaderVariant, VariantWanted
from newsletter.metrics.hooks import SendMeter
from newsletter.models import Campaign, Delivery, DeliveryState, Issue
from newsletter.models.base import utcnow
from newsletter.rendering import Recipient, build_message

log = logging.getLogger(__name__)

#: Backoff (base, cap) in seconds after throttling and after a temporary failure.
THROTTLE_BACKOFF = (1.0, 60.0)
TEMPORARY_BACKOFF = (30.0, 1800.0)


class Handover:
    """Hands the rows of one batch to the transport, one at a time."""

    def __init__(self, session: Session, process: SenderProcess, campaign: Campaign) -> None:
        self.session = session
        self.process = process
        self.settings = process.settings
        self.campaign_id = campaign.id
        self.transport = process.transport()
        self.pacer = process.pacer()
        self.variants = process.variants(session)
        self.issue = session.get_one(Issue, campaign.issue_id)
        self.tracking = self.settings.tracking and (campaign.track_opens or campaign.track_clicks)
        self.sender = self.settings.sender_address
        self.meter = SendMeter(self.transport.name)
        # The variant of each (topic mix, locale) met in this batch: a batch of hundreds of
        # readers has a few dozen mixes, so the process's cache is asked once for each.
        self._variants_met: dict[tuple[str, str], ReaderVariant] = {}

    def deliver(
        self, row: Delivery, reader: BatchReader | None, buffer: OutcomeBuffer
    ) -> Exception | None:
        """Send ``row``'s message and note its outcome in ``buffer``.

        Returns the error that must stop the whole batch (quota, blocked account, an issue
        that cannot be rendered), after noting the row back in the queue; else None.
        """
        left = ERASED if reader is None else reader.left_because
        if reader is None or left is not None:
            buffer.note(row.id, DeliveryState.SKIPPED, error=left)
            self.meter.record("skipped")
            return None
        try:
            message = self._message(row, reader)
        except Exception as exc:  # a render fault stops the campaign, not just this row
            log.exception("campaign %s: cannot build the message of row %s", self.campaign_id,
                          row.id)  # fmt: skip
            buffer.note(row.id, DeliveryState.QUEUED, give_back_attempt=True)
            return exc
        sleep_for_slot(self.pacer)
        # The moment of the pacing slot is the row's sent_at: the ledger's seconds then show
        # what the pacer let through, not when the provider's answers happened to come back.
        handed_at = utcnow()
        started = time.monotonic()
        try:
            result = self.transport.send(message)
        except (QuotaExhausted, AccountBlocked) as exc:
            buffer.note(row.id, DeliveryState.QUEUED, error=str(exc), give_back_attempt=True)
            self.meter.record("deferred", time.monotonic() - started)
            return exc
        except Throttled as exc:
            self.pacer.slow_down()
            self._defer(buffer, row, exc, THROTTLE_BACKOFF, outcome="throttled", started=started)
        except TemporaryFailure as exc:
            if row.attempts >= self.settings.send_max_attempts:
                self._fail(buffer, row, f"failed {row.attempts} times, last: {exc}", started)
            else:
                self._defer(
                    buffer, row, exc, TEMPORARY_BACKOFF, outcome="deferred", started=started
                )
        except PermanentFailure as exc:
            self._fail(buffer, row, str(exc), started)
        except OutcomeUnknown as exc:  # handed over, no answer: it may have been accepted
            buffer.note(row.id, DeliveryState.IN_DOUBT, error=str(exc))
            self.meter.record("in_doubt", time.monotonic() - started)
        except Exception as exc:  # unknown: the message may have left, so never resend blindly
            log.exception("campaign %s: row %s in doubt", self.campaign_id, row.id)
            buffer.note(row.id, DeliveryState.IN_DOUBT, error=f"{type(exc).__name__}: {exc}")
            self.meter.record("in_doubt", time.monotonic() - started)
        else:
            buffer.note(row.id, DeliveryState.SENT, message_id=result.message_id, sent_at=handed_at)
            self.meter.record("sent", time.monotonic() - started)
        return None

    def _message(self, row: Delivery, reader: BatchReader) -> OutgoingMessage:
        variant = self._variant(row.variant_key, reader.locale)
        recipient = Recipient(row.id, reader.email, reader.name, topics_label=variant.topics_label)
        return OutgoingMessage(
            sender=self.sender,
            recipient=reader.email,
            data=build_message(variant.prepared, recipient),
            tags={"campaign": str(self.campaign_id), "delivery": str(row.id)},
        )

    def _variant(self, key: str, locale: str) -> ReaderVariant:
        met = self._variants_met.get((key, locale))
        if met is not None:
            return met
        wanted = VariantWanted(self.issue.id, self.issue.revision, key, locale, self.tracking)
        variant = self.variants.for_reader(self.session, self.issue, wanted)
        if variant.loaded:  # a stored render: commit now rather than hold SQLite's write lock
            self.session.commit()
        self._variants_met[(key, locale)] = variant
        return variant

    def _defer(
        self,
        buffer: OutcomeBuffer,
        row: Delivery,
        error: Exception,
        delays: tuple[float, float],
        *,
        outcome: str,
        started: float,
    ) -> None:
        retry_at = utcnow() + dt.timedelta(seconds=backoff(row.attempts, *delays))
        buffer.note(row.id, DeliveryState.DEFERRED, error=str(error), retry_at=retry_at)
        self.meter.record(outcome, time.monotonic() - started)

    def _fail(self, buffer: OutcomeBuffer, row: Delivery, reason: str, started: float) -> None:
        buffer.note(row.id, DeliveryState.FAILED, error=reason)
        self.meter.record("failed", time.monotonic() - started)
