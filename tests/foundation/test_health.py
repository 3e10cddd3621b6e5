"""/healthz tells a load balancer whether the app can reach its database."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from newsletter.extensions import db


def test_healthz_reports_a_reachable_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}


def test_healthz_reports_an_unreachable_database(app: Flask, client: FlaskClient) -> None:
    db.configure("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unreachable"


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    headers = client.get("/admin/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_pages_get_a_404_page_and_api_paths_json(client: FlaskClient) -> None:
    assert client.get("/no/such/page").status_code == 404
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    # The API's error shape (newsletter.api.errors): a word for code, and where.
    assert response.get_json()["error"] == {
        "code": "not_found",
        "message": response.get_json()["error"]["message"],
        "where": None,
    }
