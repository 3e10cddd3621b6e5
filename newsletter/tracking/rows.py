"""The number of rows a statement changed, typed (``Session.execute`` returns a ``Result``)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def affected_rows(result: Result[Any]) -> int:
    """Rows an INSERT, UPDATE or DELETE changed."""
    return int(cast(CursorResult[Any], result).rowcount)
