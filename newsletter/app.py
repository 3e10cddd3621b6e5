"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from newsletter import redaction
from newsletter.config import Settings, load_settings
from newsletter.extensions import csrf, db
from newsletter.web.converters import BoundedIntegerConverter
from newsletter.web.proxies import ForwardedHeaders


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment; ``test_config`` overrides settings by field name.

    Upper-case keys in ``test_config`` are passed to Flask's own config instead.
    """
    app = Flask(__name__, instance_relative_config=True)
    overrides = {k: v for k, v in (test_config or {}).items() if k.islower()}
    settings = load_settings(overrides=overrides, instance_path=_instance_path(app))
    _configure_flask(app, settings)
    app.config.update({k: v for k, v in (test_config or {}).items() if k.isupper()})
    _configure_logging(settings)

    from newsletter import (
        api,
        archive,
        auth,
        delivery,
        health,
        i18n,
        metrics,
        ratelimits,
        tracking,
        web,
    )
    from newsletter.delivery import executors, outbox_browser
    from newsletter.issues import editor
    from newsletter.subscriptions import admin as subscriptions_admin
    from newsletter.subscriptions import web as subscriptions_web
    from newsletter.topics import admin as topics_admin

    db.init_app(app)
    csrf.init_app(app)
    ratelimits.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    web.init_app(app)
    subscriptions_web.init_app(app)
    subscriptions_admin.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    tracking.init_app(app)
    executors.init_app(app)
    archive.init_app(app)
    editor.init_app(app)
    topics_admin.init_app(app)
    outbox_browser.init_app(app)
    delivery.init_app(app)
    api.init_app(app)
    return app


def _instance_path(app: Flask) -> Path:
    return Path(app.instance_path)


def _configure_flask(app: Flask, settings: Settings) -> None:
    # Before any blueprint: rules take their converters when they are added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.config.update(
        NEWSLETTER=settings,
        SECRET_KEY=settings.secret_key,
        SECRET_KEY_FALLBACKS=list(settings.secret_key_fallbacks),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.https,
        PREFERRED_URL_SCHEME="https" if settings.https else "http",
        # Report uploads and subscriber CSVs; larger files are refused with 413.
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=settings.env == "test",
    )
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ForwardedHeaders(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def _configure_logging(settings: Settings) -> None:
    redaction.install(settings)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("newsletter").setLevel(settings.log_level)
