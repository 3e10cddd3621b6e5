"""MIME messages as bytes: the per-reader fast path and a path for one-off messages.

Messages are ``multipart/alternative`` with text/plain first and text/html last, UTF-8 in
base64 (compact for CJK, always 7-bit), CRLF line endings and no line over 76 characters.
The ``email`` package is not used to write them: its full serialisation costs milliseconds
per message and its default policy garbles CJK subjects (see :mod:`.headers`). Tests parse
the output back with the ``email`` package.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
import time
from dataclasses import dataclass
from email.utils import format_datetime

from newsletter.rendering.b64stream import encode_lines
from newsletter.rendering.headers import CRLF, address, unstructured
from newsletter.rendering.personal import check_token, clean_name, greeting_pair, topics_pair
from newsletter.rendering.prepared import (
    PreparedVariant,
    boundary_for,
    canonical_bytes,
    list_headers,
    part_header,
)
from newsletter.rendering.settings import RenderSettings
from newsletter.signing import TokenPurpose


@dataclass(frozen=True, slots=True)
class Recipient:
    """One reader of one campaign, as the delivery engine knows them.

    ``token`` is the reader's delivery token; when None it is signed from ``delivery_id``
    with the prepared variant's signer. ``topics_label`` overrides the variant's "why you
    receive this" topics (for readers whose choice includes topics absent from the issue).
    """

    delivery_id: int
    email: str
    name: str = ""
    token: str | None = None
    topics_label: str | None = None


_date_cache: tuple[int, bytes] = (-1, b"")
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>")


def date_line(when: dt.datetime | None = None) -> bytes:
    """``Date:`` for ``when`` (aware) or now; the current second's line is reused."""
    global _date_cache  # noqa: PLW0603 - a one-entry cache; a race only recomputes it
    if when is not None:
        if when.tzinfo is None:
            raise ValueError("message dates must be timezone-aware")
        return f"Date: {format_datetime(when)}{CRLF}".encode("ascii")
    second = int(time.time())
    if _date_cache[0] != second:
        now = dt.datetime.fromtimestamp(second, dt.UTC)
        _date_cache = (second, f"Date: {format_datetime(now)}{CRLF}".encode("ascii"))
    return _date_cache[1]


def message_id_line(domain: str, message_id: str | None = None, hint: int | None = None) -> bytes:
    """``Message-ID:``: the given one, or a fresh ``<hint.random@domain>``."""
    if message_id is None:
        prefix = f"{hint}." if hint is not None else ""
        # The domain is checked once (it is the sender's, the same for every message); a
        # prefix of digits and hex is always valid, so a fresh id needs no check of its own.
        # random, not os.urandom: the id needs to be unique, not secret (the delivery id in
        # it already is), and os.urandom lets go of the GIL, which costs a sender thread a
        # wait for it at every message.
        fresh = f"<{prefix}{random.getrandbits(72):018x}@{_checked_domain(domain)}>"
        return f"Message-ID: {fresh}{CRLF}".encode("ascii")
    if not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"not a valid Message-ID: {message_id!r}")
    return f"Message-ID: {message_id}{CRLF}".encode("ascii")


@functools.lru_cache(maxsize=64)
def _checked_domain(domain: str) -> str:
    if not _MESSAGE_ID.fullmatch(f"<id@{domain}>"):
        raise ValueError(f"not a valid Message-ID domain: {domain!r}")
    return domain


def build_message(
    prepared: PreparedVariant,
    recipient: Recipient,
    *,
    message_id: str | None = None,
    date: dt.datetime | None = None,
) -> bytes:
    """The complete message for one reader of a prepared variant, ready for the transport."""
    token = _token(prepared, recipient).encode("ascii")
    name = clean_name(recipient.name)
    greeting_html, greeting_text = _greeting(prepared, name)
    topics_html, topics_text = _topics(prepared, recipient.topics_label)
    out = [
        date_line(date),
        prepared.from_and_subject,
        address("To", recipient.email, name).encode("ascii"),
        message_id_line(prepared.domain, message_id, recipient.delivery_id),
    ]
    for piece in prepared.list_pieces[:-1]:
        out += (piece, token)
    out += (prepared.list_pieces[-1], prepared.mime_headers, prepared.text_part)
    prepared.text.encode_into(out, (token, greeting_text, topics_text))
    out.append(prepared.html_part)
    prepared.html.encode_into(out, (token, greeting_html, topics_html))
    out.append(prepared.closing)
    return b"".join(out)


def _token(prepared: PreparedVariant, recipient: Recipient) -> str:
    if recipient.token is not None:
        return check_token(recipient.token)
    if prepared.signer is None:
        raise ValueError("recipient has no token and the prepared variant has no signer")
    return prepared.signer.sign(TokenPurpose.DELIVERY, recipient.delivery_id)


def _greeting(prepared: PreparedVariant, name: str) -> tuple[bytes, bytes]:
    if not name:
        return prepared.defaults.greeting_html, prepared.defaults.greeting_text
    for_html, for_text = greeting_pair(name, prepared.locale)
    return for_html.encode("utf-8"), for_text.encode("utf-8")


def _topics(prepared: PreparedVariant, label: str | None) -> tuple[bytes, bytes]:
    if label is None:
        return prepared.defaults.topics_html, prepared.defaults.topics_text
    for_html, for_text = topics_pair(label)
    return for_html.encode("utf-8"), for_text.encode("utf-8")


def build_single_message(
    settings: RenderSettings,
    *,
    to_email: str,
    to_name: str = "",
    subject: str,
    html_body: str,
    text_body: str,
    list_token: str | None = None,
    message_id: str | None = None,
    date: dt.datetime | None = None,
) -> bytes:
    """A one-off message (confirmation, preference link, test send).

    With ``list_token`` the message carries the list headers of an issue (List-Id,
    List-Unsubscribe for that token with RFC 8058 one-click, Precedence: bulk); without, it is
    transactional mail and carries none of them.
    """
    boundary = boundary_for(html_body, text_body)
    lines = _single_headers(settings, to_email, to_name, subject, message_id=message_id, date=date)
    if list_token is not None:
        lines.append(list_headers(settings, check_token(list_token)))
    lines.append(f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"{CRLF}{CRLF}')
    return "".join(lines).encode("ascii") + _alternatives(boundary, text_body, html_body)


def _single_headers(
    settings: RenderSettings,
    to_email: str,
    to_name: str,
    subject: str,
    *,
    message_id: str | None,
    date: dt.datetime | None,
) -> list[str]:
    lines = [
        date_line(date).decode("ascii"),
        address("From", settings.sender_address, settings.sender_name),
        address("To", to_email, clean_name(to_name)),
        unstructured("Subject", subject),
        message_id_line(settings.sender_domain, message_id).decode("ascii"),
        f"MIME-Version: 1.0{CRLF}",
    ]
    if settings.reply_to:
        lines.append(address("Reply-To", settings.reply_to))
    return lines


def _alternatives(boundary: str, text_body: str, html_body: str) -> bytes:
    return b"".join(
        [
            f"--{boundary}{CRLF}".encode("ascii") + part_header("plain"),
            encode_lines(canonical_bytes(text_body)),
            f"--{boundary}{CRLF}".encode("ascii") + part_header("html"),
            encode_lines(canonical_bytes(html_body)),
            f"--{boundary}--{CRLF}".encode("ascii"),
        ]
    )
