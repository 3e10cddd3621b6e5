"""``column IN (values)`` for thousands of values, written the fast way for each database.

On PostgreSQL a list of thousands of values becomes one array parameter (``= ANY(:values)``):
an IN list would be thousands of parameters that psycopg parses into every statement anew,
since statements that long are not cached. SQLite takes the plain IN list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, any_, bindparam
from sqlalchemy.orm import Session


def member_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """A condition that ``column`` is one of ``values``."""
    if session.get_bind().dialect.name == "postgresql":
        values_param = bindparam(None, list(values), type_=ARRAY(column.type))
        condition: ColumnElement[bool] = column == any_(values_param)
        return condition
    membership: ColumnElement[bool] = column.in_(list(values))
    return membership
