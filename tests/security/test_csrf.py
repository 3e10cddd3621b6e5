"""Every state-changing route refuses a request without a CSRF token, in every blueprint."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.models import StaffUser
from tests.security.access_rules import CSRF_EXEMPT, Access
from tests.security.world import build_world, sign_in, url_of

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def test_every_state_changing_route_refuses_a_request_without_a_csrf_token(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = build_world(session)
    sign_in(client, "admin")
    accepted = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in CSRF_EXEMPT:
            continue
        for method in sorted(set(rule.methods or ()) & set(STATE_CHANGING)):
            for actor in ("admin", "reader"):
                with app.test_request_context():
                    url = url_of(rule, Access(method, {}), world, actor)
                response = client.open(url, method=method, data={"anything": "x"})
                response.close()
                if response.status_code != 400:
                    accepted.append(f"{method} {url} as {actor}: {response.status_code}")
    assert not accepted, (
        "state-changing routes must answer 400 without a CSRF token (or be listed with a "
        "reason in CSRF_EXEMPT in tests/security/access_rules.py):\n  " + "\n  ".join(accepted)
    )


def test_a_staff_form_posted_without_a_token_changes_nothing(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = build_world(session)
    sign_in(client, "admin")
    url = f"/admin/settings/staff/{world.values['user_id']}/active"
    assert client.post(url).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    session.expire_all()
    assert session.get(StaffUser, world.values["user_id"]).active  # type: ignore[union-attr]


def test_the_exempt_routes_still_exist(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(CSRF_EXEMPT) <= endpoints, "remove exemptions of routes that are gone"
