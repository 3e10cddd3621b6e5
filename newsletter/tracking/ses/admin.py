"""The "Amazon SES" settings page: the ``ses check`` report, the webhook inbox and setup."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.forms import ConfirmForm
from newsletter.auth.roles import roles_required
from newsletter.config import Settings
from newsletter.extensions import db
from newsletter.models import AuditEntry, Role
from newsletter.tracking.apple_ranges import DEFAULT_FILE
from newsletter.tracking.ses.aws import aws_clients
from newsletter.tracking.ses.check import blocks_sending, run_check
from newsletter.tracking.ses.publishing import topic_name, webhook_url
from newsletter.tracking.ses.setup import run_setup
from newsletter.tracking.sns.inbox import inbox_counts

bp = Blueprint("ses_admin", __name__, url_prefix="/admin/ses")
SNS_ACTIONS = ("sns.subscription_confirmed", "sns.unsubscribed", "ses.setup")


@bp.route("/", methods=["GET"])
@roles_required(Role.OPERATOR)
def status() -> str:
    """Identity, DKIM, sandbox, quota and event publishing, checked live against AWS."""
    settings: Settings = current_app.config["NEWSLETTER"]
    findings = run_check(aws_clients(), settings)
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(SNS_ACTIONS))
        .order_by(AuditEntry.at.desc())
        .limit(10)
    )
    return render_template(
        "tracking/ses_status.html",
        settings=settings,
        findings=findings,
        blocked=blocks_sending(findings),
        inbox=inbox_counts(db.session),
        history=list(history),
        topic=topic_name(settings),
        webhook=webhook_url(settings),
        ranges_file=settings.apple_relay_ranges_file or str(DEFAULT_FILE),
        form=ConfirmForm(),
    )


@bp.route("/setup", methods=["POST"])
@roles_required(Role.OPERATOR)
def setup() -> Response:
    """Run ``newsletter ses setup`` from the page and report each step."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("ses_admin.status"))
    settings: Settings = current_app.config["NEWSLETTER"]
    steps = run_setup(aws_clients(), settings)
    audit.record(
        db.session,
        "ses.setup",
        actor=audit.staff_actor(current_user),
        entity_type="ses_configuration_set",
        entity_id=settings.ses_configuration_set,
        detail={step.name: step.outcome for step in steps},
    )
    db.session.commit()
    for step in steps:
        category = "success" if step.done else "warning"
        flash(f"{step.name}: {step.outcome} — {step.detail}", category)
    return redirect(url_for("ses_admin.status"))
