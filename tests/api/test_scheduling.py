"""Scheduling an issue and steering its campaign through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry, Campaign, CampaignStatus, utcnow
from tests.api.conftest import ApiClient
from tests.archive.helpers import stored_issue
from tests.factories import make_campaign

DAY = dt.date(2026, 4, 7)


def _tomorrow_at_eight() -> str:
    return (utcnow() + dt.timedelta(days=1)).strftime("%Y-%m-%dT08:00")


def test_an_issue_is_scheduled_in_shanghai_time_by_default(
    editor_api: ApiClient, session: Session
) -> None:
    issue = stored_issue(session, DAY, status=None)
    at = _tomorrow_at_eight()

    answer = editor_api.post(
        f"/issues/{issue.id}/schedule", {"at": at, "audience": {"topics": ["capital"]}}
    )

    assert answer.status_code == 201, answer.get_json()
    campaign = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/campaigns/{campaign['id']}"
    assert campaign["status"] == "scheduled"
    assert campaign["schedule_timezone"] == "Asia/Shanghai"
    expected = dt.datetime.fromisoformat(at).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert dt.datetime.fromisoformat(campaign["scheduled_at"]) == expected
    assert campaign["audience"] == {"topics": ["capital"], "match": "any"}
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.schedule"))
    assert entry is not None
    assert "(API token nl_" in entry.actor_label
    assert editor_api.get(f"/issues/{issue.id}").get_json()["status"] == "scheduled"


def test_a_time_with_an_offset_is_taken_as_given(editor_api: ApiClient, session: Session) -> None:
    issue = stored_issue(session, DAY, status=None)
    at = (utcnow() + dt.timedelta(hours=3)).replace(microsecond=0)

    answer = editor_api.post(
        f"/issues/{issue.id}/schedule", {"at": at.isoformat(), "timezone": "Europe/Berlin"}
    )

    assert answer.status_code == 201
    assert dt.datetime.fromisoformat(answer.get_json()["scheduled_at"]) == at


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "body.at"),
        ({"at": "tomorrow"}, "body.at"),
        ({"at": 20260408}, "body.at"),
        ({"at": "2020-01-01T08:00"}, "body.at"),
        ({"at": "2099-01-01T08:00", "timezone": "Mars/Olympus"}, "body.timezone"),
        ({"at": "2099-01-01T08:00", "timezone": "../../etc/passwd"}, "body.timezone"),
        ({"at": "2099-01-01T08:00", "audience": {"topics": ["astrology"]}}, "body.audience"),
        ({"at": "2099-01-01T08:00", "audience": {"match": "most"}}, "body.audience.match"),
        ({"at": "2099-01-01T08:00", "audience": {"who": 1}}, "body.audience.who"),
        ({"at": "2099-01-01T08:00", "audience": []}, "body.audience"),
        ({"at": "2099-01-01T08:00", "when": "now"}, "body.when"),
    ],
)
def test_bad_schedules_are_422_and_change_nothing(
    editor_api: ApiClient, session: Session, body: dict[str, Any], where: str
) -> None:
    issue = stored_issue(session, DAY, status=None)

    answer = editor_api.post(f"/issues/{issue.id}/schedule", body)

    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error"]["where"] == where
    assert session.scalar(select(Campaign)) is None


def test_an_issue_already_in_flight_cannot_be_scheduled_again(
    editor_api: ApiClient, operator_api: ApiClient, session: Session
) -> None:
    issue = stored_issue(session, DAY, status=CampaignStatus.SENDING)

    answer = editor_api.post(f"/issues/{issue.id}/schedule", {"at": _tomorrow_at_eight()})

    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "invalid_transition"
    assert operator_api.post(f"/issues/{issue.id}/schedule", {"at": "x"}).status_code == 403
    assert editor_api.post("/issues/999/schedule", {"at": _tomorrow_at_eight()}).status_code == 404


def test_operators_pause_resume_and_cancel_with_reasons(
    operator_api: ApiClient, session: Session
) -> None:
    campaign = make_campaign(session, status=CampaignStatus.SENDING, started_at=utcnow())
    session.commit()
    path = f"/campaigns/{campaign.id}"

    paused = operator_api.post(f"{path}/pause", {"reason": "checking a complaint"})
    resumed = operator_api.post(f"{path}/resume")
    cancelled = operator_api.post(f"{path}/cancel", {"reason": "wrong issue"})
    again = operator_api.post(f"{path}/cancel", {"reason": "twice"})

    assert paused.status_code == 200
    assert paused.get_json()["status"] == "paused"
    assert paused.get_json()["pause_reason"] == "checking a complaint"
    assert resumed.get_json()["status"] == "sending"
    assert cancelled.get_json()["status"] == "cancelled"
    assert again.status_code == 409
    assert "cancel" in again.get_json()["error"]["message"]
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"campaign.pause", "campaign.resume", "campaign.cancel"} <= actions


@pytest.mark.parametrize(
    ("action", "body", "status", "where"),
    [
        ("pause", None, 415, "header.Content-Type"),
        ("pause", {}, 422, "body.reason"),
        ("pause", {"reason": "   "}, 422, "body.reason"),
        ("pause", {"reason": 5}, 422, "body.reason"),
        ("cancel", {"reason": "x" * 501}, 422, "body.reason"),
        ("resume", {"reason": "ok", "force": True}, 422, "body.force"),
    ],
)
def test_bad_action_bodies_are_refused(
    operator_api: ApiClient,
    session: Session,
    action: str,
    body: dict[str, Any] | None,
    status: int,
    where: str,
) -> None:
    campaign = make_campaign(session, status=CampaignStatus.PAUSED, started_at=utcnow())
    session.commit()

    answer = operator_api.post(f"/campaigns/{campaign.id}/{action}", body)

    assert answer.status_code == status
    assert answer.get_json()["error"]["where"] == where
    session.expire_all()
    assert session.get(Campaign, campaign.id).status is CampaignStatus.PAUSED  # type: ignore[union-attr]


def test_editors_may_cancel_only_what_has_not_started(
    editor_api: ApiClient, session: Session
) -> None:
    scheduled = make_campaign(session, status=CampaignStatus.SCHEDULED)
    sending = make_campaign(session, status=CampaignStatus.SENDING, started_at=utcnow())
    session.commit()

    assert editor_api.post(f"/campaigns/{sending.id}/pause", {"reason": "x"}).status_code == 403
    refused = editor_api.post(f"/campaigns/{sending.id}/cancel", {"reason": "oops"})
    allowed = editor_api.post(f"/campaigns/{scheduled.id}/cancel", {"reason": "oops"})

    assert refused.status_code == 403
    assert "operator" in refused.get_json()["error"]["message"]
    assert allowed.status_code == 200
    assert allowed.get_json()["status"] == "cancelled"
