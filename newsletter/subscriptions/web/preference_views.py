"""The preference centre: one page per reader, opened by the signed link in every email."""

from __future__ import annotations

import datetime as dt
import json

from flask import current_app, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from newsletter.extensions import db
from newsletter.models import ConsentMethod
from newsletter.subscriptions import leaving, mailer
from newsletter.subscriptions.forms import (
    ButtonForm,
    PauseForm,
    PreferencesForm,
    topic_choices,
)
from newsletter.subscriptions.preferences import (
    PreferenceChange,
    is_paused,
    pause,
    resume,
    update_preferences,
)
from newsletter.subscriptions.privacy import erase_reader, reader_data
from newsletter.subscriptions.signup import (
    LEFT_STATUSES,
    SignupRequest,
    reader_actor,
    request_subscription,
)
from newsletter.subscriptions.suppression import active_suppression
from newsletter.subscriptions.tokens import ReaderLink
from newsletter.subscriptions.topic_choices import offered_topics
from newsletter.subscriptions.web import bp
from newsletter.subscriptions.web.links import (
    flash_for_reader,
    open_link,
    reader_locale,
    render_for_reader,
)

PREFERENCE_CENTRE_FORM = "preference centre"


@bp.route("/p/<token>", methods=["GET", "POST"])
def preferences(token: str) -> str | Response | tuple[str, int]:
    """Show the reader's choices; a valid POST saves topics, language and empty issues."""
    link = open_link(token)
    reader = link.subscriber
    form = PreferencesForm(obj=None if request.method == "POST" else reader)
    locale = reader_locale(reader) or str(get_locale())
    form.topics.choices = topic_choices(offered_topics(db.session), locale)
    if request.method != "POST":
        form.topics.data = sorted(reader.topic_slugs())
    elif form.validate_on_submit():
        change = PreferenceChange(
            topics=frozenset(form.topics.data or ()),
            locale=str(form.locale.data),
            receive_empty_issues=bool(form.receive_empty_issues.data),
        )
        changed = update_preferences(db.session, reader, change, delivery=link.delivery)
        db.session.commit()
        new_locale = reader.locale if "locale" in changed else None
        if new_locale:
            # The pages follow the new language too (i18n remembers it in the language cookie).
            g.chosen_language = new_locale
        message = _l("Your choices are saved.") if changed else _l("Nothing changed.")
        flash_for_reader(reader, message, "success", new_locale)
        return _back(token)
    page = _page(link, form)
    return (page, 422) if request.method == "POST" else page


def _page(link: ReaderLink, form: PreferencesForm) -> str:
    reader = link.subscriber
    return render_for_reader(
        "subscriptions/preferences.html",
        reader,
        token=link.token,
        form=form,
        pause_form=PauseForm(),
        button=ButtonForm(),
        paused=is_paused(reader),
        left=reader.status in LEFT_STATUSES,
        suppression=active_suppression(db.session, reader.email),
    )


@bp.route("/p/<token>/pause", methods=["POST"])
def pause_issues(token: str) -> Response | tuple[str, int]:
    """Hold issues for the chosen number of weeks."""
    link = open_link(token)
    form = PauseForm()
    if not form.validate_on_submit():
        flash_for_reader(link.subscriber, _l("Choose how many weeks to pause."), "error")
        return _back(token)
    until = pause(db.session, link.subscriber, int(form.weeks.data), delivery=link.delivery)
    db.session.commit()
    flash_for_reader(
        link.subscriber,
        _l("Paused. Issues start again on %(day)s.", day=until.date().isoformat()),
        "success",
    )
    return _back(token)


@bp.route("/p/<token>/resume", methods=["POST"])
def resume_issues(token: str) -> Response:
    """End a pause now."""
    link = open_link(token)
    if ButtonForm().validate_on_submit() and resume(
        db.session, link.subscriber, delivery=link.delivery
    ):
        db.session.commit()
        flash_for_reader(link.subscriber, _l("Welcome back: issues resume now."), "success")
    return _back(token)


@bp.route("/p/<token>/unsubscribe", methods=["POST"])
def unsubscribe_everything(token: str) -> Response:
    """Leave the list from the preference centre (the one-click page is ``/u/<token>``)."""
    link = open_link(token)
    if ButtonForm().validate_on_submit():
        leaving.unsubscribe(
            db.session,
            link.subscriber,
            source="preference centre",
            delivery=link.delivery,
            actor=reader_actor(link.subscriber),
        )
        db.session.commit()
        flash_for_reader(
            link.subscriber, _l("You are unsubscribed and will receive no more issues."), "success"
        )
    return _back(token)


@bp.route("/p/<token>/resubscribe", methods=["POST"])
def resubscribe(token: str) -> Response | tuple[str, int]:
    """Ask to come back: sends a fresh confirmation email, as the signup page does."""
    link = open_link(token)
    reader = link.subscriber
    if not ButtonForm().validate_on_submit():
        return _back(token)
    ask = SignupRequest(
        email=reader.email,
        name=reader.name,
        topics=reader.topic_slugs(),
        locale=reader.locale,
        form=PREFERENCE_CENTRE_FORM,
        method=reader.consent_method or ConsentMethod.SIGNUP_FORM,
    )
    minutes = current_app.config["NEWSLETTER"].confirmation_resend_minutes
    result = request_subscription(db.session, ask, resend_after=dt.timedelta(minutes=minutes))
    db.session.commit()
    if not mailer.send_after_signup(db.session, result):
        flash_for_reader(reader, _l("We could not send the email. Please try later."), "error")
        return _back(token)
    flash_for_reader(
        reader, _l("We sent a confirmation link to your address. Follow it to come back."), "info"
    )
    return _back(token)


@bp.route("/p/<token>/data", methods=["POST"])
def download_data(token: str) -> Response:
    """Everything held about the reader, as a JSON file."""
    link = open_link(token)
    if not ButtonForm().validate_on_submit():
        return _back(token)
    body = json.dumps(reader_data(db.session, link.subscriber), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=my-newsletter-data.json"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/p/<token>/erase", methods=["GET", "POST"])
def erase(token: str) -> str | Response:
    """GET asks to confirm; the POST deletes the reader's data for good."""
    link = open_link(token)
    reader = link.subscriber
    form = ButtonForm()
    if request.method != "POST" or not form.validate_on_submit():
        return render_for_reader("subscriptions/erase.html", reader, token=token, form=form)
    kept = erase_reader(db.session, reader, actor=reader_actor(reader))
    db.session.commit()
    # The deleted reader still tells which language to answer in; the page shows nothing else.
    return render_for_reader("subscriptions/erased.html", reader, kept_suppression=kept)


def _back(token: str) -> Response:
    return redirect(url_for("subscriptions.preferences", token=token))
