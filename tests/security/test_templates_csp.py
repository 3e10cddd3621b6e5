"""Pages never need what the Content-Security-Policy forbids: no inline scripts, event
handler attributes, inline styles or javascript: URLs in any page template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parents[2] / "newsletter" / "templates"
FORBIDDEN = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "an inline style": re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def templates() -> list[Path]:
    return sorted(PAGES.rglob("*.html"))


def test_there_are_page_templates_to_check() -> None:
    assert len(templates()) > 10


@pytest.mark.parametrize("name", list(FORBIDDEN))
def test_no_page_template_needs_what_the_policy_forbids(name: str) -> None:
    pattern = FORBIDDEN[name]
    found = [
        f"{path.relative_to(PAGES)}:{number}: {line.strip()}"
        for path in templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, f"{name} would be blocked by the CSP (move it to a static file):\n" + (
        "\n".join(found)
    )
