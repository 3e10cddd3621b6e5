"""Rolling events and sends up into hourly counts, incrementally and idempotently.

Events are counted once each, from a high-water mark on ``events.id``: every pass counts the
ids above the mark and moves the mark in the same transaction, so a pass that dies counts
nothing and the next one picks up where the last one committed. An id below the mark that
was not visible yet (its transaction was still open, or rolled back) is remembered and looked
for again for :data:`PENDING_TTL`, so a slow writer is not lost.

Sends are recounted, not added: each pass replaces the hourly counts of the last hours from
the ledger's ``sent_at`` index, which also catches rows whose send was recorded late.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsletter.metrics.sql import as_utc, bounce_kind, floor_hour, hour_of
from newsletter.models import NO_CAMPAIGN, Delivery, Event, EventHour, RollupState, SendHour
from newsletter.models.base import utcnow

EVENTS = "events"
SENDS = "sends"
#: Event ids counted per transaction; a backlog of millions is caught up in slices.
BATCH_IDS = 250_000
#: How long an id missing below the mark is looked for before it is taken as rolled back.
PENDING_TTL = dt.timedelta(minutes=15)
#: At most this many missing ids are remembered (a sequence jump is not thousands of writers).
PENDING_LIMIT = 5_000
#: Sends are recounted from this long before the previous pass, for late-recorded rows.
RECOUNT_MARGIN = dt.timedelta(hours=2)

HourKey = tuple[int, dt.datetime, str, bool]


@dataclass
class RollupResult:
    """What one pass did: events counted, the campaigns they touched, the new mark."""

    events: int = 0
    position: int = 0
    campaigns: set[int] = field(default_factory=set)
    caught_up: bool = True


def roll_up_events(session: Session, batch_ids: int = BATCH_IDS) -> RollupResult:
    """Count the events above the high-water mark (one slice) into hourly roll-ups.

    Returns with ``caught_up`` false when more slices remain; the caller commits.
    """
    state = _state(session, EVENTS)
    result = RollupResult(position=state.position)
    _recheck_pending(session, state, result)
    newest = session.scalar(select(func.max(Event.id))) or 0
    upper = min(newest, state.position + batch_ids)
    if upper > state.position:
        window = (Event.id > state.position) & (Event.id <= upper)
        counted = _count_into_hours(session, window, result)
        if counted < upper - state.position:
            _remember_missing(session, state, upper)
        state.position = upper
    result.position = state.position
    result.caught_up = upper >= newest
    state.last_run_at = utcnow()
    session.flush()
    return result


def roll_up_all_events(session: Session, batch_ids: int = BATCH_IDS) -> RollupResult:
    """Catch up completely, committing after every slice (backfills, the benchmark)."""
    total = RollupResult()
    while True:
        result = roll_up_events(session, batch_ids)
        session.commit()
        total.events += result.events
        total.campaigns |= result.campaigns
        total.position = result.position
        if result.caught_up:
            return total


def _count_into_hours(session: Session, condition: object, result: RollupResult) -> int:
    """Aggregate the events matching ``condition`` by hour and add them to the roll-up."""
    kind = bounce_kind()
    hour = hour_of(session, Event.occurred_at)
    campaign = func.coalesce(Event.campaign_id, NO_CAMPAIGN)
    rows = session.execute(
        select(campaign, hour, kind, Event.is_machine, func.count())
        .where(condition)  # type: ignore[arg-type]
        .group_by(campaign, hour, kind, Event.is_machine)
    ).all()
    counts: dict[HourKey, int] = {}
    for campaign_id, at, kind_name, machine, count in rows:
        counts[(int(campaign_id), as_utc(at), str(kind_name), bool(machine))] = int(count)
        if campaign_id != NO_CAMPAIGN:
            result.campaigns.add(int(campaign_id))
    _add_counts(session, counts)
    total = sum(counts.values())
    result.events += total
    return total


def _add_counts(session: Session, counts: dict[HourKey, int]) -> None:
    """Upsert ``counts``, adding to what each hour already holds."""
    if not counts:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [
        {"campaign_id": c, "hour": h, "kind": k, "is_machine": m, "count": n}
        for (c, h, k, m), n in counts.items()
    ]
    statement = insert(EventHour)
    statement = statement.on_conflict_do_update(
        index_elements=["campaign_id", "hour", "kind", "is_machine"],
        set_={"count": EventHour.count + statement.excluded.count},
    )
    session.execute(statement, values)


def _remember_missing(session: Session, state: RollupState, upper: int) -> None:
    present = set(
        session.scalars(select(Event.id).where(Event.id > state.position, Event.id <= upper))
    )
    now = int(time.time())
    missing = [i for i in range(state.position + 1, upper + 1) if i not in present]
    kept = [list(entry) for entry in state.pending_ids] + [[i, now] for i in missing]
    state.pending_ids = kept[-PENDING_LIMIT:]


def _recheck_pending(session: Session, state: RollupState, result: RollupResult) -> None:
    """Count the remembered ids that have appeared since; forget the ones too old."""
    if not state.pending_ids:
        return
    oldest = int(time.time() - PENDING_TTL.total_seconds())
    waiting = {int(i): int(seen) for i, seen in state.pending_ids if seen >= oldest}
    if waiting:
        found = set(session.scalars(select(Event.id).where(Event.id.in_(list(waiting)))))
        if found:
            _count_into_hours(session, Event.id.in_(sorted(found)), result)
        waiting = {i: seen for i, seen in waiting.items() if i not in found}
    state.pending_ids = [[i, seen] for i, seen in sorted(waiting.items())]


def recount_sends(session: Session, now: dt.datetime | None = None) -> set[int]:
    """Recount the hourly sends since shortly before the previous pass; returns campaign ids."""
    now = now or utcnow()
    state = _state(session, SENDS)
    if state.last_run_at is None:
        start = session.scalar(select(func.min(Delivery.sent_at)))
        if start is None:
            state.last_run_at = now
            return set()
    else:
        start = state.last_run_at - RECOUNT_MARGIN
    since = floor_hour(start)
    hour = hour_of(session, Delivery.sent_at)
    rows = session.execute(
        select(Delivery.campaign_id, hour, func.count())
        .where(Delivery.sent_at >= since)
        .group_by(Delivery.campaign_id, hour)
    ).all()
    session.execute(delete(SendHour).where(SendHour.hour >= since))
    session.add_all(SendHour(campaign_id=c, hour=as_utc(h), sent=n) for c, h, n in rows)
    state.last_run_at = now
    session.flush()
    return {int(c) for c, _, _ in rows}


def event_counts(
    session: Session, campaign_id: int, kinds: Iterable[str]
) -> dict[tuple[str, bool], int]:
    """Total rolled-up events of one campaign by (kind, machine)."""
    rows = session.execute(
        select(EventHour.kind, EventHour.is_machine, func.sum(EventHour.count))
        .where(EventHour.campaign_id == campaign_id, EventHour.kind.in_(list(kinds)))
        .group_by(EventHour.kind, EventHour.is_machine)
    ).all()
    totals: dict[tuple[str, bool], int] = defaultdict(int)
    for kind, machine, count in rows:
        totals[(kind, bool(machine))] = int(count or 0)
    return dict(totals)


def _state(session: Session, name: str) -> RollupState:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(RollupState)
        .values(name=name, position=0, pending_ids=[], last_duration_ms=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    state = session.get(RollupState, name, with_for_update=_locks(session), populate_existing=True)
    assert state is not None
    return state


def _locks(session: Session) -> bool:
    # Two roll-up passes (two worker processes) must not count the same slice twice; the
    # row lock makes the second wait and then see the moved mark.
    return session.get_bind().dialect.name == "postgresql"
