"""The dashboard in Chromium: charts drawn by the served library, no script errors, no CSP
violations, both languages. Screenshots land in test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from newsletter.metrics import rollup, snapshots
from newsletter.models import CampaignStatus, ReputationAlarm
from tests.factories import TEST_PASSWORD
from tests.metrics.conftest import KnownCampaign, at

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHART_LIBRARY = ROOT / "newsletter" / "static" / "vendor" / "chart.umd.min.js"
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
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: no browser tests"),
]

# Runs before any page script: records CSP violations the page would otherwise only log.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""

# How each chart canvas turned out: drawn by our script, its size, and how many pixels carry ink.
CANVASES = """
() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((c) => {
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) inked += 1; }
  return {drawn: c.dataset.drawn, width: c.clientWidth, height: c.clientHeight, inked};
})
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHART_LIBRARY.exists():
        pytest.fail(f"{CHART_LIBRARY} is missing: run `make install` (it fetches Chart.js)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free loopback port for the test's duration."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def figures(session: Session, known: KnownCampaign) -> KnownCampaign:
    rollup.roll_up_all_events(session)
    rollup.recount_sends(session, now=at(5))
    snapshots.store_campaign_snapshot(session, known.campaign.id)
    snapshots.store_overall_snapshot(session)
    session.add(
        ReputationAlarm(
            scope="campaign", campaign_id=known.campaign.id, metric="bounce", rate=0.032,
            threshold=0.02, numerator=32, denominator=1000, paused_campaign_ids=[],
            reason="reputation guard: bounce rate 3.2% > 2.0% (campaign 1, 32 of 1000)",
            acknowledge_note="",
        )
    )  # fmt: skip
    session.commit()
    return known


def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for ``condition``, failing the test when it does not come true in time."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {seconds} s")
        time.sleep(0.1)


class Watched:
    """A signed-in page that remembers console errors and failed responses."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.failed.append(r.url) if r.status >= 400 else None)

    def visit(self, url: str, shot: str) -> list[dict[str, Any]]:
        self.page.goto(url, wait_until="load")
        # Polled from here: the page's CSP (rightly) refuses Playwright's eval-based waits.
        until(lambda: self.page.locator("html").get_attribute("data-charts") is not None)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)
        charts: list[dict[str, Any]] = self.page.evaluate(CANVASES)
        violations = self.page.evaluate("window.__csp")
        assert violations == [], violations
        assert self.errors == []
        assert self.failed == []
        return charts


@pytest.fixture
def signed_in(browser: Any, live_url: str, operator_user: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.goto(f"{live_url}/admin/login")
    page.fill("input[name=email]", operator_user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/admin/")
    yield Watched(page)
    context.close()


def assert_all_drawn(charts: list[dict[str, Any]], expected: int) -> None:
    assert len(charts) == expected
    for chart in charts:
        assert chart["drawn"] == "yes"
        assert chart["width"] > 100
        assert chart["height"] > 100
        assert chart["inked"] > 500  # axes, labels and data, not a blank canvas


def test_the_overview_draws_its_charts_in_chinese(
    signed_in: Watched, live_url: str, figures: KnownCampaign
) -> None:
    charts = signed_in.visit(f"{live_url}/admin/dashboard/?lang=zh_CN", "dashboard-overview-zh")
    assert_all_drawn(charts, 5)
    page = signed_in.page
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".banner.alarm").is_visible()
    assert "每日发送邮件数" in page.content()


def test_the_campaign_page_draws_its_charts_in_english(
    signed_in: Watched, live_url: str, figures: KnownCampaign
) -> None:
    url = f"{live_url}/admin/dashboard/campaigns/{figures.campaign.id}?lang=en"
    charts = signed_in.visit(url, "dashboard-campaign-en")
    assert_all_drawn(charts, 4)
    page = signed_in.page
    assert page.locator("#table-funnel").is_visible()
    assert "Opens and clicks per hour, first 48 hours" in page.content()


def test_a_table_downloads_from_the_page(
    signed_in: Watched, live_url: str, figures: KnownCampaign
) -> None:
    signed_in.visit(f"{live_url}/admin/dashboard/campaigns/{figures.campaign.id}", "campaign-zh")
    page = signed_in.page
    with page.expect_download() as download_info:
        page.click("#table-links a[download]")
    download = download_info.value
    assert download.suggested_filename.startswith(f"campaign-{figures.campaign.id}-links-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "https://1.example/" in text


def test_progress_updates_live_while_sending(
    signed_in: Watched, live_url: str, session: Session, figures: KnownCampaign
) -> None:
    campaign = figures.campaign
    campaign.status = CampaignStatus.SENDING
    session.commit()
    signed_in.visit(f"{live_url}/admin/dashboard/campaigns/{campaign.id}", "campaign-sending")
    page = signed_in.page
    assert page.locator("#progress [data-field=sent]").inner_text() == "7"

    campaign.sent_count = 9
    session.commit()

    until(lambda: page.locator("#progress [data-field=sent]").inner_text() == "9", seconds=15)
    assert page.locator("#progress-bar").get_attribute("value") is not None
    assert signed_in.errors == []
