"""Issues as stored: sections, items, their labelled fields, topics and sources."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.issues.document import SectionKind
from newsletter.models.base import Base, CreatedAt, JSONType, UTCDateTime, enum_column, utcnow
from newsletter.models.topics import Topic


class TopicOrigin(StrEnum):
    """Who put a topic on an item: the keyword rules or an editor."""

    RULE = "rule"
    EDITOR = "editor"


class Issue(CreatedAt, Base):
    """One issue of the newsletter, as the editor prepared it."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public address in the archive, from the issue date (2026-04-07, 2026-04-07-2, ...).
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    window: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    subject: Mapped[str] = mapped_column(String(300), default="")
    preheader: Mapped[str] = mapped_column(String(300), default="")
    source_format: Mapped[str] = mapped_column(String(20), default="text")
    source_text: Mapped[str] = mapped_column(Text, default="")
    # Bumped by every edit; rendered variants are cached per revision.
    revision: Mapped[int] = mapped_column(default=1)
    # Set when the issue's campaign has gone out; the public archive lists these.
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    in_archive: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sections: Mapped[list[IssueSection]] = relationship(
        back_populates="issue",
        order_by="IssueSection.position",
        cascade="all, delete-orphan",
    )


class IssueSection(Base):
    """A headed part of an issue; general sections have paragraphs and no items."""

    __tablename__ = "issue_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[SectionKind] = enum_column(SectionKind)
    title: Mapped[str] = mapped_column(String(300))
    paragraphs: Mapped[list[str]] = mapped_column(JSONType, default=list)

    issue: Mapped[Issue] = relationship(back_populates="sections")
    items: Mapped[list[IssueItem]] = relationship(
        back_populates="section",
        order_by="IssueItem.position",
        cascade="all, delete-orphan",
    )


class IssueItem(Base):
    """An event, social post or paper within a section."""

    __tablename__ = "issue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("issue_sections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(Text)

    section: Mapped[IssueSection] = relationship(back_populates="items")
    fields: Mapped[list[ItemField]] = relationship(
        order_by="ItemField.position", cascade="all, delete-orphan"
    )
    sources: Mapped[list[ItemSource]] = relationship(
        order_by="ItemSource.position", cascade="all, delete-orphan"
    )
    topics: Mapped[list[ItemTopic]] = relationship(cascade="all, delete-orphan")


class ItemField(Base):
    """A labelled paragraph of an item (发生了什么, 为什么重要, ...), in report order."""

    __tablename__ = "item_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("issue_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)


class ItemSource(Base):
    """A source cited by an item."""

    __tablename__ = "item_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("issue_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    publisher: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text)


class ItemTopic(Base):
    """A topic of an item, with where it came from and the keywords that matched."""

    __tablename__ = "item_topics"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("issue_items.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    origin: Mapped[TopicOrigin] = enum_column(TopicOrigin, default=TopicOrigin.RULE)
    matched: Mapped[list[str]] = mapped_column(JSONType, default=list)

    topic: Mapped[Topic] = relationship(lazy="joined")


class RenderedVariant(CreatedAt, Base):
    """One rendered version of an issue for one topic mix, kept so it is rendered once."""

    __tablename__ = "rendered_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column()
    variant_key: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    tracking: Mapped[bool] = mapped_column(default=True)
    subject: Mapped[str] = mapped_column(String(300))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html_bytes: Mapped[int] = mapped_column()

    __table_args__ = (
        UniqueConstraint("issue_id", "revision", "variant_key", "locale", "tracking"),
    )


class TrackedLink(CreatedAt, Base):
    """An entry of an issue's link registry: click URLs carry its position, never a URL."""

    __tablename__ = "tracked_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    url: Mapped[str] = mapped_column(Text)
    # The topics of the item the link belongs to, for engagement per topic.
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)

    __table_args__ = (
        # The click redirect resolves (issue, position) on every click.
        UniqueConstraint("issue_id", "position"),
    )
