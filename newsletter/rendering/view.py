"""The reader's issue reshaped for templates: numbered items, badge names, labelled fields.

Templates only loop and print; every decision (numbering, topic names and order, the subject
line, the preview text, how a source is labelled) is made here, in plain testable Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.rendering.links import is_web_url
from newsletter.rendering.settings import RenderSettings
from newsletter.rendering.strings import catalog, format_date

SUBJECT_HEADLINE_MAX = 40
PREHEADER_MAX = 90
# Where a headline may be cut: the report's titles read "fact，consequence".
_HEADLINE_BREAKS = ("，", "；", "：", "。", ", ", "; ")
_SENTENCE_ENDS = "。！？!?"


@dataclass(frozen=True)
class SourceView:
    """A cited source as printed: one line of text, a link when the URL is a web URL."""

    text: str
    url: str | None


@dataclass(frozen=True)
class ItemView:
    """One item as the reader sees it."""

    number: int
    title: str
    badges: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    sources: tuple[SourceView, ...]


@dataclass(frozen=True)
class SectionView:
    """One section as the reader sees it; ``as_list`` prints paragraphs as a numbered list."""

    kind: str
    title: str
    paragraphs: tuple[str, ...]
    items: tuple[ItemView, ...]
    as_list: bool
    sources_label: str


@dataclass(frozen=True)
class IssueView:
    """Everything the issue templates print apart from links and per-reader slots."""

    title: str
    date_text: str
    window: str
    subject: str
    preheader: str
    sections: tuple[SectionView, ...]
    item_count: int


def topics_label(topics: Iterable[str] | None, settings: RenderSettings, locale: str) -> str:
    """The reader's topics in words, in the configured topic order (``全部主题`` for None)."""
    strings = catalog(locale)
    if topics is None:
        return strings["topics_all"]
    chosen = sorted(set(topics), key=lambda slug: (settings.topic_order(slug), slug))
    if not chosen:
        return strings["topics_none"]
    return strings["topic_separator"].join(settings.topic_name(slug, locale) for slug in chosen)


def build_issue_view(doc: IssueDocument, settings: RenderSettings, locale: str) -> IssueView:
    """Shape an (already filtered) issue for the templates."""
    sections = tuple(_section_view(section, settings, locale) for section in doc.sections)
    return IssueView(
        title=doc.title or settings.site_name,
        date_text=format_date(doc.date, locale) if doc.date else "",
        window=doc.window,
        subject=derive_subject(doc, settings, locale),
        preheader=derive_preheader(doc),
        sections=sections,
        item_count=sum(len(section.items) for section in sections),
    )


def _section_view(section: Section, settings: RenderSettings, locale: str) -> SectionView:
    strings = catalog(locale)
    is_events = section.kind is SectionKind.EVENTS
    return SectionView(
        kind=section.kind.value,
        title=section.title,
        paragraphs=tuple(section.paragraphs),
        items=tuple(
            _item_view(number, item, settings, locale)
            for number, item in enumerate(section.items, start=1)
        ),
        as_list=section.kind is SectionKind.CONCLUSIONS,
        sources_label=strings["event_sources" if is_events else "sources"],
    )


def _item_view(number: int, item: Item, settings: RenderSettings, locale: str) -> ItemView:
    ordered = sorted(set(item.topics), key=lambda slug: (settings.topic_order(slug), slug))
    return ItemView(
        number=number,
        title=item.title,
        badges=tuple(settings.topic_name(slug, locale) for slug in ordered),
        fields=tuple((label, text) for label, text in item.fields.items() if text.strip()),
        sources=tuple(_source_view(source, locale) for source in item.sources),
    )


def _source_view(source: SourceLink, locale: str) -> SourceView:
    publisher, title = source.publisher.strip(), source.title.strip()
    if publisher and title and publisher != title:
        text = f"{publisher}{catalog(locale)['colon']}{title}"
    else:
        text = title or publisher or source.url
    return SourceView(text=text, url=source.url if is_web_url(source.url) else None)


def derive_subject(doc: IssueDocument, settings: RenderSettings, locale: str) -> str:
    """The editor's subject, else ``brand | headline of the reader's first item``."""
    if doc.subject.strip():
        return doc.subject.strip()
    headline = _headline(doc)
    if not headline and doc.date:
        headline = format_date(doc.date, locale)
    return f"{settings.site_name} | {headline}" if headline else settings.site_name


def _headline(doc: IssueDocument) -> str:
    events = [s for s in doc.sections if s.kind is SectionKind.EVENTS and s.items]
    candidates = events or [s for s in doc.sections if s.items]
    if not candidates:
        return ""
    title = " ".join(candidates[0].items[0].title.split())
    cut = min((i for i in (title.find(mark) for mark in _HEADLINE_BREAKS) if i > 0), default=-1)
    if cut > 0:
        title = title[:cut]
    return _shorten(title, SUBJECT_HEADLINE_MAX)


def derive_preheader(doc: IssueDocument) -> str:
    """The editor's preview text, else the first sentence of the first general paragraph."""
    if doc.preheader.strip():
        return _shorten(" ".join(doc.preheader.split()), PREHEADER_MAX)
    for section in doc.sections:
        if section.paragraphs:
            first = " ".join(section.paragraphs[0].split())
            ends = [first.find(mark) for mark in _SENTENCE_ENDS if first.find(mark) > 0]
            sentence = first[: min(ends) + 1] if ends else first
            return _shorten(sentence, PREHEADER_MAX)
    return ""


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
