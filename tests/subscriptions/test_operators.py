"""The operators' reader pages: find readers, keep the suppression list, import and export."""

from __future__ import annotations

import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry, ImportJob, Subscriber, SubscriberStatus
from newsletter.subscriptions.leaving import unsubscribe
from newsletter.subscriptions.suppression import active_suppression, is_suppressed
from tests.conftest import StaffClient, csrf_token
from tests.factories import make_campaign, make_delivery, make_subscriber

SAMPLES = Path(__file__).resolve().parents[2] / "subscribers" / "samples"


@pytest.fixture
def operator(staff: StaffClient, operator_user: Any) -> FlaskClient:
    staff.login(operator_user.email)
    return staff.client


def actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_only_operators_and_admins_see_the_pages(
    staff: StaffClient, editor_user: Any, client: FlaskClient
) -> None:
    assert client.get("/admin/subscribers/").status_code == 302  # to the login page
    staff.login(editor_user.email)
    for path in ("/", "/suppressions", "/import", "/export", "/export.csv"):
        assert client.get(f"/admin/subscribers{path}").status_code == 403


def test_the_menu_shows_subscribers_to_operators(operator: FlaskClient) -> None:
    assert 'href="/admin/subscribers/"' in operator.get("/admin/").get_data(as_text=True)


def test_readers_are_found_by_address_name_status_and_topic(
    operator: FlaskClient, session: Session
) -> None:
    make_subscriber(session, "li.wei@example.org", ["capital"], name="李伟")
    make_subscriber(session, "anna@example.org", ["research"], name="Anna")
    make_subscriber(session, "pending@example.org", status=SubscriberStatus.PENDING)
    session.commit()

    def found(query: str) -> list[str]:
        html = operator.get(f"/admin/subscribers/?{query}").get_data(as_text=True)
        return sorted(e for e in ("li.wei@", "anna@", "pending@") if f">{e}example.org</a>" in html)

    assert found("q=LI.WEI") == ["li.wei@"]
    assert found("q=李") == ["li.wei@"]
    assert found("status=pending") == ["pending@"]
    assert found("topic=research") == ["anna@"]
    assert found("q=%25") == []  # a literal percent sign, not a wildcard


def test_a_readers_page_shows_consent_events_and_deliveries(
    operator: FlaskClient, session: Session
) -> None:
    reader = make_subscriber(session, "li@example.org", ["capital"])
    make_delivery(session, make_campaign(session, name="Daily 2026-03-02"), reader)
    unsubscribe(session, reader, source="one-click")
    session.commit()
    html = operator.get(f"/admin/subscribers/{reader.id}").get_data(as_text=True)
    for expected in ("li@example.org", "signup_form", "Daily 2026-03-02", "unsubscribe"):
        assert expected in html
    assert operator.get("/admin/subscribers/999999").status_code == 404


def test_suppressing_and_lifting_need_reasons_and_are_audited(
    operator: FlaskClient, session: Session
) -> None:
    page = operator.get("/admin/subscribers/suppressions").get_data(as_text=True)
    token = csrf_token(page)
    refused = operator.post(
        "/admin/subscribers/suppressions", data={"email": "X@Example.org", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert not is_suppressed(session, "x@example.org")
    operator.post(
        "/admin/subscribers/suppressions",
        data={"email": "X@Example.org", "note": "asked by phone", "csrf_token": token},
    )
    entry = active_suppression(session, "x@example.org")
    assert entry is not None
    assert entry.note == "asked by phone"
    listing = operator.get("/admin/subscribers/suppressions?q=x@exa").get_data(as_text=True)
    assert "x@example.org" in listing
    lift_url = f"/admin/subscribers/suppressions/{entry.id}/lift"
    assert operator.post(lift_url, data={"reason": "", "csrf_token": token}).status_code == 422
    operator.post(lift_url, data={"reason": "typo in the address", "csrf_token": token})
    session.expire_all()
    assert not is_suppressed(session, "x@example.org")
    assert actions(session)[-2:] == ["suppression.add", "suppression.lift"]


def test_an_operator_erases_a_reader_on_request(operator: FlaskClient, session: Session) -> None:
    reader = make_subscriber(session, "li@example.org")
    session.commit()
    page = operator.get(f"/admin/subscribers/{reader.id}").get_data(as_text=True)
    operator.post(f"/admin/subscribers/{reader.id}/erase", data={"csrf_token": csrf_token(page)})
    session.expunge_all()  # the reader was deleted by another session
    assert session.get(Subscriber, reader.id) is None
    assert "subscriber.erase" in actions(session)


def wait_for(session: Session, job_id: int, seconds: float = 30) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.get(ImportJob, job_id)
        assert job is not None
        if job.status in {"done", "failed"}:
            return job
        time.sleep(0.05)
    pytest.fail(f"import job {job_id} did not finish within {seconds} s")


def upload(operator: FlaskClient, data: bytes, name: str, *, dry_run: bool) -> int:
    token = csrf_token(operator.get("/admin/subscribers/import").get_data(as_text=True))
    form: dict[str, Any] = {"file": (BytesIO(data), name), "csrf_token": token}
    if dry_run:
        form["dry_run"] = "y"
    response = operator.post(
        "/admin/subscribers/import", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_a_web_import_shows_progress_then_the_line_by_line_report(
    operator: FlaskClient, session: Session
) -> None:
    data = (SAMPLES / "readers-with-problems.csv").read_bytes()
    job_id = upload(operator, data, "problems.csv", dry_run=False)
    job = wait_for(session, job_id)
    assert (job.status, job.created_rows, job.rejected_rows) == ("done", 1, 6)
    state = operator.get(f"/admin/subscribers/import/{job_id}/status").get_json()
    assert state["finished"] is True
    assert state["percent"] == 100
    html = operator.get(f"/admin/subscribers/import/{job_id}").get_data(as_text=True)
    assert "import-progress.js" in html
    assert "duplicate of line 2" in html
    report = operator.get(f"/admin/subscribers/import/{job_id}/report.csv")
    assert report.get_data(as_text=True).count("\r\n") == 7  # header and six lines
    assert list(Path(operator.application.instance_path, "imports").glob("*")) == []
    assert "subscribers.import" in actions(session)


def test_a_web_dry_run_writes_nothing(operator: FlaskClient, session: Session) -> None:
    job_id = upload(operator, (SAMPLES / "readers.csv").read_bytes(), "r.csv", dry_run=True)
    job = wait_for(session, job_id)
    assert (job.status, job.created_rows) == ("done", 8)
    assert session.scalars(select(Subscriber)).all() == []


def test_an_unreadable_upload_fails_with_its_reason(
    operator: FlaskClient, session: Session
) -> None:
    job_id = upload(operator, b"name\nLi\n", "no-email.csv", dry_run=False)
    job = wait_for(session, job_id)
    assert job.status == "failed"
    assert "no 'email' column" in job.error
    html = operator.get(f"/admin/subscribers/import/{job_id}").get_data(as_text=True)
    assert "no &#39;email&#39; column" in html


def test_the_export_downloads_as_csv_with_a_bom_and_is_audited(
    operator: FlaskClient, session: Session
) -> None:
    make_subscriber(session, "li@example.org", ["capital", "research"], name="李伟")
    make_subscriber(session, "gone@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    session.commit()
    response = operator.get("/admin/subscribers/export.csv?status=confirmed")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=readers-")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("email,name,topics,locale")
    assert "li@example.org,李伟,capital;research" in text
    assert "gone@example.org" not in text
    assert "subscribers.export" in actions(session)
