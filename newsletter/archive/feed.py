"""The archive's Atom feed (RFC 4287), built with ElementTree so every text is escaped."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry at all, even escaped; a report pasted from a terminal or a
# word processor occasionally holds one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    """One issue as the feed lists it."""

    id: str
    title: str
    url: str
    published: dt.datetime
    updated: dt.datetime
    summary: str
    categories: Sequence[tuple[str, str]] = ()  # (term, label)


@dataclass(frozen=True)
class FeedHead:
    """What the feed says about itself."""

    id: str
    title: str
    subtitle: str
    site_url: str
    self_url: str
    author: str
    language: str


def build_feed(head: FeedHead, entries: Sequence[FeedEntry], now: dt.datetime) -> bytes:
    """The Atom document as UTF-8 bytes; ``updated`` is the newest entry's, or ``now``."""
    # Children carry no namespace of their own: they inherit the default one declared here.
    feed = ET.Element("feed", {"xmlns": ATOM_NAMESPACE, _XML_LANG: head.language})
    _text(feed, "id", head.id)
    _text(feed, "title", head.title)
    _text(feed, "subtitle", head.subtitle)
    newest = max((entry.updated for entry in entries), default=now)
    _text(feed, "updated", _timestamp(newest))
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": head.site_url})
    ET.SubElement(
        feed, "link", {"rel": "self", "type": "application/atom+xml", "href": head.self_url}
    )
    _text(ET.SubElement(feed, "author"), "name", head.author)
    for entry in entries:
        _add_entry(feed, entry)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _add_entry(feed: ET.Element, entry: FeedEntry) -> None:
    element = ET.SubElement(feed, "entry")
    _text(element, "id", entry.id)
    _text(element, "title", entry.title)
    ET.SubElement(element, "link", {"rel": "alternate", "type": "text/html", "href": entry.url})
    _text(element, "published", _timestamp(entry.published))
    _text(element, "updated", _timestamp(entry.updated))
    summary = _text(element, "summary", entry.summary)
    summary.set("type", "text")
    for term, label in entry.categories:
        ET.SubElement(element, "category", {"term": _clean(term), "label": _clean(label)})


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = _clean(text)
    return child


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC, as Atom wants."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
