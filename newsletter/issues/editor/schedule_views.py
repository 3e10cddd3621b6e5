"""Scheduling the issue's campaign (time, time zone, audience) and unscheduling it."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.delivery.errors import AudienceError, TransitionError
from newsletter.delivery.wall_time import local_text
from newsletter.extensions import db
from newsletter.issues.editor import bp
from newsletter.issues.editor.forms import ScheduleForm, UnscheduleForm
from newsletter.issues.editor.issue_views import get_issue, render_issue_page
from newsletter.issues.editor.list_views import editor_only
from newsletter.issues.editor.topic_choices import topic_choices
from newsletter.issues.scheduling import schedule_for_editor, unschedule_for_editor


@bp.route("/<int:issue_id>/schedule", methods=["POST"])
@editor_only
def schedule(issue_id: int) -> Response | tuple[str, int]:
    """Schedule the issue for a wall time in a time zone, for every reader or some topics."""
    issue = get_issue(issue_id)
    form = ScheduleForm()
    form.audience_topics.choices = dict(topic_choices())
    day, time = form.date.data, form.time.data
    if not form.validate_on_submit() or day is None or time is None:
        return render_issue_page(issue, schedule_form=form), 422
    topics = list(form.audience_topics.data or [])
    zone = (form.timezone.data or "").strip()
    try:
        campaign = schedule_for_editor(
            db.session,
            issue,
            at=dt.datetime.combine(day, time),
            timezone=zone,
            actor=audit.current_actor(),
            audience={"topics": topics, "match": form.audience_match.data} if topics else None,
        )
    except (TransitionError, AudienceError) as exc:
        db.session.rollback()
        form.date.errors = [*form.date.errors, str(exc)]
        return render_issue_page(issue, schedule_form=form), 422
    db.session.commit()
    when = local_text(campaign.scheduled_at, zone)
    flash(_("Campaign #%(id)s is scheduled for %(when)s.", id=campaign.id, when=when), "success")
    return redirect(url_for("editor.issue_page", issue_id=issue_id))


@bp.route("/<int:issue_id>/unschedule", methods=["POST"])
@editor_only
def unschedule(issue_id: int) -> Response | tuple[str, int]:
    """Take the scheduled campaign back to draft, so it can be changed and scheduled again."""
    issue = get_issue(issue_id)
    form = UnscheduleForm()
    if not form.validate_on_submit() or not (form.campaign_id.data or "").isdigit():
        return render_issue_page(issue), 422
    try:
        unschedule_for_editor(
            db.session, issue, int(form.campaign_id.data or 0), actor=audit.current_actor()
        )
    except TransitionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The campaign is a draft again; nothing will be sent."), "success")
    return redirect(url_for("editor.issue_page", issue_id=issue_id))
