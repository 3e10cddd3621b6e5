"""The campaign lifecycle: which changes are allowed, what each one does, who did it and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsletter.audit import staff_actor
from newsletter.delivery import lifecycle
from newsletter.delivery.errors import AudienceError, TransitionError
from newsletter.extensions import db
from newsletter.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryState,
    Issue,
    utcnow,
)
from tests.delivery.helpers import OPERATOR, audit_entries, issue_with_topics
from tests.factories import make_campaign, make_delivery, make_issue, make_subscriber

S = CampaignStatus
LATER = dt.datetime(2030, 4, 8, 8, 0)  # naive: a wall time

# What an operator may do from each status, written out by hand (not read from the code).
ALLOWED = {
    "schedule": {S.DRAFT, S.SCHEDULED},
    "unschedule": {S.SCHEDULED},
    "start": {S.DRAFT, S.SCHEDULED},
    "pause": {S.SENDING, S.SCHEDULED},
    "resume": {S.PAUSED},
    "cancel": {S.DRAFT, S.SCHEDULED, S.SENDING, S.PAUSED},
}
TARGET = {
    "schedule": S.SCHEDULED,
    "unschedule": S.DRAFT,
    "start": S.SENDING,
    "pause": S.PAUSED,
    "resume": S.SENDING,
    "cancel": S.CANCELLED,
}
ACTIONS: dict[str, Callable[[Session, Campaign], Any]] = {
    "schedule": lambda s, c: lifecycle.schedule(
        s, c, at=LATER, timezone="Asia/Shanghai", actor=OPERATOR
    ),
    "unschedule": lambda s, c: lifecycle.unschedule(s, c, actor=OPERATOR),
    "start": lambda s, c: lifecycle.start(s, c, actor=OPERATOR),
    "pause": lambda s, c: lifecycle.pause(s, c, actor=OPERATOR, reason="checking a link"),
    "resume": lambda s, c: lifecycle.resume(s, c, actor=OPERATOR),
    "cancel": lambda s, c: lifecycle.cancel(s, c, actor=OPERATOR, reason="wrong issue"),
}
CASES = [(action, status) for action in ACTIONS for status in CampaignStatus]


def campaign_in(session: Session, status: CampaignStatus) -> Campaign:
    """A campaign in ``status`` as the lifecycle would have left it."""
    started = utcnow() - dt.timedelta(minutes=5) if status is not S.DRAFT else None
    if status is S.SCHEDULED:
        started = None
    campaign = make_campaign(session, status=status, started_at=started)
    if status is S.SCHEDULED:
        campaign.scheduled_at = utcnow() + dt.timedelta(hours=2)
    session.commit()
    return campaign


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-{s}" for a, s in CASES])
def test_each_change_is_allowed_only_from_its_statuses(
    session: Session, action: str, status: CampaignStatus
) -> None:
    campaign = campaign_in(session, status)
    before = len(audit_entries(session, campaign.id))

    if status in ALLOWED[action]:
        ACTIONS[action](session, campaign)
        session.commit()
        session.expire_all()
        assert session.get_one(Campaign, campaign.id).status is TARGET[action]
        entry = audit_entries(session, campaign.id)[-1]
        assert entry.action == f"campaign.{action}"
        assert entry.detail is not None
        assert entry.detail["from"] == status.value
    else:
        with pytest.raises(
            TransitionError, match=f"campaign {campaign.id} is {status.value}; only"
        ):
            ACTIONS[action](session, campaign)
        session.rollback()
        session.expire_all()
        assert session.get_one(Campaign, campaign.id).status is status
        assert len(audit_entries(session, campaign.id)) == before


def test_a_refusal_says_what_the_campaign_is_and_what_the_change_needs(session: Session) -> None:
    campaign = campaign_in(session, S.SENT)
    with pytest.raises(TransitionError) as refused:
        lifecycle.cancel(session, campaign, actor=OPERATOR, reason="too late")
    assert str(refused.value) == (
        f"campaign {campaign.id} is sent; only a draft, scheduled, sending or paused campaign "
        "can be cancelled"
    )


def test_the_change_is_judged_on_the_database_not_a_stale_object(session: Session) -> None:
    campaign = campaign_in(session, S.SENDING)
    # Another process (an operator in the web UI) cancels it meanwhile.
    with db.session_scope() as other:
        other.execute(update(Campaign).where(Campaign.id == campaign.id).values(status=S.CANCELLED))
    assert campaign.status is S.SENDING  # what this process still believes

    with pytest.raises(TransitionError, match="is cancelled"):
        lifecycle.pause(session, campaign, actor=OPERATOR, reason="guard")
    assert campaign.status is S.CANCELLED


def test_every_change_records_who_and_why(session: Session, operator_user: Any) -> None:
    campaign = campaign_in(session, S.SENDING)
    actor = staff_actor(operator_user)
    lifecycle.pause(session, campaign, actor=actor, reason="  bounce spike  ")
    session.commit()

    entry = audit_entries(session, campaign.id)[-1]
    assert (entry.actor_type, entry.actor_id, entry.actor_label) == (
        "staff", operator_user.id, "operator@news.example.org",
    )  # fmt: skip
    assert entry.detail == {"from": "sending", "to": "paused", "reason": "bounce spike"}
    assert campaign.pause_reason == "bounce spike"


@pytest.mark.parametrize("reason", ["", "   "])
def test_pause_and_cancel_need_a_reason(session: Session, reason: str) -> None:
    campaign = campaign_in(session, S.SENDING)
    with pytest.raises(TransitionError, match="a reason is required"):
        lifecycle.pause(session, campaign, actor=OPERATOR, reason=reason)
    with pytest.raises(TransitionError, match="a reason is required"):
        lifecycle.cancel(session, campaign, actor=OPERATOR, reason=reason)
    assert campaign.status is S.SENDING


def test_create_makes_an_audited_draft_with_a_checked_audience(
    session: Session, operator_user: Any
) -> None:
    issue = make_issue(session)
    campaign = lifecycle.create_campaign(
        session,
        issue,
        actor=staff_actor(operator_user),
        audience={"topics": ["compute", "capital"]},
    )
    session.commit()
    assert campaign.status is S.DRAFT
    assert campaign.name == issue.title
    assert campaign.audience == {"topics": ["capital", "compute"], "match": "any"}
    assert campaign.created_by_id == operator_user.id
    assert [e.action for e in audit_entries(session, campaign.id)] == ["campaign.create"]


@pytest.mark.parametrize(
    ("audience", "message"),
    [
        ({"topics": ["capital", "astrology"]}, "unknown topics in the audience: astrology"),
        ({"topics": ["capital"], "match": "most"}, "match must be 'any' or 'all'"),
        ({"region": "east"}, "unknown audience keys: region"),
    ],
)
def test_a_bad_audience_is_refused_and_nothing_is_made(
    session: Session, audience: dict[str, Any], message: str
) -> None:
    issue = make_issue(session)
    with pytest.raises(AudienceError, match=message):
        lifecycle.create_campaign(session, issue, actor=OPERATOR, audience=audience)
    assert session.scalars(select(Campaign)).all() == []


@pytest.mark.parametrize(
    ("wall", "zone", "utc"),
    [
        (dt.datetime(2030, 4, 8, 8, 0), "Asia/Shanghai", dt.datetime(2030, 4, 8, 0, 0)),
        (dt.datetime(2030, 7, 1, 8, 0), "America/New_York", dt.datetime(2030, 7, 1, 12, 0)),
        (dt.datetime(2030, 1, 2, 8, 0), "America/New_York", dt.datetime(2030, 1, 2, 13, 0)),
        (dt.datetime(2030, 4, 8, 8, 0), "UTC", dt.datetime(2030, 4, 8, 8, 0)),
    ],
)
def test_a_naive_time_is_wall_time_in_the_zone_and_stored_as_utc(
    session: Session, wall: dt.datetime, zone: str, utc: dt.datetime
) -> None:
    campaign = campaign_in(session, S.DRAFT)
    lifecycle.schedule(session, campaign, at=wall, timezone=zone, actor=OPERATOR)
    session.commit()
    session.expire_all()
    stored = session.get_one(Campaign, campaign.id)
    assert stored.scheduled_at == utc.replace(tzinfo=dt.UTC)
    assert stored.schedule_timezone == zone


def test_an_aware_time_is_taken_as_given(session: Session) -> None:
    campaign = campaign_in(session, S.DRAFT)
    at = dt.datetime(2030, 4, 8, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    lifecycle.schedule(session, campaign, at=at, timezone="Asia/Shanghai", actor=OPERATOR)
    assert campaign.scheduled_at == dt.datetime(2030, 4, 8, 7, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("at", "zone", "message"),
    [
        (LATER, "Mars/Olympus", "'Mars/Olympus' is not a known time zone"),
        (
            dt.datetime(2020, 1, 1, 8, 0),
            "Asia/Shanghai",
            "2020-01-01 08:00 Asia/Shanghai is in the past",
        ),
    ],
)
def test_an_unknown_zone_or_a_past_time_is_refused(
    session: Session, at: dt.datetime, zone: str, message: str
) -> None:
    campaign = campaign_in(session, S.DRAFT)
    with pytest.raises(TransitionError, match=message):
        lifecycle.schedule(session, campaign, at=at, timezone=zone, actor=OPERATOR)
    assert campaign.status is S.DRAFT
    assert campaign.scheduled_at is None


def test_unschedule_forgets_the_time(session: Session) -> None:
    campaign = campaign_in(session, S.SCHEDULED)
    lifecycle.unschedule(session, campaign, actor=OPERATOR, reason="hold for review")
    assert (campaign.status, campaign.scheduled_at) == (S.DRAFT, None)


def test_schedule_issue_creates_and_schedules_in_one_step(session: Session) -> None:
    issue = make_issue(session)
    campaign = lifecycle.schedule_issue(
        session, issue, at=LATER, timezone="Asia/Shanghai", actor=OPERATOR,
        audience={"topics": ["research"], "match": "all"},
    )  # fmt: skip
    session.commit()
    assert campaign.status is S.SCHEDULED
    assert campaign.audience == {"topics": ["research"], "match": "all"}
    actions = [e.action for e in audit_entries(session, campaign.id)]
    assert actions == ["campaign.create", "campaign.schedule"]


def test_start_takes_the_snapshot_in_the_same_transaction(session: Session) -> None:
    issue = issue_with_topics(session, ["capital"])
    readers = [make_subscriber(session, f"r{i}@example.org", ["capital"]) for i in range(3)]
    campaign = lifecycle.create_campaign(session, issue, actor=OPERATOR)

    made = lifecycle.start(session, campaign, actor=OPERATOR, reason="go")
    session.commit()

    assert made == 3 == campaign.recipients_count
    assert campaign.started_at is not None
    assert campaign.snapshot_at == campaign.started_at
    rows = session.scalars(select(Delivery).where(Delivery.campaign_id == campaign.id)).all()
    assert sorted(r.subscriber_id for r in rows) == sorted(r.id for r in readers)
    assert {r.state for r in rows} == {DeliveryState.QUEUED}


def test_a_refused_start_leaves_no_rows(session: Session) -> None:
    make_subscriber(session, "r@example.org")
    campaign = campaign_in(session, S.CANCELLED)
    with pytest.raises(TransitionError):
        lifecycle.start(session, campaign, actor=OPERATOR)
    assert session.scalars(select(Delivery)).all() == []


def test_a_quota_pause_keeps_when_to_resume(session: Session) -> None:
    campaign = campaign_in(session, S.SENDING)
    at = utcnow() + dt.timedelta(hours=3)
    lifecycle.pause(session, campaign, actor=OPERATOR, reason="daily quota", resume_at=at)
    assert campaign.resume_at == at
    lifecycle.resume(session, campaign, actor=OPERATOR)
    assert (campaign.status, campaign.resume_at, campaign.pause_reason) == (S.SENDING, None, "")


def test_resume_makes_deferred_rows_due_now(session: Session) -> None:
    campaign = campaign_in(session, S.PAUSED)
    reader = make_subscriber(session, "r@example.org")
    far = utcnow() + dt.timedelta(hours=5)
    row = make_delivery(
        session, campaign, reader, state=DeliveryState.DEFERRED, next_attempt_at=far
    )
    session.commit()

    lifecycle.resume(session, campaign, actor=OPERATOR, reason="quota back")
    session.commit()
    session.expire_all()
    due = session.get_one(Delivery, row.id).next_attempt_at
    assert due is not None
    assert due <= utcnow()


def test_a_campaign_paused_before_it_started_goes_back_to_its_schedule(session: Session) -> None:
    campaign = campaign_in(session, S.SCHEDULED)
    lifecycle.pause(session, campaign, actor=OPERATOR, reason="wait")
    lifecycle.resume(session, campaign, actor=OPERATOR)
    assert campaign.status is S.SCHEDULED
    assert session.scalars(select(Delivery)).all() == []


def test_resuming_a_held_campaign_whose_time_passed_starts_it(session: Session) -> None:
    make_subscriber(session, "r@example.org")
    campaign = campaign_in(session, S.PAUSED)
    campaign.started_at = campaign.snapshot_at = None
    campaign.scheduled_at = utcnow() - dt.timedelta(hours=9)
    campaign.pause_reason = "held: 9 hours late"
    session.commit()

    lifecycle.resume(session, campaign, actor=OPERATOR, reason="send it anyway")
    session.commit()

    assert campaign.status is S.SENDING
    assert campaign.recipients_count == 1
    assert campaign.started_at is not None
    assert audit_entries(session, campaign.id)[-1].detail == {
        "from": "paused", "to": "sending", "reason": "send it anyway",
    }  # fmt: skip


def test_cancel_cancels_the_rows_not_yet_sent(session: Session) -> None:
    campaign = campaign_in(session, S.SENDING)
    states = [DeliveryState.QUEUED, DeliveryState.QUEUED, DeliveryState.DEFERRED,
              DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.SENDING]  # fmt: skip
    for i, state in enumerate(states):
        make_delivery(session, campaign, make_subscriber(session, f"r{i}@example.org"), state=state)
    session.commit()

    cancelled = lifecycle.cancel(session, campaign, actor=OPERATOR, reason="wrong issue")
    session.commit()

    assert cancelled == 3
    assert campaign.status is S.CANCELLED
    assert campaign.finished_at is not None
    left = sorted(
        session.scalars(select(Delivery.state).where(Delivery.campaign_id == campaign.id))
    )
    assert left == sorted([DeliveryState.CANCELLED] * 3 + states[3:])


@pytest.mark.parametrize(
    ("states", "done"),
    [
        ([DeliveryState.SENT, DeliveryState.QUEUED], False),
        ([DeliveryState.SENT, DeliveryState.SENDING], False),
        ([DeliveryState.SENT, DeliveryState.DEFERRED], False),
        ([DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.IN_DOUBT], True),
        ([DeliveryState.SENT, DeliveryState.SKIPPED], True),
    ],
)
def test_a_campaign_is_sent_once_no_row_waits_for_a_sender(
    session: Session, states: list[DeliveryState], done: bool
) -> None:
    campaign = campaign_in(session, S.SENDING)
    for i, state in enumerate(states):
        make_delivery(session, campaign, make_subscriber(session, f"r{i}@example.org"), state=state)
    session.commit()

    assert lifecycle.complete_if_done(session, campaign.id) is done
    session.commit()
    session.expire_all()
    stored = session.get_one(Campaign, campaign.id)
    issue = session.get_one(Issue, campaign.issue_id)
    assert stored.status is (S.SENT if done else S.SENDING)
    assert (stored.finished_at is not None) is done
    assert (issue.published_at is not None) is done


def test_complete_if_done_leaves_other_statuses_alone(session: Session) -> None:
    campaign = campaign_in(session, S.PAUSED)
    assert lifecycle.complete_if_done(session, campaign.id) is False
    assert lifecycle.complete_if_done(session, 999_999) is False
    assert campaign.status is S.PAUSED
    assert (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.complete")).all()
        == []
    )
