"""A small world for the access matrix: staff of each role, readers with genuine tokens, and
one row of everything a route can point at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from newsletter.context import current_signer
from newsletter.models import ImportJob, SubscriberStatus, Suppression, SuppressionReason
from newsletter.signing import TokenPurpose, TokenSigner
from newsletter.subscriptions.tokens import confirm_token, reader_token
from tests.conftest import StaffClient, csrf_token
from tests.factories import make_campaign, make_delivery, make_staff, make_subscriber
from tests.security.access_rules import LOGIN, OK, REDIRECT, Access

STAFF_EMAILS = {role: f"{role}@news.example.org" for role in ("editor", "operator", "admin")}
# The same kinds of token, made with a key the application does not know.
FORGER = TokenSigner("a-key-the-application-does-not-know-0123456789")


@dataclass
class World:
    """The rows and tokens the routes' URLs are filled from."""

    values: dict[str, Any]
    genuine: dict[str, str]
    forged: dict[str, str]


def build_world(session: Session) -> World:
    """Staff of each role, a reader with every kind of token, and a row per URL parameter."""
    for role, email in STAFF_EMAILS.items():
        make_staff(session, email, [role])
    other_staff = make_staff(session, "someone@news.example.org", ["editor"])
    reader = make_subscriber(session, "reader@example.com", ["capital"])
    pending = make_subscriber(session, "pending@example.com", status=SubscriberStatus.PENDING)
    other_reader = make_subscriber(session, "other@example.com")
    campaign = make_campaign(session)
    delivery = make_delivery(session, campaign, reader)
    job = ImportJob(kind="import", filename="readers.csv", status="done")
    entry = Suppression(email="gone@example.com", reason=SuppressionReason.MANUAL)
    session.add_all([job, entry])
    session.commit()
    values = {
        "campaign_id": campaign.id,
        "issue_id": campaign.issue_id,
        "topic_slug": "capital",
        "subscriber_id": other_reader.id,
        "user_id": other_staff.id,
        "job_id": job.id,
        "entry_id": entry.id,
        "position": 1,
        "token_id": 999_999,  # no such API token
        "item_id": 1,
        "filename": "app.css",
        "action": "pause",
    }
    genuine = {
        "reader": reader_token(reader),
        "confirm": confirm_token(pending),
        "delivery": _delivery_token(delivery.id),
    }
    forged = {
        "reader": FORGER.sign(TokenPurpose.READER, reader.id, 1),
        "confirm": FORGER.sign(TokenPurpose.CONFIRM, pending.id, 1),
        "delivery": FORGER.sign(TokenPurpose.DELIVERY, delivery.id),
    }
    return World(values, genuine, forged)


def _delivery_token(delivery_id: int) -> str:
    return current_signer().sign(TokenPurpose.DELIVERY, delivery_id)


def sign_in(client: FlaskClient, actor: str) -> None:
    """Make ``client`` the browser of ``actor`` (staff sign in through the login form)."""
    if actor in STAFF_EMAILS:
        answer = StaffClient(client).login(STAFF_EMAILS[actor])
        assert answer.status_code == 302, f"{actor} could not sign in"


def form_token(client: FlaskClient, actor: str) -> str:
    """A CSRF token of the client's session: from the staff home or the login form."""
    page = "/admin/" if actor in STAFF_EMAILS else "/admin/login"
    return csrf_token(client.get(page).get_data(as_text=True))


def url_of(rule: Rule, access: Access, world: World, actor: str) -> str:
    """The URL of ``rule`` filled from the world; readers get genuine tokens, others forged."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if name in access.values:
            values[name] = access.values[name]
        elif name in ("token", "rest"):
            tokens = world.genuine if actor == "reader" else world.forged
            values[name] = tokens[access.token]
        else:
            values[name] = world.values[name]
    return url_for(rule.endpoint, **values)


def answer_class(response: Any, app: Flask) -> str:
    """The class of an answer as the rules name them."""
    status = response.status_code
    if 200 <= status < 300:
        return OK
    if 300 <= status < 400:
        with app.test_request_context():
            login_path = url_for("auth.login")
        return LOGIN if urlsplit(response.location).path == login_path else REDIRECT
    return str(status)
