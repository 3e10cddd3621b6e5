"""The archive's Atom feed parses, lists published issues only and escapes their text."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.archive.feed import FeedEntry, FeedHead, build_feed
from newsletter.models import CampaignStatus
from tests.archive.helpers import XSS, document, stored_issue

ATOM = "{http://www.w3.org/2005/Atom}"
DAY = dt.date(2026, 4, 7)


def _feed(client: FlaskClient) -> ET.Element:
    answer = client.get("/archive/feed.atom")
    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml"
    return ET.fromstring(answer.data)


def test_the_feed_lists_published_issues_newest_first(
    client: FlaskClient, session: Session
) -> None:
    older = stored_issue(session, DAY)
    newer = stored_issue(session, DAY + dt.timedelta(days=1))
    stored_issue(session, DAY + dt.timedelta(days=2), status=None)
    stored_issue(session, DAY + dt.timedelta(days=3), status=CampaignStatus.SCHEDULED)

    feed = _feed(client)

    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "https://news.example.org/archive"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "https://news.example.org/archive",
        "self": "https://news.example.org/archive/feed.atom",
    }
    assert feed.findtext(f"{ATOM}author/{ATOM}name")
    entries = feed.findall(f"{ATOM}entry")
    urls = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert urls == [
        f"https://news.example.org/archive/{newer.slug}",
        f"https://news.example.org/archive/{older.slug}",
    ]
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == newer.title
    assert first.find(f"{ATOM}link").get("href") == urls[0]  # type: ignore[union-attr]
    assert first.findtext(f"{ATOM}published") == "2026-04-08T00:05:00Z"
    assert first.findtext(f"{ATOM}summary") == "今天的总览段落。"
    assert {c.get("term") for c in first.findall(f"{ATOM}category")} == {"capital", "research"}
    updated = [dt.datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "") for e in entries]
    assert feed.findtext(f"{ATOM}updated") == max(updated).isoformat().replace("+00:00", "Z")


def test_an_empty_feed_is_still_valid_atom(client: FlaskClient, session: Session) -> None:
    feed = _feed(client)
    assert feed.findall(f"{ATOM}entry") == []
    assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated") or "")


def test_issue_text_is_escaped_in_the_feed(client: FlaskClient, session: Session) -> None:
    doc = document(DAY, title=f"{XSS} & <b>")
    doc.sections[0].paragraphs[0] = f"{XSS}\x0b & more"
    stored_issue(session, DAY, doc=doc)

    answer = client.get("/archive/feed.atom")

    assert b"<script>" not in answer.data
    entry = ET.fromstring(answer.data).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}title") == f"{XSS} & <b> 2026-04-07"
    assert entry.findtext(f"{ATOM}summary") == f"{XSS} & more"


def test_build_feed_drops_characters_xml_cannot_hold() -> None:
    moment = dt.datetime(2026, 4, 7, 1, 2, 3, 456, tzinfo=dt.UTC)
    head = FeedHead("urn:x", "t\x00", "s", "https://a/", "https://a/f", "me", "zh-CN")
    entry = FeedEntry("urn:e", "\x01title", "https://a/e", moment, moment, "\x1fsum")

    feed = ET.fromstring(build_feed(head, [entry], moment))

    assert feed.findtext(f"{ATOM}title") == "t"
    assert feed.findtext(f"{ATOM}entry/{ATOM}title") == "title"
    assert feed.findtext(f"{ATOM}updated") == "2026-04-07T01:02:03Z"
