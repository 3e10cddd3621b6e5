"""The readers list and a reader's page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.roles import roles_required
from newsletter.extensions import db
from newsletter.models import Role, Subscriber, SubscriberStatus
from newsletter.subscriptions.admin import bp
from newsletter.subscriptions.admin.forms import EraseForm, SuppressForm
from newsletter.subscriptions.admin.queries import (
    ReaderFilter,
    find_readers,
    reader_deliveries,
    reader_events,
    status_counts,
    suppression_history,
)
from newsletter.subscriptions.preferences import is_paused
from newsletter.subscriptions.privacy import erase_reader
from newsletter.subscriptions.topic_choices import offered_topics

operator_only = roles_required(Role.OPERATOR)


@bp.route("/")
@operator_only
def subscribers() -> str:
    """Readers with search and filters, newest first."""
    wanted = ReaderFilter.from_args(request.args)
    page = find_readers(db.session, wanted, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "operators/readers.html",
        page=page,
        wanted=wanted,
        counts=status_counts(db.session),
        statuses=[status.value for status in SubscriberStatus],
        topics=offered_topics(db.session),
    )


@bp.route("/<int:subscriber_id>")
@operator_only
def reader(subscriber_id: int) -> str:
    """One reader: choices, consent, suppression history, events and deliveries."""
    subscriber = db.session.get(Subscriber, subscriber_id) or abort(404)
    history = suppression_history(db.session, subscriber.email)
    return render_template(
        "operators/reader.html",
        reader=subscriber,
        paused=is_paused(subscriber),
        active_suppression=next((e for e in history if e.lifted_at is None), None),
        suppressions=history,
        events=reader_events(db.session, subscriber.id),
        deliveries=reader_deliveries(db.session, subscriber.id),
        suppress_form=SuppressForm(email=subscriber.email),
        erase_form=EraseForm(),
    )


@bp.route("/<int:subscriber_id>/erase", methods=["POST"])
@operator_only
def erase(subscriber_id: int) -> Response:
    """Erase a reader's data when they ask by other means than their own link."""
    subscriber = db.session.get(Subscriber, subscriber_id) or abort(404)
    if not EraseForm().validate_on_submit():
        abort(400)
    kept = erase_reader(db.session, subscriber, actor=audit.current_actor())
    db.session.commit()
    note = _(" The address stays on the suppression list.") if kept else ""
    flash(_("Reader #%(id)d erased.", id=subscriber_id) + note, "success")
    return redirect(url_for("operators.subscribers"))
