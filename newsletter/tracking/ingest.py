"""Turning hits into events: classify, store, and set the deliveries' first occurrences.

One call handles a batch: the deliveries are loaded in one query, every hit is classified
(machine or human), the events are inserted in one statement, and the first-occurrence
columns get one UPDATE per delivery that needs it. Hits for deliveries that do not exist or
whose campaign does not track that kind are dropped: tracking off means nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from newsletter.models import Campaign, Delivery, Event, EventType
from newsletter.tracking.classify import (
    ClickMoment,
    MachineReason,
    Rules,
    Verdict,
    classify_click,
    classify_open,
    find_bursts,
)
from newsletter.tracking.firsts import earliest, recompute_engagement, set_first
from newsletter.tracking.hits import Hit
from newsletter.tracking.privacy import IpStorage, clip_user_agent, stored_ip

CHUNK = 1000  # ids per IN (...) list


@dataclass(frozen=True)
class IngestContext:
    """What writing hits needs from the configuration."""

    rules: Rules
    ip_storage: IpStorage
    secret_key: str


@dataclass(frozen=True)
class DeliveryFacts:
    """The few columns of a delivery and its campaign that classification needs."""

    id: int
    campaign_id: int
    subscriber_id: int | None
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    track_opens: bool
    track_clicks: bool
    opened_at: dt.datetime | None = None
    machine_opened_at: dt.datetime | None = None
    clicked_at: dt.datetime | None = None

    @property
    def reference(self) -> dt.datetime | None:
        """When the message reached the reader's server, as far as we know yet."""
        return self.delivered_at or self.sent_at

    def tracks(self, kind: EventType) -> bool:
        """Whether the campaign records this kind of hit."""
        return self.track_opens if kind is EventType.OPEN else self.track_clicks


def load_facts(session: Session, delivery_ids: Iterable[int]) -> dict[int, DeliveryFacts]:
    """The facts of each existing delivery among ``delivery_ids``."""
    ids = sorted(set(delivery_ids))
    facts: dict[int, DeliveryFacts] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                Delivery.id,
                Delivery.campaign_id,
                Delivery.subscriber_id,
                Delivery.sent_at,
                Delivery.delivered_at,
                Campaign.track_opens,
                Campaign.track_clicks,
                Delivery.opened_at,
                Delivery.machine_opened_at,
                Delivery.clicked_at,
            )
            .join(Campaign, Campaign.id == Delivery.campaign_id)
            .where(Delivery.id.in_(ids[start : start + CHUNK]))
        )
        for row in rows:
            facts[row.id] = DeliveryFacts(**row._mapping)
    return facts


def write_hits(session: Session, hits: Sequence[Hit], context: IngestContext) -> int:
    """Store ``hits`` as classified events; returns how many events were stored."""
    facts = load_facts(session, (hit.delivery_id for hit in hits))
    kept = [
        hit for hit in hits if hit.delivery_id in facts and facts[hit.delivery_id].tracks(hit.kind)
    ]
    if not kept:
        return 0
    verdicts = [_classify(hit, facts[hit.delivery_id], context.rules) for hit in kept]
    late_bursts = _apply_bursts(session, kept, verdicts, context.rules)
    rows = [
        _event_row(hit, verdict, facts[hit.delivery_id], context)
        for hit, verdict in zip(kept, verdicts, strict=True)
    ]
    insert_events(session, rows)
    _set_firsts(session, kept, verdicts, facts)
    if late_bursts:
        recompute_engagement(session, late_bursts)
    return len(kept)


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert event rows: COPY on PostgreSQL (a thousand rows cost about one), else a
    multi-row INSERT."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(Event.__table__), rows)  # type: ignore[arg-type]
        return
    columns = list(rows[0])
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY events ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name]) for name in columns])


def _copy_value(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _classify(hit: Hit, facts: DeliveryFacts, rules: Rules) -> Verdict:
    if hit.kind is EventType.OPEN:
        return classify_open(
            at=hit.at,
            ip=hit.ip,
            user_agent=hit.user_agent,
            method=hit.method,
            reference=facts.reference,
            rules=rules,
        )
    return classify_click(
        at=hit.at,
        user_agent=hit.user_agent,
        method=hit.method,
        reference=facts.reference,
        rules=rules,
    )


def _apply_bursts(
    session: Session, hits: list[Hit], verdicts: list[Verdict], rules: Rules
) -> set[int]:
    """Mark clicks in bursts as machine, the new ones in ``verdicts`` and stored ones in the
    database; returns the deliveries whose stored events changed."""
    clicks = [(index, hit) for index, hit in enumerate(hits) if hit.kind is EventType.CLICK]
    if not clicks:
        return set()
    moments = [ClickMoment(("new", i), h.delivery_id, h.link_id, h.at) for i, h in clicks]
    stored = _stored_clicks(session, clicks, rules.burst_seconds)
    moments += [ClickMoment(("stored", event_id), d, link, at) for event_id, d, link, at in stored]
    burst = find_bursts(moments, rules.burst_seconds)
    if not burst:
        return set()
    for index, _hit in clicks:
        if ("new", index) in burst and not verdicts[index].is_machine:
            verdicts[index] = Verdict(True, MachineReason.LINK_BURST)
    return _reclassify_stored(session, stored, burst)


def _stored_clicks(
    session: Session, clicks: list[tuple[int, Hit]], window: float
) -> list[tuple[int, int, int | None, dt.datetime]]:
    """Human clicks already stored, of the same deliveries, close enough to form a burst."""
    since = min(hit.at for _i, hit in clicks) - dt.timedelta(seconds=window)
    ids = sorted({hit.delivery_id for _i, hit in clicks})
    found: list[tuple[int, int, int | None, dt.datetime]] = []
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Event.id, Event.delivery_id, Event.link_id, Event.occurred_at).where(
                Event.delivery_id.in_(ids[start : start + CHUNK]),
                Event.type == EventType.CLICK,
                Event.occurred_at >= since,
            )
        )
        found += [(r.id, r.delivery_id, r.link_id, r.occurred_at) for r in rows]
    return found


def _reclassify_stored(
    session: Session, stored: list[tuple[int, int, int | None, dt.datetime]], burst: set[object]
) -> set[int]:
    event_ids = [event_id for event_id, *_rest in stored if ("stored", event_id) in burst]
    if not event_ids:
        return set()
    session.execute(
        update(Event)
        .where(Event.id.in_(event_ids), Event.is_machine.is_(False))
        .values(is_machine=True, machine_reason=MachineReason.LINK_BURST.value)
        .execution_options(synchronize_session=False)
    )
    return {delivery_id for event_id, delivery_id, *_rest in stored if event_id in event_ids}


def _event_row(
    hit: Hit, verdict: Verdict, facts: DeliveryFacts, context: IngestContext
) -> dict[str, Any]:
    detail: dict[str, Any] = {}
    if verdict.via:
        detail["via"] = verdict.via
    if hit.method != "GET":
        detail["method"] = hit.method
    return {
        "type": hit.kind,
        "source": hit.source,
        "occurred_at": hit.at,
        "campaign_id": facts.campaign_id,
        "delivery_id": hit.delivery_id,
        "subscriber_id": facts.subscriber_id,
        "link_id": hit.link_id,
        "is_machine": verdict.is_machine,
        "machine_reason": verdict.reason.value if verdict.reason else None,
        "user_agent": clip_user_agent(hit.user_agent),
        "ip": stored_ip(hit.ip, context.ip_storage, context.secret_key),
        "detail": detail or None,
    }


def _set_firsts(
    session: Session, hits: list[Hit], verdicts: list[Verdict], facts: dict[int, DeliveryFacts]
) -> None:
    opened: dict[int, dt.datetime] = {}
    machine_opened: dict[int, dt.datetime] = {}
    clicked: dict[int, dt.datetime] = {}
    for hit, verdict in zip(hits, verdicts, strict=True):
        if hit.kind is EventType.OPEN:
            earliest(machine_opened if verdict.is_machine else opened, hit.delivery_id, hit.at)
        elif not verdict.is_machine:
            earliest(clicked, hit.delivery_id, hit.at)
            earliest(opened, hit.delivery_id, hit.at)  # a click means the email was read
    # Most hits repeat an open already recorded; skip the UPDATE when the loaded value is
    # earlier (values only ever move earlier, so skipping on a stale read is still right).
    set_first(session, "opened_at", _needed(opened, facts, "opened_at"))
    set_first(session, "machine_opened_at", _needed(machine_opened, facts, "machine_opened_at"))
    set_first(session, "clicked_at", _needed(clicked, facts, "clicked_at"))


def _needed(
    times: dict[int, dt.datetime], facts: dict[int, DeliveryFacts], column: str
) -> dict[int, dt.datetime]:
    needed: dict[int, dt.datetime] = {}
    for delivery_id, at in times.items():
        known: dt.datetime | None = getattr(facts[delivery_id], column)
        if known is None or at < known:
            needed[delivery_id] = at
    return needed
