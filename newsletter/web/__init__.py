"""The web shell: layout, navigation, staff home, settings index, errors, security headers,
the input guard."""

from __future__ import annotations

from typing import Any

from flask import Flask

from newsletter.auth.forms import ConfirmForm
from newsletter.web import errors, input_guard, security
from newsletter.web.navigation import visible_nav_items


def init_app(app: Flask) -> None:
    """Register the shell's blueprint, template globals, error pages and headers."""
    from newsletter.web.views import bp

    app.register_blueprint(bp)
    errors.init_app(app)
    security.init_app(app)
    input_guard.init_app(app)
    app.context_processor(_layout_context)


def _layout_context() -> dict[str, Any]:
    return {"nav_items": visible_nav_items(), "logout_form": ConfirmForm()}
