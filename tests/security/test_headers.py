"""Security headers on every kind of page, and session cookies that scripts cannot read."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.app import create_app
from tests.conftest import IsolatedClient, StaffClient
from tests.security.world import build_world, sign_in

PAGES = ["/subscribe", "/admin/login", "/admin/", "/no-such-page", "/static/app.css"]


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.mark.parametrize("path", PAGES)
def test_every_page_forbids_inline_scripts_framing_and_sniffing(
    path: str, client: FlaskClient, session: Session
) -> None:
    build_world(session)
    sign_in(client, "admin")
    response = client.get(path)
    response.close()
    policy = directives(response.headers["Content-Security-Policy"])
    scripts = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "no-referrer"}


def test_a_reader_page_and_the_tracking_pixel_carry_the_headers_too(
    client: FlaskClient, session: Session
) -> None:
    world = build_world(session)
    for path in (f"/p/{world.genuine['reader']}", f"/t/o/{world.genuine['delivery']}.gif"):
        response = client.get(path)
        response.close()
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


def test_hsts_is_sent_on_https_when_the_site_is_served_over_https(client: FlaskClient) -> None:
    response = client.get("/admin/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_no_hsts_over_plain_http(client: FlaskClient) -> None:
    client.environ_base["wsgi.url_scheme"] = "http"
    response = client.get("http://localhost/admin/login")
    assert "Strict-Transport-Security" not in response.headers


def test_behind_a_proxy_the_forwarded_scheme_decides_hsts(app_config: dict[str, Any]) -> None:
    proxied = create_app({**app_config, "trusted_proxies": 1})
    client = proxied.test_client()
    secure = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    plain = client.get("/healthz", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" in secure.headers
    assert "Strict-Transport-Security" not in plain.headers


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "the login set no session cookie"
    return cookies[-1].lower()


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_on_https(
    client: FlaskClient, session: Session
) -> None:
    build_world(session)
    cookie = _session_cookie(StaffClient(client).login("admin@news.example.org"))
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" in cookie


def test_without_https_the_cookie_is_not_marked_secure(
    app_config: dict[str, Any], app: Flask, session: Session
) -> None:
    build_world(session)
    plain = create_app({**app_config, "base_url": "http://127.0.0.1:5000"})
    plain.test_client_class = IsolatedClient
    cookie = _session_cookie(StaffClient(plain.test_client()).login("admin@news.example.org"))
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
