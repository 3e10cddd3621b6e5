"""Form text holding NUL or another control character is refused with a 400 before any view,
in every blueprint.

Found by probing the forms on PostgreSQL, which cannot store NUL in text: the signup page
(public), staff accounts, suppressions and topics each answered 500.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import StaffUser, Subscriber, Suppression
from tests.conftest import StaffClient, csrf_token
from tests.issues.conftest import DEMO_REPORT

SIGNUP = {"email": "li@example.org", "topics": ["capital"], "consent": "y"}


@pytest.mark.parametrize("field", ["name", "email", "website", "locale"])
def test_a_signup_with_a_nul_is_refused_and_stores_nothing(
    client: FlaskClient, session: Session, field: str
) -> None:
    response = client.post("/subscribe?lang=en", data={**SIGNUP, field: "a\x00b"})
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_a_nul_in_the_query_string_is_refused(client: FlaskClient) -> None:
    assert client.get("/subscribe?lang=%00").status_code == 400


def test_staff_forms_with_a_nul_are_refused_and_change_nothing(
    staff: StaffClient, admin_user: Any, session: Session
) -> None:
    staff.login(admin_user.email)
    token = csrf_token(staff.client.get("/admin/").get_data(as_text=True))
    account = {"email": "n@example.org", "name": "a\x00", "password": "x" * 12, "editor": "y"}
    note = {"email": "z@example.org", "note": "a\x00", "reason": "manual"}
    assert (
        staff.client.post(
            "/admin/settings/staff/", data={"csrf_token": token, **account}
        ).status_code
        == 400
    )
    assert (
        staff.client.post(
            "/admin/subscribers/suppressions", data={"csrf_token": token, **note}
        ).status_code
        == 400
    )
    upload = {"csrf_token": token, "file": (io.BytesIO(b"email\n"), "a\x00.csv")}
    answer = staff.client.post(
        "/admin/subscribers/import", data=upload, content_type="multipart/form-data"
    )
    assert answer.status_code == 400
    assert session.scalar(select(func.count()).select_from(StaffUser)) == 1
    assert session.scalar(select(func.count()).select_from(Suppression)) == 0


def test_ordinary_text_passes(client: FlaskClient) -> None:
    assert client.post("/subscribe", data={**SIGNUP, "name": "李伟 \t"}).status_code != 400


@pytest.mark.parametrize("title", ["G\x06x", "a\x1bb", "a\x7f"])
def test_an_issue_title_with_a_control_character_is_refused_and_the_preview_still_works(
    staff: StaffClient, editor_user: Any, session: Session, title: str
) -> None:
    # Found by fuzzing the forms: MJML cannot parse C0 controls; preview and test send were 500s.
    staff.login(editor_user.email)
    token = csrf_token(staff.client.get("/admin/").get_data(as_text=True))
    demo = DEMO_REPORT.read_text(encoding="utf-8")
    created = staff.client.post("/admin/issues/new", data={"csrf_token": token, "text": demo})
    issue = created.headers["Location"].rstrip("/")
    details = {"csrf_token": token, "title": title, "subject": "s", "preheader": "p"}
    assert staff.client.post(f"{issue}/details", data=details).status_code == 400
    assert staff.client.get(f"{issue}/preview").status_code == 200
