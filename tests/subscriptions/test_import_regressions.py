"""Regressions found by fuzzing the subscriber importer: each file crashed the import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import ImportJob, Subscriber
from newsletter.subscriptions.transfer.importer import ImportFileError, ImportSummary, import_file
from newsletter.subscriptions.transfer.jobs import create_job, import_options, run_job
from newsletter.subscriptions.transfer.plan import Outcome
from tests.conftest import StaffClient, csrf_token
from tests.subscriptions.helpers import snapshot
from tests.subscriptions.test_operators import wait_for


def run(app: Flask, session: Session, data: bytes) -> ImportSummary:
    options = import_options(app.config["NEWSLETTER"], dry_run=False)
    return import_file(session, io.BytesIO(data), options)


def rejections(summary: ImportSummary) -> dict[int, str]:
    return {r.line: r.reason for r in summary.report if r.outcome is Outcome.REJECTED}


def test_a_nul_in_a_name_rejects_its_line_and_the_rest_is_imported(
    app: Flask, session: Session
) -> None:
    # PostgreSQL cannot store NUL: the batch write failed half-way through the file.
    data = (
        b"email,name,consent_form\n"
        b"a@example.org,A\x00,\n"
        b"b@example.org,B,form\x01\n"
        b"c@example.org,C,\n"
    )
    summary = run(app, session, data)
    assert set(rejections(summary)) == {2, 3}
    assert "U+0000" in rejections(summary)[2]
    emails = set(session.scalars(select(Subscriber.email)))
    assert emails == {"c@example.org"}


def test_a_time_before_the_first_utc_moment_rejects_its_line(app: Flask, session: Session) -> None:
    data = b"email,consent_at\na@example.org,0001-01-01T00:30:00+01:00\nb@example.org,\n"
    summary = run(app, session, data)
    assert "out of range" in rejections(summary)[2]
    assert summary.counts[Outcome.CREATED] == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"email\rli@example.org\rwang@example.org\r", "bare carriage return"),
        (b'"' + b"e" * 200_000 + b'"\nli@example.org\n', "header line is not valid CSV"),
    ],
)
def test_unreadable_headers_refuse_the_file_by_line(
    app: Flask, session: Session, data: bytes, reason: str
) -> None:
    before = snapshot(session)
    with pytest.raises(ImportFileError, match=f"^line 1: .*{reason}"):
        run(app, session, data)
    assert snapshot(session) == before


def test_a_job_whose_report_quotes_a_nul_finishes_with_its_report(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    # PostgreSQL's JSONB cannot hold NUL: saving the report failed and the job stayed stuck.
    path = tmp_path / "readers.csv"
    path.write_bytes(b"email,name\nx\x00@example.org,A\nok@example.org,B\n")
    job = create_job(session, "readers.csv", dry_run=False, actor=audit.SYSTEM)
    session.commit()
    options = import_options(app.config["NEWSLETTER"], dry_run=False)
    run_job(session, job, path, options, actor=audit.SYSTEM)
    session.expire_all()
    assert job.status == "done"
    assert [entry["email"] for entry in job.report] == ["x\\x00@example.org"]


def test_an_uploaded_file_whose_name_holds_a_nul_becomes_a_job(
    session: Session, operator_user: Any, staff: StaffClient
) -> None:
    # Found by probing uploads: PostgreSQL refused the job's file name, and the page was a 500.
    staff.login(operator_user.email)
    token = csrf_token(staff.client.get("/admin/subscribers/import").get_data(as_text=True))
    response = staff.client.post(
        "/admin/subscribers/import",
        data={"csrf_token": token, "file": (io.BytesIO(b"email\nli@example.org\n"), "a\x00b.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job = wait_for(session, session.scalars(select(ImportJob.id)).one())
    assert (job.filename, job.status) == ("a\\x00b.csv", "done")
