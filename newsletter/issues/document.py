"""The structured form of one newsletter issue, shared by importers, storage and rendering.

An :class:`IssueDocument` is plain data: importers produce it, the database stores it, the
renderer turns it into email. Nothing here touches the database or Flask, so a report file can
be parsed, rendered and inspected without a running application.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SectionKind(StrEnum):
    """What a section of the daily report is; decides how it is rendered and who gets it."""

    OVERVIEW = "overview"
    CONCLUSIONS = "conclusions"
    EVENTS = "events"
    ANALYSIS = "analysis"
    SOCIAL = "social"
    RESEARCH = "research"
    OTHER = "other"


@dataclass
class SourceLink:
    """A cited source: who published it, the title of the piece and where it lives."""

    publisher: str
    title: str
    url: str

    def to_json(self) -> dict[str, str]:
        return {"publisher": self.publisher, "title": self.title, "url": self.url}


@dataclass
class Item:
    """One numbered entry of a section: an event, a social post, a paper.

    ``fields`` keeps the labelled paragraphs in the order of the report, keyed by the label
    normalised without spaces (``对产业/企业的启发``); a field's text may hold several
    paragraphs separated by an empty line (``"\\n\\n"``), and a paragraph that starts with
    ``"- "`` is a list entry. ``topics`` are topic slugs; an item with no topics is general
    and goes to every reader. ``topic_matches`` records, for suggested topics, the keywords
    that matched, so an editor can see why a topic was proposed.

    ``topic_matches`` and ``line`` say where the item came from, not what it says, so they
    take no part in equality: the same item read from two formats compares equal.
    """

    title: str
    fields: dict[str, str] = field(default_factory=dict)
    sources: list[SourceLink] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    topic_matches: dict[str, list[str]] = field(default_factory=dict, compare=False)
    line: int | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fields": dict(self.fields),
            "sources": [source.to_json() for source in self.sources],
            "topics": list(self.topics),
        }

    def text_for_matching(self) -> str:
        """All reader-visible text of the item, for keyword rules."""
        return "\n".join([self.title, *self.fields.values()])


@dataclass
class Section:
    """A headed part of the report: free paragraphs, numbered items, or both."""

    kind: SectionKind
    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    #: Where the section starts in its source file; not part of equality (see :class:`Item`).
    line: int | None = field(default=None, compare=False)

    @property
    def is_general(self) -> bool:
        """General sections (overview, conclusions, analysis, ...) go to every reader."""
        return not self.items

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "paragraphs": list(self.paragraphs),
            "items": [item.to_json() for item in self.items],
        }


@dataclass
class IssueDocument:
    """A whole issue: title, date, coverage window and sections in reading order.

    ``subject`` and ``preheader`` are what the editor sets for the email; when empty the
    renderer derives them from the title and the overview.
    """

    title: str
    date: dt.date | None = None
    window: str = ""
    timezone: str = "Asia/Shanghai"
    sections: list[Section] = field(default_factory=list)
    subject: str = ""
    preheader: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON shape printed by ``newsletter issues parse`` and served by the API."""
        return {
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "window": self.window,
            "sections": [section.to_json() for section in self.sections],
        }

    def items(self) -> Iterator[Item]:
        """Every item of every section, in reading order."""
        for section in self.sections:
            yield from section.items

    def topics_used(self) -> frozenset[str]:
        """The topic slugs that at least one item carries."""
        return frozenset(slug for item in self.items() for slug in item.topics)

    def filtered(self, topics: Iterable[str] | None) -> IssueDocument:
        """The issue as a reader of ``topics`` receives it; ``None`` means every topic.

        General sections stay whole; an item stays when it has no topics or shares one with
        the reader. A section of items that loses all its items is left out.
        """
        if topics is None:
            return self
        wanted = frozenset(topics)
        sections: list[Section] = []
        for section in self.sections:
            kept = [item for item in section.items if not item.topics or wanted & set(item.topics)]
            if section.items and not kept and not section.paragraphs:
                continue
            sections.append(
                Section(section.kind, section.title, list(section.paragraphs), kept, section.line)
            )
        return IssueDocument(
            self.title,
            self.date,
            self.window,
            self.timezone,
            sections,
            self.subject,
            self.preheader,
        )
