"""One page of a query's results, for the public archive and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results (``number`` counts from 1) and where it sits in the whole."""

    items: list[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))


def paginate(
    session: Session, query: Select[*tuple[Any, ...]], number: int, size: int
) -> Page[Any]:
    """Run an ordered ``query`` for page ``number`` of ``size`` rows (clamped to what exists).

    Rows are returned as the query selects them: a single entity, or tuples of columns.
    """
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(max(number, 1), max(1, -(-total // size)))
    result = session.execute(query.offset((number - 1) * size).limit(size))
    single = len(query.column_descriptions) == 1
    rows = list(result.scalars()) if single else [tuple(row) for row in result]
    return Page(rows, total, number, size)
