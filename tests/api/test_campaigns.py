"""/api/v1/campaigns: status and counters, newest first, filtered by status."""

from __future__ import annotations

from sqlalchemy.orm import Session

from newsletter.models import CampaignStatus, DeliveryState, utcnow
from tests.api.conftest import ApiClient
from tests.factories import make_campaign, make_delivery, make_subscriber


def test_campaigns_are_listed_newest_first_and_filtered(
    operator_api: ApiClient, session: Session
) -> None:
    draft = make_campaign(session)
    sending = make_campaign(session, status=CampaignStatus.SENDING, started_at=utcnow())
    session.commit()

    everything = operator_api.get("/campaigns").get_json()
    only_sending = operator_api.get("/campaigns?status=sending").get_json()

    assert [c["id"] for c in everything["items"]] == [sending.id, draft.id]
    assert [c["id"] for c in only_sending["items"]] == [sending.id]
    wrong = operator_api.get("/campaigns?status=flying")
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["where"] == "query.status"


def test_a_campaign_shows_its_counters_and_progress(
    operator_api: ApiClient, session: Session
) -> None:
    campaign = make_campaign(
        session,
        status=CampaignStatus.SENDING,
        started_at=utcnow(),
        recipients_count=3,
        sent_count=1,
    )
    make_delivery(
        session, campaign, make_subscriber(session, "a@example.com"), state=DeliveryState.SENT
    )
    make_delivery(
        session, campaign, make_subscriber(session, "b@example.com"), state=DeliveryState.DEFERRED
    )
    make_delivery(session, campaign, make_subscriber(session, "c@example.com"))
    session.commit()

    answer = operator_api.get(f"/campaigns/{campaign.id}")

    assert answer.status_code == 200
    data = answer.get_json()
    assert data["status"] == "sending"
    assert data["counters"] == {"recipients": 3, "sent": 1, "failed": 0, "skipped": 0}
    assert data["progress"]["deferred"] == 1
    assert data["progress"]["queued"] == 1
    assert data["issue_id"] == campaign.issue_id
    missing = operator_api.get("/campaigns/4242")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["where"] == "path.campaign_id"
