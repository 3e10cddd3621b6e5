"""Exporting the list as CSV: every contract column plus status and dates, ordered by address.

UTF-8 with a byte-order mark, so spreadsheet programs detect the encoding. Rows are read in
keyset pages by address, so memory stays flat however long the list is, and an export can be
streamed to a browser while it is produced.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import Subscriber, SubscriberStatus

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@")
PAGE = 2000
EXPORT_COLUMNS = (
    "email",
    "name",
    "topics",
    "locale",
    "time_zone",
    "status",
    "consent_at",
    "consent_method",
    "consent_ip",
    "consent_form",
    "receive_empty_issues",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
)


def count_readers(session: Session, status: SubscriberStatus | None = None) -> int:
    """How many readers an export with this filter writes."""
    query = select(func.count()).select_from(Subscriber)
    if status is not None:
        query = query.where(Subscriber.status == status)
    return int(session.scalar(query) or 0)


def export_records(session: Session, status: SubscriberStatus | None = None) -> Iterator[list[str]]:
    """Every reader (or those with ``status``) as CSV fields, ordered by address."""
    last = ""
    while True:
        query = select(Subscriber).where(Subscriber.email > last).order_by(Subscriber.email)
        if status is not None:
            query = query.where(Subscriber.status == status)
        # Each page loads its readers' topics with one more query (selectin).
        page = list(session.scalars(query.limit(PAGE)))
        if not page:
            return
        for reader in page:
            yield _record(reader)
        last = page[-1].email
        session.expunge_all()


def write_csv(
    session: Session, out: TextIO, status: SubscriberStatus | None = None
) -> Iterator[int]:
    """Write the export to ``out``; yields after each page with the rows written so far."""
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow(EXPORT_COLUMNS)
    written = 0
    for record in export_records(session, status):
        writer.writerow(record)
        written += 1
        if written % PAGE == 0:
            yield written
    yield written


def csv_chunks(session: Session, status: SubscriberStatus | None = None) -> Iterator[str]:
    """The export as text chunks, for a streamed download."""
    buffer = io.StringIO()
    for _written in write_csv(session, buffer, status):
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _record(reader: Subscriber) -> list[str]:
    topics = sorted(reader.topics, key=lambda topic: topic.position)
    values: dict[str, Any] = {
        "email": reader.email,
        "name": escape_formula(reader.name),
        "topics": ";".join(topic.slug for topic in topics),
        "locale": reader.locale,
        "time_zone": reader.time_zone,
        "status": reader.status.value,
        "consent_at": _moment(reader.consent_at),
        "consent_method": reader.consent_method.value if reader.consent_method else "",
        "consent_ip": reader.consent_ip or "",
        "consent_form": escape_formula(reader.consent_form or ""),
        "receive_empty_issues": "yes" if reader.receive_empty_issues else "no",
        "created_at": _moment(reader.created_at),
        "confirmed_at": _moment(reader.confirmed_at),
        "unsubscribed_at": _moment(reader.unsubscribed_at),
    }
    return [str(values[column]) for column in EXPORT_COLUMNS]


def _moment(value: dt.datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def escape_formula(value: str) -> str:
    """Keep spreadsheet programs from running free text as a formula (CSV injection);
    the import removes the quote again, so an export imports back unchanged."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def unescape_formula(value: str) -> str:
    """Undo :func:`escape_formula`."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value
