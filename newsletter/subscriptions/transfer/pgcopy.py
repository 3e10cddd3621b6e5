"""PostgreSQL's COPY for the import's bulk inserts.

A multi-row INSERT of thousands of rows costs psycopg a long client-side parse of every
statement; COPY streams the rows instead. New readers go through a temporary staging table, so
the final INSERT ... SELECT can still skip addresses that signed up meanwhile (ON CONFLICT)
and return the new ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

STAGING = "import_subscribers_staging"


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY ``rows`` into ``table`` within the session's transaction."""
    cursor = _raw_connection(session).cursor()
    names = ", ".join(columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_plain(value) for value in row])


def insert_readers(
    session: Session, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> dict[str, int]:
    """Insert new readers through the staging table; returns {email: id} of those inserted."""
    # The names are the writer's column constants, never input.
    names = ", ".join(columns)
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {names} FROM subscribers WITH NO DATA"
        )
    )
    copy_rows(session, STAGING, columns, rows)
    inserted = session.execute(
        text(
            f"INSERT INTO subscribers ({names}) SELECT {names} FROM {STAGING} "  # noqa: S608
            "ON CONFLICT (email) DO NOTHING RETURNING email, id"
        )
    )
    created: dict[str, int] = dict(inserted.all())
    session.execute(text(f"TRUNCATE {STAGING}"))
    return created


def _raw_connection(session: Session) -> Any:
    """The psycopg connection under the session's current transaction."""
    return session.connection().connection.driver_connection


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value
