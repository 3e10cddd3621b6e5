"""Settings > Staff: admins create accounts, change roles and deactivate accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.forms import ConfirmForm, RolesForm, StaffUserForm
from newsletter.auth.roles import roles_required
from newsletter.auth.users import StaffAccountError, create_staff_user, deactivate, set_roles
from newsletter.extensions import db
from newsletter.models import Role, StaffUser

bp = Blueprint("staff", __name__, url_prefix="/admin/settings/staff")


def _chosen_roles(form: StaffUserForm | RolesForm) -> set[Role]:
    return {role for role in Role if getattr(form, role.value).data}


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index() -> str | Response:
    """List staff accounts and create new ones."""
    form = StaffUserForm()
    if form.validate_on_submit():
        try:
            user = create_staff_user(
                db.session,
                form.email.data or "",
                form.password.data or "",
                _chosen_roles(form),
                name=form.name.data or "",
            )
        except StaffAccountError as exc:
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            audit.record(
                db.session,
                "staff.create",
                entity_type="staff_user",
                entity_id=user.id,
                detail={"email": user.email, "roles": sorted(user.roles)},
            )
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("staff.index"))
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return render_template("auth/staff.html", users=users, form=form, action_form=ConfirmForm())


@bp.route("/<int:user_id>/roles", methods=["POST"])
@roles_required(Role.ADMIN)
def change_roles(user_id: int) -> Response:
    """Replace an account's roles."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    form = RolesForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        set_roles(db.session, user, _chosen_roles(form))
    except StaffAccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.index"))
    audit.record(
        db.session,
        "staff.roles",
        entity_type="staff_user",
        entity_id=user.id,
        detail={"roles": sorted(user.roles)},
    )
    db.session.commit()
    flash(_("Roles of %(email)s updated.", email=user.email), "success")
    return redirect(url_for("staff.index"))


@bp.route("/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def toggle_active(user_id: int) -> Response:
    """Deactivate an active account or reactivate an inactive one."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if user.active:
            deactivate(db.session, user)
        else:
            user.active = True
    except StaffAccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.index"))
    action = "staff.activate" if user.active else "staff.deactivate"
    audit.record(db.session, action, entity_type="staff_user", entity_id=user.id)
    db.session.commit()
    return redirect(url_for("staff.index"))
