"""The few words the email templates say themselves, in Chinese and English.

Kept as a small dict per locale rather than gettext catalogs: workers render without a request
or an application context, and the whole vocabulary fits on one screen. Templates read them as
``t.key`` and fill ``{named}`` parameters with ``.format``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

ZH = "zh-CN"
EN = "en"
LOCALES = (ZH, EN)

_ZH: dict[str, str] = {
    "view_in_browser": "在浏览器中查看",
    "greeting_named": "{name}，你好！",
    "greeting_anonymous": "你好！",
    "intro": "本期为你整理了 {count} 条内容。",
    "window": "覆盖窗口",
    "sources": "来源",
    "event_sources": "可信来源",
    "colon": "：",
    "topics_all": "全部主题",
    "topics_none": "仅通用内容",
    "topic_separator": "、",
    "why": "你收到这封邮件，是因为你订阅了《{brand}》，关注的主题：{topics}。",
    "unsubscribe": "退订",
    "preferences": "管理订阅偏好",
    "link_separator": " · ",
    "test_banner": "测试邮件：以下是关注「{topics}」的读者将收到的内容，链接未做跟踪。",
    "test_subject_prefix": "[测试] ",
    "confirm_subject": "请确认订阅《{brand}》",
    "confirm_preheader": "点击确认，开始接收《{brand}》。",
    "confirm_heading": "确认你的订阅",
    "confirm_body": "我们收到了用 {email} 订阅《{brand}》的申请。请点击下方按钮确认，确认后才会开始"
    "发送。",
    "confirm_topics": "你选择的主题：{topics}",
    "confirm_button": "确认订阅",
    "link_fallback": "如果按钮无法打开，请把下面的链接复制到浏览器中：",
    "confirm_expiry": "该确认链接 {days} 天内有效。",
    "confirm_ignore": "如果这不是你本人的操作，请忽略这封邮件：不确认就不会订阅，我们也不会再给你发"
    "邮件。",
    "prefs_subject": "管理你的《{brand}》订阅",
    "prefs_preheader": "更改关注的主题或退订。",
    "prefs_heading": "管理订阅偏好",
    "prefs_body": "我们收到了为 {email} 发送订阅管理链接的请求。点击下方按钮，即可更改关注的主题或"
    "退订。",
    "prefs_button": "打开偏好设置",
    "prefs_ignore": "如果这不是你本人的请求，请忽略这封邮件，你的订阅不会有任何变化。",
    "system_footer": "这是一封与你的订阅相关的服务邮件。",
}

_EN: dict[str, str] = {
    "view_in_browser": "View in browser",
    "greeting_named": "Hi {name},",
    "greeting_anonymous": "Hello,",
    "intro": "This issue brings you {count} items.",
    "window": "Coverage",
    "sources": "Sources",
    "event_sources": "Sources",
    "colon": ": ",
    "topics_all": "all topics",
    "topics_none": "general sections only",
    "topic_separator": ", ",
    "why": "You receive this email because you subscribed to {brand} with these topics: {topics}.",
    "unsubscribe": "Unsubscribe",
    "preferences": "Manage preferences",
    "link_separator": " · ",
    "test_banner": "TEST send: this is what readers of {topics} will receive. Links are not tracked"
    ".",
    "test_subject_prefix": "[TEST] ",
    "confirm_subject": "Please confirm your subscription to {brand}",
    "confirm_preheader": "One click and {brand} starts arriving.",
    "confirm_heading": "Confirm your subscription",
    "confirm_body": (
        "We received a request to subscribe {email} to {brand}. Please confirm with the button "
        "below; nothing is sent before you do."
    ),
    "confirm_topics": "Topics you chose: {topics}",
    "confirm_button": "Confirm subscription",
    "link_fallback": "If the button does not work, copy this link into your browser:",
    "confirm_expiry": "This confirmation link is valid for {days} days.",
    "confirm_ignore": (
        "If this wasn't you, ignore this email: without confirmation you are not subscribed and "
        "we will not write again."
    ),
    "prefs_subject": "Manage your {brand} subscription",
    "prefs_preheader": "Change your topics or unsubscribe.",
    "prefs_heading": "Manage your preferences",
    "prefs_body": (
        "We received a request to send a subscription link to {email}. Use the button below to "
        "change your topics or unsubscribe."
    ),
    "prefs_button": "Open preferences",
    "prefs_ignore": "If you did not ask for this, ignore this email; your subscription stays as it "
    "is.",
    "system_footer": "This is a service email about your subscription.",
}

_CATALOGS: dict[str, Mapping[str, str]] = {ZH: MappingProxyType(_ZH), EN: MappingProxyType(_EN)}

_ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
# Spelt out rather than strftime("%A"), which follows the process's LC_TIME.
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def resolve_locale(locale: str | None, default: str = ZH) -> str:
    """Map ``zh``, ``zh_CN``, ``en-GB``... to a supported locale; anything else to ``default``."""
    tag = (locale or "").replace("_", "-").lower()
    if tag.startswith("zh"):
        return ZH
    if tag.startswith("en"):
        return EN
    return default if default in _CATALOGS else ZH


def catalog(locale: str) -> Mapping[str, str]:
    """The strings of a supported locale (see :func:`resolve_locale`)."""
    return _CATALOGS[locale]


def format_date(day: dt.date, locale: str) -> str:
    """A reader-friendly date: ``2026年4月7日 星期二`` or ``Tuesday, 7 April 2026``."""
    if locale == EN:
        weekday, month = _EN_WEEKDAYS[day.weekday()], _EN_MONTHS[day.month - 1]
        return f"{weekday}, {day.day} {month} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日 {_ZH_WEEKDAYS[day.weekday()]}"
