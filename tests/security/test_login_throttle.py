"""Failed staff sign-ins are throttled per account and per client IP, and lockouts audited."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.app import create_app
from newsletter.models import AuditEntry
from tests.conftest import IsolatedClient, StaffClient, csrf_token
from tests.factories import TEST_PASSWORD, make_staff

WRONG = "not the password at all"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **app_config,
        "login_limit_per_account": "3 per 15 minutes",
        "login_limit_per_ip": "5 per 15 minutes",
    }


def actions(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def from_address(client: FlaskClient, address: str) -> StaffClient:
    client.environ_base["REMOTE_ADDR"] = address
    return StaffClient(client)


def test_an_account_is_paused_after_its_failures_even_for_the_right_password(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_staff(session, "ed@news.example.org", ["editor"])
    session.commit()
    staff = from_address(client, "198.51.100.1")
    answers = [staff.login("ed@news.example.org", WRONG).status_code for _ in range(3)]
    assert answers == [401, 401, 401]
    paused = staff.client.post(
        "/admin/login?lang=en",
        data={
            "email": "ed@news.example.org",
            "password": TEST_PASSWORD,
            "csrf_token": _token(staff),
        },
    )
    assert paused.status_code == 429
    assert int(paused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in paused.get_data(as_text=True)
    locked = actions(session, "staff.login_locked")
    assert [(e.detail or {}).get("scope") for e in locked] == ["account"]
    assert (locked[0].detail or {})["email"] == "ed@news.example.org"


def test_a_pause_for_one_account_leaves_other_accounts_and_addresses_alone(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_staff(session, "ed@news.example.org", ["editor"])
    make_staff(session, "op@news.example.org", ["operator"])
    session.commit()
    staff = from_address(client, "198.51.100.2")
    for _ in range(3):
        staff.login("ed@news.example.org", WRONG)
    assert staff.login("op@news.example.org").status_code == 302


def test_one_address_trying_many_accounts_is_paused(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_staff(session, "ed@news.example.org", ["editor"])
    session.commit()
    staff = from_address(client, "198.51.100.3")
    for number in range(5):
        assert staff.login(f"guess{number}@news.example.org", WRONG).status_code == 401
    assert staff.login("ed@news.example.org").status_code == 429
    locked = actions(session, "staff.login_locked")
    assert [(e.detail or {}).get("scope") for e in locked] == ["ip"]
    assert (locked[0].ip or "").startswith("198.51.100.")  # reduced, as for any non-staff actor
    elsewhere = from_address(client, "198.51.100.4")
    assert elsewhere.login("ed@news.example.org").status_code == 302


def test_successful_sign_ins_do_not_count(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_staff(session, "ed@news.example.org", ["editor"])
    session.commit()
    staff = from_address(client, "198.51.100.5")
    for _ in range(4):
        assert staff.login("ed@news.example.org").status_code == 302
        staff.client.post("/admin/logout", data={"csrf_token": _token(staff, "/admin/")})
    assert not actions(session, "staff.login_locked")


def test_every_failure_is_audited_but_the_lockout_only_once(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    staff = from_address(client, "198.51.100.6")
    for _ in range(6):
        staff.login("nobody@news.example.org", WRONG)
    assert len(actions(session, "staff.login_failed")) == 3
    assert len(actions(session, "staff.login_locked")) == 1


def _token(staff: StaffClient, page: str = "/admin/login") -> str:
    return csrf_token(staff.client.get(page).get_data(as_text=True))


def test_with_redis_every_process_counts_the_same_failures(
    app_config: dict[str, Any], session: Session
) -> None:
    """A second process (a new app on the same Redis) finds the account already paused."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    make_staff(session, "ed@news.example.org", ["editor"])
    session.commit()
    config = {**app_config, "redis_url": REDIS_URL, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    first = from_address(_client_of(create_app(config)), "198.51.100.7")
    for _ in range(3):
        assert first.login("ed@news.example.org", WRONG).status_code == 401
    second = from_address(_client_of(create_app(config)), "198.51.100.7")
    assert second.login("ed@news.example.org").status_code == 429


def _client_of(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return client
