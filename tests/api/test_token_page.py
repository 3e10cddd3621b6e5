"""Settings > API tokens: admins make tokens shown once, revoke them; everything audited."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.api.tokens import hash_token
from newsletter.models import ApiToken, AuditEntry, Role
from tests.conftest import csrf_token
from tests.factories import make_staff

PAGE = "/admin/settings/api-tokens/"


def _create(client: FlaskClient, owner_id: int, scope: str, name: str = "daily pipeline") -> Any:
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(
        PAGE, data={"name": name, "owner": owner_id, "scope": scope, "csrf_token": token}
    )


def test_an_admin_makes_a_token_that_is_shown_once_and_works(
    client: FlaskClient, staff: Any, admin_user: Any, session: Session
) -> None:
    pipeline = make_staff(session, "pipeline@news.example.org", ["editor"])
    session.commit()
    staff.login(admin_user.email)

    answer = _create(client, pipeline.id, "editor")

    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    secret = re.search(r'<pre class="snippet" id="new-token">(nl_[\w-]+)</pre>', html)
    assert secret is not None
    row = session.scalar(select(ApiToken))
    assert row is not None
    assert (row.user_id, row.scope, row.token_hash) == (
        pipeline.id,
        Role.EDITOR,
        hash_token(secret.group(1)),
    )
    later = client.get(PAGE).get_data(as_text=True)
    assert secret.group(1) not in later
    assert row.prefix in later
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.create"))
    assert entry is not None
    assert entry.actor_label == admin_user.email
    api = client.get("/api/v1/issues", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.status_code == 200


def test_a_token_for_a_role_the_owner_lacks_is_refused(
    client: FlaskClient, staff: Any, admin_user: Any, session: Session
) -> None:
    reader_of_issues = make_staff(session, "ed@news.example.org", ["editor"])
    session.commit()
    staff.login(admin_user.email)

    answer = _create(client, reader_of_issues.id, "operator")

    assert "does not hold the operator role" in answer.get_data(as_text=True)
    assert session.scalar(select(ApiToken)) is None
    assert _create(client, reader_of_issues.id, "admin").status_code == 200
    assert session.scalar(select(ApiToken)) is None


def test_revoking_a_token_stops_it_and_is_audited(
    client: FlaskClient, staff: Any, admin_user: Any, session: Session
) -> None:
    staff.login(admin_user.email)
    html = _create(client, admin_user.id, "operator").get_data(as_text=True)
    secret = re.search(r'id="new-token">(nl_[\w-]+)<', html)
    assert secret is not None
    row = session.scalar(select(ApiToken))
    assert row is not None

    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    answer = client.post(f"{PAGE}{row.id}/revoke", data={"csrf_token": token})

    assert answer.status_code == 302
    session.expire_all()
    assert session.get(ApiToken, row.id).revoked_at is not None  # type: ignore[union-attr]
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoke"))
    api = client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.status_code == 401
    assert client.post(f"{PAGE}{row.id}/revoke", data={}).status_code == 400  # no CSRF token


def test_only_admins_open_the_page(
    client: FlaskClient, staff: Any, editor_user: Any, operator_user: Any
) -> None:
    assert client.get(PAGE).status_code == 302  # to the login page
    staff.login(editor_user.email)
    assert client.get(PAGE).status_code == 403
