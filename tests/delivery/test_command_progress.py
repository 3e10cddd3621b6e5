"""``newsletter campaigns send`` and ``status``: sending from the command line with progress."""

from __future__ import annotations

from click.testing import Result
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.commands import build_cli
from newsletter.delivery import lifecycle
from newsletter.issues.storage import create_issue
from newsletter.models import Campaign, CampaignStatus, DeliveryState
from tests.delivery.helpers import OPERATOR
from tests.delivery.sending import (
    DOCUMENT,
    ScriptedTransport,
    numbered_readers,
    rows_of,
    use_transport,
)
from tests.factories import make_subscriber


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(build_cli(), ["campaigns", *args])


def draft_for(session: Session, readers: int) -> Campaign:
    issue = create_issue(session, DOCUMENT)
    for address, topics in numbered_readers(readers, ["capital"]):
        make_subscriber(session, address, topics)
    campaign = lifecycle.create_campaign(session, issue, actor=OPERATOR)
    session.commit()
    return campaign


def test_send_starts_a_draft_and_sends_every_row_from_this_process(
    app: Flask, session: Session
) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = draft_for(session, 5)

    result = run(app, "send", str(campaign.id))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        f"campaign {campaign.id} sent: 5 sent, 0 failed, 0 skipped, 0 queued, 0 deferred, "
        "0 in doubt of 5"
    )
    assert sorted(transport.parsed()) == [f"reader{i}@example.org" for i in range(5)]
    assert {row.state for row in rows_of(session, campaign.id)} == {DeliveryState.SENT}
    session.expire_all()
    assert session.get_one(Campaign, campaign.id).status is CampaignStatus.SENT


def test_send_refuses_a_campaign_that_cannot_send(app: Flask, session: Session) -> None:
    campaign = draft_for(session, 1)
    lifecycle.cancel(session, campaign, actor=OPERATOR, reason="wrong issue")
    session.commit()
    result = run(app, "send", str(campaign.id))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: campaign {campaign.id} is cancelled; only a draft, scheduled or sending "
        "campaign can be sent (resume a paused one first)\n"
    )


def test_status_prints_the_counts_and_why_it_is_paused(app: Flask, session: Session) -> None:
    campaign = draft_for(session, 2)
    lifecycle.start(session, campaign, actor=OPERATOR)
    lifecycle.pause(session, campaign, actor=OPERATOR, reason="checking a link")
    session.commit()

    result = run(app, "status", str(campaign.id), "--watch")  # not sending: no bar, no wait

    assert result.output.splitlines() == [
        f"campaign {campaign.id} paused: 0 sent, 0 failed, 0 skipped, 2 queued, 0 deferred, "
        "0 in doubt of 2",
        "paused because: checking a link",
    ]
