"""The daily pipeline end to end: report in through the API, out in the archive once sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.audit import SYSTEM
from newsletter.delivery import lifecycle
from newsletter.models import Campaign, utcnow
from tests.api.conftest import ApiClient
from tests.factories import make_subscriber

DEMO = Path(__file__).resolve().parents[2] / "newsletter" / "demo" / "daily-report-demo.txt"


def test_import_retag_preview_schedule_send_and_read_in_the_archive(
    editor_api: ApiClient, client: FlaskClient, session: Session
) -> None:
    make_subscriber(session, "capital@example.com", ["capital"])
    session.commit()
    created = editor_api.post(
        "/issues", {"format": "report", "content": DEMO.read_text(encoding="utf-8")}
    ).get_json()
    issue_id = created["id"]
    item = created["sections"][2]["items"][1]

    retagged = editor_api.patch(f"/issues/{issue_id}/items/{item['id']}", {"topics": ["capital"]})
    preview = editor_api.get(f"/issues/{issue_id}/preview?topics=capital")
    at = (utcnow() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    scheduled = editor_api.post(f"/issues/{issue_id}/schedule", {"at": at, "timezone": "UTC"})

    assert retagged.get_json()["topics"] == ["capital"]
    assert item["title"] in preview.get_data(as_text=True)
    assert scheduled.status_code == 201
    slug = created["slug"]
    assert client.get(f"/archive/{slug}").status_code == 404  # scheduled is not published

    campaign = session.get(Campaign, scheduled.get_json()["id"])
    assert campaign is not None
    assert lifecycle.start(session, campaign, actor=SYSTEM) == 1
    session.commit()

    page = client.get(f"/archive/{slug}?topics=capital")
    assert page.status_code == 200
    assert item["title"] in page.get_data(as_text=True)
    assert slug in client.get("/archive").get_data(as_text=True)
    assert f"/archive/{slug}" in client.get("/archive/feed.atom").get_data(as_text=True)
    progress = editor_api.get(f"/campaigns/{campaign.id}").get_json()
    assert progress["status"] == "sending"
    assert progress["counters"]["recipients"] == 1
