"""Issues stored and published the way the archive finds them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.storage import create_issue
from newsletter.models import CampaignStatus, Issue
from tests.factories import make_campaign

XSS = '<script>alert("x")</script>'


def document(day: dt.date, title: str = "AI前沿发展日报") -> IssueDocument:
    """An issue with a general overview and one item each of capital, research and none."""
    return IssueDocument(
        title=f"{title} {day.isoformat()}",
        date=day,
        window="2026-04-06 08:00 至 2026-04-07 08:00",
        sections=[
            Section(
                SectionKind.OVERVIEW, "总览", ["今天的总览段落。详见 https://example.com/o 。"]
            ),
            Section(
                SectionKind.EVENTS,
                "重要事件",
                items=[
                    Item(
                        "OpenAI 完成融资",
                        {"发生了什么": "融资 1220 亿美元。"},
                        [SourceLink("OpenAI", "Funding", "https://openai.com/funding")],
                        topics=["capital"],
                    ),
                    Item(
                        "新论文发布",
                        {"做了什么": "一篇论文。"},
                        [SourceLink("arXiv", "Paper", "https://arxiv.org/abs/1")],
                        topics=["research"],
                    ),
                    Item("一般新闻", {"发生了什么": "无主题。"}),
                ],
            ),
            Section(SectionKind.ANALYSIS, "商业分析", ["分析段落。"]),
        ],
    )


def stored_issue(
    session: Session,
    day: dt.date,
    *,
    status: CampaignStatus | None = CampaignStatus.SENT,
    started: dt.datetime | None = None,
    doc: IssueDocument | None = None,
) -> Issue:
    """An issue of ``day`` with one campaign of ``status`` (None: no campaign at all)."""
    issue = create_issue(session, doc or document(day))
    if status is not None:
        started_at = started or dt.datetime.combine(day, dt.time(0, 5), tzinfo=dt.UTC)
        if status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            started_at = None
        make_campaign(session, issue, status=status, started_at=started_at)
    session.commit()
    return issue
