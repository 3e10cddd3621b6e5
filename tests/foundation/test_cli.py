"""The newsletter command: staff accounts, configuration and migrations."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import migrations
from newsletter.commands import build_cli
from newsletter.models import Role, StaffUser


def _invoke(app: Flask, *args: str) -> Any:
    runner = app.test_cli_runner()
    return runner.invoke(build_cli(), list(args))


def test_users_create_makes_an_admin_and_prints_a_password(app: Flask, session: Session) -> None:
    result = _invoke(app, "users", "create", "Boss@Example.org", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "password: " in result.output
    user = session.scalar(select(StaffUser).where(StaffUser.email == "boss@example.org"))
    assert user is not None
    assert user.roles == {Role.ADMIN}


def test_users_create_refuses_a_duplicate(app: Flask) -> None:
    _invoke(app, "users", "create", "a@example.org", "--role", "editor")
    result = _invoke(app, "users", "create", "a@example.org", "--role", "editor")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_users_create_refuses_a_bad_address_and_a_short_password(app: Flask) -> None:
    bad = _invoke(app, "users", "create", "not-an-address", "--role", "editor")
    assert bad.exit_code != 0
    assert "not a valid email address" in bad.output
    weak = _invoke(app, "users", "create", "b@example.org", "--role", "editor", "--password", "x")
    assert weak.exit_code != 0
    assert "at least 10 characters" in weak.output


def test_check_config_masks_secrets(app: Flask) -> None:
    result = _invoke(app, "check-config")
    assert result.exit_code == 0
    assert "NEWSLETTER_SECRET_KEY" in result.output
    assert "test-secret-key" not in result.output
    assert "configuration OK (test)" in result.output


def test_db_current_reports_the_newest_revision(app: Flask) -> None:
    result = _invoke(app, "db", "current")
    assert result.exit_code == 0, result.output
    assert f"database: {migrations.head_revision()}" in result.output
