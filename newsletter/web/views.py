"""The staff home and settings pages, and the public front page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from newsletter.auth.roles import roles_required, staff_required
from newsletter.models import Role
from newsletter.web.navigation import visible_nav_items
from newsletter.web.settings_registry import available_sections

bp = Blueprint("web", __name__)


@bp.route("/")
def front_page() -> Response:
    """Readers land on the signup page; staff who are signed in land on their home."""
    if current_user.is_authenticated:
        return redirect(url_for("web.staff_home"))
    if "subscriptions.signup" in current_app.view_functions:
        return redirect(url_for("subscriptions.signup"))
    return redirect(url_for("auth.login"))


@bp.route("/admin/")
@staff_required
def staff_home() -> str:
    """What the signed-in staff member can do, by role."""
    return render_template("web/staff_home.html", entries=visible_nav_items())


@bp.route("/admin/settings")
@roles_required(Role.ADMIN, Role.EDITOR, Role.OPERATOR)
def settings() -> str:
    """The settings sections this staff member may open."""
    sections = [s for s in available_sections() if current_user.has_role(*s.roles)]
    return render_template("web/settings.html", sections=sections)
