"""/api/v1/issues: create from each format, all or nothing, read, retag, preview."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.issues.markdown_format import export_markdown
from newsletter.models import AuditEntry, CampaignStatus, Issue, utcnow
from tests.api.conftest import ApiClient
from tests.archive.helpers import XSS, document, stored_issue
from tests.factories import make_campaign

DEMO = Path(__file__).resolve().parents[2] / "newsletter" / "demo" / "daily-report-demo.txt"
DAY = dt.date(2026, 4, 7)


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Issue)) or 0


def _report_body() -> dict[str, str]:
    return {"format": "report", "content": DEMO.read_text(encoding="utf-8")}


def test_a_report_becomes_an_issue_with_suggested_topics(
    editor_api: ApiClient, session: Session
) -> None:
    answer = editor_api.post("/issues", _report_body())

    assert answer.status_code == 201, answer.get_json()
    issue = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/issues/{issue['id']}"
    assert issue["title"].startswith("AI前沿发展日报")
    assert issue["date"] == "2026-05-11"
    assert issue["status"] == "draft"
    assert issue["source_format"] == "text"
    kinds = [section["kind"] for section in issue["sections"]]
    assert kinds[:3] == ["overview", "conclusions", "events"]
    first = issue["sections"][2]["items"][0]
    assert first["title"].startswith("星衡智能完成 30 亿元 B 轮融资")
    assert first["fields"][0]["label"] == "发生了什么"
    assert "capital" in first["topics"]
    assert first["topic_reasons"]["capital"]["origin"] == "rule"
    assert first["topic_reasons"]["capital"]["matched"]
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "issue.import"))
    assert audit is not None
    assert "(API token nl_" in audit.actor_label

    again = editor_api.get(f"/issues/{issue['id']}").get_json()
    assert again["sections"] == issue["sections"]


def test_markdown_and_json_keep_the_editors_topics(editor_api: ApiClient, session: Session) -> None:
    doc = document(DAY)
    markdown = export_markdown(doc)
    as_json = doc.to_json()

    from_markdown = editor_api.post("/issues", {"format": "markdown", "content": markdown})
    from_object = editor_api.post("/issues", {"format": "json", "content": as_json})
    from_string = editor_api.post(
        "/issues", {"format": "json", "content": json.dumps(as_json, ensure_ascii=False)}
    )

    for answer in (from_markdown, from_object, from_string):
        assert answer.status_code == 201, answer.get_json()
        items = answer.get_json()["sections"][1]["items"]
        assert [item["topics"] for item in items] == [["capital"], ["research"], []]
        assert items[0]["topic_reasons"]["capital"]["origin"] == "editor"
    assert _count(session) == 3


def test_an_unreadable_issue_is_422_with_line_numbers_and_nothing_saved(
    editor_api: ApiClient, session: Session
) -> None:
    broken = "---\ntitle: [unclosed\n---\n\n# 总览\n"

    answer = editor_api.post("/issues", {"format": "markdown", "content": broken})

    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "unreadable_issue"
    assert error["where"] == "body.content"
    assert error["problems"]
    assert all(problem["severity"] == "error" for problem in error["problems"])
    assert any(isinstance(problem["line"], int) for problem in error["problems"])
    assert _count(session) == 0


def test_an_unknown_topic_in_json_saves_nothing(editor_api: ApiClient, session: Session) -> None:
    data = document(DAY).to_json()
    data["sections"][1]["items"][0]["topics"] = ["capital", "astrology"]

    answer = editor_api.post("/issues", {"format": "json", "content": data})

    assert answer.status_code == 422
    assert "astrology" in json.dumps(answer.get_json(), ensure_ascii=False)
    assert _count(session) == 0


@pytest.mark.parametrize(
    ("body", "status", "code", "where"),
    [
        (b"{not json", 400, "malformed_json", "body"),
        (b'{"format": "report", "content": NaN}', 400, "malformed_json", "body"),
        (b"\xff\xfe", 400, "malformed_json", "body"),
        (b"[1, 2]", 422, "invalid_field", "body"),
        (b'"text"', 422, "invalid_field", "body"),
        (b"{}", 422, "invalid_field", "body.format"),
        (b'{"format": 3, "content": "x"}', 422, "invalid_field", "body.format"),
        (b'{"format": "pdf", "content": "x"}', 422, "invalid_field", "body.format"),
        (b'{"format": "report", "content": 12}', 422, "invalid_field", "body.content"),
        (b'{"format": "report", "content": {"a": 1}}', 422, "invalid_field", "body.content"),
        (b'{"format": "report", "content": "   "}', 422, "invalid_field", "body.content"),
        (b'{"format": "report", "content": "x", "extra": 1}', 422, "invalid_field", "body.extra"),
        (b"[" * 100000 + b"]" * 100000, 400, "malformed_json", "body"),
    ],
)
def test_bad_bodies_get_clear_errors(
    editor_api: ApiClient, session: Session, body: bytes, status: int, code: str, where: str
) -> None:
    answer = editor_api.post("/issues", data=body, content_type="application/json")

    assert answer.status_code == status, answer.get_json()
    error = answer.get_json()["error"]
    assert (error["code"], error["where"]) == (code, where)
    assert error["message"]
    assert _count(session) == 0


def test_a_body_that_is_not_json_is_415(editor_api: ApiClient) -> None:
    answer = editor_api.post("/issues", data="format=report", content_type="text/plain")
    assert answer.status_code == 415
    assert answer.get_json()["error"]["where"] == "header.Content-Type"


def test_a_huge_body_is_413(editor_api: ApiClient, session: Session) -> None:
    content = "x" * (3 * 1024 * 1024)
    answer = editor_api.post("/issues", {"format": "report", "content": content})
    assert answer.status_code == 413
    assert answer.get_json()["error"]["code"] == "body_too_large"
    assert _count(session) == 0


def test_an_idempotency_key_replays_the_first_answer(
    editor_api: ApiClient, session: Session
) -> None:
    headers = {"Idempotency-Key": "daily-2026-05-11"}

    first = editor_api.post("/issues", _report_body(), headers=headers)
    retry = editor_api.post("/issues", _report_body(), headers=headers)
    other = editor_api.post(
        "/issues", {"format": "report", "content": "AI前沿发展日报 | 2026-05-12\n"}, headers=headers
    )
    bad_key = editor_api.post("/issues", _report_body(), headers={"Idempotency-Key": "é" * 3})

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert bad_key.status_code == 400
    assert _count(session) == 1


def test_issues_are_listed_newest_first_a_page_at_a_time(
    editor_api: ApiClient, session: Session
) -> None:
    days = [dt.date(2026, 4, 1) + dt.timedelta(days=n) for n in range(5)]
    for day in days:
        stored_issue(session, day, status=None)

    first = editor_api.get("/issues?per_page=2").get_json()
    last = editor_api.get("/issues?per_page=2&page=3").get_json()

    assert [item["date"] for item in first["items"]] == ["2026-04-05", "2026-04-04"]
    assert (first["total"], first["pages"], first["page"]) == (5, 3, 1)
    assert [item["date"] for item in last["items"]] == ["2026-04-01"]
    for query in ("page=0", "per_page=1000", "page=abc", "per_page=-1"):
        answer = editor_api.get(f"/issues?{query}")
        assert answer.status_code == 422, query
        assert answer.get_json()["error"]["where"].startswith("query.")


def test_unknown_issues_are_404(editor_api: ApiClient) -> None:
    for path in ("/issues/999", "/issues/999/preview", "/issues/99999999999999"):
        answer = editor_api.get(path)
        assert answer.status_code == 404, path
        assert answer.get_json()["error"]["code"] == "not_found"


def _stored(session: Session) -> tuple[Issue, int]:
    issue = stored_issue(session, DAY, status=None)
    item_id = issue.sections[1].items[0].id
    return issue, item_id


def test_an_items_topics_can_be_changed(editor_api: ApiClient, session: Session) -> None:
    issue, item_id = _stored(session)
    revision = issue.revision

    answer = editor_api.patch(
        f"/issues/{issue.id}/items/{item_id}", {"topics": ["compute", "capital"]}
    )

    assert answer.status_code == 200, answer.get_json()
    item = answer.get_json()
    assert item["topics"] == ["capital", "compute"]
    assert item["topic_reasons"]["compute"] == {"origin": "editor", "matched": []}
    session.expire_all()
    assert session.get(Issue, issue.id).revision == revision + 1  # type: ignore[union-attr]
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "issue.item_topics"))


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"topics": ["astrology"]}, "body.topics"),
        ({"topics": "capital"}, "body.topics"),
        ({"topics": [1]}, "body.topics[0]"),
        ({}, "body.topics"),
        ({"topics": [], "title": "x"}, "body.title"),
    ],
)
def test_bad_topic_changes_are_422(
    editor_api: ApiClient, session: Session, body: dict[str, object], where: str
) -> None:
    issue, item_id = _stored(session)
    answer = editor_api.patch(f"/issues/{issue.id}/items/{item_id}", body)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["where"] == where


def test_an_item_of_another_issue_is_404_and_a_sent_issue_is_locked(
    editor_api: ApiClient, session: Session
) -> None:
    issue, item_id = _stored(session)
    other, _ = _stored(session)

    assert (
        editor_api.patch(f"/issues/{other.id}/items/{item_id}", {"topics": []}).status_code == 404
    )
    make_campaign(session, issue, status=CampaignStatus.SENDING, started_at=utcnow())
    session.commit()
    locked = editor_api.patch(f"/issues/{issue.id}/items/{item_id}", {"topics": []})
    assert locked.status_code == 409
    assert locked.get_json()["error"]["code"] == "issue_locked"


def test_the_preview_shows_a_topic_mix_without_tracking(
    editor_api: ApiClient, session: Session
) -> None:
    issue, _ = _stored(session)

    everything = editor_api.get(f"/issues/{issue.id}/preview")
    research = editor_api.get(f"/issues/{issue.id}/preview?topics=research")
    general = editor_api.get(f"/issues/{issue.id}/preview?topics=-")
    unknown = editor_api.get(f"/issues/{issue.id}/preview?topics=capital,astrology")

    assert everything.status_code == 200
    assert everything.mimetype == "text/html"
    assert "default-src 'none'" in everything.headers["Content-Security-Policy"]
    html = everything.get_data(as_text=True)
    assert "OpenAI 完成融资" in html
    assert "新论文发布" in html
    assert "/t/c/" not in html
    assert "新论文发布" in research.get_data(as_text=True)
    assert "OpenAI 完成融资" not in research.get_data(as_text=True)
    assert "OpenAI 完成融资" not in general.get_data(as_text=True)
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["where"] == "query.topics"


def test_issue_content_is_escaped_in_the_preview(editor_api: ApiClient, session: Session) -> None:
    issue = stored_issue(session, DAY, status=None, doc=document(DAY, title=XSS))

    html = editor_api.get(f"/issues/{issue.id}/preview").get_data(as_text=True)

    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_nul_characters_are_refused_where_they_are(editor_api: ApiClient, session: Session) -> None:
    issue, item_id = _stored(session)
    deep: object = "x\x00"
    for _ in range(800):
        deep = [deep]

    topics = editor_api.patch(f"/issues/{issue.id}/items/{item_id}", {"topics": ["a\x00"]})
    content = editor_api.post("/issues", {"format": "report", "content": "标题\x00"})
    nested = editor_api.post("/issues", {"format": "json", "content": {"a": deep}})

    assert topics.status_code == 422
    assert topics.get_json()["error"]["where"] == "body.topics[0]"
    assert content.get_json()["error"]["where"] == "body.content"
    assert nested.status_code in (400, 422)
