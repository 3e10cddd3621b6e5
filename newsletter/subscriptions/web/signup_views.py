"""The signup page, its embeddable copy, and the confirmation page of double opt-in."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from newsletter.extensions import db, limiter
from newsletter.models import ConsentMethod
from newsletter.subscriptions import mailer
from newsletter.subscriptions.addresses import InvalidAddress, normalise_email
from newsletter.subscriptions.forms import ButtonForm, SignupForm, topic_choices
from newsletter.subscriptions.signup import (
    ConfirmationRefused,
    ConfirmOutcome,
    SignupRequest,
    confirm_subscription,
    request_subscription,
)
from newsletter.subscriptions.tokens import CONFIRMATION_DAYS, reader_token, resolve_confirm_link
from newsletter.subscriptions.topic_choices import offered_topics
from newsletter.subscriptions.web import bp
from newsletter.subscriptions.web.links import client_ip_for_storage, render_for_reader

SIGNUP_PAGE_FORM = "signup page"
EMBED_SOURCE = "embed"


def _ip_limit() -> str:
    return str(current_app.config["NEWSLETTER"].signup_limit_per_ip)


def _address_limit() -> str:
    return str(current_app.config["NEWSLETTER"].signup_limit_per_address)


def _posted_address() -> str:
    """The address a signup is for, as stored, so every spelling shares one counter."""
    raw = request.form.get("email", "")
    try:
        return "address:" + normalise_email(raw)
    except InvalidAddress:
        return "address:" + raw.strip().lower()[:320]


def _limit_message() -> str:
    return str(_("Too many signup attempts from here or for this address. Please try later."))


@bp.route("/subscribe", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"], error_message=_limit_message)
@limiter.limit(
    _address_limit, key_func=_posted_address, methods=["POST"], error_message=_limit_message
)
def signup() -> str | tuple[str, int]:
    """Show the signup form; on a good POST, record the request and send the right email."""
    locale = str(get_locale())
    form = SignupForm(locale=locale)
    form.topics.choices = topic_choices(offered_topics(db.session), locale)
    if request.method != "POST":
        form.topics.data = list(form.topics.choices or {})
        return render_template("subscriptions/signup.html", form=form)
    if not form.validate():
        return render_template("subscriptions/signup.html", form=form), 422
    if form.website.data:
        # A bot filled in the hidden field: answer exactly as for a person, store nothing.
        return _check_your_inbox()
    result = request_subscription(
        db.session,
        _signup_request(form, locale),
        resend_after=dt.timedelta(
            minutes=current_app.config["NEWSLETTER"].confirmation_resend_minutes
        ),
    )
    db.session.commit()
    if not mailer.send_after_signup(db.session, result):
        return render_template("subscriptions/not_sent.html"), 503
    return _check_your_inbox()


def _signup_request(form: SignupForm, locale: str) -> SignupRequest:
    embedded = form.source.data == EMBED_SOURCE
    return SignupRequest(
        email=form.normalised_email(),
        name=form.name.data or "",
        topics=frozenset(form.topics.data or ()),
        locale=form.chosen_locale(locale),
        form=_embedding_site() if embedded else SIGNUP_PAGE_FORM,
        method=ConsentMethod.EMBEDDED_FORM if embedded else ConsentMethod.SIGNUP_FORM,
        ip=client_ip_for_storage(),
    )


def _embedding_site() -> str:
    """Which site the embedded form was on, as far as the browser tells."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    try:
        host = urlsplit(origin).hostname or "an unknown site"
    except ValueError:  # "http://[": the header is the sender's to write
        host = "an unknown site"
    # NUL cannot be stored by PostgreSQL; the header is the sender's to write.
    return f"embedded form on {host}".replace("\x00", "\ufffd")[:200]


def _check_your_inbox() -> str:
    minutes = current_app.config["NEWSLETTER"].confirmation_resend_minutes
    return render_template(
        "subscriptions/check_inbox.html", days=CONFIRMATION_DAYS, minutes=minutes
    )


@bp.route("/subscribe/embed")
def embed() -> str:
    """The HTML snippet other sites paste to show the signup form, with a live preview."""
    locale = str(get_locale())
    base = current_app.config["NEWSLETTER"].base_url.rstrip("/")
    snippet = render_template(
        "subscriptions/embed_snippet.html",
        base=base,
        locale=locale,
        topics=topic_choices(offered_topics(db.session), locale).items(),
    ).strip()
    return render_template("subscriptions/embed.html", snippet=snippet)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | tuple[str, int] | Response:
    """GET shows a button (link scanners only GET); the POST confirms the subscription."""
    subscriber = resolve_confirm_link(db.session, token)
    form = ButtonForm()
    if request.method != "POST" or not form.validate_on_submit():
        status = 200 if request.method != "POST" else 400
        page = render_for_reader("subscriptions/confirm.html", subscriber, form=form)
        return page, status
    try:
        outcome = confirm_subscription(db.session, subscriber, ip=client_ip_for_storage())
    except ConfirmationRefused as refused:
        db.session.rollback()
        page = render_for_reader("subscriptions/refused.html", subscriber, message=refused.message)
        return page, 409
    db.session.commit()
    return render_for_reader(
        "subscriptions/confirmed.html",
        subscriber,
        already=outcome is ConfirmOutcome.ALREADY_CONFIRMED,
        preferences_token=reader_token(subscriber),
    )
