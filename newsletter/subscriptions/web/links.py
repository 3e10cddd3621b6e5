"""Opening a reader's link and answering in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, render_template, request
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from newsletter.extensions import db
from newsletter.i18n import LANGUAGE_COOKIE, LOCALES
from newsletter.models import Subscriber
from newsletter.subscriptions.tokens import InvalidLink, ReaderLink, resolve_reader_link
from newsletter.subscriptions.web import bp
from newsletter.tracking.privacy import stored_ip

__all__ = [
    "InvalidLink",
    "client_ip_for_storage",
    "flash_for_reader",
    "invalid_link_page",
    "open_link",
    "reader_locale",
    "render_for_reader",
]


def open_link(token: str) -> ReaderLink:
    """The reader and delivery behind a preference or unsubscribe link, or InvalidLink."""
    return resolve_reader_link(db.session, token)


def client_ip_for_storage() -> str | None:
    """The client's address as consent records keep it (``NEWSLETTER_IP_STORAGE``)."""
    settings = current_app.config["NEWSLETTER"]
    return stored_ip(request.remote_addr, settings.ip_storage, settings.secret_key)


def reader_locale(subscriber: Subscriber | None) -> str | None:
    """The reader's language for their pages, unless the visitor chose one (?lang=, cookie)."""
    chose = request.args.get("lang") in LOCALES or request.cookies.get(LANGUAGE_COOKIE) in LOCALES
    if subscriber is None or chose or subscriber.locale not in LOCALES:
        return None
    return subscriber.locale


def render_for_reader(template: str, subscriber: Subscriber | None, **context: Any) -> str:
    """Render ``template`` in the reader's language (see :func:`reader_locale`)."""
    locale = reader_locale(subscriber)
    if locale is None:
        return render_template(template, subscriber=subscriber, **context)
    with force_locale(locale):
        return render_template(template, subscriber=subscriber, **context)


def flash_for_reader(
    subscriber: Subscriber, message: LazyString, category: str, locale: str | None = None
) -> None:
    """Flash ``message`` translated into the language the next page is shown in."""
    locale = locale or reader_locale(subscriber)
    if locale is None:
        flash(str(message), category)
        return
    with force_locale(locale):
        flash(str(message), category)


@bp.app_errorhandler(InvalidLink)
def invalid_link_page(error: InvalidLink) -> tuple[str, int]:
    """A page that says what is wrong with the link and what to do instead."""
    db.session.rollback()
    return render_template("subscriptions/invalid_link.html", message=error.message), error.status
