"""An issue document stored and loaded back is the same document."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.storage import UnknownTopic, create_issue, load_document, replace_content
from newsletter.models import TopicOrigin


def _document() -> IssueDocument:
    return IssueDocument(
        title="AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)",
        date=dt.date(2026, 4, 7),
        window="2026-04-01 至 2026-04-07",
        subject="今日要闻",
        preheader="资本与算力",
        sections=[
            Section(SectionKind.OVERVIEW, "今日总览", paragraphs=["第一段。", "第二段。"]),
            Section(
                SectionKind.EVENTS,
                "今日 Top 2 大事件",
                items=[
                    Item(
                        "OpenAI 完成融资",
                        fields={"发生了什么": "融资。", "为什么重要": "门槛。"},
                        sources=[SourceLink("OpenAI", "Raise", "https://openai.example/a")],
                        topics=["capital", "compute"],
                        topic_matches={"capital": ["融资"]},
                    ),
                    Item("无主题条目", fields={"关键信息": "x"}),
                ],
            ),
        ],
    )


def test_a_stored_document_loads_back_unchanged(session: Session) -> None:
    issue = create_issue(session, _document())
    session.commit()
    session.expire_all()
    assert load_document(issue) == _document()
    assert issue.slug == "2026-04-07"
    assert issue.revision == 1


def test_a_second_issue_of_the_same_day_gets_its_own_slug(session: Session) -> None:
    create_issue(session, _document())
    second = create_issue(session, _document())
    assert second.slug == "2026-04-07-2"


def test_replacing_content_bumps_the_revision_and_marks_editor_topics(session: Session) -> None:
    issue = create_issue(session, _document())
    edited = _document()
    edited.sections[1].items[1].topics = ["regulation"]
    replace_content(session, issue, edited)
    session.commit()
    session.expire_all()
    assert issue.revision == 2
    assert load_document(issue).sections[1].items[1].topics == ["regulation"]
    origins = {row.origin for item in issue.sections[1].items for row in item.topics}
    assert origins == {TopicOrigin.EDITOR}


def test_an_unknown_topic_is_refused(session: Session) -> None:
    document = _document()
    document.sections[1].items[0].topics = ["crypto"]
    with pytest.raises(UnknownTopic, match="crypto"):
        create_issue(session, document)
