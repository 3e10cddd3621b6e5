"""One-off emails: double opt-in confirmation, preference-centre link, test send of an issue.

These are rendered per message (they are rare), each as MJML + text like the issue, and in
both locales. Whether a kind is list mail decides its headers: confirmations and preference
links are transactional (no List-Unsubscribe, no Precedence: bulk; the reader is not, or not
necessarily, on the list), while a test send carries the issue's list headers so the editor
sees the message exactly as readers get it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from newsletter.issues.document import IssueDocument
from newsletter.rendering.compiler import compile_email
from newsletter.rendering.links import build_link_registry, is_web_url
from newsletter.rendering.mime import build_single_message
from newsletter.rendering.personal import clean_name, greeting
from newsletter.rendering.settings import RenderSettings
from newsletter.rendering.strings import catalog, resolve_locale
from newsletter.rendering.templating import environment, inline_css_for
from newsletter.rendering.variant import render_issue_template
from newsletter.rendering.view import topics_label

CONFIRMATION_DAYS = 7
#: The token a test send puts in its unsubscribe and preference links unless given one.
TEST_SEND_TOKEN = "test-send"  # noqa: S105 - deliberately not a valid token


class SystemEmail(StrEnum):
    """The kinds of one-off email."""

    CONFIRMATION = "confirmation"
    PREFERENCES_LINK = "preferences_link"
    TEST_SEND = "test_send"

    @property
    def is_list_mail(self) -> bool:
        """True when the message carries List-Id / List-Unsubscribe / Precedence: bulk."""
        return self is SystemEmail.TEST_SEND


def render_system_email(
    kind: SystemEmail | str,
    context: Mapping[str, Any],
    settings: RenderSettings,
    locale: str | None = None,
) -> tuple[str, str, str]:
    """Render a one-off email and return (subject, html, text).

    Context keys: ``confirmation``: confirm_url, email, topics (slugs, optional), name
    (optional), expires_days (default 7). ``preferences_link``: preferences_url, email, name.
    ``test_send``: document (IssueDocument), topics (None = all), links (optional registry),
    token (optional), name (optional), issue_slug (optional).
    """
    kind = SystemEmail(kind)
    resolved = resolve_locale(locale, settings.default_locale)
    if kind is SystemEmail.TEST_SEND:
        return _test_send(context, settings, resolved)
    strings = catalog(resolved)
    values = _account_values(kind, context, settings, resolved)
    page = {"settings": settings, "t": strings, "lang": resolved, **values}
    env = environment(settings.template_dir)
    html = compile_email(
        env.get_template(f"{kind.value}.mjml.j2").render(page),
        inline_css_for(settings.template_dir),
    )
    text = env.get_template(f"{kind.value}.txt.j2").render(page).strip() + "\n"
    return str(values["page_title"]), html, text


def _account_values(
    kind: SystemEmail, context: Mapping[str, Any], settings: RenderSettings, locale: str
) -> dict[str, Any]:
    strings = catalog(locale)
    brand = settings.site_name
    values: dict[str, Any] = {
        "email": _required(context, "email"),
        "greeting": greeting(clean_name(context.get("name")), locale),
    }
    if kind is SystemEmail.CONFIRMATION:
        values["confirm_url"] = _required_url(context, "confirm_url")
        values["topics_label"] = topics_label(context.get("topics"), settings, locale)
        values["expires_days"] = int(context.get("expires_days", CONFIRMATION_DAYS))
        values["page_title"] = strings["confirm_subject"].format(brand=brand)
        values["preheader"] = strings["confirm_preheader"].format(brand=brand)
    else:
        values["preferences_url"] = _required_url(context, "preferences_url")
        values["page_title"] = strings["prefs_subject"].format(brand=brand)
        values["preheader"] = strings["prefs_preheader"]
    return values


def _test_send(
    context: Mapping[str, Any], settings: RenderSettings, locale: str
) -> tuple[str, str, str]:
    doc = context["document"]
    if not isinstance(doc, IssueDocument):
        raise TypeError("a test send needs context['document'], an IssueDocument")
    rendered = render_issue_template(
        "test_send",
        doc,
        context.get("topics"),
        settings,
        context.get("links") or build_link_registry(doc),
        tracking=False,
        locale=locale,
        issue_slug=context.get("issue_slug"),
    )
    html, text = rendered.personalise(
        context.get("token", TEST_SEND_TOKEN), context.get("name", "")
    )
    return catalog(locale)["test_subject_prefix"] + rendered.subject, html, text


def build_system_message(
    kind: SystemEmail | str,
    context: Mapping[str, Any],
    settings: RenderSettings,
    *,
    to_email: str,
    to_name: str = "",
    locale: str | None = None,
    message_id: str | None = None,
    date: dt.datetime | None = None,
) -> bytes:
    """Render a one-off email and return its complete MIME bytes (headers chosen per kind)."""
    kind = SystemEmail(kind)
    subject, html, text = render_system_email(kind, context, settings, locale)
    return build_single_message(
        settings,
        to_email=to_email,
        to_name=to_name,
        subject=subject,
        html_body=html,
        text_body=text,
        list_token=context.get("token", TEST_SEND_TOKEN) if kind.is_list_mail else None,
        message_id=message_id,
        date=date,
    )


def _required(context: Mapping[str, Any], key: str) -> str:
    value = context.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"this email needs context[{key!r}]")
    return value.strip()


def _required_url(context: Mapping[str, Any], key: str) -> str:
    url = _required(context, key)
    if not is_web_url(url):
        raise ValueError(f"context[{key!r}] must be an http(s) URL: {url!r}")
    return url
