"""Fixtures for the editor's pages: a signed-in editor and a stored demo issue."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.issues.storage import create_issue
from newsletter.models import AuditEntry, Issue
from tests.conftest import StaffClient, csrf_token
from tests.issues.helpers import demo_document


@pytest.fixture
def editor(staff: StaffClient, editor_user: Any) -> FlaskClient:
    staff.login(editor_user.email)
    return staff.client


@pytest.fixture
def issue(session: Session) -> Issue:
    stored = create_issue(session, demo_document())
    session.commit()
    return stored


def token_of(client: FlaskClient, path: str) -> str:
    """The CSRF token of the first form on the page at ``path``."""
    return csrf_token(client.get(path).get_data(as_text=True))


def actions(session: Session) -> list[str]:
    """The audited actions so far, signing in aside."""
    session.expire_all()
    rows = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
    return [action for action in rows if not action.startswith("staff.")]
