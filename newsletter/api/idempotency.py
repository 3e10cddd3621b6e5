"""``Idempotency-Key`` on creating requests: a retried request gets the first answer again.

The pipeline may time out after the server stored its issue; retrying with the same key
returns the stored answer instead of a second issue. Keys belong to the token's owner; the
same key with a different body is refused. Only successful answers are kept, so a request
that failed may be fixed and sent again with its key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.api.errors import ApiError
from newsletter.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredAnswer:
    """The answer given to the first request with a key."""

    status: int
    body: dict[str, Any]


def key_of_request() -> str | None:
    """The request's idempotency key, None without one; 400 for an unusable key."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"the {HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
            f"header.{HEADER}",
        )
    return key


def fingerprint(body: bytes) -> str:
    """What identifies a request's content, to tell a retry from a different request."""
    return hashlib.sha256(body).hexdigest()


def stored_answer(session: Session, user_id: int, key: str, body_hash: str) -> StoredAnswer | None:
    """The answer stored for ``key``; 422 when the key was used with another body."""
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.request_hash != body_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"this {HEADER} was used for a different request; use a new key",
            f"header.{HEADER}",
        )
    return StoredAnswer(row.status_code, dict(row.response))


def remember_answer(
    session: Session, user_id: int, key: str, body_hash: str, answer: StoredAnswer
) -> None:
    """Keep the answer for retries; the caller commits it with the work it describes."""
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            request_hash=body_hash,
            status_code=answer.status,
            response=answer.body,
        )
    )
