"""Reading the outbox folder for the operators' browser, never outside it.

The outbox transport writes ``<outbox>/YYYY-MM-DD/<id>.eml``. A message is named by its day
and file name, each checked against exactly that shape, and the file must resolve to a
regular file inside the outbox (no ``..``, no absolute path, no symlink leading elsewhere),
so a crafted URL can read nothing but outbox messages. The transport's file names start with
the time they were written, so the newest-first order is the names' order; listing reads
only the headers of the messages on the page asked for, and a large outbox pages quickly.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from newsletter.pagination import Page

#: Headers sit in the first bytes; reading more for the list would only cost time.
HEAD_BYTES = 64 * 1024
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$")
_PARSER = BytesParser(policy=email.policy.default)
PAGE_SIZE = 50


class NotInOutbox(LookupError):
    """No outbox message by that name (or the name is not one an outbox message can have)."""


@dataclass(frozen=True)
class OutboxEntry:
    """One message of the list: where it is and what its headers say."""

    day: str
    name: str
    size: int
    written_at: dt.datetime
    to: str
    subject: str
    date: str


def message_path(root: Path, day: str, name: str) -> Path:
    """The file of message ``day/name`` inside ``root``; :class:`NotInOutbox` otherwise."""
    if not DAY.match(day) or not NAME.match(name):
        raise NotInOutbox(f"{day}/{name}")
    folder = root / day
    path = folder / name
    if folder.is_symlink() or path.is_symlink() or not path.is_file():
        raise NotInOutbox(f"{day}/{name}")
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise NotInOutbox(f"{day}/{name}")
    return path


def read_message(root: Path, day: str, name: str) -> EmailMessage:
    """The parsed message ``day/name``."""
    with message_path(root, day, name).open("rb") as handle:
        parsed: EmailMessage = _PARSER.parse(handle)
    return parsed


def list_messages(root: Path, number: int = 1) -> Page[OutboxEntry]:
    """Page ``number`` of the outbox's messages, newest first."""
    by_day = [(day, _names(root / day)) for day in _days(root)]
    total = sum(len(names) for _, names in by_day)
    number = min(max(number, 1), max(1, -(-total // PAGE_SIZE)))
    skip = (number - 1) * PAGE_SIZE
    items: list[OutboxEntry] = []
    for day, names in by_day:
        if skip >= len(names):
            skip -= len(names)
            continue
        names.sort(reverse=True)
        for name in names[skip : skip + PAGE_SIZE - len(items)]:
            items.append(_entry(day, root / day / name))
        skip = 0
        if len(items) >= PAGE_SIZE:
            break
    return Page(items, total, number, PAGE_SIZE)


def _days(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    found = [
        entry.name
        for entry in os.scandir(root)
        if DAY.match(entry.name) and entry.is_dir(follow_symlinks=False)
    ]
    return sorted(found, reverse=True)


def _names(folder: Path) -> list[str]:
    # Plain names: building a Path for each of a busy day's files costs more than the rest.
    return [
        entry.name
        for entry in os.scandir(folder)
        if NAME.match(entry.name) and entry.is_file(follow_symlinks=False)
    ]


def _entry(day: str, path: Path) -> OutboxEntry:
    stat = path.stat()
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    headers = _PARSER.parsebytes(head, headersonly=True)
    return OutboxEntry(
        day=day,
        name=path.name,
        size=stat.st_size,
        written_at=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC),
        to=str(headers.get("To", "")),
        subject=str(headers.get("Subject", "")),
        date=str(headers.get("Date", "")),
    )


def body_text(message: EmailMessage, subtype: str) -> str | None:
    """The decoded ``text/<subtype>`` body of ``message``, or None when it has none."""
    part = message.get_body((subtype,))
    if part is None:
        return None
    try:
        content: str = part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset: show it anyway
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return content
