"""Chromium renders the issue at phone and desktop widths, light and dark, with CJK glyphs.

Screenshots land in test-artifacts/screenshots/ (git-ignored) for a human look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from newsletter.rendering import RenderedVariant, RenderSettings, render_system_email

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TOKEN = "AbCdEfGhIjKlMnOpQrStUv"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: no browser tests"),
]

# Draws characters with the font stack of a real element and compares their pixels: if CJK
# fonts were missing, every CJK character would be the same "tofu" box as an unassigned code
# point, so two different characters would draw identically.
GLYPH_PROBE = """
(selector) => {
  const family = getComputedStyle(document.querySelector(selector)).fontFamily;
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = `40px ${family}`;
    ctx.fillStyle = "#000";
    ctx.fillText(ch, 8, 48);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  const a = draw("前"), b = draw("沿"), tofu = draw("\\u{10FFFD}");
  return {family, distinct: a !== b, notTofu: a !== tofu && b !== tofu,
          inked: a.split(",").some((v, i) => i % 4 === 3 && v !== "0")};
}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[str, int, str], Any]]:
    pages: list[Any] = []

    def _open(html: str, width: int, scheme: str) -> Any:
        page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
        # Offline: the open pixel and any link target must not reach the network.
        page.route("http*://**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        pages.append(page)
        return page

    yield _open
    for page in pages:
        page.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def css(page: Any, selector: str, prop: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [600, 375])
def test_issue_fits_the_screen_and_renders_cjk(
    all_topics: RenderedVariant, open_page: Callable[..., Any], width: int, scheme: str
) -> None:
    html, _ = all_topics.personalise(TOKEN, "张三")
    page = open_page(html, width, scheme)
    screenshot(page, f"issue-{width}-{scheme}")

    scroll_width, inner_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width
    glyphs = page.evaluate(GLYPH_PROBE, ".nl-h1")
    assert glyphs["inked"], glyphs
    assert glyphs["distinct"], glyphs
    assert glyphs["notTofu"], glyphs


@pytest.mark.parametrize(
    ("scheme", "card", "text"),
    [
        ("light", "rgb(255, 255, 255)", "rgb(31, 41, 51)"),
        ("dark", "rgb(22, 27, 34)", "rgb(230, 237, 243)"),
    ],
)
def test_dark_mode_rules_take_effect(
    all_topics: RenderedVariant, open_page: Callable[..., Any], scheme: str, card: str, text: str
) -> None:
    page = open_page(all_topics.personalise(TOKEN)[0], 600, scheme)
    assert css(page, ".nl-card", "backgroundColor") == card
    assert css(page, ".nl-card .nl-text > div", "color") == text


def test_phone_layout_narrows_the_side_padding(
    all_topics: RenderedVariant, open_page: Callable[..., Any]
) -> None:
    page = open_page(all_topics.personalise(TOKEN)[0], 375, "light")
    assert css(page, ".nl-text", "paddingLeft") == "18px"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_confirmation_email_fits_a_phone(
    settings: RenderSettings, open_page: Callable[..., Any], scheme: str
) -> None:
    context = {
        "confirm_url": "https://news.example.com/s/confirm/" + "Q29uZmlybVRva2Vu" * 4,
        "email": "a.rather.long.address@example.org",
        "topics": ["capital", "research"],
    }
    _, html, _ = render_system_email("confirmation", context, settings)
    page = open_page(html, 375, scheme)
    screenshot(page, f"confirmation-375-{scheme}")

    scroll_width, inner_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width
    if scheme == "dark":
        assert css(page, ".nl-button a", "color") == "rgb(255, 255, 255)"
