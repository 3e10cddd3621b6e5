"""Campaigns: one send of an issue to an audience, and its delivery ledger."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.models.base import (
    Base,
    BigId,
    CreatedAt,
    JSONType,
    UTCDateTime,
    enum_column,
    utcnow,
)
from newsletter.models.issues import Issue


class CampaignStatus(StrEnum):
    """A campaign's place in its lifecycle; transitions are owned by ``delivery.lifecycle``."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"


class Campaign(CreatedAt, Base):
    """Sending one issue to the readers its audience rule selects."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[CampaignStatus] = enum_column(CampaignStatus, default=CampaignStatus.DRAFT)
    # Who gets it, e.g. {"topics": ["capital"], "match": "any"}; empty means every reader.
    audience: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    schedule_timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    track_opens: Mapped[bool] = mapped_column(default=True)
    track_clicks: Mapped[bool] = mapped_column(default=True)
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    # Set by a pause that ends by itself (the daily quota); the scheduler resumes it then.
    resume_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    snapshot_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Counters kept by the sender as rows reach a terminal state, for live progress.
    recipients_count: Mapped[int] = mapped_column(default=0)
    sent_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    issue: Mapped[Issue] = relationship()

    # The scheduler asks "which scheduled campaigns are due" every few seconds.
    __table_args__ = (Index("ix_campaigns_status_scheduled_at", "status", "scheduled_at"),)


class DeliveryState(StrEnum):
    """A delivery row's state. See ARCHITECTURE.md: the ledger is the source of truth."""

    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker, outcome not yet recorded
    DEFERRED = "deferred"  # throttled or transient error; retried at next_attempt_at
    IN_DOUBT = "in_doubt"  # a dead worker may or may not have handed it to the transport
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # the reader left or was suppressed after the snapshot
    CANCELLED = "cancelled"  # the campaign was cancelled before this row was sent
    DROPPED = "dropped"  # an operator chose not to resend a failed or in-doubt row


TERMINAL_STATES = frozenset(
    {
        DeliveryState.SENT,
        DeliveryState.FAILED,
        DeliveryState.SKIPPED,
        DeliveryState.CANCELLED,
        DeliveryState.DROPPED,
    }
)


class Delivery(CreatedAt, Base):
    """One reader's copy of one campaign: exactly one row, moving through explicit states."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="RESTRICT"))
    # Kept NULL after a reader erases their data, so campaign totals survive anonymised.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL")
    )
    variant_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[DeliveryState] = enum_column(DeliveryState, default=DeliveryState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    transport_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the message was handed to the transport (the start of its pacing slot).
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # First occurrences, set once by event processing (UPDATE ... WHERE x IS NULL), so unique
    # counts per campaign are a count of non-null columns, not a DISTINCT over events.
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    machine_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    bounced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    complained_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # Never the same campaign to the same reader twice, whatever the workers do.
        UniqueConstraint("campaign_id", "subscriber_id"),
        # Workers claim "queued rows of campaign C in id order" and progress counts rows per
        # state; both walk this index instead of the campaign's million rows.
        Index("ix_deliveries_campaign_state_id", "campaign_id", "state", "id"),
        # SES events name the message by the id SES returned.
        Index(
            "ix_deliveries_transport_message_id",
            "transport_message_id",
            postgresql_where=text("transport_message_id IS NOT NULL"),
            sqlite_where=text("transport_message_id IS NOT NULL"),
        ),
        # A reader's own data (export, erase) and "has this reader left" checks.
        Index("ix_deliveries_subscriber_id", "subscriber_id"),
        # Sends per hour and the last 24 hours' count (SES quota) walk this index only.
        Index("ix_deliveries_sent_at", "sent_at", "campaign_id"),
    )
