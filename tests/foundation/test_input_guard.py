"""Form text holding NUL is refused with a 400 before any view, in every blueprint.

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

SIGNUP = {"email": "li@example.org", "topics": ["capital"], "consent": "y"}


@pytest.mark.parametrize("field", ["name", "email", "website", "locale"])
def test_a_signup_with_a_nul_is_refused_and_stores_nothing(
    client: FlaskClient, session: Session, field: str
) -> None:
    response = client.post("/subscribe?lang=en", data={**SIGNUP, field: "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
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
