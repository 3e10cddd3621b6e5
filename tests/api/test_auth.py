"""Bearer tokens for /api/v1: missing, malformed, foreign, revoked, expired; scopes; no cookies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.api.tokens import create_token, hash_token, revoke_token
from newsletter.audit import SYSTEM
from newsletter.models import ApiToken, Role, utcnow
from tests.api.conftest import ApiClient
from tests.factories import make_staff


def _assert_unauthorized(answer: object, error: str | None) -> None:
    assert answer.status_code == 401  # type: ignore[attr-defined]
    challenge = answer.headers["WWW-Authenticate"]  # type: ignore[attr-defined]
    assert challenge.startswith('Bearer realm="newsletter"')
    if error:
        assert f'error="{error}"' in challenge
    body = answer.get_json()  # type: ignore[attr-defined]
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["where"] == "header.Authorization"
    assert body["error"]["message"]


def test_no_token_is_401_with_a_challenge(anonymous_api: ApiClient) -> None:
    _assert_unauthorized(anonymous_api.get("/issues"), None)
    _assert_unauthorized(anonymous_api.post("/issues", {"format": "report", "content": "x"}), None)


@pytest.mark.parametrize(
    "header",
    [
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer",
        "Bearer ",
        "Token nl_abc",
    ],
)
def test_a_malformed_authorization_header_is_401(client: FlaskClient, header: str) -> None:
    answer = client.get("/api/v1/issues", headers={"Authorization": header})
    _assert_unauthorized(answer, "invalid_request")


@pytest.mark.parametrize(
    "secret",
    [
        "nl_" + "A" * 43,  # well formed, made by nobody here
        "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  # another service's token
        "nl_" + "x" * 5000,
        "nl_\u6d4b\u8bd5",
    ],
)
def test_foreign_tokens_are_401(client: FlaskClient, secret: str) -> None:
    answer = client.get(
        "/api/v1/issues", headers={"Authorization": f"Bearer {secret}".encode().decode("latin-1")}
    )
    _assert_unauthorized(answer, "invalid_token")


def test_revoked_expired_and_deactivated_tokens_are_401(
    client: FlaskClient, session: Session
) -> None:
    owner = make_staff(session, "pipeline@news.example.org", ["editor"])
    revoked = create_token(session, owner=owner, name="r", scope=Role.EDITOR, actor=SYSTEM)
    expired = create_token(
        session,
        owner=owner,
        name="e",
        scope=Role.EDITOR,
        actor=SYSTEM,
        expires_at=utcnow() - dt.timedelta(seconds=1),
    )
    revoke_token(session, revoked.row, actor=SYSTEM)
    session.commit()
    for made in (revoked, expired):
        _assert_unauthorized(ApiClient(client, made.secret).get("/issues"), "invalid_token")

    live = create_token(session, owner=owner, name="l", scope=Role.EDITOR, actor=SYSTEM)
    session.commit()
    assert ApiClient(client, live.secret).get("/issues").status_code == 200
    owner.active = False
    session.commit()
    _assert_unauthorized(ApiClient(client, live.secret).get("/issues"), "invalid_token")


def test_a_token_acts_with_its_scope_only(
    client: FlaskClient, make_token: Callable[..., str]
) -> None:
    operator = ApiClient(client, make_token("operator"))
    admin_as_operator = ApiClient(client, make_token("operator", roles=("admin",)))
    editor = ApiClient(client, make_token("editor"))

    for api in (operator, admin_as_operator):
        answer = api.get("/issues")
        assert answer.status_code == 403
        assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
        assert answer.get_json()["error"]["code"] == "forbidden"
        assert api.get("/campaigns").status_code == 200
    assert editor.get("/issues").status_code == 200
    assert editor.get("/campaigns").status_code == 200


def test_a_token_stops_working_for_a_role_its_owner_lost(
    client: FlaskClient, session: Session
) -> None:
    owner = make_staff(session, "pipeline@news.example.org", ["editor", "operator"])
    made = create_token(session, owner=owner, name="p", scope=Role.EDITOR, actor=SYSTEM)
    session.commit()
    api = ApiClient(client, made.secret)
    assert api.get("/issues").status_code == 200

    owner.role_rows = [row for row in owner.role_rows if row.role is not Role.EDITOR]
    session.commit()

    assert api.get("/issues").status_code == 403


def test_only_the_hash_is_stored_and_use_is_noted(
    client: FlaskClient, session: Session, make_token: Callable[..., str]
) -> None:
    secret = make_token("editor")
    row = session.scalar(select(ApiToken))
    assert row is not None
    assert row.token_hash == hash_token(secret) != secret
    assert secret.startswith(row.prefix)
    assert row.last_used_at is None

    ApiClient(client, secret).get("/issues")

    session.expire_all()
    assert session.get(ApiToken, row.id).last_used_at is not None  # type: ignore[union-attr]


def test_the_api_sets_no_cookie_and_needs_no_csrf_token(editor_api: ApiClient) -> None:
    answer = editor_api.post("/issues?lang=en", {"format": "report", "content": "no title"})

    assert answer.status_code == 422  # reached the importer: no CSRF refusal
    assert "Set-Cookie" not in answer.headers
    assert "Set-Cookie" not in editor_api.get("/issues").headers


def test_a_staff_session_does_not_open_the_api(
    client: FlaskClient, staff: object, editor_user: object
) -> None:
    staff.login("editor@news.example.org")  # type: ignore[attr-defined]
    _assert_unauthorized(client.get("/api/v1/issues"), None)


def test_unknown_api_urls_and_methods_answer_in_the_api_error_shape(
    editor_api: ApiClient,
) -> None:
    missing = editor_api.get("/nothing-here")
    wrong_method = editor_api.client.delete(
        "/api/v1/issues", headers={"Authorization": f"Bearer {editor_api.token}"}
    )

    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]


def test_an_unexpected_failure_is_a_500_in_the_api_error_shape(
    editor_api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("newsletter.api.issue_endpoints.paginate", broken)

    answer = editor_api.get("/issues")

    assert answer.status_code == 500
    error = answer.get_json()["error"]
    assert error["code"] == "internal_error"
    assert "database" not in error["message"]  # no internals to the client
