"""Rate limits for public forms (signup now, staff login later), shared through Redis.

The limiter lives unbound in :mod:`newsletter.extensions`; this module binds it with an
explicit storage (Redis when ``NEWSLETTER_REDIS_URL`` is set, process memory otherwise), so
every process of a deployment counts together, and answers a breach with a friendly page.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.wrappers import Response
from flask_limiter import RateLimitExceeded

from newsletter.extensions import limiter
from newsletter.web.errors import wants_json

STORAGE_PREFIX = "newsletter-limits"


def storage_uri(redis_url: str) -> str:
    """Where counters are kept: the configured Redis, else this process's memory."""
    return redis_url or "memory://"


def init_app(app: Flask) -> None:
    """Bind the limiter to ``app`` with its storage and register the 429 page."""
    settings = app.config["NEWSLETTER"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(settings.redis_url))
    # Set explicitly: Flask-Limiter keeps the last app's switch as the default for the next.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", STORAGE_PREFIX)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A Redis outage must not take the signup page down: count in memory meanwhile.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def _too_many_requests(error: RateLimitExceeded) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error={"code": 429, "message": error.description}), 429
    return render_template("web/rate_limited.html", description=error.description), 429


def client_ip() -> str:
    """The client's address as the limiter sees it (after the trusted proxies)."""
    return request.remote_addr or "unknown"
