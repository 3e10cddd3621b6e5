"""Import jobs: the row the operators' page polls, and running an import in the background.

The web upload is saved under the instance folder and imported by a thread of the web process
with its own session; the page polls the job's progress. The file holds readers' addresses, so
it is deleted as soon as the job ends. A job whose process died shows as interrupted after
:data:`STALE_AFTER`; running the same file again finishes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.extensions import db
from newsletter.models import ImportJob, utcnow
from newsletter.subscriptions.transfer.importer import (
    ImportFileError,
    ImportOptions,
    ImportSummary,
    import_file,
    record_import,
)
from newsletter.subscriptions.transfer.writer import NewReaderDefaults
from newsletter.tracking.privacy import stored_ip

log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
STALE_AFTER = dt.timedelta(minutes=30)
RUNNING = frozenset({"pending", "checking", "importing"})


def import_options(settings: Any, *, dry_run: bool) -> ImportOptions:
    """Import options from the app's settings (defaults for new readers, IP storage)."""
    mode, secret = settings.ip_storage, settings.secret_key
    return ImportOptions(
        defaults=NewReaderDefaults(settings.default_locale, settings.timezone),
        reduce_ip=lambda raw: stored_ip(raw, mode, secret),
        dry_run=dry_run,
    )


def create_job(session: Session, filename: str, *, dry_run: bool, actor: audit.Actor) -> ImportJob:
    """A pending import job; the caller commits."""
    job = ImportJob(
        kind="import",
        filename=storable(filename)[:300],  # the browser's name for the file, NUL included
        dry_run=dry_run,
        status="pending",
        report=[],
        created_by_id=actor.id if actor.type == "staff" else None,
    )
    session.add(job)
    session.flush()
    return job


def run_job(
    session: Session,
    job: ImportJob,
    path: Path,
    options: ImportOptions,
    *,
    actor: audit.Actor,
    progress: Any = None,
) -> ImportSummary | None:
    """Run ``job`` on the file at ``path`` and record how it ended; None when it failed."""
    job.status = "checking"
    session.commit()
    try:
        with path.open("rb") as stream:
            summary = import_file(session, stream, options, job=job, progress=progress)
    except ImportFileError as exc:
        session.rollback()
        _finish(session, job, "failed", error=str(exc))
        return None
    except Exception as exc:
        log.exception("import job %s failed", job.id)
        session.rollback()
        _finish(session, job, "failed", error=f"the import stopped unexpectedly: {exc}")
        raise
    job.report = report_entries(summary)
    record_import(session, summary, job.filename, actor)
    _finish(session, job, "done")
    return summary


def start_in_background(
    app: Flask, job_id: int, path: Path, actor: audit.Actor
) -> threading.Thread:
    """Run the job in a daemon thread of this process, with its own session."""
    thread = threading.Thread(
        target=_run_in_thread, args=(app, job_id, path, actor), name=f"import-{job_id}", daemon=True
    )
    thread.start()
    return thread


def _run_in_thread(app: Flask, job_id: int, path: Path, actor: audit.Actor) -> None:
    with app.app_context():
        session = db.new_session()
        try:
            job = session.get(ImportJob, job_id)
            if job is not None:
                options = import_options(app.config["NEWSLETTER"], dry_run=job.dry_run)
                run_job(session, job, path, options, actor=actor)
        except Exception:
            log.exception("import job %s crashed", job_id)
        finally:
            session.close()
            path.unlink(missing_ok=True)


def report_entries(summary: ImportSummary) -> list[dict[str, Any]]:
    """The job's JSON report: one entry per reported line."""
    return [
        {
            "line": r.line,
            "email": storable(r.email),
            "outcome": r.outcome.value,
            "reason": storable(r.reason),
        }
        for r in summary.report
    ]


def storable(text: str) -> str:
    """``text`` with control characters written as ``\\xNN``, as rejections quote values.

    A rejected line's address is kept as the file spelt it, and PostgreSQL's JSONB cannot
    hold NUL: saving the report failed after the import and left the job stuck.
    """
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def job_state(job: ImportJob, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the progress page shows, as JSON."""
    interrupted = job.status in RUNNING and (now or utcnow()) - job.created_at > STALE_AFTER
    total = job.total_rows or 0
    return {
        "id": job.id,
        "status": "interrupted" if interrupted else job.status,
        "finished": job.status not in RUNNING or interrupted,
        "dry_run": job.dry_run,
        "total": total,
        "processed": job.processed_rows,
        "percent": round(100 * job.processed_rows / total) if total else 0,
        "created": job.created_rows,
        "updated": job.updated_rows,
        "rejected": job.rejected_rows,
        "error": job.error,
    }


def _finish(session: Session, job: ImportJob, status: str, error: str = "") -> None:
    job.status = status
    job.error = error
    job.finished_at = utcnow()
    session.commit()
