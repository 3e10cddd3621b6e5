"""What the editor's preview shows: one topic mix rendered, and the size of every mix.

Previews use the real pipeline (:func:`render_variant`, the same templates, MRML and the
inliner as the send) without tracking, so what the editor sees is what readers get. Sizing
all 31 mixes takes a second or two, so the table is kept per issue content, locale and
settings: reloading the page or switching the previewed mix does not render them again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.issues.document import IssueDocument
from newsletter.models import Subscriber, SubscriberStatus, SubscriberTopic, Topic
from newsletter.rendering import (
    ClipReportRow,
    RenderedVariant,
    RenderSettings,
    build_link_registry,
    gmail_clip_report,
    non_empty_mixes,
    render_variant,
)
from newsletter.rendering.system import TEST_SEND_TOKEN
from newsletter.topics import variant_key

LOCALES = ("zh-CN", "en")
_CACHE_SIZE = 16


@dataclass(frozen=True)
class MixSize:
    """One distinct variant of the issue: its size against Gmail's clip and its readers."""

    row: ClipReportRow
    readers: int

    @property
    def excess_kb(self) -> float:
        """How far past the clip, in KB (1,024 bytes), for the editor."""
        return self.row.excess / 1024


def choose_mix(values: Iterable[str], known: Iterable[str]) -> frozenset[str] | None:
    """The mix from the preview form's checkboxes: None (all topics) when none or all ticked."""
    known_set = set(known)
    chosen = frozenset(value for value in values if value in known_set)
    if not chosen or chosen == known_set:
        return None
    return chosen


def render_preview(
    doc: IssueDocument, mix: frozenset[str] | None, settings: RenderSettings, locale: str, slug: str
) -> tuple[RenderedVariant, str]:
    """The variant for ``mix`` and its HTML as a reader sees it (test-send links, no tracking)."""
    rendered = render_variant(
        doc, mix, settings, build_link_registry(doc), tracking=False, locale=locale, issue_slug=slug
    )
    html, _text = rendered.personalise(TEST_SEND_TOKEN)
    return rendered, html


class _SizeCache:
    """A small LRU of clip reports keyed by what determines them."""

    def __init__(self) -> None:
        self._rows: OrderedDict[tuple[str, str, RenderSettings], list[ClipReportRow]] = (
            OrderedDict()
        )
        self._lock = Lock()

    def rows(
        self, doc: IssueDocument, settings: RenderSettings, locale: str
    ) -> list[ClipReportRow]:
        key = (_fingerprint(doc), locale, settings)
        with self._lock:
            if key in self._rows:
                self._rows.move_to_end(key)
                return self._rows[key]
        mixes = [None, *non_empty_mixes(topic.slug for topic in settings.topics)]
        # Sized with tracking on: the bytes readers get carry click URLs and the pixel.
        rows = gmail_clip_report(doc, settings, build_link_registry(doc), mixes, locale=locale)
        with self._lock:
            self._rows[key] = rows
            while len(self._rows) > _CACHE_SIZE:
                self._rows.popitem(last=False)
        return rows


_SIZES = _SizeCache()


def mix_sizes(
    session: Session, doc: IssueDocument, settings: RenderSettings, locale: str
) -> list[MixSize]:
    """Every distinct variant of the issue, largest first, with its confirmed readers."""
    readers = readers_per_variant(session, doc.topics_used())
    return [MixSize(row, readers.get(row.key, 0)) for row in _SIZES.rows(doc, settings, locale)]


def readers_per_variant(session: Session, available: Iterable[str]) -> Counter[str]:
    """How many confirmed readers get each variant, by the topics they chose."""
    rows = session.execute(
        select(Subscriber.id, Topic.slug)
        .outerjoin(SubscriberTopic, SubscriberTopic.subscriber_id == Subscriber.id)
        .outerjoin(Topic, Topic.id == SubscriberTopic.topic_id)
        .where(Subscriber.status == SubscriberStatus.CONFIRMED)
    )
    chosen: dict[int, set[str]] = {}
    for subscriber_id, slug in rows:
        topics = chosen.setdefault(subscriber_id, set())
        if slug is not None:
            topics.add(slug)
    used = frozenset(available)
    return Counter(variant_key(topics, used) for topics in chosen.values())


def _fingerprint(doc: IssueDocument) -> str:
    data = {**doc.to_json(), "subject": doc.subject, "preheader": doc.preheader}
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()
