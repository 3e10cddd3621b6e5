"""Bookkeeping for long or repeated operations: leases, API idempotency, import jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.models.base import Base, CreatedAt, JSONType, UTCDateTime


class Lease(Base):
    """A named, expiring lock held by one process, e.g. "the scheduler".

    Works the same on PostgreSQL and SQLite; the holder renews it while alive, and another
    process takes it over once it has expired.
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class IdempotencyKey(CreatedAt, Base):
    """The first answer to an API request with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


class ImportJob(CreatedAt, Base):
    """A subscriber import or export, with progress the operators' page polls."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # import or export
    filename: Mapped[str] = mapped_column(String(300), default="")
    dry_run: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_rows: Mapped[int] = mapped_column(default=0)
    updated_rows: Mapped[int] = mapped_column(default=0)
    rejected_rows: Mapped[int] = mapped_column(default=0)
    # Line-by-line rejections: [{"line": 7, "email": "...", "reason": "..."}].
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
