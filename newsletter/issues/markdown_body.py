"""The body of the Markdown authoring format: sections, items, fields, sources.

Structure is read from the raw (escaped) line; escapes are removed from each piece of text
afterwards, so an escaped ``\\- `` or ``\\{`` is text, never markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.items import add_item_text
from newsletter.issues.problems import ProblemLog
from newsletter.issues.report.shapes import known_heading_kind
from newsletter.issues.text import is_web_url, join_text, lines_of, unescape_markdown
from newsletter.topics.seed import is_topic_slug

_HEADING = re.compile(r"^(#{1,6})(?:\s+(.*?))?\s*$")
_ATTRIBUTES = re.compile(r"\{([^{}]*)\}\s*$")
_FIELD = re.compile(r"^\*\*(?P<label>(?:\\.|[^\\*])+)\*\*\s*[:：]\s*(?P<text>.*)$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_ORDERED = re.compile(r"^\d+[.)]\s+(.*)$")
_SOURCE = re.compile(
    r"^(?:(?P<publisher>(?:\\.|[^\\\[\]])*?)\s*[:：]\s*)?"
    r"\[(?P<title>(?:\\.|[^\\\]])*)\]"
    r"\((?:<(?P<angle>(?:\\.|[^\\<>])*)>|(?P<bare>[^\s()<>]*))\)$"
)
_KINDS = ", ".join(kind.value for kind in SectionKind)


def parse_body(doc: IssueDocument, text: str, start: int, problems: ProblemLog) -> None:
    """Read the body lines of ``text`` from index ``start`` into ``doc``'s sections."""
    reader = _BodyReader(doc, problems)
    for index, raw in enumerate(lines_of(text)[start:], start + 1):
        reader.feed(raw.strip(), index)
    if not doc.sections:
        problems.error("the body has no '## ' section heading", start + 1)


class _BodyReader:
    def __init__(self, doc: IssueDocument, problems: ProblemLog) -> None:
        self.doc, self.problems = doc, problems
        self.section: Section | None = None
        self.item: Item | None = None
        #: Continues the paragraph being read; ``None`` after an empty line.
        self.slot: Callable[[str, bool], None] | None = None
        self.hard_break = False

    def feed(self, raw: str, line: int) -> None:
        """Read one line: it continues the paragraph being read, or starts a block."""
        if not raw:
            self.slot = None
            return
        hard_break = (len(raw) - len(raw.rstrip("\\"))) % 2 == 1
        raw = raw[:-1] if hard_break else raw
        if self.slot is not None and not self._starts_block(raw):
            self.slot(unescape_markdown(raw), self.hard_break)
        else:
            self._block(raw, line)
        self.hard_break = hard_break

    def _starts_block(self, raw: str) -> bool:
        return bool(
            _HEADING.match(raw)
            or _BULLET.match(raw)
            or (self.item is not None and _FIELD.match(raw))
            or (self.item is None and _ORDERED.match(raw))
        )

    def _block(self, raw: str, line: int) -> None:
        heading = _HEADING.match(raw)
        if heading:
            self._heading(len(heading.group(1)), heading.group(2) or "", line)
            return
        if self.section is None:
            self.problems.error("text before the first '## ' section heading", line)
            return
        bullet = _BULLET.match(raw)
        if self.item is None:
            entry = bullet or _ORDERED.match(raw)
            if bullet and _SOURCE.match(bullet.group(1)):
                self.problems.error("a source list belongs under an item ('### ' heading)", line)
            self._paragraph(entry.group(1) if entry else raw)
        elif bullet and (source := _SOURCE.match(bullet.group(1))):
            self._source(source, line)
        elif field := _FIELD.match(raw):
            self._field(field.group("label"), field.group("text"), line)
        else:
            self._item_paragraph(unescape_markdown(raw))

    def _heading(self, level: int, raw: str, line: int) -> None:
        raw_title, attributes = _split_attributes(raw)
        title = unescape_markdown(raw_title)
        if level == 2:
            kind = self._kind(attributes, title, line)
            self.section = Section(kind, title, line=line)
            self.doc.sections.append(self.section)
            self.item = None
        elif level == 3 and self.section is not None:
            if not title:
                self.problems.error("an item heading ('### ') has no title", line)
            self.item = Item(title, topics=self._topics(attributes, line), line=line)
            self.section.items.append(self.item)
        elif level == 3:
            self.problems.error("an item ('### ') comes before any section ('## ')", line)
        else:
            self.problems.error(
                f"a level-{level} heading: sections are '## ' and items '### '; "
                "the issue's title belongs in the front matter",
                line,
            )
        self.slot = None

    def _kind(self, attributes: str | None, title: str, line: int) -> SectionKind:
        if attributes is None:
            return known_heading_kind(title) or SectionKind.OTHER
        if not attributes.startswith("#") or attributes[1:] not in set(SectionKind):
            self.problems.error(
                f"unknown section kind marker {{{attributes}}}; use one of {{#kind}} with "
                f"kind one of {_KINDS}",
                line,
            )
            return SectionKind.OTHER
        return SectionKind(attributes[1:])

    def _topics(self, attributes: str | None, line: int) -> list[str]:
        if attributes is None:
            return []
        name, equals, value = attributes.partition("=")
        if name.strip() != "topics" or not equals:
            self.problems.error(f"unknown item marker {{{attributes}}}; use {{topics=a,b}}", line)
            return []
        topics = [slug.strip() for slug in value.split(",") if slug.strip()]
        for slug in topics:
            if not is_topic_slug(slug):
                self.problems.error(f"{slug!r} is not a topic slug like 'industrial-ai'", line)
        if len(set(topics)) != len(topics):
            self.problems.error("a topic is listed twice", line)
        return topics

    def _paragraph(self, raw: str) -> None:
        assert self.section is not None
        paragraphs = self.section.paragraphs
        paragraphs.append(unescape_markdown(raw))
        index = len(paragraphs) - 1

        def extend(text: str, hard_break: bool) -> None:
            paragraphs[index] = _joined(paragraphs[index], text, hard_break)

        self.slot = extend

    def _field(self, raw_label: str, raw_text: str, line: int) -> None:
        item, label = self.item, unescape_markdown(raw_label).strip()
        assert item is not None
        if label in item.fields:
            self.problems.error(f"the label {label!r} appears twice in this item", line)
        item.fields[label] = unescape_markdown(raw_text)
        self.slot = _field_slot(item, label)

    def _item_paragraph(self, text: str) -> None:
        assert self.item is not None
        self.slot = _field_slot(self.item, add_item_text(self.item, text))

    def _source(self, match: re.Match[str], line: int) -> None:
        assert self.item is not None
        url = unescape_markdown(match.group("angle") or match.group("bare") or "")
        if url and not is_web_url(url):
            self.problems.error(f"the source URL {url!r} is not an http(s) URL", line)
        if not url:
            self.problems.warn("a source has no URL", line)
        publisher = unescape_markdown(match.group("publisher") or "").strip()
        title = unescape_markdown(match.group("title")).strip()
        self.item.sources.append(SourceLink(publisher, title, url))
        self.slot = None


def _field_slot(item: Item, label: str) -> Callable[[str, bool], None]:
    def extend(text: str, hard_break: bool) -> None:
        item.fields[label] = _joined(item.fields[label], text, hard_break)

    return extend


def _joined(before: str, text: str, hard_break: bool) -> str:
    return f"{before}\n{text}" if hard_break else join_text(before, text)


def _split_attributes(raw: str) -> tuple[str, str | None]:
    """Split ``Title {attributes}``; a ``{`` escaped with a backslash is part of the title."""
    match = _ATTRIBUTES.search(raw)
    if not match:
        return raw, None
    backslashes = len(raw[: match.start()]) - len(raw[: match.start()].rstrip("\\"))
    if backslashes % 2:
        return raw, None
    return raw[: match.start()].rstrip(), match.group(1).strip()
