"""Settings > API tokens: admins make a token for a staff member and one role, or revoke one.

The token is shown once, in the answer to the form that made it (never stored in the
session or a flash message); afterwards only its first characters are shown.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.api.forms import SCOPE_LABELS, TokenForm, owner_choices
from newsletter.api.tokens import TokenError, create_token, list_tokens, revoke_token
from newsletter.auth.forms import ConfirmForm
from newsletter.auth.roles import roles_required
from newsletter.extensions import db
from newsletter.models import ApiToken, Role, StaffUser

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/settings/api-tokens")


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index() -> str:
    """The tokens, and the form that makes one (its answer shows the new token once)."""
    session = db.session
    form = TokenForm()
    staff = session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.email)
    ).all()
    form.owner.choices = owner_choices(list(staff))
    secret = None
    if form.validate_on_submit():
        owner = session.get(StaffUser, form.owner.data)
        try:
            if owner is None:
                raise TokenError(_("Choose the token's owner."))
            made = create_token(
                session,
                owner=owner,
                name=form.name.data or "",
                scope=Role(form.scope.data),
                actor=audit.current_actor(),
            )
        except TokenError as exc:
            form.owner.errors = [*form.owner.errors, str(exc)]
        else:
            session.commit()
            secret = made.secret
            form = TokenForm(formdata=None)
            form.owner.choices = owner_choices(list(staff))
    return render_template(
        "api/tokens.html",
        tokens=list_tokens(session),
        form=form,
        secret=secret,
        revoke_form=ConfirmForm(),
        scope_labels=SCOPE_LABELS,
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(token_id: int) -> Response:
    """Revoke a token: every request with it is refused from now on."""
    token = db.session.get(ApiToken, token_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if revoke_token(db.session, token, actor=audit.current_actor()):
        db.session.commit()
        flash(_("Token %(name)s revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
