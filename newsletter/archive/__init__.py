"""The public archive of sent issues: a list, a page per issue and an Atom feed.

Anyone may read it without signing in; it shows no reader data and tracks nobody.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the archive's blueprint."""
    from newsletter.archive.views import bp

    app.register_blueprint(bp)
