"""The few SQL expressions that PostgreSQL and SQLite spell differently."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import cast
from sqlalchemy.types import String

from newsletter.models import Event, EventType


def hour_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC hour a timestamp column falls in, as a value the column's type reads back.

    PostgreSQL truncates in UTC whatever the session's time zone; SQLite stores naive UTC
    text, so the hour is the same text with minutes and seconds zeroed.
    """
    if _dialect(session) == "postgresql":
        utc = func.timezone("UTC", column)
        return func.timezone("UTC", func.date_trunc("hour", utc))
    return func.strftime("%Y-%m-%d %H:00:00.000000", column)


def bounce_kind() -> ColumnElement[str]:
    """The roll-up kind of an event: its type, with bounces split into hard and other.

    A bounce is hard unless the tracking recorded it (``detail["bounce_type"]``, as SES
    names it) as transient or undetermined, or as an address already on the account's
    suppression list (``bounce_subtype`` OnAccountSuppressionList), which SES does not count
    towards the bounce rate either.
    """
    bounce_type = func.lower(func.coalesce(Event.detail["bounce_type"].as_string(), ""))
    sub_type = func.lower(func.coalesce(Event.detail["bounce_subtype"].as_string(), ""))
    soft = bounce_type.in_(["transient", "undetermined"]) | (sub_type == "onaccountsuppressionlist")
    return case(
        (Event.type != EventType.BOUNCE, cast(Event.type, String)),
        (soft, "bounce_other"),
        else_="bounce_hard",
    )


def as_utc(value: dt.datetime | str) -> dt.datetime:
    """An hour read back from a raw SQL expression as an aware UTC datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def floor_hour(moment: dt.datetime) -> dt.datetime:
    """The start of the UTC hour ``moment`` is in."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
