"""Scheduling from the issue page: wall time in a time zone, an audience, and unscheduling."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.issues.storage import create_issue
from newsletter.models import Campaign, CampaignStatus, Issue
from tests.factories import make_campaign
from tests.issues.editor.conftest import actions, token_of
from tests.issues.helpers import demo_document

TOMORROW = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)


def schedule(client: FlaskClient, issue: Issue, **fields: object) -> object:
    data = {
        "csrf_token": token_of(client, f"/admin/issues/{issue.id}"),
        "date": TOMORROW.isoformat(),
        "time": "08:00",
        "timezone": "Asia/Shanghai",
        "audience_match": "any",
        **fields,
    }
    return client.post(f"/admin/issues/{issue.id}/schedule", data=data)


def campaigns(session: Session) -> list[Campaign]:
    session.expire_all()
    return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def test_scheduling_stores_utc_the_zone_and_the_audience(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    response = schedule(
        editor, issue, audience_topics=["capital", "research"], audience_match="all"
    )

    assert response.status_code == 302  # type: ignore[attr-defined]
    (campaign,) = campaigns(session)
    assert campaign.status is CampaignStatus.SCHEDULED
    assert campaign.scheduled_at == dt.datetime.combine(TOMORROW, dt.time(0, 0), dt.UTC)
    assert campaign.schedule_timezone == "Asia/Shanghai"
    assert campaign.audience == {"topics": ["capital", "research"], "match": "all"}
    assert actions(session) == ["campaign.create", "campaign.schedule"]
    page = editor.get(f"/admin/issues/{issue.id}").get_data(as_text=True)
    assert f"{TOMORROW.isoformat()} 08:00 Asia/Shanghai" in page
    listing = editor.get("/admin/issues/").get_data(as_text=True)
    assert "state-scheduled" in listing


def test_a_time_in_the_past_is_refused_at_the_field(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    response = schedule(editor, issue, date="2020-01-01")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "is in the past" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert campaigns(session) == []
    assert actions(session) == []


def test_bad_fields_are_refused_without_a_500(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    for fields in (
        {"timezone": "Mars/Olympus"},
        {"date": "tomorrow"},
        {"time": "25:00"},
        {"audience_topics": ["astrology"]},
        {"audience_match": "most"},
    ):
        response = schedule(editor, issue, **fields)
        assert response.status_code == 422, fields  # type: ignore[attr-defined]
        assert 'class="field has-error"' in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert campaigns(session) == []


def test_an_issue_already_scheduled_is_not_scheduled_twice(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    schedule(editor, issue)
    second = create_issue(session, demo_document())
    make_campaign(session, second, status=CampaignStatus.SENDING)
    session.commit()

    response = schedule(editor, second)

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "already has campaign" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert len(campaigns(session)) == 2


def test_unscheduling_makes_a_draft_that_the_next_schedule_reuses(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    schedule(editor, issue)
    (campaign,) = campaigns(session)
    token = token_of(editor, f"/admin/issues/{issue.id}")

    response = editor.post(
        f"/admin/issues/{issue.id}/unschedule",
        data={"csrf_token": token, "campaign_id": str(campaign.id)},
    )

    assert response.status_code == 302
    (draft,) = campaigns(session)
    assert (draft.status, draft.scheduled_at) == (CampaignStatus.DRAFT, None)
    schedule(editor, issue, time="09:30", timezone="Europe/Berlin")
    (again,) = campaigns(session)
    assert again.id == campaign.id
    assert again.status is CampaignStatus.SCHEDULED
    assert again.schedule_timezone == "Europe/Berlin"
    assert actions(session) == [
        "campaign.create",
        "campaign.schedule",
        "campaign.unschedule",
        "campaign.schedule",
    ]


def test_another_issues_campaign_cannot_be_unscheduled_from_here(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    other = make_campaign(session, status=CampaignStatus.SCHEDULED)
    session.commit()
    token = token_of(editor, f"/admin/issues/{issue.id}")
    response = editor.post(
        f"/admin/issues/{issue.id}/unschedule",
        data={"csrf_token": token, "campaign_id": str(other.id)},
        follow_redirects=True,
    )
    assert "is not a campaign of issue" in response.get_data(as_text=True)
    session.expire_all()
    assert other.status is CampaignStatus.SCHEDULED


def test_scheduling_without_the_csrf_token_is_refused(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    response = editor.post(
        f"/admin/issues/{issue.id}/schedule",
        data={"date": TOMORROW.isoformat(), "time": "08:00", "timezone": "Asia/Shanghai"},
    )
    assert response.status_code in {400, 422}
    assert campaigns(session) == []
