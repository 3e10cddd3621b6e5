"""What the renderer needs to know about the installation, as one immutable value.

The application builds a :class:`RenderSettings` from its configuration; workers, the CLI and
tests build one directly. Nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.topics import DEFAULT_TOPICS, TopicSeed

#: Where the email templates live in a source checkout (top level of the repository).
DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "email"


@dataclass(frozen=True)
class TopicLabel:
    """The reader-facing names of one topic."""

    slug: str
    name_zh: str
    name_en: str

    def name(self, locale: str) -> str:
        """The name in ``locale`` (``zh-CN`` or ``en``)."""
        return self.name_en if locale == "en" else self.name_zh


def topic_labels_from(seeds: Iterable[TopicSeed]) -> tuple[TopicLabel, ...]:
    """Turn topic seeds (or anything with slug/name_zh/name_en) into labels, keeping order."""
    return tuple(TopicLabel(seed.slug, seed.name_zh, seed.name_en) for seed in seeds)


@dataclass(frozen=True)
class RenderSettings:
    """Addresses, names and URLs that every rendered email carries.

    ``base_url`` is the public root of the web app without a trailing slash; reader URLs
    (tracking, unsubscribe, preferences, archive) hang below it. ``list_id`` is the RFC 2919
    list label (``daily.news.example.com``), ``list_name`` its display phrase.
    """

    base_url: str
    sender_address: str
    postal_address: str
    list_id: str
    unsubscribe_mailbox: str
    sender_name: str = "AI前沿发展日报"
    site_name: str = "AI前沿发展日报"
    list_name: str = "AI前沿发展日报"
    reply_to: str | None = None
    default_locale: str = "zh-CN"
    topics: tuple[TopicLabel, ...] = field(
        default_factory=lambda: topic_labels_from(DEFAULT_TOPICS)
    )
    logo_url: str | None = None
    template_dir: Path = DEFAULT_TEMPLATE_DIR

    def __post_init__(self) -> None:
        # A trailing slash would double up in every reader URL; fix it once here.
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        for name in ("sender_address", "unsubscribe_mailbox", "list_id"):
            value = getattr(self, name)
            if not value or not value.isascii() or any(c in value for c in '\r\n <>"'):
                raise ValueError(f"RenderSettings.{name} must be a plain ASCII address: {value!r}")
        if "@" not in self.sender_address:
            raise ValueError(f"sender_address has no domain: {self.sender_address!r}")

    @property
    def sender_domain(self) -> str:
        """The domain of the sender address, used on the right of Message-IDs."""
        return self.sender_address.rpartition("@")[2]

    def topic_name(self, slug: str, locale: str) -> str:
        """The reader-facing name of a topic, or the slug when the topic is unknown."""
        for topic in self.topics:
            if topic.slug == slug:
                return topic.name(locale)
        return slug

    def topic_order(self, slug: str) -> int:
        """Position of a topic in the configured order; unknown topics sort last."""
        for index, topic in enumerate(self.topics):
            if topic.slug == slug:
                return index
        return len(self.topics)
