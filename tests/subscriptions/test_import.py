"""Importing and exporting the list by the contract of subscribers/README.md."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import ConsentMethod, Subscriber, SubscriberStatus, SuppressionReason
from newsletter.subscriptions.leaving import unsubscribe
from newsletter.subscriptions.suppression import active_suppression, suppress
from newsletter.subscriptions.transfer.exporter import csv_chunks
from newsletter.subscriptions.transfer.importer import (
    ImportFileError,
    ImportSummary,
    import_file,
)
from newsletter.subscriptions.transfer.jobs import import_options
from newsletter.subscriptions.transfer.plan import Outcome
from tests.factories import make_subscriber
from tests.subscriptions.helpers import snapshot

SAMPLES = Path(__file__).resolve().parents[2] / "subscribers" / "samples"
HEADER = "email,name,topics,locale,status,consent_at,consent_method\n"


def run(app: Flask, session: Session, text: str | bytes, *, dry_run: bool = False) -> ImportSummary:
    data = text.encode("utf-8") if isinstance(text, str) else text
    options = import_options(app.config["NEWSLETTER"], dry_run=dry_run)
    return import_file(session, io.BytesIO(data), options)


def readers(session: Session) -> dict[str, Subscriber]:
    session.expire_all()
    return {r.email: r for r in session.scalars(select(Subscriber))}


def counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    c = summary.counts
    return (c[Outcome.CREATED], c[Outcome.UPDATED], c[Outcome.UNCHANGED], c[Outcome.REJECTED])


def test_the_sample_list_imports_with_topics_consent_and_choices(
    app: Flask, session: Session
) -> None:
    summary = run(app, session, (SAMPLES / "readers.csv").read_bytes())
    assert counts(summary) == (8, 0, 0, 0)
    found = readers(session)
    li = found["li.wei@example.org"]
    assert li.status is SubscriberStatus.CONFIRMED
    assert li.topic_slugs() == {"capital", "compute"}
    assert li.consent_method is ConsentMethod.SIGNUP_FORM
    assert li.consent_ip == "203.0.113.0/24"  # stored as NEWSLETTER_IP_STORAGE says
    assert found["zhang.min@example.org"].receive_empty_issues is False
    assert found["zhao.lei@example.org"].topic_slugs() == {"capital", "compute"}  # 资本;算力
    assert found["ana.silva@example.org"].time_zone == "Europe/Lisbon"
    assert found["liu.yang@example.org"].status is SubscriberStatus.PENDING


def test_the_same_file_again_changes_nothing(app: Flask, session: Session) -> None:
    data = (SAMPLES / "readers.csv").read_bytes()
    run(app, session, data)
    before = snapshot(session)
    assert counts(run(app, session, data)) == (0, 0, 8, 0)
    assert snapshot(session)["readers"] == before["readers"]
    assert snapshot(session)["topics"] == before["topics"]


def test_a_tab_separated_file_with_a_bom_is_read(app: Flask, session: Session) -> None:
    data = b"\xef\xbb\xbf" + (SAMPLES / "readers-tab.tsv").read_bytes()
    assert counts(run(app, session, data)) == (2, 0, 0, 0)
    assert readers(session)["sun.li@example.org"].topic_slugs() == {"regulation", "research"}


def test_bad_lines_are_reported_by_line_and_good_ones_imported(
    app: Flask, session: Session
) -> None:
    summary = run(app, session, (SAMPLES / "readers-with-problems.csv").read_bytes())
    assert counts(summary) == (1, 0, 0, 6)
    reasons = {r.line: r.reason for r in summary.report}
    assert "must have an @-sign" in reasons[3]
    assert "unknown topic crypto" in reasons[4]
    assert "'fr' is not a supported language" in reasons[5]
    assert "needs consent_at and consent_method" in reasons[6]
    assert "'yesterday' is not an ISO 8601 time" in reasons[7]
    assert reasons[8] == "duplicate of line 2 (the first line wins)"
    assert set(readers(session)) == {"good.one@example.org"}


def test_a_dry_run_reports_every_change_and_writes_nothing(app: Flask, session: Session) -> None:
    make_subscriber(session, "li.wei@example.org", ["research"], name="李伟")
    session.commit()
    before = snapshot(session)
    summary = run(app, session, (SAMPLES / "readers.csv").read_bytes(), dry_run=True)
    assert counts(summary) == (7, 1, 0, 0)
    [update] = [r for r in summary.report if r.outcome is Outcome.UPDATED]
    assert (update.line, update.reason) == (2, "topics")
    assert snapshot(session) == before


def test_suppressed_addresses_are_never_brought_back(app: Flask, session: Session) -> None:
    gone = make_subscriber(session, "li.wei@example.org", ["capital"])
    unsubscribe(session, gone, source="footer")
    suppress(session, "zhang.min@example.org", SuppressionReason.COMPLAINT, source="ses")
    session.commit()
    summary = run(app, session, (SAMPLES / "readers.csv").read_bytes())
    rejected = {r.email: r.reason for r in summary.report}
    assert "the reader left (unsubscribed)" in rejected["li.wei@example.org"]
    assert "suppression list (complaint)" in rejected["zhang.min@example.org"]
    found = readers(session)
    assert found["li.wei@example.org"].status is SubscriberStatus.UNSUBSCRIBED
    assert "zhang.min@example.org" not in found


def test_a_status_is_never_lowered_and_consent_never_overwritten(
    app: Flask, session: Session
) -> None:
    reader = make_subscriber(session, "li@example.org", ["capital"])
    first_consent = reader.consent_at
    session.commit()
    run(app, session, HEADER + "li@example.org,Li,capital,zh_CN,pending,,\n")
    assert readers(session)["li@example.org"].status is SubscriberStatus.CONFIRMED
    line = "li@example.org,Li,capital,zh_CN,confirmed,2020-01-01T00:00:00+00:00,import\n"
    run(app, session, HEADER + line)
    assert readers(session)["li@example.org"].consent_at == first_consent


def test_a_pending_reader_is_confirmed_by_a_line_with_consent(app: Flask, session: Session) -> None:
    make_subscriber(session, "li@example.org", status=SubscriberStatus.PENDING)
    session.commit()
    line = "li@example.org,,,,confirmed,2026-03-01T09:30:00+08:00,embedded_form\n"
    assert counts(run(app, session, HEADER + line)) == (0, 1, 0, 0)
    reader = readers(session)["li@example.org"]
    assert reader.status is SubscriberStatus.CONFIRMED
    assert reader.consent_method is ConsentMethod.EMBEDDED_FORM
    assert reader.confirmed_at == reader.consent_at


def test_a_line_that_says_unsubscribed_makes_the_reader_leave(app: Flask, session: Session) -> None:
    make_subscriber(session, "li@example.org", ["capital"])
    session.commit()
    summary = run(
        app, session, "email,status\nli@example.org,unsubscribed\nnew@example.org,bounced\n"
    )
    assert counts(summary) == (1, 1, 0, 0)
    found = readers(session)
    assert found["li@example.org"].status is SubscriberStatus.UNSUBSCRIBED
    assert found["new@example.org"].status is SubscriberStatus.BOUNCED
    entry = active_suppression(session, "new@example.org")
    assert entry is not None
    assert entry.reason is SuppressionReason.HARD_BOUNCE
    assert active_suppression(session, "li@example.org") is not None


def test_an_export_imports_back_into_an_empty_list_unchanged(app: Flask, session: Session) -> None:
    run(app, session, (SAMPLES / "readers.csv").read_bytes())
    make_subscriber(session, "=cmd@example.org", name='=HYPERLINK("http://x")')
    session.commit()
    exported = "".join(csv_chunks(session)).encode("utf-8")
    assert exported.startswith(b"\xef\xbb\xbf")
    assert b"'=HYPERLINK" in exported  # a spreadsheet shows it as text
    before = snapshot(session)
    for reader in session.scalars(select(Subscriber)):
        session.delete(reader)
    session.commit()
    assert counts(run(app, session, exported))[0] == 9
    after = snapshot(session)
    assert after["readers"] == before["readers"]
    assert len(after["topics"]) == len(before["topics"])
    assert readers(session)["=cmd@example.org"].name == '=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "line 1: the file is empty"),
        (b"name,topics\nLi,capital\n", "there is no 'email' column"),
        (b"email,email\na@example.org,b@example.org\n", "the column email appears twice"),
        ("email\nli@example.org\n".encode("gbk") + "张@例子.中国\n".encode("gbk"), "line 3"),
    ],
)
def test_unreadable_files_are_refused_whole(
    app: Flask, session: Session, data: bytes, message: str
) -> None:
    before = snapshot(session)
    with pytest.raises(ImportFileError, match=message):
        run(app, session, data)
    assert snapshot(session) == before


def test_a_broken_quote_costs_its_line_only_and_lines_keep_their_numbers(
    app: Flask, session: Session
) -> None:
    data = (
        "email,name,consent_form\n"
        'a@example.org,"A"x,\n'
        'b@example.org,"Bai, Li","two\nlines"\n'
        'c@example.org,C,"x"y\n'
        "d@example.org,D,\n"
    )
    summary = run(app, session, data)
    assert counts(summary) == (2, 0, 0, 2)
    assert [r.line for r in summary.report] == [2, 5]
    assert "not valid CSV" in summary.report[0].reason
    assert readers(session)["b@example.org"].name == "Bai, Li"
