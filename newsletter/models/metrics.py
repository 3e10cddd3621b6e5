"""Metric roll-ups and reputation alarms: what the dashboard reads instead of raw events.

Events are rolled up incrementally into hourly counts (from a high-water mark on
``events.id``); sends are recounted per hour from the ledger; per-campaign funnels are
snapshots refreshed by the roll-up service. See ``newsletter/metrics/rollup.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.models.base import Base, BigId, JSONType, UTCDateTime, utcnow

#: ``campaign_id`` of roll-up rows for events that concern no campaign (signups, ...).
NO_CAMPAIGN = 0


class EventHour(Base):
    """How many events of one kind one campaign had in one hour.

    ``kind`` is the event type, except bounces, split into ``bounce_hard`` and
    ``bounce_soft`` because only hard bounces count towards the bounce rate.
    """

    __tablename__ = "metric_event_hours"

    # No foreign key: roll-ups outlive what they count, and 0 stands for "no campaign".
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    is_machine: Mapped[bool] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)

    # Rolling windows and daily series read every campaign's rows by kind and time.
    __table_args__ = (Index("ix_metric_event_hours_kind_hour", "kind", "hour"),)


class SendHour(Base):
    """How many deliveries of one campaign were sent in one hour, recounted from the ledger."""

    __tablename__ = "metric_send_hours"

    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    sent: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_metric_send_hours_hour", "hour"),)


class MetricSnapshot(Base):
    """A computed figure set, e.g. one campaign's funnel, with when and how fast it was made."""

    __tablename__ = "metric_snapshots"

    scope: Mapped[str] = mapped_column(String(24), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)


class RollupState(Base):
    """Where a roll-up stands: the last event id counted and ids still to look for.

    ``pending_ids`` are ids below the mark that were not visible when the mark moved past
    them (a transaction still open, or rolled back); they are looked for again for a while.
    """

    __tablename__ = "metric_rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_ids: Mapped[list[list[int]]] = mapped_column(JSONType, default=list)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_duration_ms: Mapped[int] = mapped_column(default=0)


class ReputationAlarm(Base):
    """A bounce or complaint rate that passed its alarm level, and what was done about it.

    Open (unacknowledged) alarms keep sending paused and show a banner to staff; only an
    operator acknowledges one, and only an operator resumes the campaigns it paused.
    """

    __tablename__ = "reputation_alarms"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "campaign" (one campaign in flight) or "window" (the rolling window, every campaign).
    scope: Mapped[str] = mapped_column(String(12))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    metric: Mapped[str] = mapped_column(String(12))  # bounce or complaint
    rate: Mapped[float] = mapped_column()
    threshold: Mapped[float] = mapped_column()
    numerator: Mapped[int] = mapped_column(BigInteger)
    denominator: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    paused_campaign_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    notify_error: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    acknowledge_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_reputation_alarms_open", "acknowledged_at", "raised_at"),)
