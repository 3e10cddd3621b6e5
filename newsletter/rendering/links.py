"""The issue's link registry and the reader-facing URLs built on it.

Click tracking never carries a target URL: a click URL names the link by its 1-based position
in the issue's registry, and the server looks the target up by (issue, position). The registry
is therefore built from the whole issue, not from one variant, so positions are the same in
every variant and stay stable when the same document is rendered again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from newsletter.issues.document import IssueDocument
from newsletter.rendering.settings import RenderSettings
from newsletter.rendering.slots import Slot
from newsletter.topics import ALL_TOPICS_KEY

# Stops at whitespace, angle brackets, quotes and CJK punctuation, which the report puts
# right after URLs in running text.
URL_PATTERN = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\""


def find_urls(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, url) for every http(s) URL in running text."""
    for match in URL_PATTERN.finditer(text):
        url = match.group()
        while url and (
            url[-1] in _TRAILING_PUNCTUATION or (url[-1] == ")" and url.count("(") < url.count(")"))
        ):
            url = url[:-1]
        yield match.start(), match.start() + len(url), url


def is_web_url(url: str) -> bool:
    """True for absolute http(s) URLs, the only kind an email links to."""
    return url.lower().startswith(("https://", "http://")) and not any(c in url for c in " \r\n")


def _urls_in_reading_order(doc: IssueDocument) -> Iterator[str]:
    for section in doc.sections:
        for paragraph in section.paragraphs:
            yield from (url for _, _, url in find_urls(paragraph))
        for item in section.items:
            yield from (url for _, _, url in find_urls(item.title))
            for text in item.fields.values():
                yield from (url for _, _, url in find_urls(text))
            yield from (source.url for source in item.sources if is_web_url(source.url))


def build_link_registry(doc: IssueDocument) -> list[str]:
    """The distinct web URLs of the whole issue in reading order.

    Paragraph and field URLs come where they are read, item sources after the item's fields.
    The same document always gives the same list.
    """
    return list(dict.fromkeys(_urls_in_reading_order(doc)))


@dataclass(frozen=True)
class ReaderLinks:
    """The URLs a rendered variant points at, with the reader's token as a slot."""

    settings: RenderSettings
    positions: Mapping[str, int]
    tracking: bool
    archive: str

    @classmethod
    def create(
        cls,
        settings: RenderSettings,
        registry: Sequence[str],
        *,
        tracking: bool,
        issue_slug: str,
        variant: str,
    ) -> ReaderLinks:
        """Links for one variant; ``variant`` is its topic key (``*`` links the full archive)."""
        archive = f"{settings.base_url}/archive/{quote(issue_slug, safe='')}"
        if variant != ALL_TOPICS_KEY:
            archive += "?topics=" + quote(variant, safe="+-")
        positions = {url: index for index, url in enumerate(registry, start=1)}
        return cls(settings, positions, tracking, archive)

    def href(self, url: str) -> str:
        """Where a content link points: the click-tracking URL, or the target itself."""
        if not self.tracking:
            return url
        position = self.positions.get(url)
        if position is None:
            raise ValueError(f"link is not in the issue's link registry: {url}")
        return f"{self.settings.base_url}/t/c/{Slot.TOKEN.marker}/{position}"

    @property
    def unsubscribe(self) -> str:
        """The one-click unsubscribe URL (footer link and List-Unsubscribe target)."""
        return f"{self.settings.base_url}/u/{Slot.TOKEN.marker}"

    @property
    def preferences(self) -> str:
        """The reader's preference centre."""
        return f"{self.settings.base_url}/p/{Slot.TOKEN.marker}"

    @property
    def pixel(self) -> str | None:
        """The open-tracking image URL, or None when tracking is off."""
        if not self.tracking:
            return None
        return f"{self.settings.base_url}/t/o/{Slot.TOKEN.marker}.gif"
