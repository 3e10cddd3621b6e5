"""The JSON API for the daily pipeline (``/api/v1``) and the admins' API token page.

Requests authenticate with a bearer token, never a session: the blueprint takes no CSRF
token, sets no cookie and answers every error as JSON (:mod:`newsletter.api.errors`).
"""

from __future__ import annotations

from flask import Flask

from newsletter.extensions import csrf


def init_app(app: Flask) -> None:
    """Register the API and the token settings page."""
    # Importing the endpoint modules registers their routes on ``bp``.
    from newsletter.api import (
        campaign_actions,  # noqa: F401
        campaign_endpoints,  # noqa: F401
        issue_endpoints,  # noqa: F401
        issue_preview,  # noqa: F401
        issue_schedule,  # noqa: F401
        openapi,  # noqa: F401
        token_views,
    )
    from newsletter.api.v1 import bp

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(token_views.bp)
