"""The first-occurrence columns of a delivery: set once, to the earliest time seen.

Unique counts (delivered, opened, clicked, ...) are counts of non-null columns, so each is
written with ``UPDATE ... WHERE col IS NULL OR col > :t``: repeated and out-of-order events
keep the earliest time and never count a delivery twice, whichever channel (our tracking or
SES) reported first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any, Literal, cast, get_args

from sqlalchemy import (
    ColumnElement,
    Table,
    TextClause,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from newsletter.models import Delivery, Event, EventType, utcnow

FirstColumn = Literal[
    "delivered_at",
    "opened_at",
    "machine_opened_at",
    "clicked_at",
    "bounced_at",
    "complained_at",
    "unsubscribed_at",
]


def set_first(session: Session, column: FirstColumn, times: Mapping[int, dt.datetime]) -> None:
    """Set ``column`` of each delivery id in ``times`` unless an earlier time is already there."""
    if not times:
        return
    items = sorted(times.items())
    if session.get_bind().dialect.name == "postgresql":
        _set_first_from_values(session, column, items)
        return
    # Core, not ORM: an executemany of UPDATEs whose WHERE has the IS NULL condition.
    table = cast(Table, Delivery.__table__)
    target = table.c[column]
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            or_(target.is_(None), target > bindparam("b_at", type_=target.type)),
        )
        .values({column: bindparam("b_at", type_=target.type)})
    )
    session.execute(statement, [{"b_id": d, "b_at": at} for d, at in items])


def _unnest_update(column: str) -> TextClause:
    # PostgreSQL: one UPDATE joined to two unnested arrays instead of a statement per
    # delivery; the batch writer sets hundreds of these a second.
    return text(
        f"UPDATE deliveries SET {column} = v.at, updated_at = :now "  # noqa: S608 (fixed names)
        "FROM (SELECT unnest(CAST(:ids AS bigint[])) AS id, "
        "unnest(CAST(:ats AS timestamptz[])) AS at) AS v "
        f"WHERE deliveries.id = v.id AND (deliveries.{column} IS NULL "
        f"OR deliveries.{column} > v.at)"
    )


_UNNEST_UPDATES = {name: _unnest_update(name) for name in get_args(FirstColumn)}


def _set_first_from_values(
    session: Session, column: FirstColumn, items: list[tuple[int, dt.datetime]]
) -> None:
    session.execute(
        _UNNEST_UPDATES[column],
        {"ids": [d for d, _at in items], "ats": [at for _d, at in items], "now": utcnow()},
    )


def earliest(times: dict[int, dt.datetime], delivery_id: int, at: dt.datetime) -> None:
    """Keep the earliest ``at`` per delivery in ``times``."""
    current = times.get(delivery_id)
    if current is None or at < current:
        times[delivery_id] = at


def recompute_engagement(session: Session, delivery_ids: Collection[int]) -> None:
    """Derive opened_at, machine_opened_at and clicked_at again from the stored events.

    Used after events were reclassified (a burst found late, a delivery reported after the
    first opens): a human click still implies an open.
    """
    if not delivery_ids:
        return
    human_open = _first_event(
        or_(Event.type == EventType.OPEN, Event.type == EventType.CLICK), machine=False
    )
    machine_open = _first_event(Event.type == EventType.OPEN, machine=True)
    human_click = _first_event(Event.type == EventType.CLICK, machine=False)
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(sorted(delivery_ids)))
        .values(opened_at=human_open, machine_opened_at=machine_open, clicked_at=human_click)
        .execution_options(synchronize_session=False)
    )


def _first_event(kind: ColumnElement[bool], *, machine: bool) -> Any:
    return (
        select(func.min(Event.occurred_at))
        .where(and_(Event.delivery_id == Delivery.id, kind, Event.is_machine.is_(machine)))
        .scalar_subquery()
    )
