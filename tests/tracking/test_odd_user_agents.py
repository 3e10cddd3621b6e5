"""Opens and clicks from clients with odd User-Agent headers are recorded like any other, and
never cost the other hits of their batch (PostgreSQL cannot store NUL in text)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import Event
from tests.tracking.helpers import flush, make_sent_campaign


@pytest.mark.parametrize("agent", ["a\x00b", "\x00", "Mozilla/5.0 \x7f\x1b[31m", "é" * 2000])
def test_an_odd_user_agent_costs_no_hit(
    app: Flask, client: FlaskClient, session: Session, agent: str
) -> None:
    sent = make_sent_campaign(session, readers=2)
    client.get(f"/t/o/{sent.token(0)}.gif", headers={"User-Agent": agent})
    client.get(f"/t/o/{sent.token(1)}.gif", headers={"User-Agent": "Mozilla/5.0"})
    flush(app)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Event)) == 2
