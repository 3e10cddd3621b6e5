"""Building blocks of the sender tests: an issue with topics and links, a started campaign,
transports that answer as told, and running batches until a campaign has no work."""

from __future__ import annotations

import datetime as dt
import email
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery import lifecycle
from newsletter.delivery.pacing import Limits
from newsletter.delivery.process import sender_process
from newsletter.delivery.sender import BatchReport, send_batch
from newsletter.delivery.transports import OutgoingMessage, SendResult, Transport
from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.storage import create_issue
from newsletter.models import Campaign, Delivery
from tests.delivery.helpers import OPERATOR
from tests.factories import make_subscriber

DOCUMENT = IssueDocument(
    title="AI前沿发展日报 | 2026-04-07",
    date=dt.date(2026, 4, 7),
    sections=[
        Section(SectionKind.OVERVIEW, "概览", paragraphs=["今日要点：算力与资本。"]),
        Section(
            SectionKind.EVENTS,
            "今日大事件",
            items=[
                Item(
                    "融资消息",
                    {"发生了什么": "一家公司融资。"},
                    topics=["capital"],
                    sources=[SourceLink("媒体", "融资", "https://example.com/capital")],
                ),
                Item(
                    "新论文",
                    {"发生了什么": "一篇论文。"},
                    topics=["research"],
                    sources=[SourceLink("期刊", "论文", "https://example.com/paper")],
                ),
            ],
        ),
    ],
)


def started_campaign(session: Session, readers: Iterable[tuple[str, Iterable[str]]]) -> Campaign:
    """A campaign of :data:`DOCUMENT` started for ``readers`` (address, topic slugs)."""
    issue = create_issue(session, DOCUMENT)
    for address, topics in readers:
        make_subscriber(session, address, topics)
    campaign = lifecycle.create_campaign(session, issue, actor=OPERATOR)
    lifecycle.start(session, campaign, actor=OPERATOR)
    session.commit()
    return campaign


def numbered_readers(count: int, topics: Iterable[str] = ()) -> list[tuple[str, list[str]]]:
    return [(f"reader{index}@example.org", list(topics)) for index in range(count)]


@dataclass
class ScriptedTransport:
    """Accepts every message, or raises what ``answers`` gives for its recipient."""

    answers: Callable[[str], Exception | None] = lambda _recipient: None
    name: str = "scripted"
    sent: list[OutgoingMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: OutgoingMessage) -> SendResult:
        error = self.answers(message.recipient)
        if error is not None:
            raise error
        with self.lock:
            self.sent.append(message)
            return SendResult(f"msg-{len(self.sent)}")

    def close(self) -> None:
        pass

    def parsed(self) -> dict[str, Message]:
        """The accepted messages by recipient (a recipient twice fails the test)."""
        found: dict[str, Message] = {}
        for message in self.sent:
            assert message.recipient not in found, f"{message.recipient} got two messages"
            found[message.recipient] = email.message_from_bytes(message.data)
        return found


def use_transport(app: Flask, transport: Transport, rate: float = 2000.0,
                  max_24h: float | None = None) -> None:  # fmt: skip
    """Make the app's sender use ``transport`` and the given limits."""
    process = sender_process(app)
    process.transport_factory = lambda _settings: transport
    process.limits_reader = lambda _settings: Limits(rate, max_24h, None, "test")


def send_all(campaign_id: int, worker: str = "test-worker", most: int = 100) -> list[BatchReport]:
    """Run batches until one says there is no more work (at most ``most``)."""
    reports = []
    for _ in range(most):
        report = send_batch(campaign_id, worker)
        reports.append(report)
        if not report.more:
            break
    return reports


def rows_of(session: Session, campaign_id: int) -> list[Delivery]:
    session.expire_all()
    return list(
        session.scalars(
            select(Delivery).where(Delivery.campaign_id == campaign_id).order_by(Delivery.id)
        )
    )
