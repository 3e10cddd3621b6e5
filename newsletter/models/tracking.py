"""Events: what happened to deliveries and readers, from our tracking and from SES."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.models.base import Base, BigId, JSONType, UTCDateTime, enum_column, utcnow


class EventType(StrEnum):
    """Kinds of events. Reader lifecycle events feed the gained/lost series."""

    OPEN = "open"
    CLICK = "click"
    UNSUBSCRIBE = "unsubscribe"
    SEND = "send"
    DELIVERY = "delivery"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    REJECT = "reject"
    DELIVERY_DELAY = "delivery_delay"
    RENDERING_FAILURE = "rendering_failure"
    SUBSCRIPTION = "subscription"
    SIGNUP = "signup"
    CONFIRM = "confirm"
    PREFERENCES = "preferences"


class EventSource(StrEnum):
    """Who reported an event."""

    TRACKING = "tracking"  # our pixel, redirect and unsubscribe endpoints
    SES = "ses"  # SES event publishing through SNS
    READER = "reader"  # the signup page and the preference centre
    STAFF = "staff"
    IMPORT = "import"


class Event(Base):
    """One event. Rows outlive the subscriber they concern (the reference becomes NULL)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    type: Mapped[EventType] = enum_column(EventType)
    source: Mapped[EventSource] = enum_column(EventSource)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL")
    )
    link_id: Mapped[int | None] = mapped_column(ForeignKey("tracked_links.id", ondelete="SET NULL"))
    # Opens by privacy proxies and clicks by link scanners are kept but counted apart.
    is_machine: Mapped[bool] = mapped_column(default=False)
    machine_reason: Mapped[str | None] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    # Truncated or hashed as NEWSLETTER_IP_STORAGE says; never the full address.
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    __table_args__ = (
        # Campaign funnels and hourly series: events of one campaign by type and time.
        Index("ix_events_campaign_type_time", "campaign_id", "type", "occurred_at"),
        # Rolling bounce/complaint windows and per-day series across campaigns.
        Index("ix_events_type_time", "type", "occurred_at"),
        Index("ix_events_delivery_id", "delivery_id"),
        # A reader's own data export and erasure.
        Index("ix_events_subscriber_id", "subscriber_id"),
        Index("ix_events_link_id", "link_id"),
    )


class SnsMessage(Base):
    """A verified SNS message, stored before it is processed off the request path.

    The message id is the key, so a message SNS retries is stored once and handled once.
    """

    __tablename__ = "sns_messages"

    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    topic_arn: Mapped[str] = mapped_column(String(300))
    message_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The processor polls for unprocessed messages; most rows are processed.
        Index(
            "ix_sns_messages_pending",
            "received_at",
            postgresql_where=text("processed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL"),
        ),
    )
