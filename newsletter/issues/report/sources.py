"""The entries of a ``来源：`` line: publisher, title and URL of each cited source.

Accepted entry forms, several per line separated by ``|`` (``｜``) or ``；``::

    Publisher：Title (<https://...>)      the report's own form
    Publisher : Title (https://...)       ASCII colon with spaces, URL without <>
    Publisher：[Title](https://...)       a Markdown link
    Title (<https://...>)                 no publisher: the URL's host stands in
    Title https://...                     a bare URL at the end
    Title                                 no URL at all: kept, with a warning

A URL in parentheses may itself contain parentheses (matched by nesting) and percent-escapes;
only ``http`` and ``https`` URLs are accepted, because they end up as links in email.
When an entry names no publisher, the publisher is the URL's host without ``www.``
(``Daniel Newman on X (<https://x.com/...>)`` -> ``x.com``): a fact taken from the link
rather than a guess from the wording.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsletter.issues.document import SourceLink
from newsletter.issues.problems import ProblemLog
from newsletter.issues.text import is_web_url, unescape_markdown

_OPENERS = {")": "(", "）": "（"}
_MARKDOWN_LINK = re.compile(
    r"^(?:(?P<publisher>[^\[\]]*?)\s*[：:]\s*)?\[(?P<title>[^\]]*)\]\((?P<url>[^()]*|<[^<>]*>)\)$"
)
_BARE_URL = re.compile(r"^(?P<text>.*?)\s*(?P<url>(?:https?://|www\.)\S+)$", re.IGNORECASE)
_PUBLISHER = re.compile(r"^(?P<publisher>[^：:]{1,40}?)\s*(?:：|\s:|:(?=\s))\s*(?P<title>.+)$")
_LOOKS_LIKE_URL = re.compile(r"^<?\s*(?:[a-z][a-z0-9+.-]*:|www\.)", re.IGNORECASE)


def has_url(text: str) -> bool:
    """Whether ``text`` cites at least one link: the mark of a source line's continuation."""
    return bool(re.search(r"https?://|\(<|www\.", text, re.IGNORECASE))


def parse_sources(text: str, line: int, problems: ProblemLog) -> list[SourceLink]:
    """Parse every entry of one source line (without its ``来源：`` label)."""
    sources: list[SourceLink] = []
    for chunk in _split_entries(text):
        source = _parse_entry(chunk, line, problems)
        if source is not None:
            sources.append(source)
    return sources


def _split_entries(text: str) -> list[str]:
    """Split at ``|`` (or ``；``) outside brackets, so one inside a URL or a link stays put.

    A semicolon may also belong to a title, so a piece without a link that a semicolon cut
    off is put back in front of the next piece.
    """
    pieces: list[tuple[str, str]] = []  # (text, the separator that ended it)
    current: list[str] = []
    depth = 0
    for char in text:
        depth = max(0, depth + (char in "(（[<") - (char in ")）]>"))
        if char in "|｜;；" and depth == 0:
            pieces.append(("".join(current), char))
            current = []
        else:
            current.append(char)
    pieces.append(("".join(current), ""))
    chunks: list[str] = []
    pending = ""
    for piece, separator in pieces:
        joined = pending + piece
        if separator in {";", "；"} and not has_url(joined):
            pending = joined + separator  # a semicolon inside a title: read on
            continue
        pending = ""
        if joined.strip():
            chunks.append(joined.strip())
    return chunks


def _parse_entry(chunk: str, line: int, problems: ProblemLog) -> SourceLink | None:
    text, raw_url = _split_url(chunk, line, problems)
    if text is None:
        return None
    url = _checked_url(raw_url, line, problems) if raw_url is not None else ""
    if url is None:
        return None
    publisher, title = _split_publisher(text)
    if not url:
        problems.warn(f"the source {chunk!r} has no URL; it is kept as text", line)
    if not publisher and url:
        publisher = urlsplit(url).hostname or ""
        publisher = publisher.removeprefix("www.")
    if not title:
        problems.warn(f"the source {chunk!r} has no title; its URL stands in for it", line)
        title = url or publisher
    return SourceLink(publisher, title, url)


def _split_url(chunk: str, line: int, problems: ProblemLog) -> tuple[str | None, str | None]:
    """``(text, url)`` of an entry; ``url`` is ``None`` without one, text ``None`` on error."""
    link = _MARKDOWN_LINK.match(chunk)
    if link:
        publisher = link.group("publisher")
        text = f"{publisher}：{link.group('title')}" if publisher else link.group("title")
        return text, link.group("url")
    group = _trailing_group(chunk)
    if group is not None and (group[1].startswith("<") or _LOOKS_LIKE_URL.match(group[1])):
        return group
    if re.search(r"[(（]\s*<", chunk):
        problems.error(f"the source {chunk!r} opens '(<' for a URL but never closes it", line)
        return None, None
    bare = _BARE_URL.match(chunk)
    if bare:
        return bare.group("text"), bare.group("url")
    return chunk, None


def _trailing_group(chunk: str) -> tuple[str, str] | None:
    """Split ``text (inside)`` at the parenthesis matching the final one, nesting counted."""
    if not chunk or chunk[-1] not in _OPENERS:
        return None
    depth = 0
    for index in range(len(chunk) - 1, -1, -1):
        char = chunk[index]
        if char in _OPENERS:
            depth += 1
        elif char in _OPENERS.values():
            depth -= 1
            if depth == 0:
                return chunk[:index].strip(), chunk[index + 1 : -1].strip()
    return None


def _checked_url(raw: str, line: int, problems: ProblemLog) -> str | None:
    url = raw.strip()
    if url.startswith("<"):
        if not url.endswith(">"):
            problems.error(f"the source URL {raw!r} opens '<' but never closes it", line)
            return None
        url = url[1:-1].strip()
    if not url:
        problems.error("a source has an empty URL", line)
        return None
    if url.lower().startswith("www."):
        problems.warn(f"the source URL {url!r} has no scheme; https:// was assumed", line)
        url = f"https://{url}"
    if not is_web_url(url):
        problems.error(f"the source URL {url!r} is not an http(s) URL", line)
        return None
    return url


def _split_publisher(text: str) -> tuple[str, str]:
    text = text.strip()
    match = _PUBLISHER.match(text)
    if not match:
        return "", unescape_markdown(text)
    publisher, title = match.group("publisher").strip(), match.group("title").strip()
    return unescape_markdown(publisher), unescape_markdown(title)
