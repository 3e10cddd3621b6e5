"""The operators' Sending pages: who may open them, the controls, and settling rows."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry, Campaign, CampaignStatus, Delivery, DeliveryState
from tests.conftest import StaffClient, csrf_token
from tests.factories import make_campaign, make_delivery, make_subscriber, utcnow

S = CampaignStatus
D = DeliveryState


def sending_campaign(session: Session) -> tuple[Campaign, list[Delivery]]:
    campaign = make_campaign(session, status=S.SENDING, name="Morning issue",
                             started_at=utcnow(), recipients_count=3)  # fmt: skip
    rows = [
        make_delivery(session, campaign, make_subscriber(session, "a@example.org"),
                      state=D.FAILED, last_error="550 5.1.1 mailbox unavailable"),
        make_delivery(session, campaign, make_subscriber(session, "b@example.org"),
                      state=D.IN_DOUBT, last_error="the worker w:1:2 stopped"),
        make_delivery(session, campaign, make_subscriber(session, "c@example.org"),
                      state=D.SENT),
    ]  # fmt: skip
    campaign.failed_count = 1
    session.commit()
    return campaign, rows


def fresh(session: Session, model: Any, key: int) -> Any:
    session.expire_all()
    return session.get_one(model, key)


def post_form(client: FlaskClient, page_url: str, url: str, **data: str) -> Any:
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_visitors_sign_in_and_editors_are_refused(
    client: FlaskClient, staff: StaffClient, editor_user: Any, session: Session
) -> None:
    campaign, _rows = sending_campaign(session)
    base = f"/admin/sending/campaigns/{campaign.id}"
    assert "/admin/login" in client.get("/admin/sending/").headers["Location"]
    staff.login(editor_user.email)
    for url in ("/admin/sending/", base, f"{base}/rows/resend"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{base}/pause", data={"reason": "x"}).status_code in {400, 403}
    assert fresh(session, Campaign, campaign.id).status is S.SENDING


def test_the_list_shows_status_progress_and_links(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, _rows = sending_campaign(session)
    staff.login(operator_user.email)
    page = client.get("/admin/sending/?lang=en").get_data(as_text=True)
    assert f'href="/admin/sending/campaigns/{campaign.id}"' in page
    assert f'href="/admin/dashboard/campaigns/{campaign.id}"' in page
    assert ">sending</span>" in page
    nav = page.split('class="mainnav"')[1].split("</nav>")[0]
    assert 'href="/admin/sending/"' in nav
    assert 'aria-current="page">Sending</a>' in nav
    assert "Morning issue" not in client.get("/admin/sending/?status=paused").get_data(as_text=True)


def test_an_operator_pauses_with_a_reason_and_the_history_says_so(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, _rows = sending_campaign(session)
    staff.login(operator_user.email)
    page_url = f"/admin/sending/campaigns/{campaign.id}?lang=en"

    response = post_form(client, page_url, f"/admin/sending/campaigns/{campaign.id}/pause",
                         reason="a broken link in item 3")  # fmt: skip

    assert response.status_code == 302
    stored = fresh(session, Campaign, campaign.id)
    assert (stored.status, stored.pause_reason) == (S.PAUSED, "a broken link in item 3")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.pause")).one()
    assert (entry.actor_label, entry.actor_id) == (operator_user.email, operator_user.id)
    page = client.get(page_url).get_data(as_text=True)
    assert "a broken link in item 3" in page
    assert f"Campaign {campaign.id} is now paused." in page
    assert f"/admin/sending/campaigns/{campaign.id}/resume" in page
    assert f"/admin/sending/campaigns/{campaign.id}/pause" not in page


def test_a_refused_change_is_explained_and_changes_nothing(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, _rows = sending_campaign(session)
    staff.login(operator_user.email)
    page_url = f"/admin/sending/campaigns/{campaign.id}?lang=en"

    post_form(client, page_url, f"/admin/sending/campaigns/{campaign.id}/pause", reason=" ")
    page = client.get(page_url).get_data(as_text=True)
    assert "say why you pause the campaign: a reason is required" in page

    post_form(client, page_url, f"/admin/sending/campaigns/{campaign.id}/resume")
    page = client.get(page_url).get_data(as_text=True)
    assert f"campaign {campaign.id} is sending; only a paused campaign can be resumed" in page
    assert fresh(session, Campaign, campaign.id).status is S.SENDING
    assert client.post(f"/admin/sending/campaigns/{campaign.id}/explode").status_code in {400, 404}


def test_a_form_without_its_csrf_token_is_refused(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, rows = sending_campaign(session)
    staff.login(operator_user.email)
    base = f"/admin/sending/campaigns/{campaign.id}"
    assert client.post(f"{base}/cancel", data={"reason": "x"}).status_code == 400
    refused = client.post(f"{base}/rows/drop", data={"reason": "x", "confirm": "y"})
    assert refused.status_code == 400
    assert fresh(session, Campaign, campaign.id).status is S.SENDING
    assert fresh(session, Delivery, rows[0].id).state is D.FAILED


def test_cancel_takes_effect_and_the_controls_go(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, _rows = sending_campaign(session)
    staff.login(operator_user.email)
    page_url = f"/admin/sending/campaigns/{campaign.id}?lang=en"
    post_form(client, page_url, f"/admin/sending/campaigns/{campaign.id}/cancel",
              reason="sent the wrong issue")  # fmt: skip
    assert fresh(session, Campaign, campaign.id).status is S.CANCELLED
    page = client.get(page_url).get_data(as_text=True)
    assert 'id="controls"' not in page
    assert "sent the wrong issue" in page


def test_failed_and_in_doubt_rows_are_listed_with_their_reasons(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, rows = sending_campaign(session)
    staff.login(operator_user.email)
    page = client.get(f"/admin/sending/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
    assert "550 5.1.1 mailbox unavailable" in page
    assert "the worker w:1:2 stopped" in page
    assert "c@example.org" not in page  # sent rows need nobody
    assert f"rows/drop?ids={rows[0].id}" in page


def test_resending_asks_for_confirmation_and_warns_about_in_doubt_rows(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, rows = sending_campaign(session)
    staff.login(operator_user.email)
    url = f"/admin/sending/campaigns/{campaign.id}/rows/resend"
    confirm = client.get(f"{url}?state=in_doubt&lang=en").get_data(as_text=True)
    assert "Resend 1 rows?" in confirm
    assert "would then get it twice" in confirm

    token = csrf_token(confirm)
    unconfirmed = client.post(url, data={"csrf_token": token, "state": "in_doubt",
                                         "reason": "SES has no record"})  # fmt: skip
    assert unconfirmed.status_code == 422
    assert fresh(session, Delivery, rows[1].id).state is D.IN_DOUBT

    done = client.post(url, data={"csrf_token": token, "state": "in_doubt", "confirm": "y",
                                  "reason": "SES has no record"})  # fmt: skip
    assert done.status_code == 302
    assert [fresh(session, Delivery, r.id).state for r in rows] == [D.FAILED, D.QUEUED, D.SENT]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.resend")).one()
    assert entry.detail == {"reason": "SES has no record", "rows": 1, "delivery_ids": [rows[1].id]}


def test_one_row_is_dropped_from_its_own_link(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, rows = sending_campaign(session)
    staff.login(operator_user.email)
    url = f"/admin/sending/campaigns/{campaign.id}/rows/drop"
    confirm = client.get(f"{url}?ids={rows[0].id}&lang=en").get_data(as_text=True)
    assert "Drop 1 rows?" in confirm
    token = csrf_token(confirm)
    client.post(url, data={"csrf_token": token, "ids": str(rows[0].id), "state": "both",
                           "confirm": "y", "reason": "address does not exist"})  # fmt: skip
    assert [fresh(session, Delivery, r.id).state for r in rows] == [D.DROPPED, D.IN_DOUBT, D.SENT]


def test_pages_are_in_chinese_by_default(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    campaign, _rows = sending_campaign(session)
    staff.login(operator_user.email)
    page = client.get(f"/admin/sending/campaigns/{campaign.id}").get_data(as_text=True)
    assert "暂停" in page
    assert "历史" in page
