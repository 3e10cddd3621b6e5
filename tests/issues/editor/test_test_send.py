"""Test sends: the exact mix, through the real pipeline and transport, audited, limited."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.issues.storage import load_document
from newsletter.models import AuditEntry, Issue
from tests.issues.editor.conftest import actions, token_of
from tests.servers import ReplyingRelay, smtp_relay


def outbox(app: Flask) -> list[EmailMessage]:
    folder = Path(app.config["NEWSLETTER"].outbox_dir)
    messages = []
    for path in sorted(folder.rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def post_test(client: FlaskClient, issue: Issue, **data: object) -> object:
    token = token_of(client, f"/admin/issues/{issue.id}/preview")
    return client.post(f"/admin/issues/{issue.id}/test-send", data={"csrf_token": token, **data})


def test_the_chosen_mix_lands_in_the_outbox_for_each_address(
    app: Flask, editor: FlaskClient, session: Session, issue: Issue
) -> None:
    response = post_test(
        editor,
        issue,
        recipients="li@example.org, Ann@Example.org",
        topics=["compute"],
        locale="zh-CN",
    )

    assert response.status_code == 302  # type: ignore[attr-defined]
    messages = outbox(app)
    assert sorted(m["To"] for m in messages) == ["ann@example.org", "li@example.org"]
    doc = load_document(issue)
    compute = [i.title for i in doc.items() if i.topics == ["compute"]]
    capital = [i.title for i in doc.items() if i.topics == ["capital"]]
    for message in messages:
        assert message["Subject"].startswith("[测试] ")
        plain = message.get_body(("plain",))
        assert plain is not None
        text = plain.get_content()
        assert "「算力」" in text.splitlines()[0]
        assert all(title in text for title in compute)
        assert not any(title in text for title in capital)
    assert actions(session) == ["issue.test_send"]
    detail = session.scalars(select(AuditEntry.detail)).all()[-1]
    assert detail is not None
    assert detail["variant"] == "compute"
    assert detail["recipients"] == ["li@example.org", "ann@example.org"]


def test_no_topic_ticked_sends_the_all_topics_version_in_english(
    app: Flask, editor: FlaskClient, issue: Issue
) -> None:
    response = post_test(editor, issue, recipients="li@example.org", locale="en")
    assert response.status_code == 302  # type: ignore[attr-defined]
    (message,) = outbox(app)
    assert message["Subject"].startswith("[TEST] ")


def test_bad_addresses_are_shown_at_the_field_and_nothing_is_sent(
    app: Flask, editor: FlaskClient, session: Session, issue: Issue
) -> None:
    for recipients in ("not-an-address", "", ", ".join(f"r{n}@example.org" for n in range(6))):
        response = post_test(editor, issue, recipients=recipients, locale="zh-CN")
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert 'class="field has-error"' in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert outbox(app) == []
    assert actions(session) == []


def test_a_test_send_without_the_csrf_token_is_refused(
    app: Flask, editor: FlaskClient, issue: Issue
) -> None:
    response = editor.post(
        f"/admin/issues/{issue.id}/test-send", data={"recipients": "li@example.org"}
    )
    assert response.status_code in {400, 422}
    assert outbox(app) == []


def test_test_sends_are_rate_limited_per_editor(editor: FlaskClient, issue: Issue) -> None:
    token = token_of(editor, f"/admin/issues/{issue.id}/preview")
    codes = [
        editor.post(
            f"/admin/issues/{issue.id}/test-send",
            data={"csrf_token": token, "recipients": "nobody"},
        ).status_code
        for _ in range(21)
    ]
    assert codes[:20] == [422] * 20
    assert codes[20] == 429


def test_a_transport_failure_is_shown_and_not_audited(
    app: Flask, editor: FlaskClient, session: Session, issue: Issue, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the outbox folder should be")
    app.config["NEWSLETTER"] = replace(app.config["NEWSLETTER"], outbox_dir=str(blocked))

    response = post_test(editor, issue, recipients="li@example.org", locale="zh-CN")

    assert response.status_code == 302  # type: ignore[attr-defined]
    page = editor.get(response.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "cannot write to the outbox" in page
    assert actions(session) == []


@pytest.fixture
def relay(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> Iterator[ReplyingRelay]:
    """The app sends through a real SMTP relay on loopback answering the test's parameter."""
    with smtp_relay(app_config, request.param) as handler:
        yield handler


@pytest.mark.parametrize("relay", ["250 Ok 0100018c-1"], indirect=True)
def test_a_test_send_goes_through_the_configured_transport(
    relay: ReplyingRelay, app: Flask, editor: FlaskClient, issue: Issue
) -> None:
    post_test(editor, issue, recipients="li@example.org", locale="en")
    [data] = relay.accepted
    assert email.message_from_bytes(data, policy=policy.default)["Subject"].startswith("[TEST] ")
    assert outbox(app) == []


@pytest.mark.parametrize("relay", ["554 5.7.1 Message rejected: content refused"], indirect=True)
def test_a_refused_test_send_says_why(
    relay: ReplyingRelay, app: Flask, editor: FlaskClient, session: Session, issue: Issue
) -> None:
    response = post_test(editor, issue, recipients="li@example.org", locale="en")
    page = editor.get(response.location).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "测试邮件未能发出" in page  # flashed in the language of the page that sent it
    assert "554" in page
    assert actions(session) == []
