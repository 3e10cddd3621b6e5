"""Staff actions that matter to security leave an entry in the audit log, with who and where."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry
from tests.conftest import StaffClient, csrf_token
from tests.factories import make_staff

ADMIN = "admin@news.example.org"


def trail(session: Session) -> list[tuple[str, str, str]]:
    """(action, actor, entity id) of every entry, oldest first."""
    session.expire_all()
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(e.action, e.actor_label, e.entity_id) for e in entries]


def test_sign_in_failure_role_changes_deactivation_and_sign_out_are_audited(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_staff(session, ADMIN, ["admin"])
    colleague = make_staff(session, "ed@news.example.org", ["editor"])
    session.commit()
    staff = StaffClient(client)
    staff.login(ADMIN, "a wrong password")
    staff.login(ADMIN)
    token = csrf_token(client.get("/admin/settings/staff/").get_data(as_text=True))
    client.post(
        f"/admin/settings/staff/{colleague.id}/roles",
        data={"csrf_token": token, "operator": "y"},
    )
    client.post(f"/admin/settings/staff/{colleague.id}/active", data={"csrf_token": token})
    client.post("/admin/logout", data={"csrf_token": token})
    who = str(colleague.id)
    assert trail(session) == [
        ("staff.login_failed", "system", ""),
        ("staff.login", ADMIN, ""),
        ("staff.roles", ADMIN, who),
        ("staff.deactivate", ADMIN, who),
        ("staff.logout", ADMIN, ""),
    ]
    session.expire_all()
    roles = session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.roles")).one()
    assert roles.detail == {"roles": ["operator"]}
    assert all(e.ip for e in session.scalars(select(AuditEntry)))
