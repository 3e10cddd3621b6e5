"""The audit log keeps staff addresses whole and reduces readers' like every stored IP."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from newsletter import audit


def test_reader_actions_store_a_reduced_address(app: Flask, session: Session) -> None:
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.77"}):
        entry = audit.record(session, "reader.preferences", actor=audit.Actor("reader", 1, "#1"))
    assert entry.ip == "203.0.113.0/24"


def test_staff_actions_keep_the_address(app: Flask, session: Session) -> None:
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.77"}):
        entry = audit.record(session, "staff.login", actor=audit.Actor("staff", 1, "a@b.org"))
    assert entry.ip == "203.0.113.77"
