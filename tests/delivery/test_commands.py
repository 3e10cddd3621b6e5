"""``newsletter campaigns``: the lifecycle from the command line, with clear refusals."""

from __future__ import annotations

import datetime as dt

from click.testing import Result
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.commands import build_cli
from newsletter.models import AuditEntry, Campaign, CampaignStatus, Delivery, DeliveryState
from tests.delivery.helpers import audit_entries, issue_with_topics
from tests.factories import make_delivery, make_subscriber

S = CampaignStatus


def run(app: Flask, *args: str, stdin: str | None = None) -> Result:
    return app.test_cli_runner().invoke(build_cli(), ["campaigns", *args], input=stdin)


def fresh(session: Session, campaign_id: int) -> Campaign:
    session.expire_all()
    return session.get_one(Campaign, campaign_id)


def test_a_campaign_goes_from_draft_to_sending_by_command(app: Flask, session: Session) -> None:
    issue = issue_with_topics(session, ["capital"])
    make_subscriber(session, "cap@example.org", ["capital"])
    make_subscriber(session, "other@example.org", ["research"])
    session.commit()

    created = run(app, "create", issue.slug, "--topics", "capital,compute")
    assert created.exit_code == 0, created.output
    assert created.output == (
        f"created campaign 1 (draft) of issue {issue.slug} for any of capital, compute\n"
    )
    scheduled = run(app, "schedule", "1", "2030-04-08 08:00")
    assert scheduled.output == "campaign 1 scheduled for 2030-04-08 08:00 Asia/Shanghai\n"
    assert fresh(session, 1).scheduled_at == dt.datetime(2030, 4, 8, 0, 0, tzinfo=dt.UTC)

    started = run(app, "start", "1", "--reason", "editor asked")
    assert started.output == "campaign 1 started: now sending (1 rows)\n"
    paused = run(app, "pause", "1", "--reason", "a wrong link")
    assert paused.output == "campaign 1 paused: now paused\n"
    assert fresh(session, 1).pause_reason == "a wrong link"
    assert run(app, "resume", "1").output == "campaign 1 resumed: now sending\n"

    history = [(e.action, e.actor_label.startswith("cli:")) for e in audit_entries(session, 1)]
    assert history == [("campaign.create", True), ("campaign.schedule", True),
                       ("campaign.start", True), ("campaign.pause", True),
                       ("campaign.resume", True)]  # fmt: skip


def test_a_schedule_in_another_zone_is_wall_time_there(app: Flask, session: Session) -> None:
    issue = issue_with_topics(session)
    session.commit()
    run(app, "create", str(issue.id))
    result = run(app, "schedule", "1", "2030-07-01 08:00", "--timezone", "Europe/Berlin")
    assert result.output == "campaign 1 scheduled for 2030-07-01 08:00 Europe/Berlin\n"
    assert fresh(session, 1).scheduled_at == dt.datetime(2030, 7, 1, 6, 0, tzinfo=dt.UTC)


def test_refusals_say_why_and_change_nothing(app: Flask, session: Session) -> None:
    issue = issue_with_topics(session)
    session.commit()
    run(app, "create", str(issue.id))

    cases = {
        ("resume", "1"): "Error: campaign 1 is draft; only a paused campaign can be resumed\n",
        ("pause", "1"): "Error: Missing option '--reason'.",
        ("pause", "1", "--reason", " "):
            "Error: say why you pause the campaign: a reason is required\n",
        ("schedule", "1", "8am"): "Error: '8am' is not a time like 2026-04-08 08:00\n",
        ("schedule", "1", "2030-01-01 08:00", "--timezone", "Moon/Base"):
            "Error: 'Moon/Base' is not a known time zone; use an IANA name such as Asia/Shanghai\n",
        ("show", "42"): "Error: no campaign 42; `newsletter campaigns list`\n",
        ("create", "no-such-issue"): "Error: no issue 'no-such-issue'; `newsletter issues list`\n",
        ("create", str(issue.id), "--topics", "astrology"):
            "Error: unknown topics in the audience: astrology\n",
    }  # fmt: skip
    for args, message in cases.items():
        result = run(app, *args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert fresh(session, 1).status is S.DRAFT
    assert session.query(Campaign).count() == 1


def test_cancel_asks_first_unless_told_yes(app: Flask, session: Session) -> None:
    issue = issue_with_topics(session)
    session.commit()
    run(app, "create", str(issue.id))

    declined = run(app, "cancel", "1", "--reason", "duplicate", stdin="n\n")
    assert declined.exit_code == 1
    assert fresh(session, 1).status is S.DRAFT

    done = run(app, "cancel", "1", "--reason", "duplicate", "--yes")
    assert done.output == "campaign 1 cancelled; 0 rows will not be sent\n"
    assert fresh(session, 1).status is S.CANCELLED


def failed_campaign(app: Flask, session: Session) -> list[Delivery]:
    issue = issue_with_topics(session)
    session.commit()
    run(app, "create", str(issue.id))
    campaign = fresh(session, 1)
    campaign.status = S.SENDING
    states = [DeliveryState.FAILED, DeliveryState.IN_DOUBT, DeliveryState.SENT]
    rows = [make_delivery(session, campaign, make_subscriber(session, f"r{i}@example.org"),
                          state=state, last_error=f"550 mailbox {i} unavailable")
            for i, state in enumerate(states)]  # fmt: skip
    session.commit()
    return rows


def test_show_lists_rows_needing_an_operator_and_the_history(app: Flask, session: Session) -> None:
    failed_campaign(app, session)
    output = run(app, "show", "1").output
    assert "status:            sending" in output
    assert "actions:           pause, cancel" in output
    assert "failed    r0@example.org" in output
    assert "550 mailbox 0 unavailable" in output
    assert "in_doubt  r1@example.org" in output
    assert "create" in output.split("history:")[1]


def test_resend_confirms_then_queues_the_rows(app: Flask, session: Session) -> None:
    rows = failed_campaign(app, session)

    asked = run(app, "resend", "1", "--reason", "relay fixed", stdin="y\n")
    assert "Resend 2 failed or in-doubt rows of campaign 1? [y/N]: y" in asked.output
    assert asked.output.endswith("campaign 1: 2 rows queued again\n")
    session.expire_all()
    assert [session.get_one(Delivery, r.id).state for r in rows] == [
        DeliveryState.QUEUED, DeliveryState.QUEUED, DeliveryState.SENT,
    ]  # fmt: skip


def test_drop_takes_ids_and_refuses_rows_that_are_not_failed(app: Flask, session: Session) -> None:
    rows = failed_campaign(app, session)

    wrong = run(app, "drop", "1", "--ids", f"{rows[0].id},{rows[2].id}", "--reason", "x", "--yes")
    assert wrong.output == (
        f"Error: rows {rows[2].id} are not failed or in doubt in campaign 1; nothing changed\n"
    )
    bad = run(app, "drop", "1", "--ids", "a,b", "--reason", "x", "--yes")
    assert "give delivery ids like 12,15,19" in bad.output

    done = run(app, "drop", "1", "--ids", str(rows[0].id), "--reason", "gone", "--yes")
    assert done.output == "campaign 1: 1 rows dropped\n"
    session.expire_all()
    assert session.get_one(Delivery, rows[0].id).state is DeliveryState.DROPPED
    entry = session.query(AuditEntry).filter_by(action="campaign.drop").one()
    assert entry.detail == {"reason": "gone", "rows": 1, "delivery_ids": [rows[0].id]}


def test_list_shows_status_progress_and_schedule(app: Flask, session: Session) -> None:
    issue = issue_with_topics(session)
    session.commit()
    assert "no campaigns" in run(app, "list").output
    run(app, "create", str(issue.id), "--name", "Morning")
    run(app, "schedule", "1", "2030-04-08 08:00")
    lines = run(app, "list").output.splitlines()
    assert lines[1].split() == ["1", "scheduled", "0/0", "0", "2030-04-08", "08:00",
                                "Asia/Shanghai", "Morning"]  # fmt: skip
    assert run(app, "list", "--status", "draft").output.startswith("no campaigns")


def test_every_command_is_listed(app: Flask) -> None:
    output = run(app, "--help").output
    for name in ("list", "show", "create", "schedule", "unschedule", "start", "pause",
                 "resume", "cancel", "resend", "drop"):  # fmt: skip
        assert f"  {name} " in output, name
