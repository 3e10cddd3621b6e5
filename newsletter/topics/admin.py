"""Settings -> Topics (admins): names, order, keyword rules, adding and disabling topics.

The keyword editor can check its rules before saving: "Check" (and, with scripts, every
pause in typing) shows which items of the latest issue the rules in the box would suggest
the topic for, and why, without saving.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.roles import roles_required
from newsletter.extensions import db
from newsletter.models import Role, Topic
from newsletter.topics.editing import (
    ItemMatch,
    TopicChange,
    TopicError,
    add_topic,
    latest_issue,
    matches_in_issue,
    parse_keywords,
    update_topic,
)
from newsletter.topics.forms import NewTopicForm, TopicForm

bp = Blueprint("topics_admin", __name__, url_prefix="/admin/settings/topics")
admin_only = roles_required(Role.ADMIN)


def init_app(app: Flask) -> None:
    """Register the topic settings pages."""
    app.register_blueprint(bp)


def _all_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.slug)))


@bp.route("/", methods=["GET", "POST"])
@admin_only
def index() -> str | Response | tuple[str, int]:
    """Every topic, enabled or not, and the form that adds one."""
    form = NewTopicForm()
    if form.validate_on_submit():
        try:
            topic = add_topic(
                db.session,
                (form.slug.data or "").strip(),
                (form.name_zh.data or "").strip(),
                (form.name_en.data or "").strip(),
                actor=audit.current_actor(),
            )
        except TopicError as exc:
            db.session.rollback()
            form.slug.errors = [*form.slug.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Topic %(slug)s added. Give it keywords.", slug=topic.slug), "success")
            return redirect(url_for("topics_admin.edit", topic_slug=topic.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("topics/admin_list.html", topics=_all_topics(), form=form), status


@bp.route("/<topic_slug>", methods=["GET", "POST"])
@admin_only
def edit(topic_slug: str) -> str | Response | tuple[str, int]:
    """Edit one topic; the "check" button tries the keywords on the latest issue unsaved."""
    topic = db.session.scalar(select(Topic).where(Topic.slug == topic_slug)) or abort(404)
    form = TopicForm(obj=None if request.method == "POST" else topic)
    if request.method == "GET":
        form.keywords.data = "\n".join(topic.keywords or [])
    matches: list[ItemMatch] | None = None
    if form.validate_on_submit():
        try:
            keywords = parse_keywords(form.keywords.data or "")
        except TopicError as exc:
            form.keywords.errors = [*form.keywords.errors, str(exc)]
        else:
            if request.form.get("action") == "check":
                matches = _check(topic.slug, keywords)
            else:
                return _save(topic, form, keywords)
    status = 422 if form.errors else 200
    issue = latest_issue(db.session)
    return render_template(
        "topics/admin_edit.html", topic=topic, form=form, matches=matches, issue=issue
    ), status


@bp.route("/<topic_slug>/check", methods=["POST"])
@admin_only
def check(topic_slug: str) -> tuple[Response, int]:
    """The keyword check as JSON, for the page's live update while the admin types."""
    topic = db.session.scalar(select(Topic).where(Topic.slug == topic_slug)) or abort(404)
    try:
        keywords = parse_keywords(request.form.get("keywords", ""))
    except TopicError as exc:
        return jsonify(error=str(exc)), 422
    issue = latest_issue(db.session)
    matches = _check(topic.slug, keywords)
    return jsonify(
        issue=issue.slug if issue is not None else None,
        matches=[{"section": m.section, "title": m.title, "matched": m.matched} for m in matches],
    ), 200


def _check(slug: str, keywords: list[str]) -> list[ItemMatch]:
    issue = latest_issue(db.session)
    return [] if issue is None else matches_in_issue(issue, slug, keywords)


def _save(topic: Topic, form: TopicForm, keywords: list[str]) -> Response:
    change = TopicChange(
        name_zh=(form.name_zh.data or "").strip(),
        name_en=(form.name_en.data or "").strip(),
        position=form.position.data or 0,
        keywords=keywords,
        active=bool(form.active.data),
    )
    changed = update_topic(db.session, topic, change, actor=audit.current_actor())
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("topics_admin.edit", topic_slug=topic.slug))
