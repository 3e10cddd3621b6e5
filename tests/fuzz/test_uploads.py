"""Uploaded files, end to end through the editor's import page: a mutated report in any
encoding, or any bytes, is stored whole (a redirect to the issue) or refused with its
problems listed (422), never a server error, and a refusal stores nothing."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import Issue
from tests.fuzz.profiles import fuzz
from tests.fuzz.test_report_importer import mutated, report_lines
from tests.security.world import build_world, form_token, sign_in

NAMES = ["report.txt", "issue.md", "issue.json", "report", "REPORT.TXT", "../../x.md", "报告.txt"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "gb18030"]
uploads = st.one_of(
    st.builds(
        lambda text, encoding: text.encode(encoding, errors="replace"),
        mutated(report_lines("demo")),
        st.sampled_from(ENCODINGS),
    ),
    st.binary(max_size=3000),
)


@pytest.fixture
def editor_token(app: Flask, client: FlaskClient, session: Session) -> str:
    """Sign the client in as an editor; the CSRF token of that session."""
    build_world(session)
    sign_in(client, "editor")
    return form_token(client, "editor")


def issues(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Issue)) or 0


@fuzz(0.5)
@given(uploads, st.sampled_from(NAMES), st.sampled_from(["", "report", "markdown", "json"]))
@example("AI前沿发展日报 | 2026-04-07\n\n今日总览\n结论\x00。\n".encode(), "report.txt", "")
def test_an_uploaded_issue_is_stored_whole_or_refused_with_its_problems(
    client: FlaskClient, session: Session, editor_token: str, data: bytes, name: str, fmt: str
) -> None:
    before = issues(session)
    response = client.post(
        "/admin/issues/new",
        data={
            "csrf_token": editor_token,
            "format": fmt,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )
    response.close()
    assert response.status_code in (302, 422), response.status_code
    assert issues(session) == before + (response.status_code == 302)
