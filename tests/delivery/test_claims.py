"""Claiming rows: atomic, in id order, never the same row to two workers."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery.claims import claim_batch, has_claimable, renew_claims, worker_name
from newsletter.extensions import db
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryState
from newsletter.models.base import utcnow
from tests.factories import make_campaign, make_delivery, make_subscriber


def campaign_with_rows(session: Session, count: int, **states: DeliveryState) -> Campaign:
    campaign = make_campaign(session, status=CampaignStatus.SENDING)
    for index in range(count):
        reader = make_subscriber(session, f"reader{index}@example.org")
        make_delivery(session, campaign, reader)
    session.commit()
    return campaign


def test_a_claim_takes_queued_rows_in_order_and_stamps_them(session: Session) -> None:
    campaign = campaign_with_rows(session, 5)
    now = utcnow()
    claimed = claim_batch(session, campaign.id, "w1", 3, now=now)
    session.commit()
    assert [d.state for d in claimed] == [DeliveryState.SENDING] * 3
    assert [d.id for d in claimed] == sorted(d.id for d in claimed)
    assert {(d.claimed_by, d.claimed_at, d.attempts) for d in claimed} == {("w1", now, 1)}
    rest = claim_batch(session, campaign.id, "w2", 10)
    assert len(rest) == 2
    assert not {d.id for d in rest} & {d.id for d in claimed}
    assert claim_batch(session, campaign.id, "w3", 10) == []


def test_deferred_rows_are_claimed_only_when_due(session: Session) -> None:
    campaign = campaign_with_rows(session, 0)
    now = utcnow()
    due = make_delivery(
        session, campaign, make_subscriber(session, "due@example.org"),
        state=DeliveryState.DEFERRED, next_attempt_at=now - dt.timedelta(seconds=1), attempts=1,
    )  # fmt: skip
    make_delivery(
        session, campaign, make_subscriber(session, "later@example.org"),
        state=DeliveryState.DEFERRED, next_attempt_at=now + dt.timedelta(minutes=5),
    )  # fmt: skip
    for state in (DeliveryState.SENT, DeliveryState.IN_DOUBT, DeliveryState.FAILED):
        make_delivery(session, campaign, make_subscriber(session, f"{state}@example.org"),
                      state=state)  # fmt: skip
    session.commit()
    [claimed] = claim_batch(session, campaign.id, "w1", 10, now=now)
    assert (claimed.id, claimed.attempts, claimed.next_attempt_at) == (due.id, 2, None)
    assert not has_claimable(session, campaign.id, now)
    assert has_claimable(session, campaign.id, now + dt.timedelta(minutes=6))


def test_other_campaigns_rows_are_not_claimed(session: Session) -> None:
    first = campaign_with_rows(session, 2)
    other = make_campaign(session, status=CampaignStatus.SENDING)
    make_delivery(session, other, make_subscriber(session, "other@example.org"))
    session.commit()
    assert {d.campaign_id for d in claim_batch(session, first.id, "w", 10)} == {first.id}


def test_concurrent_claimers_never_share_a_row(session: Session) -> None:
    campaign = campaign_with_rows(session, 300)
    taken: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def claimer(name: str) -> None:
        own = db.new_session()
        taken[name] = []
        barrier.wait()
        try:
            while batch := claim_batch(own, campaign.id, name, 7):
                taken[name] += [d.id for d in batch]
                own.commit()
        finally:
            own.close()

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [row for rows in taken.values() for row in rows]
    assert len(every) == len(set(every)) == 300
    owners = {
        row.id: row.claimed_by for row in session.execute(select(Delivery.id, Delivery.claimed_by))
    }
    assert all(owners[row] == name for name, rows in taken.items() for row in rows)


def test_a_worker_renews_only_its_own_claims(session: Session) -> None:
    campaign = campaign_with_rows(session, 4)
    start = utcnow() - dt.timedelta(minutes=10)
    mine = claim_batch(session, campaign.id, "me", 2, now=start)
    theirs = claim_batch(session, campaign.id, "them", 2, now=start)
    later = utcnow()
    ids = [d.id for d in mine + theirs]
    assert renew_claims(session, "me", ids, now=later) == 2
    stamps = {r.id: r.claimed_at for r in session.execute(select(Delivery.id, Delivery.claimed_at))}
    assert [stamps[d.id] for d in mine] == [later, later]
    assert [stamps[d.id] for d in theirs] == [start, start]


def test_worker_names_say_where_they_run() -> None:
    _host, pid, thread = worker_name().split(":")[:3]
    assert pid.isdigit()
    assert thread == threading.current_thread().name
    assert len(worker_name("x" * 200)) <= 100
