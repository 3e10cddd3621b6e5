"""The operators' Sending pages: campaigns, their controls, and rows that need a person.

Views parse, check the role, call one lifecycle or recovery function and commit; a refusal
is shown as the domain's message and nothing changes. The figures and charts of a campaign
live on the dashboard, which these pages link to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.roles import roles_required
from newsletter.delivery import lifecycle, recovery
from newsletter.delivery.audience import describe
from newsletter.delivery.campaign_facts import campaign_history
from newsletter.delivery.errors import RecoveryError, TransitionError
from newsletter.delivery.forms import CampaignActionForm, RowsForm
from newsletter.delivery.transitions import allowed_actions
from newsletter.delivery.wall_time import local_text
from newsletter.extensions import db
from newsletter.metrics.progress import attention_reasons, attention_rows, progress_of
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryState, Role

bp = Blueprint("sending", __name__, url_prefix="/admin/sending")
operator_only = roles_required(Role.OPERATOR)

#: The buttons of a campaign page, each a lifecycle function.
CAMPAIGN_ACTIONS: dict[str, Callable[..., Any]] = {
    "pause": lifecycle.pause,
    "resume": lifecycle.resume,
    "cancel": lifecycle.cancel,
}
ROW_ACTIONS: dict[str, Callable[..., int]] = {"resend": recovery.resend, "drop": recovery.drop}
ROW_STATES = {
    "failed": (DeliveryState.FAILED,),
    "in_doubt": (DeliveryState.IN_DOUBT,),
    "both": (DeliveryState.FAILED, DeliveryState.IN_DOUBT),
}
PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # far beyond any list of campaigns
ROWS_SHOWN = 100

bp.add_app_template_global(local_text, "local_text")
bp.add_app_template_global(describe, "describe_audience")


def _campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


@bp.route("/")
@operator_only
def campaign_list() -> str:
    """Campaigns, newest first, with status and progress; ``?status=`` filters."""
    status = request.args.get("status", "")
    # Clamped: an OFFSET beyond PostgreSQL's bigint (?page=1e20) was an error, not a page.
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    query = select(Campaign).order_by(Campaign.id.desc())
    if status in {s.value for s in CampaignStatus}:
        query = query.where(Campaign.status == CampaignStatus(status))
    campaigns = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template(
        "sending/list.html",
        campaigns=campaigns[:PAGE_SIZE],
        more=len(campaigns) > PAGE_SIZE,
        page=page,
        status=status,
        statuses=[s.value for s in CampaignStatus],
    )


@bp.route("/campaigns/<int:campaign_id>")
@operator_only
def campaign_detail(campaign_id: int) -> str:
    """A campaign's controls, progress, rows needing a person and transition history."""
    campaign = _campaign(campaign_id)
    return render_template(
        "sending/campaign.html",
        campaign=campaign,
        progress=progress_of(db.session, campaign),
        actions=[a for a in allowed_actions(campaign.status) if a in CAMPAIGN_ACTIONS],
        form=CampaignActionForm(),
        rows=attention_rows(db.session, campaign.id, limit=ROWS_SHOWN),
        history=campaign_history(db.session, campaign.id),
    )


@bp.route("/campaigns/<int:campaign_id>/<string:action>", methods=["POST"])
@operator_only
def campaign_action(campaign_id: int, action: str) -> Response:
    """Pause, resume or cancel; senders see the change before their next message."""
    change = CAMPAIGN_ACTIONS.get(action) or abort(404)
    campaign = _campaign(campaign_id)
    form = CampaignActionForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long (2,000 characters at most)."), "error")
        return redirect(url_for("sending.campaign_detail", campaign_id=campaign.id))
    reason = (form.reason.data or "").strip()
    try:
        change(db.session, campaign, actor=audit.current_actor(), reason=reason)
    except TransitionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Campaign %(id)s is now %(status)s.", id=campaign.id, status=campaign.status.value),
              "success")  # fmt: skip
    return redirect(url_for("sending.campaign_detail", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/rows/<string:action>", methods=["GET", "POST"])
@operator_only
def rows_action(campaign_id: int, action: str) -> str | Response | tuple[str, int]:
    """Resend or drop failed and in-doubt rows: a confirmation page, then the change."""
    settle = ROW_ACTIONS.get(action) or abort(404)
    campaign = _campaign(campaign_id)
    form = RowsForm()
    state = form.state.data or request.args.get("state", "both")
    states = ROW_STATES.get(state) or abort(404)
    named = _ids(form.ids.data or request.args.get("ids", ""))
    if form.validate_on_submit():
        ids = named if named is not None else _ids_in(campaign.id, states)
        try:
            done = settle(db.session, campaign, ids, actor=audit.current_actor(),
                          reason=form.reason.data or "")  # fmt: skip
        except (RecoveryError, TransitionError) as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(n)s rows queued again.", n=done) if action == "resend"
                  else _("%(n)s rows dropped.", n=done), "success")  # fmt: skip
        return redirect(url_for("sending.campaign_detail", campaign_id=campaign.id))
    form.state.data = state
    form.ids.data = ",".join(map(str, named)) if named is not None else ""
    rows = attention_rows(db.session, campaign.id, None if named else ROWS_SHOWN,
                          states=states, ids=named)  # fmt: skip
    counts = _counts(campaign.id, states, named)
    return render_template(
        "sending/rows.html",
        campaign=campaign,
        action=action,
        form=form,
        rows=rows[:ROWS_SHOWN],
        count=sum(counts.values()),
        in_doubt=counts.get(DeliveryState.IN_DOUBT, 0) > 0,
        reasons=[r for r in attention_reasons(db.session, campaign.id) if r["state"] in states],
    ), (422 if request.method == "POST" else 200)


def _ids(text: str) -> list[int] | None:
    """Delivery ids from "12,15"; None when none are named; 404 for anything else."""
    parts = [part for part in text.replace(" ", "").split(",") if part]
    if not parts:
        return None
    if not all(part.isdigit() for part in parts):
        abort(404)
    return [int(part) for part in parts]


def _counts(
    campaign_id: int, states: tuple[DeliveryState, ...], ids: list[int] | None
) -> dict[DeliveryState, int]:
    query = (
        select(Delivery.state, func.count())
        .where(Delivery.campaign_id == campaign_id, Delivery.state.in_(states))
        .group_by(Delivery.state)
    )
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    return {row[0]: int(row[1]) for row in db.session.execute(query)}


def _ids_in(campaign_id: int, states: tuple[DeliveryState, ...]) -> list[int]:
    return list(
        db.session.scalars(
            select(Delivery.id)
            .where(Delivery.campaign_id == campaign_id, Delivery.state.in_(states))
            .order_by(Delivery.id)
        )
    )
