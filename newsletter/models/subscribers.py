"""Readers, their topic choices and the suppression list."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.models.base import Base, BigId, CreatedAt, UTCDateTime, enum_column, utcnow
from newsletter.models.topics import Topic


class SubscriberStatus(StrEnum):
    """Where a reader stands. Only ``confirmed`` readers are ever mailed an issue."""

    PENDING = "pending"  # signed up, confirmation link not yet followed
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"  # hard bounce: the address does not exist
    COMPLAINED = "complained"  # marked an email as spam


class ConsentMethod(StrEnum):
    """How a reader's consent was obtained."""

    SIGNUP_FORM = "signup_form"
    EMBEDDED_FORM = "embedded_form"
    IMPORT = "import"
    API = "api"
    STAFF = "staff"


class Subscriber(CreatedAt, Base):
    """A reader, identified by a normalised address."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Normalised: lower-case domain in punycode, so the unique index catches duplicates.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[SubscriberStatus] = enum_column(
        SubscriberStatus, default=SubscriberStatus.PENDING
    )
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Whether to send an issue whose items miss all of the reader's topics (general parts only).
    receive_empty_issues: Mapped[bool] = mapped_column(default=True)
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    consent_method: Mapped[ConsentMethod | None] = enum_column(ConsentMethod)
    consent_ip: Mapped[str | None] = mapped_column(String(64))
    consent_form: Mapped[str | None] = mapped_column(String(200))
    confirmation_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Transient bounces in a row; reset by a delivery, suppresses at the configured limit.
    soft_bounce_streak: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    topics: Mapped[list[Topic]] = relationship(secondary="subscriber_topics", lazy="selectin")

    def topic_slugs(self) -> frozenset[str]:
        """The slugs of the topics this reader chose."""
        return frozenset(topic.slug for topic in self.topics)


class SubscriberTopic(CreatedAt, Base):
    """One topic a reader chose."""

    __tablename__ = "subscriber_topics"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )

    # The primary key serves look-ups by reader; this one serves counts and audiences by
    # topic (how many readers get each mix, topic popularity) without scanning every choice.
    __table_args__ = (Index("ix_subscriber_topics_topic_id", "topic_id", "subscriber_id"),)


class SuppressionReason(StrEnum):
    """Why an address must not be mailed."""

    UNSUBSCRIBED = "unsubscribed"
    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCES = "soft_bounces"
    COMPLAINT = "complaint"
    MANUAL = "manual"


class Suppression(CreatedAt, Base):
    """An address that is never mailed again, whatever its topics, until lifted.

    Lifting keeps the row (who, when, why) for the audit trail; only rows with no
    ``lifted_at`` suppress.
    """

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    reason: Mapped[SuppressionReason] = enum_column(SuppressionReason)
    source: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        # At most one active entry per address; the audience snapshot anti-joins on it.
        Index(
            "uq_suppressions_active_email",
            "email",
            unique=True,
            postgresql_where=text("lifted_at IS NULL"),
            sqlite_where=text("lifted_at IS NULL"),
        ),
        # Operators search the whole history, lifted entries included.
        Index("ix_suppressions_email_created", "email", "created_at"),
    )
