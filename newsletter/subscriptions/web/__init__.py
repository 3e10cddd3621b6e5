"""Readers' pages: signup, confirmation, preference centre and one-click unsubscribe.

Readers never log in: every page below ``/confirm``, ``/p`` and ``/u`` is opened by the signed
token in its URL. The signup POST and the one-click unsubscribe POST take no CSRF token (the
first is posted by the embeddable form from other sites, the second by mail providers, RFC
8058); every other form of these pages does.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from newsletter.extensions import csrf

bp = Blueprint("subscriptions", __name__)


def init_app(app: Flask) -> None:
    """Register the readers' blueprint with its CSRF exemptions and link-error page."""
    # Importing the view modules registers their routes on ``bp``.
    from newsletter.subscriptions.web import (
        links,  # noqa: F401
        preference_views,  # noqa: F401
        signup_views,
        unsubscribe_views,
    )

    csrf.exempt(signup_views.signup)
    csrf.exempt(unsubscribe_views.unsubscribe)
    app.register_blueprint(bp)
