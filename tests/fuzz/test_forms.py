"""Every form of every blueprint, posted with a valid CSRF token and any fields at all, is
answered without a server error: bad input gets a clear 4xx or the form again."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import Rule

from tests.fuzz.profiles import fuzz
from tests.security.access_rules import Access
from tests.security.world import World, url_of

# Posting these would end the session or lock the test's own account out of later examples.
SKIPPED = {"auth.logout", "auth.login", "ses_webhook.receive"}
FIELD_NAMES = [
    "email", "name", "topics", "locale", "time_zone", "consent", "website", "password",
    "remember", "next", "admin", "editor", "operator", "note", "reason", "dry_run", "text",
    "title", "subject", "preheader", "slug", "keywords", "position", "scheduled_at", "scope",
    "expires_at", "receive_empty_issues", "paused_until", "confirm", "format", "mix", "q",
]  # fmt: skip
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "9" * 30, "y", "on", "capital", "2026-04-07T10:00",
                     "li@example.org", "<script>", "\x00", "../../etc/passwd", "１２"]),
)  # fmt: skip
forms = st.dictionaries(
    st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=10)),
    st.one_of(values, st.lists(values, max_size=3)),
    max_size=6,
)


def form_routes(app: Flask) -> list[tuple[Rule, str]]:
    """(route, method) of every form that changes state, bar the skipped ones."""
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            for method in sorted(set(rule.methods or ()) & {"POST", "PATCH", "PUT"})
            if rule.endpoint not in SKIPPED and not rule.rule.startswith("/api/")
        ),
        key=lambda pair: (pair[0].rule, pair[1]),
    )


@pytest.mark.parametrize("actor", ["admin", "reader"])
@fuzz(1.5)
@given(data=st.data())
def test_any_form_data_is_answered_without_a_server_error(
    app: Flask,
    client: FlaskClient,
    signed_in: tuple[World, str],
    actor: str,
    data: st.DataObject,
) -> None:
    world, token = signed_in
    rule, method = data.draw(st.sampled_from(form_routes(app)), label="route")
    fields: dict[str, Any] = data.draw(forms, label="fields")
    with app.test_request_context():
        url = url_of(rule, Access(method, {}), world, actor)
    response = client.open(url, method=method, data={**fields, "csrf_token": token})
    response.close()
    assert response.status_code < 500, f"{method} {url} with {fields!r}"
