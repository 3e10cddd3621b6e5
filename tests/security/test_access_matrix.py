"""The access-control matrix: every route, for every kind of visitor, answers as its rule says.

The routes come from the application's URL map, so a new route without a rule in
``tests/security/access_rules.py`` fails here until someone decides who may open it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from tests.security.access_rules import ACTORS, NOT_ALLOWED, RULES, Access
from tests.security.world import answer_class, build_world, form_token, sign_in, url_of

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Every answer, whatever its status, carries these (test_headers checks their values).
PROTECTIVE_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")
VISITOR_ADDRESS = "203.0.113.9"  # not loopback: /metrics must not answer


def routes(app: Flask) -> Iterator[Rule]:
    """Every rule of the URL map."""
    yield from app.url_map.iter_rules()


def accepted_methods(rule: Rule) -> set[str]:
    """The methods a route answers, HEAD and OPTIONS aside."""
    return set(rule.methods or ()) - IGNORED_METHODS


def test_every_route_has_a_rule_for_each_of_its_methods(app: Flask) -> None:
    missing = []
    for rule in routes(app):
        covered = {access.method for access in RULES.get(rule.endpoint, ())}
        for method in sorted(accepted_methods(rule) - covered):
            missing.append(f"{method} {rule.rule} (endpoint {rule.endpoint!r})")
    assert not missing, (
        "These routes have no access rule. Add an entry for each endpoint to RULES in "
        "tests/security/access_rules.py saying what anonymous visitors, readers, editors, "
        "operators and admins get:\n  " + "\n  ".join(missing)
    )


def test_every_rule_names_a_route_that_exists(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in routes(app)}
    assert not set(RULES) - endpoints, "rules for routes that are gone: remove them"


def _requests(app: Flask) -> list[tuple[Rule, Access]]:
    """Each (route, method) with a rule, those marked runs_last last."""
    pairs = [
        (rule, access)
        for rule in routes(app)
        for access in RULES.get(rule.endpoint, ())
        if access.method in accepted_methods(rule)
    ]
    return sorted(pairs, key=lambda pair: (pair[1].runs_last, pair[0].rule, pair[1].method))


@pytest.mark.parametrize("actor", ACTORS)
def test_every_route_answers_each_visitor_as_its_rule_says(
    actor: str, app: Flask, client: FlaskClient, session: Session
) -> None:
    world = build_world(session)
    client.environ_base["REMOTE_ADDR"] = VISITOR_ADDRESS
    sign_in(client, actor)
    token = form_token(client, actor)
    wrong = []
    for rule, access in _requests(app):
        with app.test_request_context():
            url = url_of(rule, access, world, actor)
        data = {"csrf_token": token} if access.method == "POST" else None
        response = client.open(url, method=access.method, data=data)
        response.close()
        got = answer_class(response, app)
        if got != access.expected[actor]:
            wrong.append(
                f"{access.method} {url} ({rule.endpoint}): expected {access.expected[actor]}, "
                f"got {got} ({response.status_code})"
            )
        missing = [name for name in PROTECTIVE_HEADERS if name not in response.headers]
        if missing:
            wrong.append(f"{access.method} {url} ({rule.endpoint}): no {', '.join(missing)}")
    assert not wrong, f"as {actor}:\n  " + "\n  ".join(wrong)


def test_methods_a_route_does_not_accept_are_refused_with_405(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = build_world(session)
    wrong = []
    for rule in routes(app):
        accepted = accepted_methods(rule)
        method = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in accepted)
        access = RULES.get(rule.endpoint, (Access("GET", {}),))[0]
        with app.test_request_context():
            url = url_of(rule, access, world, "anonymous")
        got = client.open(url, method=method)
        got.close()
        if str(got.status_code) != NOT_ALLOWED:
            wrong.append(f"{method} {url}: {got.status_code}")
    assert not wrong, "methods a route does not accept must get 405:\n  " + "\n  ".join(wrong)
