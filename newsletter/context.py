"""Objects built once per application from its configuration: the readers' token signer and
the renderer's settings.

The rendering library and the signer are pure; this is where the app's settings (and the
topic names admins edited) are turned into their inputs, so every part of the app (sender,
editor preview, confirmation emails, tracking endpoints) uses the same ones.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.models import Topic
from newsletter.rendering import RenderSettings, TopicLabel
from newsletter.signing import TokenSigner

_SIGNER_KEY = "newsletter.signer"


def current_settings() -> Settings:
    """The settings of the current application."""
    settings: Settings = current_app.config["NEWSLETTER"]
    return settings


def current_signer() -> TokenSigner:
    """The token signer of the current application, created on first use."""
    signer: TokenSigner | None = current_app.extensions.get(_SIGNER_KEY)
    if signer is None:
        settings = current_settings()
        signer = TokenSigner(settings.secret_key, settings.secret_key_fallbacks)
        current_app.extensions[_SIGNER_KEY] = signer
    return signer


def email_locale(locale: str | None) -> str:
    """The renderer's name for an app locale: ``en`` or ``zh-CN``."""
    return "en" if (locale or "").startswith("en") else "zh-CN"


def render_settings(settings: Settings, topics: list[Topic]) -> RenderSettings:
    """The renderer's settings for this installation and its current topic names."""
    return RenderSettings(
        base_url=settings.base_url,
        sender_address=settings.sender_address,
        sender_name=settings.sender_name or "AI前沿发展日报",
        postal_address=settings.postal_address,
        list_id=settings.list_id,
        unsubscribe_mailbox=settings.unsubscribe_mailbox,
        reply_to=settings.reply_to or None,
        default_locale=email_locale(settings.default_locale),
        topics=tuple(TopicLabel(t.slug, t.name_zh, t.name_en) for t in topics),
    )


def current_render_settings(session: Session) -> RenderSettings:
    """Render settings from the current app's configuration and the topics in the database."""
    topics = list(session.scalars(select(Topic).order_by(Topic.position, Topic.slug)))
    return render_settings(current_settings(), topics)
