"""The suppression list: view, search, add with a reason and lift with a reason."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.roles import roles_required
from newsletter.extensions import db
from newsletter.models import Role, Suppression, SuppressionReason
from newsletter.subscriptions.addresses import InvalidAddress, normalise_email
from newsletter.subscriptions.admin import bp
from newsletter.subscriptions.admin.forms import LiftForm, SuppressForm
from newsletter.subscriptions.admin.queries import find_suppressions
from newsletter.subscriptions.suppression import (
    SuppressionError,
    active_suppression,
    lift,
    suppress,
)

operator_only = roles_required(Role.OPERATOR)
OPERATOR_SOURCE = "operator"


@bp.route("/suppressions", methods=["GET", "POST"])
@operator_only
def suppressions() -> str | Response | tuple[str, int]:
    """The list with its search; a valid POST adds an address with the operator's reason."""
    form = SuppressForm()
    if form.validate_on_submit():
        try:
            email = normalise_email(form.email.data or "")
        except InvalidAddress as exc:
            form.email.errors = [*form.email.errors, _("Not a usable address: %(why)s", why=exc)]
        else:
            return _add(email, (form.note.data or "").strip())
    status = 422 if request.method == "POST" else 200
    return _list_page(form), status


def _add(email: str, note: str) -> Response:
    existing = active_suppression(db.session, email)
    if existing is not None:
        flash(
            _(
                "%(email)s is already suppressed (%(reason)s).",
                email=email,
                reason=existing.reason.value,
            ),
            "warning",
        )
        return redirect(url_for("operators.suppressions", q=email))
    suppress(db.session, email, SuppressionReason.MANUAL, source=OPERATOR_SOURCE, note=note)
    db.session.commit()
    flash(_("%(email)s will not be mailed again.", email=email), "success")
    return redirect(url_for("operators.suppressions", q=email))


def _list_page(form: SuppressForm) -> str:
    text = request.args.get("q", "").strip()[:320]
    state = request.args.get("state", "active")
    reason = request.args.get("reason", "")
    page = find_suppressions(
        db.session, text, state, reason, request.args.get("page", 1, type=int) or 1
    )
    return render_template(
        "operators/suppressions.html",
        page=page,
        form=form,
        lift_form=LiftForm(),
        text=text,
        state=state,
        reason=reason,
        reasons=[r.value for r in SuppressionReason],
    )


@bp.route("/suppressions/<int:entry_id>/lift", methods=["GET", "POST"])
@operator_only
def lift_suppression(entry_id: int) -> str | Response | tuple[str, int]:
    """Ask for a reason, then lift the entry (the reader still needs a fresh opt-in)."""
    entry = db.session.get(Suppression, entry_id) or abort(404)
    form = LiftForm()
    if form.validate_on_submit():
        try:
            lift(db.session, entry, reason=form.reason.data or "", actor=audit.current_actor())
        except SuppressionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The entry for %(email)s is lifted.", email=entry.email), "success")
        return redirect(url_for("operators.suppressions", q=entry.email, state="all"))
    status = 422 if request.method == "POST" else 200
    return render_template("operators/lift.html", entry=entry, form=form), status
