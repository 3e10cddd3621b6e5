"""The editor's day in Chromium: import, check a topic, preview a mix at phone width, send a
test, schedule. Screenshots of the preview land in test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.issues.storage import create_issue
from newsletter.models import Campaign, CampaignStatus, Issue
from tests.factories import TEST_PASSWORD
from tests.issues.editor.test_test_send import outbox
from tests.issues.helpers import DEMO_REPORT, demo_document
from tests.metrics import test_browser as dashboard_browser
from tests.metrics.test_browser import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS, WATCH_CSP, until

#: The app served on a loopback port, as the dashboard's browser tests serve it.
live_url = dashboard_browser.live_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: no browser tests"),
]

# How wide the email inside the preview frame is drawn, and whether it scrolls sideways.
FRAME_WIDTHS = """
() => ({client: document.documentElement.clientWidth,
        scroll: document.documentElement.scrollWidth})
"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(chromium: Any, live_url: str, editor_user: Any) -> Iterator[Any]:
    yield from signed_in(chromium, live_url, editor_user.email)


@pytest.fixture
def admin_page(chromium: Any, live_url: str, admin_user: Any) -> Iterator[Any]:
    yield from signed_in(chromium, live_url, admin_user.email)


def signed_in(chromium: Any, live_url: str, email: str) -> Iterator[Any]:
    """A page signed in as ``email`` that fails the test on a script error or CSP violation."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_CSP)
    signed_in = context.new_page()
    errors: list[str] = []
    signed_in.on("pageerror", lambda error: errors.append(str(error)))
    signed_in.goto(f"{live_url}/admin/login")
    signed_in.fill("input[name=email]", email)
    signed_in.fill("input[name=password]", TEST_PASSWORD)
    signed_in.click("button[type=submit]")
    signed_in.wait_for_url(f"{live_url}/admin/")
    yield signed_in
    assert signed_in.evaluate("window.__csp") == []
    assert errors == []
    context.close()


def test_import_check_preview_test_send_and_schedule(
    page: Any,
    live_url: str,
    app: Flask,
    session: Session,
) -> None:
    page.goto(f"{live_url}/admin/issues/new")
    page.fill("textarea[name=text]", DEMO_REPORT.read_text(encoding="utf-8"))
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_url}/admin/issues/*")
    issue = session.scalars(select(Issue)).one()
    first = issue.sections[2].items[0]

    page.check(f"input[name=item-{first.id}][value=research]")
    page.click("#topics-form button[type=submit]")
    page.wait_for_load_state()
    session.expire_all()
    assert sorted(row.topic.slug for row in first.topics) == ["capital", "research"]

    page.click("a[href$='/preview']")
    page.check("#preview-controls input[value=compute]")
    page.check("#preview-controls input[value=mobile]")
    page.click("#preview-controls button[type=submit]")
    page.wait_for_url("**topics=compute**")
    frame = page.frame_locator("#preview-frame")
    until(
        lambda: frame.locator("body").count() == 1 and "兆瓦" in frame.locator("body").inner_text()
    )
    body = frame.locator("body").inner_text()
    assert "青岚云宣布在西部新建 300 兆瓦数据中心" in body
    assert "星衡智能完成 30 亿元 B 轮融资" not in body
    widths = page.frame(url=lambda url: "/preview/frame" in url).evaluate(FRAME_WIDTHS)
    assert widths["client"] <= 375
    assert widths["scroll"] <= widths["client"]  # no sideways scrolling at phone width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "editor-preview-mobile.png"), full_page=True)

    page.fill("#test-send textarea[name=recipients]", "li@example.org")
    page.click("#test-send button[type=submit]")
    page.wait_for_load_state()
    (message,) = outbox(app)
    assert message["To"] == "li@example.org"
    assert message["Subject"].startswith("[测试] ")

    page.goto(f"{live_url}/admin/issues/{issue.id}")
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3)
    page.fill("#schedule input[name=date]", day.isoformat())
    page.fill("#schedule input[name=time]", "08:00")
    page.click("#schedule button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#issue-state").inner_text() in {"已排期", "Scheduled"}
    session.expire_all()
    campaign = session.scalars(select(Campaign)).one()
    assert campaign.status is CampaignStatus.SCHEDULED
    assert campaign.scheduled_at == dt.datetime.combine(day, dt.time(0, 0), dt.UTC)


def test_the_desktop_preview_in_english(
    page: Any,
    live_url: str,
    session: Session,
) -> None:
    issue = create_issue(session, demo_document())
    session.commit()
    page.goto(f"{live_url}/admin/issues/{issue.id}/preview?locale=en&width=desktop")
    frame = page.frame_locator("#preview-frame")
    until(lambda: "Unsubscribe" in frame.locator("body").inner_text())
    assert page.locator("#preview-frame").bounding_box()["width"] > 600
    assert page.locator("#mix-sizes tbody tr").count() == 32
    page.screenshot(path=str(SCREENSHOTS / "editor-preview-desktop-en.png"), full_page=True)


def test_topic_keywords_are_checked_on_the_latest_issue_while_typing(
    admin_page: Any, live_url: str, session: Session
) -> None:
    create_issue(session, demo_document())
    session.commit()
    admin_page.goto(f"{live_url}/admin/settings/topics/compute")
    live = admin_page.locator("#live-check")
    until(lambda: live.is_visible() and "青岚云" in live.inner_text())

    admin_page.fill("textarea[name=keywords]", "融资\n估值")

    until(lambda: "星衡智能" in live.inner_text())
    assert "青岚云" not in live.inner_text()
    assert "融资, 估值" in live.inner_text()
    admin_page.screenshot(path=str(SCREENSHOTS / "topic-live-check.png"), full_page=True)
