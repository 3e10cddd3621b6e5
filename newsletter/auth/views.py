"""Staff login and logout."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth import throttle
from newsletter.auth.forms import ConfirmForm, LoginForm
from newsletter.auth.users import authenticate
from newsletter.extensions import db
from newsletter.web.redirects import safe_next

bp = Blueprint("auth", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Show the login form; on good credentials start a session and go where asked."""
    if current_user.is_authenticated:
        return redirect(url_for("web.staff_home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        session = db.session
        email = form.email.data or ""
        lockout = throttle.current_lockout(email)
        if lockout is not None:
            return _paused(form, lockout)
        user = authenticate(session, email, form.password.data or "")
        if user is None:
            audit.record(session, "staff.login_failed", detail={"email": email})
            for started in throttle.count_failure(email):
                audit.record(
                    session,
                    "staff.login_locked",
                    detail={"email": email, "scope": started.scope},
                )
            session.commit()
            flash(_("Wrong email or password."), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=bool(form.remember.data))
        audit.record(session, "staff.login", actor=audit.staff_actor(user))
        session.commit()
        return redirect(safe_next(form.next.data, url_for("web.staff_home")))
    return render_template("auth/login.html", form=form)


def _paused(form: LoginForm, lockout: throttle.Lockout) -> tuple[str, int, dict[str, str]]:
    """The login page refusing a sign-in while failures have paused it."""
    minutes = -(-lockout.retry_after_seconds // 60)
    flash(
        _(
            "Too many failed sign-ins for this account or from your network. "
            "Try again in %(minutes)d minutes.",
            minutes=minutes,
        ),
        "error",
    )
    page = render_template("auth/login.html", form=form)
    return page, 429, {"Retry-After": str(lockout.retry_after_seconds)}


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session (a POST with a CSRF token, so other sites cannot log staff out)."""
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        audit.record(db.session, "staff.logout")
        db.session.commit()
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
