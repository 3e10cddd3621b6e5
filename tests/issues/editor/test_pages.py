"""The editor's list, import, issue page, topics, details and Markdown download."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.issues.markdown_format import export_markdown, parse_markdown
from newsletter.issues.storage import load_document
from newsletter.models import CampaignStatus, Issue, TopicOrigin
from tests.conftest import StaffClient
from tests.factories import make_campaign
from tests.issues.editor.conftest import actions, token_of
from tests.issues.helpers import DEMO_REPORT, demo_document


def count_issues(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Issue)) or 0


@pytest.mark.parametrize("path", ["/", "/new", "/{id}", "/{id}/preview", "/{id}/export.md"])
def test_only_editors_and_admins_open_the_pages(
    staff: StaffClient, operator_user: Any, client: FlaskClient, issue: Issue, path: str
) -> None:
    url = "/admin/issues" + path.format(id=issue.id)
    assert client.get(url).status_code == 302
    staff.login(operator_user.email)
    assert client.get(url).status_code == 403


def test_admins_open_them_too(staff: StaffClient, admin_user: Any, issue: Issue) -> None:
    staff.login(admin_user.email)
    assert staff.client.get(f"/admin/issues/{issue.id}").status_code == 200


def test_the_list_shows_each_issue_with_its_campaign_state(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    make_campaign(session, issue, status=CampaignStatus.SCHEDULED)
    session.commit()
    html = editor.get("/admin/issues/").get_data(as_text=True)
    assert f'data-issue="{issue.id}"' in html
    assert "state-scheduled" in html
    assert 'href="/admin/issues/"' in editor.get("/admin/").get_data(as_text=True)  # the menu


def test_pasting_the_demo_report_imports_it(editor: FlaskClient, session: Session) -> None:
    token = token_of(editor, "/admin/issues/new")
    response = editor.post(
        "/admin/issues/new",
        data={"csrf_token": token, "text": DEMO_REPORT.read_text(encoding="utf-8"), "format": ""},
    )
    assert response.status_code == 302
    issue = session.scalars(select(Issue)).one()
    assert response.headers["Location"] == f"/admin/issues/{issue.id}"
    assert load_document(issue) == demo_document()
    assert actions(session) == ["issue.import"]


def test_uploading_markdown_keeps_the_editors_topics(editor: FlaskClient, session: Session) -> None:
    doc = demo_document()
    doc.sections[2].items[0].topics = ["research"]
    upload = (BytesIO(export_markdown(doc).encode("utf-8")), "issue.md")
    token = token_of(editor, "/admin/issues/new")
    response = editor.post(
        "/admin/issues/new",
        data={"csrf_token": token, "file": upload, "format": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    stored = load_document(session.scalars(select(Issue)).one())
    assert stored.sections[2].items[0].topics == ["research"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("今日总览\n\n一段话。\n\n今日 Top 1 大事件\n\n1.\n", "line 7: item 1 has no title"),
        ('{"title": "x", "sections": [{"kind": "news"}]}', "sections[0].kind: expected one of"),
        ("---\ntitle: x\ndate: 2026-13-01\n---\n", "line 3"),
    ],
)
def test_bad_input_shows_every_problem_with_its_place_and_stores_nothing(
    editor: FlaskClient, session: Session, text: str, shown: str
) -> None:
    token = token_of(editor, "/admin/issues/new")
    response = editor.post("/admin/issues/new", data={"csrf_token": token, "text": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="import-problems"' in html
    assert shown in html
    assert count_issues(session) == 0
    assert actions(session) == []


def test_the_form_asks_for_a_file_or_text(editor: FlaskClient) -> None:
    token = token_of(editor, "/admin/issues/new")
    response = editor.post("/admin/issues/new", data={"csrf_token": token, "text": "  "})
    assert response.status_code == 422
    assert "请上传文件或粘贴文本，二者选其一。" in response.get_data(as_text=True)


def test_an_import_without_the_csrf_token_is_refused(editor: FlaskClient, session: Session) -> None:
    response = editor.post("/admin/issues/new", data={"text": DEMO_REPORT.read_text("utf-8")})
    assert response.status_code in {400, 422}
    assert count_issues(session) == 0


def test_the_issue_page_shows_items_with_topics_and_the_matched_words(
    editor: FlaskClient, issue: Issue
) -> None:
    html = editor.get(f"/admin/issues/{issue.id}").get_data(as_text=True)
    first = issue.sections[2].items[0]
    assert first.title in html
    row = first.topics[0]
    assert row.topic.slug == "capital"
    assert f'name="item-{first.id}" value="capital" checked' in html
    assert ", ".join(row.matched) in html
    assert f'name="item-{first.id}" value="research">' in html


def test_changing_topics_saves_marks_the_editor_and_audits(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    items = [item for section in issue.sections for item in section.items]
    first = items[0]
    data: dict[str, Any] = {
        "csrf_token": token_of(editor, f"/admin/issues/{issue.id}"),
        "revision": str(issue.revision),
    }
    for item in items:
        data[f"item-{item.id}"] = [row.topic.slug for row in item.topics]
    data[f"item-{first.id}"] = ["research"]

    response = editor.post(f"/admin/issues/{issue.id}/topics", data=data)

    assert response.status_code == 302
    session.expire_all()
    assert [(r.topic.slug, r.origin) for r in first.topics] == [("research", TopicOrigin.EDITOR)]
    assert issue.revision == 2
    assert actions(session) == ["issue.topics"]


def test_a_stale_topics_form_changes_nothing(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    first = issue.sections[2].items[0]
    token = token_of(editor, f"/admin/issues/{issue.id}")
    response = editor.post(
        f"/admin/issues/{issue.id}/topics",
        data={"csrf_token": token, "revision": "99", f"item-{first.id}": ["research"]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    session.expire_all()
    assert [row.topic.slug for row in first.topics] == ["capital"]
    assert actions(session) == []


def test_an_unknown_topic_is_refused_without_a_500(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    first = issue.sections[2].items[0]
    token = token_of(editor, f"/admin/issues/{issue.id}")
    response = editor.post(
        f"/admin/issues/{issue.id}/topics",
        data={"csrf_token": token, "revision": "1", f"item-{first.id}": ["astrology"]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "astrology" in response.get_data(as_text=True)
    session.expire_all()
    assert [row.topic.slug for row in first.topics] == ["capital"]


def test_details_are_saved_and_audited(editor: FlaskClient, session: Session, issue: Issue) -> None:
    token = token_of(editor, f"/admin/issues/{issue.id}")
    response = editor.post(
        f"/admin/issues/{issue.id}/details",
        data={
            "csrf_token": token,
            "title": "新标题",
            "date": "2026-05-12",
            "subject": "今日要闻",
            "preheader": "",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert (issue.title, issue.issue_date.isoformat() if issue.issue_date else None) == (
        "新标题",
        "2026-05-12",
    )
    assert issue.subject == "今日要闻"
    assert actions(session) == ["issue.edit"]


@pytest.mark.parametrize(
    ("field", "value"), [("title", ""), ("date", "12/05/2026"), ("subject", "x" * 301)]
)
def test_bad_details_are_shown_at_the_field(
    editor: FlaskClient, session: Session, issue: Issue, field: str, value: str
) -> None:
    data = {"title": "t", "date": "2026-05-12", "subject": "", "preheader": ""}
    data[field] = value
    data["csrf_token"] = token_of(editor, f"/admin/issues/{issue.id}")
    response = editor.post(f"/admin/issues/{issue.id}/details", data=data)
    assert response.status_code == 422
    assert 'class="field has-error"' in response.get_data(as_text=True)
    assert actions(session) == []


def test_a_sent_issue_cannot_be_edited(editor: FlaskClient, session: Session, issue: Issue) -> None:
    make_campaign(session, issue, status=CampaignStatus.SENT)
    session.commit()
    token = token_of(editor, f"/admin/issues/{issue.id}")
    data = {"csrf_token": token, "title": "x", "date": "", "subject": "", "preheader": ""}
    response = editor.post(f"/admin/issues/{issue.id}/details", data=data, follow_redirects=True)
    assert "can no longer be edited" in response.get_data(as_text=True)
    session.expire_all()
    assert issue.title != "x"


def test_markdown_download_imports_back_to_the_same_issue(
    editor: FlaskClient, issue: Issue
) -> None:
    response = editor.get(f"/admin/issues/{issue.id}/export.md")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{issue.slug}.md"'
    assert parse_markdown(response.get_data(as_text=True)) == load_document(issue)


def test_an_unknown_issue_is_404(editor: FlaskClient) -> None:
    assert editor.get("/admin/issues/999").status_code == 404


def test_the_real_sample_imports_through_the_form(
    editor: FlaskClient, session: Session, sample_path: Path
) -> None:
    token = token_of(editor, "/admin/issues/new")
    upload = (BytesIO(sample_path.read_bytes()), sample_path.name)
    response = editor.post(
        "/admin/issues/new",
        data={"csrf_token": token, "file": upload},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "OpenAI 完成 1220 亿美元新融资" in html
    assert "line 30:" in html  # the joined-paragraph warning, with its line
    assert count_issues(session) == 1
