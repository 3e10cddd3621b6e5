"""Bad input from readers, links and files: each gets a clear message and changes nothing.

Every case runs against a database holding one confirmed reader, one waiting for
confirmation, and one who unsubscribed; the database is compared before and after.
"""

from __future__ import annotations

import html
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.models import Subscriber, SubscriberStatus
from newsletter.signing import TokenPurpose, TokenSigner
from newsletter.subscriptions.leaving import unsubscribe
from newsletter.subscriptions.tokens import confirm_token, creation_stamp, reader_token, signer
from newsletter.subscriptions.transfer.importer import import_file
from newsletter.subscriptions.transfer.jobs import import_options
from tests.conftest import StaffClient, csrf_token
from tests.factories import make_staff, make_subscriber
from tests.subscriptions.helpers import snapshot

HEADER = (
    "email,name,topics,locale,time_zone,status,consent_at,consent_method,consent_ip,"
    "receive_empty_issues"
)
GOOD_FORM = {"email": "new@example.org", "topics": ["capital"], "consent": "y"}


@dataclass
class World:
    """The app, its clients and the links of the three readers."""

    app: Flask
    client: FlaskClient
    operator: FlaskClient
    session: Session
    reader: Subscriber
    links: dict[str, str]

    def text(self, response: Any) -> str:
        return html.unescape(response.get_data(as_text=True))

    def post_form(self, page_path: str, path: str, data: dict[str, Any]) -> tuple[int, str]:
        page = self.client.get(page_path)
        response = self.client.post(path, data={**data, "csrf_token": csrf_token(page.text)})
        if response.status_code == 302:
            response = self.client.get(response.headers["Location"])
        return response.status_code, self.text(response)

    def sign_in_operator(self) -> None:
        """Sign the operator in (audited, so before the snapshot is taken)."""
        make_staff(self.session, "op@news.example.org", ["operator"])
        self.session.commit()
        StaffClient(self.operator).login("op@news.example.org")

    def operator_post(self, path: str, data: dict[str, Any], form_page: str) -> tuple[int, str]:
        token = csrf_token(self.operator.get(form_page).get_data(as_text=True))
        response = self.operator.post(path, data={**data, "csrf_token": token})
        return response.status_code, self.text(response)

    def import_line(self, line: str) -> tuple[int, str]:
        options = import_options(self.app.config["NEWSLETTER"], dry_run=False)
        data = f"{HEADER}\n{line}\n".encode()
        summary = import_file(self.session, io.BytesIO(data), options)
        [result] = summary.report
        return result.line, f"line {result.line}: {result.reason}"


@pytest.fixture
def world(app: Flask, client: FlaskClient, session: Session) -> World:
    reader = make_subscriber(session, "li@example.org", ["capital"])
    waiting = make_subscriber(session, "wait@example.org", status=SubscriberStatus.PENDING)
    gone = make_subscriber(session, "gone@example.org", ["research"])
    unsubscribe(session, gone, source="footer")
    session.commit()
    operator_client = app.test_client()
    operator_client.environ_base.update(client.environ_base)

    with app.test_request_context():
        other = TokenSigner("another-installation-secret-key-0123456789abcdef")
        links = {
            "reader": reader_token(reader),
            "confirm": confirm_token(waiting),
            "expired": signer().sign(
                TokenPurpose.CONFIRM,
                waiting.id,
                creation_stamp(waiting),
                now=time.time() - 8 * 24 * 3600,
            ),
            "foreign_secret": other.sign(TokenPurpose.READER, reader.id, creation_stamp(reader)),
            "gone": signer().sign(TokenPurpose.READER, 999_999, 1),
        }
    return World(app, client, operator_client, session, reader, links)


def signup(data: dict[str, Any]) -> Callable[[World], tuple[int, str]]:
    def send(world: World) -> tuple[int, str]:
        response = world.client.post("/subscribe?lang=en", data={**GOOD_FORM, **data})
        return response.status_code, world.text(response)

    return send


def get(path: str) -> Callable[[World], tuple[int, str]]:
    def send(world: World) -> tuple[int, str]:
        response = world.client.get(path.format(**world.links))
        return response.status_code, world.text(response)

    return send


def post(path: str, data: dict[str, Any] | None = None) -> Callable[[World], tuple[int, str]]:
    def send(world: World) -> tuple[int, str]:
        response = world.client.post(path.format(**world.links), data=data or {})
        return response.status_code, world.text(response)

    return send


def form(path: str, data: dict[str, Any], page: str = "") -> Callable[[World], tuple[int, str]]:
    return lambda world: world.post_form(
        (page or path).format(**world.links), path.format(**world.links), data
    )


def csv_line(line: str) -> Callable[[World], tuple[int, str]]:
    return lambda world: world.import_line(line)


def operator(path: str, data: dict[str, Any], page: str) -> Callable[[World], tuple[int, str]]:
    def send(world: World) -> tuple[int, str]:
        return world.operator_post(path, data, page)

    send.needs_operator = True  # type: ignore[attr-defined]
    return send


CONFIRMED = "2026-03-01T09:30:00+08:00,signup_form"
CASES: list[tuple[str, Callable[[World], tuple[int, str]], int, str]] = [
    # The signup form.
    ("address empty", signup({"email": ""}), 422, "Enter your email address."),
    ("address without @", signup({"email": "plainaddress"}), 422, "must have an @-sign"),
    ("address without dot", signup({"email": "a@b"}), 422, "It should have a period"),
    ("address twice @", signup({"email": "a@@example.org"}), 422, "not a usable email address"),
    ("non-ASCII local part", signup({"email": "张三@example.org"}), 422, "not a usable email"),
    ("address too long", signup({"email": "x" * 330 + "@e.org"}), 422, "longer than 320"),
    ("reserved domain", signup({"email": "a@example.test"}), 422, "special-use or reserved"),
    ("no consent", signup({"consent": ""}), 422, "Please agree to receive the newsletter"),
    ("unknown topic", signup({"topics": ["crypto"]}), 422, "Unknown topic: crypto"),
    ("name too long", signup({"name": "x" * 201}), 422, "at most 200 characters"),
    ("header injection", signup({"name": "Li\r\nBcc: x@y"}), 422, "cannot contain line breaks"),
    ("markup in name", signup({"name": "<script>"}), 422, "angle brackets"),
    ("honeypot filled", signup({"website": "http://x"}), 200, "Check your inbox"),
    # Confirmation links.
    ("confirm tampered", get("/confirm/{confirm}x?lang=en"), 400, "damaged or incomplete"),
    ("confirm expired", get("/confirm/{expired}?lang=en"), 410, "has expired"),
    ("confirm foreign", get("/confirm/{reader}?lang=en"), 400, "belongs to a different page"),
    ("confirm no csrf", post("/confirm/{confirm}?lang=en"), 400, "The CSRF token is missing"),
    # Preference centre and unsubscribe links.
    ("prefs tampered", get("/p/A{reader}?lang=en"), 400, "damaged or incomplete"),
    ("prefs foreign", get("/p/{confirm}?lang=en"), 400, "belongs to a different page"),
    ("prefs other secret", get("/p/{foreign_secret}?lang=en"), 400, "damaged or incomplete"),
    ("prefs gone", get("/p/{gone}?lang=en"), 404, "no longer hold a subscription"),
    ("prefs bad language", form("/p/{reader}?lang=en", {"locale": "fr"}), 422, "valid choice"),
    ("prefs bad topic", form("/p/{reader}?lang=en", {"topics": "x", "locale": "en"}), 422, "x"),
    (
        "pause 52 weeks",
        form("/p/{reader}/pause?lang=en", {"weeks": "52"}, page="/p/{reader}?lang=en"),
        200,
        "Choose how many weeks to pause.",
    ),
    ("prefs no csrf", post("/p/{reader}?lang=en", {"locale": "en"}), 400, "CSRF token"),
    ("erase no csrf", post("/p/{reader}/erase?lang=en"), 400, "CSRF token is missing"),
    ("one-click bad body", post("/u/{reader}", {"List-Unsubscribe": "Yes"}), 400, "One-Click"),
    ("one-click foreign", post("/u/{confirm}?lang=en"), 400, "belongs to a different page"),
    ("one-click garbage", post("/u/%E2%98%83?lang=en"), 400, "damaged or incomplete"),
    ("one-click gone", post("/u/{gone}?lang=en", {}), 404, "no longer hold"),
    # CSV lines.
    ("csv address", csv_line("nope,,,,,,,,,"), 2, "email: 'nope' is not a valid address"),
    ("csv topic", csv_line("a@example.org,,crypto,,,,,,,"), 2, "unknown topic crypto"),
    ("csv locale", csv_line("a@example.org,,,fr,,,,,,"), 2, "'fr' is not a supported language"),
    ("csv time zone", csv_line("a@example.org,,,,Mars/Base,,,,,"), 2, "not an IANA time zone"),
    ("csv status", csv_line("a@example.org,,,,,vip,,,,"), 2, "'vip' is not one of pending"),
    ("csv no consent", csv_line("a@example.org,,,,,confirmed,,,,"), 2, "needs consent_at"),
    ("csv no offset", csv_line("a@example.org,,,,,,2026-03-01T09:30,,,"), 2, "no UTC offset"),
    ("csv method", csv_line("a@example.org,,,,,,,telepathy,,"), 2, "'telepathy' is not one of"),
    ("csv ip", csv_line("a@example.org,,,,,,,,999.1.1.1,"), 2, "not an IPv4 or IPv6 address"),
    ("csv yes/no", csv_line("a@example.org,,,,,,,,,maybe"), 2, "'maybe' is not yes/no"),
    ("csv fields", csv_line("a@example.org,,,,,,,,,,extra"), 2, "has 11 fields, the header has 10"),
    ("csv left", csv_line(f"gone@example.org,,,,,confirmed,{CONFIRMED},,"), 2, "the reader left"),
    # Operators' forms.
    (
        "suppress bad address",
        operator(
            "/admin/subscribers/suppressions?lang=en",
            {"email": "not-an-address", "note": "x"},
            "/admin/subscribers/suppressions",
        ),
        422,
        "Not a usable address",
    ),
    (
        "suppress without reason",
        operator(
            "/admin/subscribers/suppressions?lang=en",
            {"email": "a@example.org"},
            "/admin/subscribers/suppressions",
        ),
        422,
        "Say why the address is suppressed.",
    ),
    (
        "import without file",
        operator("/admin/subscribers/import?lang=en", {}, "/admin/subscribers/import"),
        422,
        "Choose a file.",
    ),
]


@pytest.mark.parametrize(
    ("send", "status", "message"),
    [pytest.param(send, status, message, id=name) for name, send, status, message in CASES],
)
def test_bad_input_is_answered_clearly_and_changes_nothing(
    world: World, send: Callable[[World], tuple[int, str]], status: int, message: str
) -> None:
    if getattr(send, "needs_operator", False):
        world.sign_in_operator()
    before = snapshot(world.session)
    got_status, text = send(world)
    assert message in text
    assert got_status == status
    assert snapshot(world.session) == before


def test_the_table_is_long_enough() -> None:
    assert len(CASES) >= 30
