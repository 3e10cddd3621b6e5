"""A reader's whole journey in Chromium against the running app, and an operator's import.

signup -> confirmation email (read from the outbox) -> confirm -> preferences -> one-click
unsubscribe posted the way a mail provider does, checked in the database. Screenshots land
in test-artifacts/readers/ (git-ignored).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from newsletter.app import create_app
from newsletter.demo import seed_topics
from newsletter.extensions import db
from newsletter.models import Subscriber, SubscriberStatus
from newsletter.subscriptions.suppression import is_suppressed
from tests.factories import make_staff
from tests.subscriptions.helpers import only_link

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "readers"
SAMPLES = Path(__file__).resolve().parents[2] / "subscribers" / "samples"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: no browser tests"),
]


@dataclass
class LiveApp:
    """The app served on a loopback port, with its settings."""

    app: Flask
    base: str
    outbox: str

    def reader(self, email: str) -> Subscriber | None:
        with self.app.app_context():
            session = db.new_session()
            try:
                return session.scalar(select(Subscriber).where(Subscriber.email == email))
            finally:
                session.close()

    def suppressed(self, email: str) -> bool:
        with self.app.app_context():
            session = db.new_session()
            try:
                return is_suppressed(session, email)
            finally:
                session.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(app_config: dict[str, Any]) -> Iterator[LiveApp]:
    """The real app on a real socket (werkzeug's threaded server), on the test database."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    application = create_app({**app_config, "base_url": base})
    with application.app_context(), db.session_scope() as session:
        seed_topics(session)
        make_staff(session, "op@news.example.org", ["operator"])
    server = make_server("127.0.0.1", port, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    yield LiveApp(application, base, app_config["outbox_dir"])
    server.shutdown()
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture
def page(live: LiveApp) -> Iterator[Any]:
    """A fresh Chromium page; fails the test on a script error or a CSP violation."""
    sync_api = pytest.importorskip("playwright.sync_api")
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        tab = context.new_page()
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        tab.on("console", lambda message: _note_csp(message.text, problems))
        yield tab
        browser.close()
    assert problems == [], problems


def _note_csp(text: str, problems: list[str]) -> None:
    if "Content Security Policy" in text or text.startswith("Refused to"):
        problems.append(text)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_reader_signs_up_confirms_chooses_and_leaves_in_one_click(
    live: LiveApp, page: Any
) -> None:
    page.goto(f"{live.base}/subscribe")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shot(page, "01-signup-zh")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Subscribe to the AI Frontier Daily"
    page.fill("#email", "Journey.Reader@Example.org")
    page.fill("#name", "Journey Reader")
    page.uncheck("input[value=regulation]")
    page.uncheck("input[value=industrial-ai]")
    page.check("#consent")
    shot(page, "02-signup-filled")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Check your inbox"
    assert live.reader("journey.reader@example.org").status is SubscriberStatus.PENDING

    page.goto(live.base + only_link(live.outbox, "confirm"))
    shot(page, "03-confirm")
    assert live.reader("journey.reader@example.org").status is SubscriberStatus.PENDING
    page.click("#confirm")
    assert page.locator("h1").inner_text() == "You are subscribed"
    confirmed = live.reader("journey.reader@example.org")
    assert confirmed is not None
    assert confirmed.status is SubscriberStatus.CONFIRMED
    assert confirmed.consent_ip == "127.0.0.0/24"

    page.click("text=Choose topics and language")
    preferences_url = page.url
    page.uncheck("input[value=capital]")
    page.check("input[value=industrial-ai]")
    page.uncheck("#receive_empty_issues")
    page.check("input[name=locale][value=zh_CN]")
    page.click("#save")
    assert page.locator(".flash").inner_text() == "设置已保存。"  # the page follows the choice
    shot(page, "04-preferences-saved")
    page.select_option("#weeks", "2")
    page.click("#pause")
    assert page.locator("#paused").is_visible()
    shot(page, "05-paused")
    chosen = live.reader("journey.reader@example.org")
    assert chosen is not None
    assert chosen.topic_slugs() == {"compute", "research", "industrial-ai"}
    assert (chosen.locale, chosen.receive_empty_issues) == ("zh_CN", False)
    assert chosen.paused_until is not None

    # The mail provider's one-click POST: no cookies, no Referer, no redirect followed.
    unsubscribe_url = preferences_url.replace("/p/", "/u/")
    answer = requests.post(
        unsubscribe_url,
        data={"List-Unsubscribe": "One-Click"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    left = live.reader("journey.reader@example.org")
    assert left is not None
    assert left.status is SubscriberStatus.UNSUBSCRIBED
    assert live.suppressed("journey.reader@example.org")

    page.goto(unsubscribe_url)
    assert page.locator("#unsubscribe").count() == 0  # already left: nothing to confirm
    shot(page, "06-unsubscribed")


def test_the_embeddable_form_works_from_another_page(live: LiveApp, page: Any) -> None:
    page.goto(f"{live.base}/subscribe/embed?lang=en")
    snippet = page.inner_text("#snippet")
    assert f'action="{live.base}/subscribe"' in snippet
    shot(page, "08-embed")
    # Another site: the snippet on a page of its own, posting across to the app.
    page.set_content(f"<!doctype html><title>Partner blog</title>{snippet}")
    page.fill("input[name=email]", "partner.reader@example.org")
    page.check("input[name=consent]")
    page.click(".aifd-signup button")
    page.wait_for_url(f"{live.base}/subscribe")
    assert page.locator("h1").inner_text() == "Check your inbox"
    reader = live.reader("partner.reader@example.org")
    assert reader is not None
    assert reader.locale == "en"


def test_an_operator_imports_a_file_and_watches_it_finish(live: LiveApp, page: Any) -> None:
    page.goto(f"{live.base}/admin/login?lang=en")
    page.fill("#email", "op@news.example.org")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live.base}/admin/subscribers/import")
    page.set_input_files("#file", str(SAMPLES / "readers-with-problems.csv"))
    page.uncheck("#dry_run")
    page.click("#start-import")
    # import-progress.js polls the job and reloads the page with the report when done.
    page.wait_for_selector("#report", timeout=30_000)
    assert "duplicate of line 2" in page.inner_text("#report")
    shot(page, "07-import-report")
    assert live.reader("good.one@example.org") is not None
