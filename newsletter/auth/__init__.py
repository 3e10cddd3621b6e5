"""Staff authentication: login sessions, roles and account management."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from newsletter.extensions import db, login_manager
from newsletter.models import StaffUser


def init_app(app: Flask) -> None:
    """Wire Flask-Login and the auth blueprints into ``app``."""
    from newsletter.auth import staff_views, views

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    app.register_blueprint(views.bp)
    app.register_blueprint(staff_views.bp)


def _load_user(user_id: str) -> StaffUser | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    return user if user is not None and user.active else None
