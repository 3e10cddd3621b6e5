"""The dashboard pages: who may open them, what they show, CSV downloads, live progress."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.metrics import rollup, snapshots
from newsletter.models import ReputationAlarm
from tests.conftest import StaffClient, csrf_token
from tests.factories import make_staff
from tests.metrics.conftest import KnownCampaign, at


def roll_up(session: Session, known: KnownCampaign) -> None:
    rollup.roll_up_all_events(session)
    rollup.recount_sends(session, now=at(5))
    snapshots.store_campaign_snapshot(session, known.campaign.id)
    snapshots.store_overall_snapshot(session)
    session.commit()


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/dashboard/")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_editors_may_not_open_the_dashboard(
    client: FlaskClient, staff: StaffClient, editor_user: Any, known: KnownCampaign
) -> None:
    staff.login(editor_user.email)
    assert client.get("/admin/dashboard/").status_code == 403
    assert client.get(f"/admin/dashboard/campaigns/{known.campaign.id}").status_code == 403
    assert client.get("/admin/dashboard/daily.csv").status_code == 403


def test_the_overview_shows_quota_reputation_and_charts(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session,
    known: KnownCampaign,
) -> None:  # fmt: skip
    roll_up(session, known)
    staff.login(operator_user.email)
    page = client.get("/admin/dashboard/?lang=en").get_data(as_text=True)
    assert "SES quota, last 24 h" in page
    assert "Configured limits and our own count from the ledger" in page
    assert page.count("data-chart=") == 5
    assert "/static/vendor/chart.umd.min.js" in page
    assert f'href="/admin/dashboard/campaigns/{known.campaign.id}"' in page
    assert "<script>" not in page
    assert " style=" not in page


def test_the_campaign_page_shows_every_table_with_a_csv_link(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session,
    known: KnownCampaign,
) -> None:  # fmt: skip
    roll_up(session, known)
    staff.login(operator_user.email)
    url = f"/admin/dashboard/campaigns/{known.campaign.id}"
    page = client.get(url + "?lang=en").get_data(as_text=True)
    for table in ("funnel", "hourly", "topics", "topic_clicks", "links", "reasons", "attention"):
        assert f'href="{url}/{table}.csv"' in page
    assert "550 mailbox unavailable" in page
    assert page.count("data-chart=") == 4


def test_a_campaign_table_downloads_as_csv_in_the_page_language(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session,
    known: KnownCampaign,
) -> None:  # fmt: skip
    roll_up(session, known)
    staff.login(operator_user.email)
    client.get("/admin/dashboard/?lang=zh_CN")
    response = client.get(f"/admin/dashboard/campaigns/{known.campaign.id}/links.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "链接"
    assert rows[1][:2] == ["1", "https://1.example/"]
    assert rows[1][3:6] == ["2", "1", "1"]


def test_csv_cells_that_look_like_formulas_are_defused(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session,
    known: KnownCampaign,
) -> None:  # fmt: skip
    known.rows["d8"].last_error = '=HYPERLINK("https://evil.example")'
    session.commit()
    staff.login(operator_user.email)
    url = f"/admin/dashboard/campaigns/{known.campaign.id}/attention.csv"
    text = client.get(url).get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_unknown_tables_and_campaigns_are_not_found(
    client: FlaskClient, staff: StaffClient, operator_user: Any, known: KnownCampaign
) -> None:
    staff.login(operator_user.email)
    assert client.get("/admin/dashboard/nothing.csv").status_code == 404
    assert client.get("/admin/dashboard/campaigns/999999").status_code == 404
    assert client.get(f"/admin/dashboard/campaigns/{known.campaign.id}/x.csv").status_code == 404


def test_a_campaign_page_before_its_first_snapshot_says_so(
    client: FlaskClient, staff: StaffClient, operator_user: Any, known: KnownCampaign
) -> None:
    staff.login(operator_user.email)
    page = client.get(f"/admin/dashboard/campaigns/{known.campaign.id}?lang=en")
    assert page.status_code == 200
    assert "No figures yet" in page.get_data(as_text=True)


def test_progress_is_polled_as_json(
    client: FlaskClient, staff: StaffClient, operator_user: Any, known: KnownCampaign
) -> None:
    staff.login(operator_user.email)
    data = client.get(f"/admin/dashboard/campaigns/{known.campaign.id}/progress.json").get_json()
    assert {k: data[k] for k in ("recipients", "sent", "failed", "in_doubt", "queued")} == {
        "recipients": 10, "sent": 7, "failed": 1, "in_doubt": 1, "queued": 1,
    }  # fmt: skip
    assert data["fraction"] == 0.8


def open_alarm(session: Session) -> ReputationAlarm:
    alarm = ReputationAlarm(
        scope="window", metric="bounce", rate=0.032, threshold=0.02, numerator=32,
        denominator=1000, reason="reputation guard: bounce rate 3.2% > 2.0% (rolling window)",
        paused_campaign_ids=[7], acknowledge_note="",
    )  # fmt: skip
    session.add(alarm)
    session.commit()
    return alarm


def test_an_open_alarm_shows_a_banner_on_staff_pages(
    client: FlaskClient, staff: StaffClient, session: Session
) -> None:
    open_alarm(session)
    make_staff(session, "ed@news.example.org", ["editor"])
    session.commit()
    staff.login("ed@news.example.org")
    page = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Sending is paused by the reputation guard." in page
    assert "bounce rate 3.2% &gt; 2.0%" in page
    assert "Review and acknowledge" not in page  # editors cannot acknowledge


def test_an_operator_acknowledges_with_a_note_and_the_banner_goes(
    client: FlaskClient, staff: StaffClient, operator_user: Any, session: Session
) -> None:
    alarm = open_alarm(session)
    staff.login(operator_user.email)
    page = client.get("/admin/dashboard/?lang=en").get_data(as_text=True)
    assert "Review and acknowledge" in page
    token = csrf_token(page[page.index('id="alarms"') :])

    refused = client.post("/admin/dashboard/alarms/acknowledge", data={"note": "checked"})
    assert refused.status_code == 400  # no CSRF token
    empty = client.post("/admin/dashboard/alarms/acknowledge", data={"csrf_token": token})
    assert empty.status_code == 302
    session.refresh(alarm)
    assert alarm.acknowledged_at is None

    client.post(
        "/admin/dashboard/alarms/acknowledge",
        data={"csrf_token": token, "note": "bad import removed"},
    )
    session.refresh(alarm)
    assert alarm.acknowledged_at is not None
    assert alarm.acknowledged_by_id == operator_user.id
    assert alarm.acknowledge_note == "bad import removed"
    after = client.get("/admin/dashboard/?lang=en").get_data(as_text=True)
    assert "Sending is paused by the reputation guard." not in after
