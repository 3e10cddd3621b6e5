"""A database that cannot be reached: every route answers 503 with Retry-After, not 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError

from newsletter.api.tokens import TOKEN_PREFIX
from newsletter.extensions import db

#: Nothing listens on port 1: connecting is refused at once.
UNREACHABLE = "postgresql://postgres:not-a-real-password@127.0.0.1:1/newsletter"


@pytest.fixture
def database_down(app: Flask) -> Iterator[None]:
    """Point the app at a database that refuses connections, then back at the real one."""
    working = db.engine.url
    db.configure(UNREACHABLE)
    yield
    db.configure(working)


@pytest.mark.parametrize("path", ["/subscribe", "/archive", "/archive/feed.atom"])
def test_public_pages_answer_503_with_retry_after_and_the_error_page(
    app: Flask, client: FlaskClient, database_down: None, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "503 · Service Unavailable" in page
    assert "sitefooter" in page  # the usual layout, not a bare line


def test_the_api_answers_503_in_its_error_shape(
    app: Flask, client: FlaskClient, database_down: None
) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN_PREFIX}some-token"}
    response = client.get("/api/v1/campaigns", headers=bearer)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["error"]["code"] == "service_unavailable"
    assert set(body["error"]) >= {"code", "message", "where"}


def test_the_outage_is_logged_once_without_the_password(
    app: Flask, client: FlaskClient, database_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/subscribe")
    lines = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].levelno == logging.ERROR
    assert "not-a-real-password" not in caplog.text
    assert "Traceback" not in caplog.text


def test_a_lost_connection_mid_request_is_503_and_the_next_request_works(
    app: Flask, client: FlaskClient
) -> None:
    failures = {"left": 1}

    def lose_connection(*_args: object) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    event.listen(db.engine, "before_cursor_execute", lose_connection)
    try:
        assert client.get("/archive").status_code == 503
        assert client.get("/archive").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", lose_connection)


def test_other_database_errors_stay_500(app: Flask, client: FlaskClient) -> None:
    def violate(*_args: object) -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    event.listen(db.engine, "before_cursor_execute", violate)
    try:
        response = client.get("/archive")
    finally:
        event.remove(db.engine, "before_cursor_execute", violate)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
