"""What the archive pages and the feed print about an issue, from its stored document."""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.archive.feed import FeedEntry
from newsletter.archive.published import ArchiveEntry
from newsletter.issues.document import IssueDocument
from newsletter.issues.storage import load_document
from newsletter.rendering import RenderSettings
from newsletter.rendering.links import ReaderLinks
from newsletter.rendering.strings import catalog
from newsletter.rendering.view import IssueView, build_issue_view, derive_preheader
from newsletter.topics import ALL_TOPICS_KEY
from newsletter.tracking.clicks import archive_url

SUMMARY_TITLES = 5


@dataclass(frozen=True)
class TopicChoice:
    """A link of the issue page's topic filter."""

    slug: str
    name: str


@dataclass(frozen=True)
class IssuePage:
    """One archived issue as the web page shows it, for one topic mix."""

    slug: str
    view: IssueView
    links: ReaderLinks
    topics: tuple[TopicChoice, ...]
    chosen: frozenset[str] | None
    colon: str


def issue_page(
    entry: ArchiveEntry,
    document: IssueDocument,
    chosen: frozenset[str] | None,
    settings: RenderSettings,
    locale: str,
) -> IssuePage:
    """The page of ``entry`` for readers of ``chosen`` topics (None: every topic).

    Links point straight at their targets: the archive never tracks who reads it.
    """
    slug = entry.issue.slug
    ordered = sorted(document.topics_used(), key=lambda s: (settings.topic_order(s), s))
    return IssuePage(
        slug=slug,
        view=build_issue_view(document.filtered(chosen), settings, locale),
        links=ReaderLinks.create(
            settings, [], tracking=False, issue_slug=slug, variant=ALL_TOPICS_KEY
        ),
        topics=tuple(TopicChoice(s, settings.topic_name(s, locale)) for s in ordered),
        chosen=chosen,
        colon=catalog(locale)["colon"],
    )


def feed_entry(entry: ArchiveEntry, settings: RenderSettings, locale: str) -> FeedEntry:
    """The feed's entry for a published issue: its page, title and a one-line summary."""
    document = load_document(entry.issue)
    url = archive_url(settings.base_url, entry.issue.slug)
    ordered = sorted(document.topics_used(), key=lambda s: (settings.topic_order(s), s))
    return FeedEntry(
        id=url,
        title=entry.issue.subject or entry.issue.title,
        url=url,
        published=entry.published_at,
        updated=max(entry.published_at, entry.issue.updated_at),
        summary=_summary(document),
        categories=[(slug, settings.topic_name(slug, locale)) for slug in ordered],
    )


def _summary(document: IssueDocument) -> str:
    """The preview text readers see in their inbox, else the first items' titles."""
    preheader = derive_preheader(document)
    if preheader:
        return preheader
    titles = [item.title for item in document.items()][:SUMMARY_TITLES]
    return "；".join(titles) or document.title
