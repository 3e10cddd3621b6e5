"""Staff sign in with a password, get pages by role, and nothing changes without CSRF."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry
from tests.conftest import StaffClient, csrf_token


def test_the_login_page_is_served_in_chinese_by_default(client: FlaskClient) -> None:
    page = client.get("/admin/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "员工登录" in html


def test_english_is_one_click_away_and_remembered(client: FlaskClient) -> None:
    english = client.get("/admin/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english
    assert "Staff sign in" in english
    assert "Staff sign in" in client.get("/admin/login").get_data(as_text=True)


def test_staff_sign_in_and_land_on_their_home(staff: StaffClient, editor_user: Any) -> None:
    response = staff.login(editor_user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert staff.client.get("/admin/").status_code == 200


def test_a_wrong_password_is_refused_and_audited(
    staff: StaffClient, editor_user: Any, session: Session
) -> None:
    response = staff.login(editor_user.email, "wrong password")
    assert response.status_code == 401
    assert staff.client.get("/admin/").status_code == 302
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "staff.login_failed" in actions


def test_an_unknown_address_gets_the_same_answer(staff: StaffClient) -> None:
    assert staff.login("nobody@news.example.org").status_code == 401


def test_login_without_csrf_token_is_refused(client: FlaskClient, editor_user: Any) -> None:
    response = client.post(
        "/admin/login", data={"email": editor_user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400


def test_login_never_redirects_to_another_site(staff: StaffClient, editor_user: Any) -> None:
    page = staff.client.get("/admin/login?next=https://evil.example/")
    token = csrf_token(page.get_data(as_text=True))
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/admin/settings",
    ):
        staff.client.get("/admin/login")
        response = staff.client.post(
            "/admin/login",
            data={
                "email": editor_user.email,
                "password": "correct horse battery",
                "csrf_token": token,
                "next": target,
            },
        )
        expected = "/admin/settings" if target == "/admin/settings" else "/admin/"
        assert response.headers["Location"] == expected
        staff.client.post("/admin/logout", data={"csrf_token": token})


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/admin/settings/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_only_admins_manage_staff(staff: StaffClient, editor_user: Any, admin_user: Any) -> None:
    staff.login(editor_user.email)
    assert staff.client.get("/admin/settings/staff/").status_code == 403
    staff.client.post("/admin/logout", data={"csrf_token": _token(staff.client)})
    staff.login(admin_user.email)
    assert staff.client.get("/admin/settings/staff/").status_code == 200


def test_an_admin_creates_an_account_with_roles(
    staff: StaffClient, admin_user: Any, session: Session
) -> None:
    staff.login(admin_user.email)
    page = staff.client.get("/admin/settings/staff/")
    response = staff.client.post(
        "/admin/settings/staff/",
        data={
            "email": "New.Person@News.Example.org",
            "password": "a long password",
            "operator": "y",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    listing = staff.client.get("/admin/settings/staff/").get_data(as_text=True)
    assert "new.person@news.example.org" in listing
    assert "staff.create" in session.scalars(select(AuditEntry.action)).all()


def test_the_last_admin_cannot_be_deactivated(staff: StaffClient, admin_user: Any) -> None:
    staff.login(admin_user.email)
    token = _token(staff.client)
    staff.client.post(f"/admin/settings/staff/{admin_user.id}/active", data={"csrf_token": token})
    assert "last active admin" in staff.client.get("/admin/settings/staff/").get_data(as_text=True)


def test_navigation_follows_roles(staff: StaffClient, operator_user: Any) -> None:
    staff.login(operator_user.email)
    page = staff.client.get("/admin/").get_data(as_text=True)
    assert "Staff accounts" not in page
    assert staff.client.get("/admin/settings").status_code == 200


def test_logout_needs_a_post_with_csrf(staff: StaffClient, editor_user: Any) -> None:
    staff.login(editor_user.email)
    assert staff.client.get("/admin/logout").status_code == 405
    staff.client.post("/admin/logout", data={})
    assert staff.client.get("/admin/").status_code == 200
    staff.client.post("/admin/logout", data={"csrf_token": _token(staff.client)})
    assert staff.client.get("/admin/").status_code == 302


def test_session_cookies_are_http_only_and_same_site(staff: StaffClient, editor_user: Any) -> None:
    response = staff.login(editor_user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the test base URL is https


def _token(client: FlaskClient) -> str:
    return csrf_token(client.get("/admin/").get_data(as_text=True))
