"""Languages of the web pages: Simplified Chinese by default, English on request.

Message catalogues live in ``newsletter/translations`` as ``.po`` files; they are compiled
to ``.mo`` when the app starts if the compiled file is missing or older, so no build step is
needed after a checkout.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_login import current_user

from newsletter.extensions import babel

LOCALES = ("zh_CN", "en")
LANGUAGE_COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the locale choice below; remember an explicit ?lang= choice."""
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["NEWSLETTER"].default_locale)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_language)
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["get_locale"] = get_locale


def select_locale() -> str:
    """Pick the page language: ?lang=, then the cookie, the staff profile, the browser."""
    asked = request.args.get("lang")
    if asked in LOCALES:
        g.chosen_language = asked
        return asked
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LOCALES:
        return cookie
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best and best.startswith("en"):
        return "en"
    default: str = current_app.config["NEWSLETTER"].default_locale
    return default


def html_lang(locale: object) -> str:
    """The ``lang`` attribute for a Babel locale: ``en`` or ``zh-CN``."""
    return "en" if str(locale).startswith("en") else "zh-CN"


def _remember_language(response: object) -> object:
    chosen = g.get("chosen_language")
    if chosen and hasattr(response, "set_cookie"):
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


def compile_catalogues() -> None:
    """Compile every ``.po`` whose ``.mo`` is missing or stale."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
