"""One-off emails: confirmation, preference link, test send."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import lxml.html
import pytest

from newsletter.issues.document import IssueDocument
from newsletter.rendering import (
    RenderSettings,
    SystemEmail,
    build_system_message,
    render_system_email,
)

Parse = Callable[[bytes], EmailMessage]
CONFIRM_URL = "https://news.example.com/s/confirm/Q29uZmlybVRva2Vu"
CONFIRM: dict[str, object] = {
    "confirm_url": CONFIRM_URL,
    "email": "ann@example.org",
    "topics": ["research", "capital"],
    "name": "Ann",
}
PREFS_URL = "https://news.example.com/p/UmVhZGVyVG9rZW4"
PREFS: dict[str, object] = {
    "preferences_url": PREFS_URL,
    "email": "ann@example.org",
}


def visible(html: str) -> str:
    return " ".join(lxml.html.document_fromstring(html).text_content().split())


def test_confirmation_says_what_was_asked_for_and_how_long_the_link_lasts(
    settings: RenderSettings,
) -> None:
    subject, html, text = render_system_email("confirmation", CONFIRM, settings, "zh-CN")

    assert subject == "请确认订阅《AI前沿发展日报》"
    for part in (visible(html), text):
        assert "Ann，你好！" in part
        assert "ann@example.org" in part
        assert "资本、前沿研究" in part
        assert "7 天内有效" in part
        assert "如果这不是你本人的操作，请忽略这封邮件" in part
        assert "上海市浦东新区世纪大道 100 号 20 楼" in part
    assert CONFIRM_URL in text
    buttons = lxml.html.document_fromstring(html).cssselect(f'a[href="{CONFIRM_URL}"]')
    assert len(buttons) == 2  # the button and the copyable link
    assert html.startswith("<!DOCTYPE html>")


def test_confirmation_in_english(settings: RenderSettings) -> None:
    subject, html, text = render_system_email(
        "confirmation", {**CONFIRM, "expires_days": 3}, settings, "en"
    )
    assert subject == "Please confirm your subscription to AI前沿发展日报"
    assert "valid for 3 days" in text
    assert "Topics you chose: Capital, Research" in visible(html)
    assert "If this wasn't you, ignore this email" in text


def test_preferences_link(settings: RenderSettings) -> None:
    subject, html, text = render_system_email("preferences_link", PREFS, settings)
    assert subject == "管理你的《AI前沿发展日报》订阅"
    assert PREFS_URL in text
    assert "打开偏好设置" in visible(html)
    assert "你的订阅不会有任何变化" in text


def test_test_send_is_the_mix_under_a_test_banner(
    settings: RenderSettings, sample_issue: IssueDocument
) -> None:
    subject, html, text = render_system_email(
        SystemEmail.TEST_SEND, {"document": sample_issue, "topics": ["research"]}, settings
    )

    assert subject.startswith("[测试] AI前沿发展日报 | ")
    assert text.startswith("*** TEST · 测试邮件：以下是关注「前沿研究」的读者将收到的内容")
    assert "TEST · 测试邮件" in visible(html)
    assert "AgentHazard" in text
    assert "OpenAI 完成 1220 亿美元新融资" not in text
    assert "/t/" not in html  # test sends are not tracked
    assert "https://news.example.com/u/test-send" in html
    assert "__NL_" not in html + text


@pytest.mark.parametrize(
    ("kind", "context", "missing"),
    [
        ("confirmation", {**CONFIRM, "confirm_url": "javascript:alert(1)"}, "confirm_url"),
        ("confirmation", {**CONFIRM, "email": ""}, "email"),
        ("preferences_link", {"email": "a@b.org"}, "preferences_url"),
    ],
)
def test_missing_or_unsafe_context_is_refused(
    settings: RenderSettings, kind: str, context: dict[str, object], missing: str
) -> None:
    with pytest.raises(ValueError, match=missing):
        render_system_email(kind, context, settings)


def test_unknown_kind_is_refused(settings: RenderSettings) -> None:
    with pytest.raises(ValueError, match="newsletter"):
        render_system_email("newsletter", {}, settings)


def test_confirmation_mail_is_transactional(settings: RenderSettings, parse_message: Parse) -> None:
    raw = build_system_message(
        "confirmation", CONFIRM, settings, to_email="ann@example.org", to_name="Ann"
    )
    message = parse_message(raw)

    assert message["Subject"] == "请确认订阅《AI前沿发展日报》"
    assert message["To"].addresses[0].display_name == "Ann"
    for header in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Precedence"):
        assert message[header] is None
    plain = next(message.iter_parts())
    assert isinstance(plain, EmailMessage)
    assert CONFIRM_URL in plain.get_content()


def test_test_send_carries_the_issue_list_headers(
    settings: RenderSettings, sample_issue: IssueDocument, parse_message: Parse
) -> None:
    raw = build_system_message(
        "test_send",
        {"document": sample_issue, "topics": None},
        settings,
        to_email="editor@example.org",
    )
    message = parse_message(raw)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == "[测试] AI前沿发展日报 | OpenAI 完成 1220 亿美元新融资"
