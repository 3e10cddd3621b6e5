"""Editing every part of an issue as Markdown: all of it is saved, or nothing."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.issues.document import SourceLink
from newsletter.issues.markdown_format import export_markdown
from newsletter.issues.storage import load_document
from newsletter.models import CampaignStatus, Issue
from tests.factories import make_campaign
from tests.issues.editor.conftest import actions, token_of


def post_content(client: FlaskClient, issue: Issue, text: str) -> object:
    token = token_of(client, f"/admin/issues/{issue.id}/content")
    return client.post(
        f"/admin/issues/{issue.id}/content", data={"csrf_token": token, "text": text}
    )


def test_the_form_holds_the_issue_as_markdown(editor: FlaskClient, issue: Issue) -> None:
    html = editor.get(f"/admin/issues/{issue.id}/content").get_data(as_text=True)
    assert "{topics=capital}" in html
    assert load_document(issue).sections[2].items[0].title in html


def test_fields_sources_and_topics_are_saved_and_reasons_kept(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    doc = load_document(issue)
    first, second = doc.sections[2].items[:2]
    reasons = dict(first.topic_matches)
    first.fields["发生了什么"] = "改写后的说明。"
    second.sources.append(SourceLink("示例", "新来源", "https://example.org/new"))
    second.topics = ["compute", "regulation"]

    response = post_content(editor, issue, export_markdown(doc))

    assert response.status_code == 302  # type: ignore[attr-defined]
    session.expire_all()
    stored = load_document(issue)
    assert stored == doc
    assert stored.sections[2].items[0].topic_matches == reasons  # why, still shown
    assert issue.revision == 2
    assert actions(session) == ["issue.edit_content"]


def test_bad_markdown_is_refused_whole_with_line_numbers(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    before = load_document(issue)
    text = export_markdown(before).replace("date: 2026-05-11", "date: 2026-13-11")

    response = post_content(editor, issue, text)

    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'id="content-problems"' in html
    assert "line 3" in html
    session.expire_all()
    assert load_document(issue) == before
    assert actions(session) == []


def test_an_unknown_topic_changes_nothing(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    before = load_document(issue)
    text = export_markdown(before).replace("{topics=capital}", "{topics=astrology}", 1)
    response = post_content(editor, issue, text)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "astrology" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    session.expire_all()
    assert load_document(issue) == before


def test_a_sent_issue_keeps_its_content(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    make_campaign(session, issue, status=CampaignStatus.SENT)
    session.commit()
    response = post_content(editor, issue, export_markdown(load_document(issue)))
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "can no longer be edited" in response.get_data(as_text=True)  # type: ignore[attr-defined]
