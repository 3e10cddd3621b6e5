"""One issue: its sections and items with their topics (and why), details, the whole
content as Markdown, download."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.extensions import db
from newsletter.issues.editing import (
    IssueDetails,
    IssueLocked,
    replace_from_markdown,
    set_item_topics,
    update_details,
)
from newsletter.issues.editor import bp
from newsletter.issues.editor.forms import (
    ContentForm,
    DetailsForm,
    ScheduleForm,
    TopicsForm,
    UnscheduleForm,
)
from newsletter.issues.editor.list_views import editor_only
from newsletter.issues.editor.topic_choices import active_topics, topic_choices
from newsletter.issues.markdown_format import export_markdown
from newsletter.issues.problems import Problem, ReportError
from newsletter.issues.status import issue_status
from newsletter.issues.storage import load_document
from newsletter.models import Issue


def get_issue(issue_id: int) -> Issue:
    """The issue or a 404."""
    return db.session.get(Issue, issue_id) or abort(404)


@bp.route("/<int:issue_id>")
@editor_only
def issue_page(issue_id: int) -> str:
    """The issue as imported: sections, items, each item's topics with the matched words."""
    issue = get_issue(issue_id)
    return render_issue_page(issue)


def render_issue_page(
    issue: Issue,
    *,
    details_form: DetailsForm | None = None,
    schedule_form: ScheduleForm | None = None,
) -> str:
    """The issue page, with forms that failed validation kept as the editor filled them."""
    if details_form is None:
        details_form = DetailsForm(obj=issue, date=issue.issue_date)
    if schedule_form is None:
        schedule_form = ScheduleForm(timezone=issue.timezone or "Asia/Shanghai")
    schedule_form.audience_topics.choices = dict(topic_choices())
    return render_template(
        "editor/issue.html",
        issue=issue,
        status=issue_status(db.session, issue),
        topics=active_topics(),
        details_form=details_form,
        topics_form=TopicsForm(revision=issue.revision),
        schedule_form=schedule_form,
        unschedule_form=UnscheduleForm(),
    )


@bp.route("/<int:issue_id>/details", methods=["POST"])
@editor_only
def save_details(issue_id: int) -> Response | tuple[str, int]:
    """Save title, date, subject and preview text."""
    issue = get_issue(issue_id)
    form = DetailsForm()
    if not form.validate_on_submit():
        return render_issue_page(issue, details_form=form), 422
    details = IssueDetails(
        title=(form.title.data or "").strip(),
        date=form.date.data,
        subject=(form.subject.data or "").strip(),
        preheader=(form.preheader.data or "").strip(),
    )
    try:
        changed = update_details(db.session, issue, details, actor=audit.current_actor())
    except IssueLocked as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("editor.issue_page", issue_id=issue_id))
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("editor.issue_page", issue_id=issue_id))


@bp.route("/<int:issue_id>/topics", methods=["POST"])
@editor_only
def save_topics(issue_id: int) -> Response | tuple[str, int]:
    """Give every item the topics ticked for it; refused if the issue changed meanwhile."""
    issue = get_issue(issue_id)
    form = TopicsForm()
    if not form.validate_on_submit():
        return render_issue_page(issue), 422
    if form.revision.data != issue.revision:
        flash(_("The issue changed since you opened it. Check the topics again."), "error")
        return redirect(url_for("editor.issue_page", issue_id=issue_id))
    chosen = {
        item.id: set(request.form.getlist(f"item-{item.id}"))
        for section in issue.sections
        for item in section.items
    }
    try:
        changes = set_item_topics(db.session, issue, chosen, actor=audit.current_actor())
    except (IssueLocked, ValueError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("editor.issue_page", issue_id=issue_id))
    db.session.commit()
    flash(_("Topics of %(n)s items changed.", n=len(changes)), "success")
    return redirect(url_for("editor.issue_page", issue_id=issue_id))


@bp.route("/<int:issue_id>/export.md")
@editor_only
def download_markdown(issue_id: int) -> Response:
    """The issue in the Markdown authoring format; importing it gives the same issue."""
    issue = get_issue(issue_id)
    text = export_markdown(load_document(issue))
    response = Response(text, mimetype="text/markdown")
    response.headers["Content-Disposition"] = f'attachment; filename="{issue.slug}.md"'
    return response


@bp.route("/<int:issue_id>/content", methods=["GET", "POST"])
@editor_only
def edit_content(issue_id: int) -> str | Response | tuple[str, int]:
    """Every part of the issue (sections, items, fields, sources, topics) as Markdown."""
    issue = get_issue(issue_id)
    form = ContentForm()
    problems: list[Problem] = []
    if request.method == "GET":
        form.text.data = export_markdown(load_document(issue))
    elif form.validate_on_submit():
        try:
            warnings = replace_from_markdown(
                db.session, issue, form.text.data or "", actor=audit.current_actor()
            )
        except ReportError as exc:
            db.session.rollback()
            problems = exc.problems
        except IssueLocked as exc:
            db.session.rollback()
            problems = [Problem(str(exc))]
        else:
            db.session.commit()
            for warning in warnings:
                flash(_("Warning: %(problem)s", problem=str(warning)), "warning")
            flash(_("Saved."), "success")
            return redirect(url_for("editor.issue_page", issue_id=issue_id))
    status = 422 if request.method == "POST" else 200
    return render_template("editor/content.html", issue=issue, form=form, problems=problems), status
