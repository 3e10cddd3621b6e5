"""The list of issues and the import form."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.roles import roles_required
from newsletter.extensions import db
from newsletter.issues.editor import bp
from newsletter.issues.editor.forms import ImportForm
from newsletter.issues.formats import IssueFormat
from newsletter.issues.importing import import_issue
from newsletter.issues.problems import Problem, ReportError
from newsletter.issues.status import list_issues
from newsletter.models import Role
from newsletter.topics.rules import keyword_rules

editor_only = roles_required(Role.EDITOR)


@bp.route("/")
@editor_only
def issue_list() -> str:
    """Every issue, newest first, with the state of its newest campaign."""
    return render_template("editor/list.html", rows=list_issues(db.session))


@bp.route("/new", methods=["GET", "POST"])
@editor_only
def import_page() -> str | Response | tuple[str, int]:
    """Upload or paste a report; all of it is stored, or nothing and every problem is shown."""
    form = ImportForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        upload = form.file.data
        data: str | bytes = upload.read() if upload and upload.filename else form.text.data or ""
        filename = upload.filename if upload and upload.filename else None
        try:
            result = import_issue(
                db.session,
                data,
                rules=keyword_rules(db.session),
                actor=audit.current_actor(),
                filename=filename,
                fmt=IssueFormat(form.format.data) if form.format.data else None,
                created_by_id=current_user.id,
            )
        except ReportError as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            db.session.commit()
            for warning in result.warnings:
                flash(_("Warning: %(problem)s", problem=str(warning)), "warning")
            flash(
                _("Issue %(slug)s imported. Check its topics.", slug=result.issue.slug), "success"
            )
            return redirect(url_for("editor.issue_page", issue_id=result.issue.id))
    status = 422 if request.method == "POST" else 200
    return render_template("editor/import.html", form=form, problems=problems), status
