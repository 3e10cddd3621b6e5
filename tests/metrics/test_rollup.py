"""The roll-up counts every event exactly once, however passes are cut or interleaved."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from newsletter.commands import build_cli
from newsletter.metrics import rollup, snapshots
from newsletter.metrics.rollup import EVENTS
from newsletter.models import Event, EventHour, EventSource, EventType, RollupState, SendHour
from tests.factories import make_campaign
from tests.metrics.conftest import KnownCampaign, at


def counted(session: Session, kind: str | None = None) -> int:
    query = select(func.coalesce(func.sum(EventHour.count), 0))
    if kind:
        query = query.where(EventHour.kind == kind)
    return int(session.scalar(query) or 0)


def test_a_second_pass_counts_nothing_new(session: Session, known: KnownCampaign) -> None:
    first = rollup.roll_up_all_events(session)
    second = rollup.roll_up_all_events(session)
    assert first.events == 22
    assert first.campaigns == {known.campaign.id}
    assert second.events == 0
    assert counted(session) == 22


def test_small_slices_add_up_to_the_same_counts(session: Session, known: KnownCampaign) -> None:
    result = rollup.roll_up_all_events(session, batch_ids=3)
    assert result.events == 22
    assert counted(session, "open") == 6
    assert counted(session, "bounce_hard") == 1
    assert counted(session, "bounce_other") == 1
    assert counted(session, "signup") == 1


def test_events_without_a_campaign_are_counted_under_campaign_zero(
    session: Session, known: KnownCampaign
) -> None:
    rollup.roll_up_all_events(session)
    rows = session.execute(
        select(EventHour.kind, EventHour.count).where(EventHour.campaign_id == 0)
    ).all()
    assert sorted(rows) == [("confirm", 1), ("signup", 1)]


def add_event(session: Session, event_id: int) -> None:
    session.execute(
        insert(Event),
        [{"id": event_id, "type": EventType.SIGNUP, "source": EventSource.READER,
          "occurred_at": at(0), "is_machine": False}],
    )  # fmt: skip
    session.commit()


def test_an_id_that_appears_late_below_the_mark_is_still_counted(session: Session) -> None:
    for event_id in (1, 2, 3, 5):
        add_event(session, event_id)
    rollup.roll_up_all_events(session)
    state = session.get_one(RollupState, EVENTS)
    assert state.position == 5
    assert [entry[0] for entry in state.pending_ids] == [4]
    assert counted(session) == 4

    add_event(session, 4)  # the slow transaction commits after the mark moved past it
    rollup.roll_up_all_events(session)
    assert counted(session) == 5
    assert session.get_one(RollupState, EVENTS).pending_ids == []


def test_sends_are_recounted_not_added(session: Session, known: KnownCampaign) -> None:
    touched = rollup.recount_sends(session, now=at(5))
    rollup.recount_sends(session, now=at(5, 1))
    session.commit()
    assert touched == {known.campaign.id}

    rows = session.execute(select(SendHour.campaign_id, SendHour.hour, SendHour.sent)).all()
    assert rows == [(known.campaign.id, at(0), 7)]


def test_a_campaign_without_events_touches_nothing(session: Session) -> None:
    make_campaign(session)
    session.commit()
    assert rollup.roll_up_all_events(session).campaigns == set()


def test_the_rollup_command_counts_and_snapshots(app: Flask, known: KnownCampaign) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(build_cli(), ["metrics", "rollup"])
    assert result.exit_code == 0, result.output
    assert f"counted 22 events; snapshots of campaigns [{known.campaign.id}]" in result.output
    shown = runner.invoke(build_cli(), ["metrics", "reputation"])
    assert shown.exit_code == 0, shown.output
    assert "no open alarm" in shown.output


def test_slow_snapshots_are_refreshed_less_often(session: Session, known: KnownCampaign) -> None:
    campaign_id = known.campaign.id
    assert snapshots.campaigns_due(session, set(), at(1), 30) == [campaign_id]  # never taken
    stored = snapshots.store_campaign_snapshot(session, campaign_id)
    taken = stored.computed_at

    def due(touched: set[int], seconds: float) -> list[int]:
        return snapshots.campaigns_due(session, touched, taken + dt.timedelta(seconds=seconds), 30)

    assert due(set(), 0) == []  # untouched and not in flight
    assert due({campaign_id}, 10) == []
    assert due({campaign_id}, 31) == [campaign_id]
    stored.duration_ms = 4000  # a 4-second snapshot waits 80 seconds
    assert due({campaign_id}, 60) == []
    assert due({campaign_id}, 81) == [campaign_id]


def test_only_bounces_that_count_for_ses_are_hard(session: Session) -> None:
    details = [
        {"bounce_type": "Permanent", "bounce_subtype": "General"},
        {"bounce_type": "Permanent", "bounce_subtype": "OnAccountSuppressionList"},
        {"bounce_type": "Transient", "bounce_subtype": "MailboxFull"},
        {"bounce_type": "Undetermined", "bounce_subtype": "Undetermined"},
    ]
    session.execute(
        insert(Event),
        [{"type": EventType.BOUNCE, "source": EventSource.SES, "occurred_at": at(0),
          "is_machine": False, "detail": detail} for detail in details],
    )  # fmt: skip
    session.commit()
    rollup.roll_up_all_events(session)
    assert counted(session, "bounce_hard") == 1
    assert counted(session, "bounce_other") == 3
