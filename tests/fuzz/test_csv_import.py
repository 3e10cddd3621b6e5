"""The subscriber CSV importer, fed any bytes, encodings, delimiters and cells: it rejects
bad lines by number or refuses the whole file by line, and never writes half of a file."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from flask import Flask
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import Subscriber
from newsletter.subscriptions.transfer.importer import ImportFileError, import_file
from newsletter.subscriptions.transfer.jobs import create_job, import_options, run_job
from newsletter.subscriptions.transfer.plan import Outcome
from tests.fuzz.profiles import fuzz
from tests.subscriptions.helpers import snapshot

COLUMNS = [
    "email", "name", "topics", "locale", "time_zone", "status", "consent_at",
    "consent_method", "consent_ip", "consent_form", "receive_empty_issues", "unsubscribed_at",
]  # fmt: skip
SAMPLE_CELLS = {
    "email": ["li@example.org", "WANG@Example.ORG", "not-an-address", "a@b", "", "李@例子.中国"],
    "name": ["李伟", 'He said "hi"', "x" * 201, "a\nb", "=cmd", "<b>", "\x00", "\ufeff"],
    "topics": ["capital", "capital;compute", "Capital , Research", "crypto", ";;", ""],
    "locale": ["zh_CN", "en", "zh-cn", "fr", ""],
    "time_zone": ["Asia/Shanghai", "UTC", "Mars/Base", ""],
    "status": ["confirmed", "pending", "unsubscribed", "bounced", "weird", ""],
    "consent_at": ["2026-03-01T09:30:00+08:00", "2026-03-01", "0001-01-01T00:30:00+01:00",
                   "9999-12-31T23:59:59-12:00", "yesterday", ""],
    "consent_method": ["signup_form", "import", "telepathy", ""],
    "consent_ip": ["203.0.113.10", "2001:db8::1", "10.0.0.0/8", "1.2.3.4/99", "::1%eth0", ""],
    "consent_form": ["homepage", "+SUM(A1)", ""],
    "receive_empty_issues": ["yes", "no", "1", "maybe", ""],
    "unsubscribed_at": ["2026-03-01T09:30:00Z", ""],
}  # fmt: skip
LINE_NUMBERED = re.compile(r"^line \d+: \S")


def cell(column: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(SAMPLE_CELLS[column]), st.text(max_size=12))


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A subscriber file: chosen columns, cells good and bad, any delimiter, quoting,
    line ending, encoding and byte-order mark."""
    columns = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6, unique=True))
    delimiter = draw(st.sampled_from([",", "\t", ";", "|"]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    rows = [columns]
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(cell(column)) for column in columns]
        rows.append(draw(st.sampled_from([row, row[:-1], [*row, "extra"]])))
    lines = [delimiter.join(_quoted(value, delimiter, draw) for value in row) for row in rows]
    text = ending.join(lines) + draw(st.sampled_from(["", ending, ending * 2]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030", "latin-1"]))
    return text.encode(encoding, errors="replace")


def _quoted(value: str, delimiter: str, draw: st.DrawFn) -> str:
    style = draw(st.sampled_from(["plain", "quoted", "broken"]))
    if style == "quoted" or (style == "plain" and any(c in value for c in f'"{delimiter}\r\n')):
        return '"' + value.replace('"', '""') + '"'
    if style == "broken":
        return '"' + value
    return value


def readers(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Subscriber)) or 0


def import_and_check(app: Flask, session: Session, data: bytes, dry_run: bool) -> None:
    """Import ``data`` and check the importer's promises whatever the outcome."""
    before, count = snapshot(session), readers(session)
    options = import_options(app.config["NEWSLETTER"], dry_run=dry_run)
    try:
        summary = import_file(session, io.BytesIO(data), options)
    except ImportFileError as refused:
        assert LINE_NUMBERED.match(str(refused)), f"no line number in {refused}"  # noqa: PT017
        session.rollback()
        assert snapshot(session) == before, "a refused file changed the list"
        return
    assert sum(summary.counts.values()) == summary.lines
    for result in summary.report:
        assert result.line >= 2, result
        assert result.outcome is not Outcome.REJECTED or result.reason, result
    if dry_run:
        assert snapshot(session) == before, "a dry run changed the list"
    else:
        assert readers(session) == count + summary.counts[Outcome.CREATED]


@fuzz(0.7)
@given(csv_files(), st.booleans())
@example(b"email,consent_at\nli@example.org,0001-01-01T00:30:00+01:00\n", False)
@example(b"email,name\nli@example.org,a\x00b\n", False)
@example(b"email\rli@example.org\r", False)
@example(b'"' + b"e" * 200_000 + b'"\n', False)
def test_any_subscriber_file_is_imported_by_line_or_refused_whole(
    app: Flask, session: Session, data: bytes, dry_run: bool
) -> None:
    import_and_check(app, session, data, dry_run)


@fuzz(0.5)
@given(st.binary(max_size=600), st.booleans())
def test_any_bytes_are_imported_by_line_or_refused_whole(
    app: Flask, session: Session, data: bytes, dry_run: bool
) -> None:
    import_and_check(app, session, b"email,name\n" + data, dry_run)


@fuzz(0.5)
@given(csv_files(), st.booleans())
@example(b"email,name\nx\x00@example.org,a\nok@example.org,b\n", False)
def test_an_import_job_always_ends_done_or_failed_with_its_report(
    app: Flask, session: Session, data: bytes, dry_run: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "readers.csv"
        path.write_bytes(data)
        job = create_job(session, "readers.csv", dry_run=dry_run, actor=audit.SYSTEM)
        session.commit()
        options = import_options(app.config["NEWSLETTER"], dry_run=dry_run)
        summary = run_job(session, job, path, options, actor=audit.SYSTEM)
    session.expire_all()
    if summary is None:
        assert job.status == "failed"
        assert LINE_NUMBERED.match(job.error), job.error
    else:
        assert job.status == "done"
        assert len(job.report) == len(summary.report)
