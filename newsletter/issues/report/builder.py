"""Turn the report's classified lines into sections, items, fields and sources.

Paragraph rule. Lines next to each other form one paragraph (a hard-wrapped line is
continued). A paragraph that ends without sentence-final punctuation, followed by an empty
line and then plain text, was broken in mid-sentence: the plain text is joined back to it
(with a warning, so the editor can check). Headings, numbered lines, bullets, fields and
source lines never join the text before them, and nothing ever joins an item title.

Inside an item, plain text after a field continues that field as a new paragraph (fields
may hold several paragraphs separated by an empty line); plain text right after an item's
title, before any field, becomes the field ``说明``. A bullet inside an item becomes a
``- text`` paragraph of the current field. In the general sections (overview, conclusions,
analysis) bullets and numbered lines are list entries: each becomes one paragraph.

Items are numbered (``1.``, ``１、``, ``(1)``...). In a section of items, a short line that
does not end a sentence and is followed directly by a field also titles an item: some
reports leave social posts unnumbered (``@someone：...`` then ``类型：...``); the editor
is warned, since the line is read as a title on the strength of what follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind
from newsletter.issues.items import add_item_text, add_paragraph
from newsletter.issues.problems import ProblemLog
from newsletter.issues.report.lines import Line
from newsletter.issues.report.masthead import Masthead, read_meta_line, read_title_line
from newsletter.issues.report.shapes import Shape, Shaped, label_role, looks_like_heading
from newsletter.issues.report.sources import has_url, parse_sources
from newsletter.issues.text import ends_sentence, join_text, unescape_markdown

#: Sections of free text: numbered lines in them are list entries, not items.
GENERAL_KINDS = frozenset({SectionKind.OVERVIEW, SectionKind.CONCLUSIONS, SectionKind.ANALYSIS})
_WINDOW_LABELS = frozenset({"覆盖窗口", "时间窗口", "窗口", "window", "coverage"})


@dataclass
class _Slot:
    """Where the last block of text went, so that a broken sentence can be continued there."""

    read: Callable[[], str]
    write: Callable[[str], None]
    line: int
    across_blank: bool = True


class ReportBuilder:
    """Consumes the report's lines in order and builds the :class:`IssueDocument`."""

    def __init__(self, problems: ProblemLog) -> None:
        self.problems = problems
        self.doc = IssueDocument(title="")
        self.section: Section | None = None
        self.item: Item | None = None
        self.slot: _Slot | None = None
        self.in_masthead = True
        #: The last line cited sources, so lines with links that follow cite more of them.
        self.sources_open = False
        #: ... and it was a bare label, so a (numbered) list of sources may follow.
        self.sources_list = False
        #: Item numbers as written, per section, for the numbering checks.
        self.ordinals: dict[int, list[tuple[int, int]]] = {}

    def feed_title(self, first: Shaped) -> None:
        """Read the first line, which must be the report's title line."""
        if first.shape is not Shape.PLAIN:
            self.problems.error(
                "the report must begin with its title line, like "
                "'AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)'",
                first.line.number,
            )
            self.feed(first, None)
            return
        masthead = read_title_line(first.line.text, first.line.number, self.problems)
        self.doc.title = masthead.title
        self._apply(masthead, first.line.number)

    def feed(self, current: Shaped, following: Shaped | None) -> None:
        """Give ``current`` its meaning; ``following`` is the next line, to look ahead."""
        if self.sources_open and self._continues_sources(current):
            self._add_sources(current.text, current.line.number)
            return
        self.sources_open = False
        if current.shape is Shape.HEADING:
            self._start_section(current.text, current.kind, current.line.number)
        elif current.shape is Shape.NUMBERED:
            self._numbered(current)
        elif current.shape is Shape.BULLET:
            self._bullet(current)
        elif current.shape is Shape.LABELLED:
            self._labelled(current)
        else:
            self._plain(current, following)

    def _continues_sources(self, current: Shaped) -> bool:
        """A line with a link right after a source line is one more source.

        Numbered lines count only under a bare ``来源：``, which announces a list; elsewhere
        a numbered line is the next item.
        """
        shapes = {Shape.BULLET, Shape.PLAIN} | ({Shape.NUMBERED} if self.sources_list else set())
        return current.shape in shapes and has_url(current.text)

    def _start_section(self, title: str, kind: SectionKind | None, line: int) -> None:
        if kind is None:
            self.problems.warn(f"unknown heading {title!r} starts a section of kind 'other'", line)
        self._open(Section(kind or SectionKind.OTHER, unescape_markdown(title), line=line))

    def _open(self, section: Section) -> None:
        self.section = section
        self.doc.sections.append(section)
        self.item, self.slot, self.in_masthead = None, None, False

    def _current_section(self, line: int) -> Section:
        if self.section is None:
            self.problems.warn(
                "text before the first section heading is kept in an untitled section", line
            )
            self._open(Section(SectionKind.OTHER, "", line=line))
        assert self.section is not None
        return self.section

    def _numbered(self, current: Shaped) -> None:
        line = current.line.number
        section = self._current_section(line)
        if section.kind in GENERAL_KINDS:
            self._list_entry(current.text, line)
            return
        if not current.text:
            self.problems.error(f"item {current.ordinal} has no title", line)
        self._start_item(current.text, current.ordinal, line)

    def _start_item(self, title: str, ordinal: int, line: int) -> None:
        """Open an item; ``ordinal`` is its number as written, 0 for none."""
        section = self._current_section(line)
        self.item = Item(unescape_markdown(title), line=line)
        section.items.append(self.item)
        if ordinal:
            self.ordinals.setdefault(id(section), []).append((ordinal, line))
        self.slot = None

    def _bullet(self, current: Shaped) -> None:
        line = current.line.number
        if not current.text:
            self.problems.warn("an empty list entry was left out", line)
            return
        self._current_section(line)
        if self.item is not None:
            self._item_paragraph(f"- {current.text}", line)
        else:
            self._list_entry(current.text, line)

    def _list_entry(self, text: str, line: int) -> None:
        if text:
            self._paragraph(text, line)
        else:
            self.problems.warn("an empty list entry was left out", line)

    def _labelled(self, current: Shaped) -> None:
        line, role = current.line.number, label_role(current.label)
        if self.in_masthead and role == "meta":
            self._meta(current)
        elif self.item is None:
            if role == "source":
                self.problems.warn("a source line outside any item is kept as a paragraph", line)
            self._paragraph(current.line.text, line)
        elif role == "source":
            self._add_sources(current.text, line)
            self.sources_open, self.sources_list = True, not current.text
        else:
            self._field(self.item, current.label, unescape_markdown(current.text), line)

    def _field(self, item: Item, label: str, text: str, line: int) -> None:
        if label in item.fields:
            self.problems.warn(f"the label {label!r} appears twice in one item; texts joined", line)
            text = add_paragraph(item.fields[label], text)
        item.fields[label] = text
        self.slot = _field_slot(item, label, line)

    def _add_sources(self, text: str, line: int) -> None:
        assert self.item is not None
        self.item.sources.extend(parse_sources(text, line, self.problems))
        self.slot = None

    def _meta(self, current: Shaped) -> None:
        line = current.line.number
        window_only = current.label.casefold() in _WINDOW_LABELS
        masthead = read_meta_line(current.text, line, self.problems, window_only=window_only)
        self._apply(masthead, line)

    def _apply(self, masthead: Masthead, line: int) -> None:
        doc = self.doc
        if masthead.date is not None:
            if doc.date is not None and doc.date != masthead.date:
                self.problems.warn(
                    f"line {line} gives the date {masthead.date}, the title {doc.date}; "
                    "the title's date is kept",
                    line,
                )
            doc.date = doc.date or masthead.date
        if masthead.timezone is not None:
            doc.timezone = masthead.timezone
        if masthead.window is not None:
            doc.window = unescape_markdown(masthead.window)
            self.slot = _Slot(lambda: doc.window, self._set_window, line, across_blank=False)

    def _set_window(self, value: str) -> None:
        self.doc.window = value

    def _plain(self, current: Shaped, following: Shaped | None) -> None:
        line = current.line
        if self._is_heading(current, following):
            self._start_section(current.text, None, line.number)
        elif self._continues(line):
            self._continue(line)
        elif self._is_unnumbered_title(current, following):
            self.problems.warn(
                "this line is read as the title of an item without a number", line.number
            )
            self._start_item(current.text, 0, line.number)
        else:
            self._current_section(line.number)
            if self.item is not None:
                self._item_paragraph(line.text, line.number)
            else:
                self._paragraph(line.text, line.number)

    def _continues(self, line: Line) -> bool:
        """Whether ``line`` goes on with the text before it (see the paragraph rule)."""
        slot = self.slot
        if slot is None:
            return False
        return not line.blank_before or (slot.across_blank and not ends_sentence(slot.read()))

    def _continue(self, line: Line) -> None:
        assert self.slot is not None
        before = self.slot.read()
        self.slot.write(join_text(before, unescape_markdown(line.text)))
        if line.blank_before and before:
            self.problems.warn(
                f"this line continues the unfinished sentence of line {self.slot.line}; "
                "the two were joined",
                line.number,
            )
        self.slot.line = line.number

    def _is_unnumbered_title(self, current: Shaped, following: Shaped | None) -> bool:
        """A short line right before a field, in a section of items, titles an item."""
        section, item = self.section, self.item
        return (
            section is not None
            and section.kind not in GENERAL_KINDS
            and following is not None
            and following.shape is Shape.LABELLED
            and label_role(following.label) == "field"
            and len(current.text) <= 100
            and not ends_sentence(current.text)
            and (item is None or bool(item.fields or item.sources))
        )

    def _is_heading(self, current: Shaped, following: Shaped | None) -> bool:
        """An unknown heading: a short line alone between empty lines; see shapes' rule."""
        line = current.line
        if not (line.blank_before and line.blank_after and looks_like_heading(current.text)):
            return False
        if following is not None and following.shape is Shape.LABELLED:
            return False  # a heading is not followed by a field: this is the item's text
        section = self.section
        if section is not None and not section.paragraphs and not section.items:
            return False  # right under a heading: the section's first words, not another one
        item = self.item
        return item is None or bool(item.fields or item.sources)

    def _paragraph(self, text: str, line: int) -> None:
        paragraphs = self._current_section(line).paragraphs
        paragraphs.append(unescape_markdown(text))
        index = len(paragraphs) - 1

        def write(value: str) -> None:
            paragraphs[index] = value

        self.slot = _Slot(lambda: paragraphs[index], write, line)

    def _item_paragraph(self, text: str, line: int) -> None:
        assert self.item is not None
        label = add_item_text(self.item, unescape_markdown(text))
        self.slot = _field_slot(self.item, label, line)


def _field_slot(item: Item, label: str, line: int) -> _Slot:
    def write(value: str) -> None:
        item.fields[label] = value

    return _Slot(lambda: item.fields[label], write, line)
