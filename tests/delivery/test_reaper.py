"""The reaper marks rows abandoned in ``sending`` as in doubt; reconciliation settles them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from newsletter.delivery.claims import claim_batch
from newsletter.delivery.reaper import reap
from newsletter.delivery.reconcile import reconcile_in_doubt
from newsletter.models import AuditEntry, CampaignStatus, Delivery, DeliveryState
from newsletter.models.base import utcnow
from tests.factories import make_campaign, make_delivery, make_subscriber

LEASE = dt.timedelta(minutes=5)


def test_rows_claimed_longer_than_the_lease_ago_become_in_doubt(session: Session) -> None:
    campaign = make_campaign(session, status=CampaignStatus.SENDING)
    rows = [make_delivery(session, campaign, make_subscriber(session, f"r{i}@example.org"))
            for i in range(3)]  # fmt: skip
    now = utcnow()
    old = claim_batch(session, campaign.id, "dead-worker", 2, now=now - dt.timedelta(minutes=6))
    fresh = claim_batch(session, campaign.id, "live-worker", 1, now=now - dt.timedelta(minutes=1))
    session.commit()
    assert reap(session, LEASE, now=now) == 2
    session.commit()
    for delivery in rows:
        session.refresh(delivery)
    states = {d.id: d.state for d in rows}
    assert [states[d.id] for d in old] == [DeliveryState.IN_DOUBT] * 2
    assert states[fresh[0].id] is DeliveryState.SENDING
    assert "dead-worker" in (rows[0].last_error or "")
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "delivery.in_doubt"))
    assert (entry.entity_id, entry.detail["rows"]) == (str(campaign.id), 2)
    assert reap(session, LEASE, now=now) == 0


def test_reconciling_an_in_doubt_row_records_it_sent_once(session: Session) -> None:
    campaign = make_campaign(session, status=CampaignStatus.SENDING)
    delivery = make_delivery(
        session, campaign, make_subscriber(session, "r@example.org"), state=DeliveryState.IN_DOUBT
    )
    sent_at = utcnow() - dt.timedelta(seconds=30)
    assert reconcile_in_doubt(session, delivery, "ses-1", sent_at) is True
    assert reconcile_in_doubt(session, delivery, "ses-1", sent_at) is False
    session.refresh(campaign)
    assert (delivery.state, delivery.transport_message_id, delivery.sent_at) == (
        DeliveryState.SENT, "ses-1", sent_at,
    )  # fmt: skip
    assert campaign.sent_count == 1


def test_a_row_an_operator_already_dropped_is_not_reconciled(session: Session) -> None:
    campaign = make_campaign(session, status=CampaignStatus.SENDING)
    delivery = make_delivery(
        session, campaign, make_subscriber(session, "r@example.org"), state=DeliveryState.DROPPED
    )
    assert reconcile_in_doubt(session, delivery, "ses-1", utcnow()) is False
    assert delivery.state is DeliveryState.DROPPED


def test_rows_another_reaper_took_first_are_neither_audited_nor_counted(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = make_campaign(session, status=CampaignStatus.SENDING)
    for i in range(2):
        make_delivery(session, campaign, make_subscriber(session, f"r{i}@example.org"))
    now = utcnow()
    claim_batch(session, campaign.id, "dead-worker", 2, now=now - dt.timedelta(minutes=6))
    session.commit()
    execute = session.execute

    def other_reaper_between(statement: Any, *args: Any, **kwargs: Any) -> Any:
        result = execute(statement, *args, **kwargs)
        if not isinstance(statement, Select):
            return result
        listed = result.all()  # the stale rows are listed; another worker's reaper moves them
        execute(
            update(Delivery)
            .where(Delivery.state == DeliveryState.SENDING)
            .values(state=DeliveryState.IN_DOUBT)
        )
        return SimpleNamespace(all=lambda: listed)

    monkeypatch.setattr(session, "execute", other_reaper_between)
    assert reap(session, LEASE, now=now) == 0
    monkeypatch.undo()
    audited = select(AuditEntry).where(AuditEntry.action == "delivery.in_doubt")
    assert session.scalars(audited).all() == []
