"""Import (upload, dry run, progress, line-by-line report) and export (download)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterable
from pathlib import Path

from flask import (
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.auth.roles import roles_required
from newsletter.extensions import db
from newsletter.models import ImportJob, Role, SubscriberStatus
from newsletter.subscriptions.admin import bp
from newsletter.subscriptions.admin.forms import ImportForm
from newsletter.subscriptions.transfer.exporter import csv_chunks
from newsletter.subscriptions.transfer.jobs import create_job, job_state, start_in_background

operator_only = roles_required(Role.OPERATOR)
REPORT_SHOWN = 500
RECENT_JOBS = 20


@bp.route("/import", methods=["GET", "POST"])
@operator_only
def import_page() -> str | Response | tuple[str, int]:
    """Upload a file; the import runs in the background and its page shows progress."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        path = _upload_folder(current_app) / f"upload-{uuid.uuid4().hex}.csv"
        upload.save(path)
        actor = audit.current_actor()
        job = create_job(
            db.session,
            upload.filename or "upload.csv",
            dry_run=bool(form.dry_run.data),
            actor=actor,
        )
        db.session.commit()
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        start_in_background(app, job.id, path, actor)
        return redirect(url_for("operators.import_job", job_id=job.id))
    jobs = db.session.scalars(
        select(ImportJob)
        .where(ImportJob.kind == "import")
        .order_by(ImportJob.id.desc())
        .limit(RECENT_JOBS)
    )
    status = 422 if form.is_submitted() else 200
    return render_template("operators/import.html", form=form, jobs=list(jobs)), status


@bp.route("/import/<int:job_id>")
@operator_only
def import_job(job_id: int) -> str:
    """A job's progress (polled by import-progress.js) and, once done, its report."""
    job = db.session.get(ImportJob, job_id) or abort(404)
    return render_template(
        "operators/import_job.html",
        job=job,
        state=job_state(job),
        report=(job.report or [])[:REPORT_SHOWN],
        report_total=len(job.report or []),
    )


@bp.route("/import/<int:job_id>/status")
@operator_only
def import_job_status(job_id: int) -> Response:
    """The job's progress as JSON."""
    job = db.session.get(ImportJob, job_id) or abort(404)
    response = jsonify(job_state(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/import/<int:job_id>/report.csv")
@operator_only
def import_report(job_id: int) -> Response:
    """The whole line-by-line report as CSV."""
    job = db.session.get(ImportJob, job_id) or abort(404)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["line", "email", "outcome", "reason"])
    for entry in job.report or []:
        writer.writerow([entry["line"], entry["email"], entry["outcome"], entry["reason"]])
    return _download(out.getvalue(), f"import-{job.id}-report.csv")


@bp.route("/export")
@operator_only
def export_page() -> str:
    """Choose which readers to export."""
    return render_template(
        "operators/export.html", statuses=[status.value for status in SubscriberStatus]
    )


@bp.route("/export.csv")
@operator_only
def export_download() -> Response:
    """Stream the export as it is read; the download is audit-logged."""
    asked = request.args.get("status", "")
    wanted = SubscriberStatus(asked) if asked in {s.value for s in SubscriberStatus} else None
    audit.record(
        db.session, "subscribers.export", detail={"status": wanted.value if wanted else "all"}
    )
    db.session.commit()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    chunks = stream_with_context(csv_chunks(db.session, wanted))
    return _download(chunks, f"readers-{stamp}.csv")


def _download(body: str | Iterable[str], filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _upload_folder(app: Flask) -> Path:
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
