"""The public archive: who sees which issue, and what the issue page shows."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.context import current_render_settings
from newsletter.issues.document import Item, SourceLink
from newsletter.issues.storage import load_document
from newsletter.models import CampaignStatus
from newsletter.rendering import build_link_registry, render_variant
from tests.archive.helpers import XSS, document, stored_issue

DAY = dt.date(2026, 4, 7)


def test_the_list_shows_sent_issues_newest_first_and_hides_drafts(
    client: FlaskClient, session: Session
) -> None:
    older = stored_issue(session, DAY)
    newer = stored_issue(session, DAY + dt.timedelta(days=1), status=CampaignStatus.SENDING)
    draft = stored_issue(session, DAY + dt.timedelta(days=2), status=None)
    scheduled = stored_issue(session, DAY + dt.timedelta(days=3), status=CampaignStatus.SCHEDULED)
    cancelled = stored_issue(session, DAY + dt.timedelta(days=4), status=CampaignStatus.CANCELLED)

    page = client.get("/archive")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index(f"/archive/{newer.slug}") < html.index(f"/archive/{older.slug}")
    for hidden in (draft, scheduled, cancelled):
        assert f"/archive/{hidden.slug}" not in html
        assert client.get(f"/archive/{hidden.slug}").status_code == 404


def test_an_issue_the_engine_marked_published_is_shown(
    client: FlaskClient, session: Session
) -> None:
    issue = stored_issue(session, DAY, status=None)
    issue.published_at = dt.datetime(2026, 4, 7, 1, tzinfo=dt.UTC)
    session.commit()

    assert f"/archive/{issue.slug}" in client.get("/archive").get_data(as_text=True)
    assert client.get(f"/archive/{issue.slug}").status_code == 200


def test_an_issue_taken_out_of_the_archive_is_not_shown(
    client: FlaskClient, session: Session
) -> None:
    issue = stored_issue(session, DAY)
    issue.in_archive = False
    session.commit()

    assert f"/archive/{issue.slug}" not in client.get("/archive").get_data(as_text=True)
    assert client.get(f"/archive/{issue.slug}").status_code == 404


def test_the_list_pages_and_filters_by_topic(client: FlaskClient, session: Session) -> None:
    slugs = [stored_issue(session, DAY + dt.timedelta(days=n)).slug for n in range(22)]
    plain = document(DAY + dt.timedelta(days=30))
    for item in plain.items():
        item.topics = []
    general_only = stored_issue(session, DAY + dt.timedelta(days=30), doc=plain)

    first = client.get("/archive").get_data(as_text=True)
    second = client.get("/archive?page=2").get_data(as_text=True)
    assert f'/archive/{general_only.slug}"' in first
    assert f'/archive/{slugs[0]}"' not in first
    assert f'/archive/{slugs[0]}"' in second

    capital = client.get("/archive?topic=capital&page=2").get_data(as_text=True)
    assert f'/archive/{slugs[0]}"' in capital
    assert general_only.slug not in client.get("/archive?topic=capital").get_data(as_text=True)
    # Unknown topics and silly page numbers fall back instead of failing.
    assert client.get("/archive?topic=nope&page=-4").status_code == 200
    assert client.get("/archive?page=abc").status_code == 200


def test_an_issue_page_shows_every_topic_with_sources_as_plain_links(
    client: FlaskClient, session: Session
) -> None:
    issue = stored_issue(session, DAY)

    page = client.get(f"/archive/{issue.slug}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "总览",
        "OpenAI 完成融资",
        "新论文发布",
        "一般新闻",
        "商业分析",
        "融资 1220 亿美元。",
    ):
        assert text in html
    assert '<a href="https://openai.com/funding"' in html
    assert '<a href="https://example.com/o">' in html
    assert "/t/c/" not in html
    assert "/t/o/" not in html
    assert "/u/" not in html
    assert "/p/" not in html


def test_a_topic_mix_shows_the_general_parts_and_that_topics_items(
    client: FlaskClient, session: Session
) -> None:
    issue = stored_issue(session, DAY)

    capital = client.get(f"/archive/{issue.slug}?topics=capital").get_data(as_text=True)
    general = client.get(f"/archive/{issue.slug}?topics=-").get_data(as_text=True)
    both = client.get(f"/archive/{issue.slug}?topics=capital+research").get_data(as_text=True)
    encoded = client.get(f"/archive/{issue.slug}?topics=capital%2Bresearch").get_data(as_text=True)

    assert "OpenAI 完成融资" in capital
    assert "新论文发布" not in capital
    assert "一般新闻" in capital
    assert "总览" in capital
    assert "商业分析" in capital
    assert "OpenAI 完成融资" not in general
    assert "一般新闻" in general
    assert "总览" in general
    assert "OpenAI 完成融资" in both
    assert "新论文发布" in both
    assert "新论文发布" in encoded


def test_the_archive_serves_the_view_in_browser_urls_of_the_emails(
    client: FlaskClient, session: Session
) -> None:
    issue = stored_issue(session, DAY)
    doc = load_document(issue)
    settings = current_render_settings(session)
    registry = build_link_registry(doc)
    for topics, expected in ((None, "OpenAI"), ({"research"}, "新论文发布"), (set(), "一般新闻")):
        email = render_variant(doc, topics, settings, registry, issue_slug=issue.slug)
        url = unescape(re.findall(r'href="([^"]*/archive/[^"]*)"', email.html)[0])
        assert url.startswith(settings.base_url)

        page = client.get(url.removeprefix(settings.base_url))

        assert page.status_code == 200, url
        assert expected in page.get_data(as_text=True)
        if topics == {"research"}:
            assert "OpenAI 完成融资" not in page.get_data(as_text=True)


def test_unknown_slugs_get_the_not_found_page(client: FlaskClient, session: Session) -> None:
    answer = client.get("/archive/1999-01-01")
    assert answer.status_code == 404
    assert client.get("/archive/a%00b").status_code == 404
    assert client.get("/archive/" + "x" * 5000).status_code == 404
    assert "<html" in answer.get_data(as_text=True)


def test_issue_content_is_escaped(client: FlaskClient, session: Session) -> None:
    doc = document(DAY, title=XSS)
    doc.sections[0].paragraphs.append(f'{XSS} https://example.com/a"onmouseover=alert(1)')
    doc.sections[1].items.append(
        Item(XSS, {XSS: XSS}, [SourceLink(XSS, XSS, "javascript:alert(1)")], topics=["capital"])
    )
    issue = stored_issue(session, DAY, doc=doc)

    html = client.get(f"/archive/{issue.slug}").get_data(as_text=True)

    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert 'onmouseover=alert(1)"' not in html


def test_signup_page_links_the_archive(client: FlaskClient) -> None:
    html = client.get("/subscribe").get_data(as_text=True)
    assert 'href="/archive"' in html
