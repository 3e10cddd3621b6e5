"""Regressions found by fuzzing: a malformed Origin on an embedded signup was a 500 (an
unclosed IPv6 host; a NUL, which PostgreSQL cannot store)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import Subscriber

FORM = {"email": "li@example.org", "topics": ["capital"], "consent": "y", "source": "embed"}


@pytest.mark.parametrize(
    "origin", ["http://[", "https://[::1", "not a url", "", "https://a\x00b.example"]
)
def test_an_embedded_signup_with_any_origin_is_recorded(
    client: FlaskClient, session: Session, origin: str
) -> None:
    response = client.post("/subscribe", data=FORM, headers={"Origin": origin, "Referer": ""})
    assert response.status_code == 200
    stored = session.scalars(select(Subscriber)).one()
    assert stored.consent_form.startswith("embedded form on ")
