"""RenderSettings: one immutable value, checked when built."""

from __future__ import annotations

import pytest

from newsletter.rendering import RenderSettings

BASE = {
    "base_url": "https://news.example.com/",
    "sender_address": "daily@news.example.com",
    "postal_address": "上海市",
    "list_id": "daily.news.example.com",
    "unsubscribe_mailbox": "unsubscribe@news.example.com",
}


def test_defaults_and_normalised_base_url() -> None:
    settings = RenderSettings(**BASE)
    assert settings.base_url == "https://news.example.com"
    assert settings.sender_name == "AI前沿发展日报"
    assert settings.sender_domain == "news.example.com"
    assert [topic.slug for topic in settings.topics] == [
        "capital", "compute", "regulation", "industrial-ai", "research",
    ]  # fmt: skip
    assert settings.topic_name("industrial-ai", "en") == "Industrial AI"
    assert settings.topic_name("unknown", "zh-CN") == "unknown"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sender_address", "daily news@example.com"),
        ("sender_address", "no-domain"),
        ("unsubscribe_mailbox", "unsub@example.com\r\nBcc: x@y"),
        ("list_id", ""),
    ],
)
def test_addresses_that_would_break_headers_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field.split("_", maxsplit=1)[0]):
        RenderSettings(**{**BASE, field: value})
