"""Operators resend or drop the rows that did not go out, and say why."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery import lifecycle, recovery
from newsletter.delivery.errors import RecoveryError
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryState, utcnow
from tests.delivery.helpers import OPERATOR, audit_entries
from tests.factories import make_campaign, make_delivery, make_subscriber

D = DeliveryState


def campaign_with(
    session: Session, states: list[DeliveryState], status: CampaignStatus = CampaignStatus.SENDING
) -> tuple[Campaign, list[Delivery]]:
    """A campaign with one row per state; failed rows carry a reason and a claim."""
    campaign = make_campaign(session, status=status, started_at=utcnow())
    rows = []
    for i, state in enumerate(states):
        reader = make_subscriber(session, f"r{i}-{campaign.id}@example.org")
        rows.append(make_delivery(session, campaign, reader, state=state, claimed_by="w:1:1",
                                  claimed_at=utcnow(), last_error=f"error {i}"))  # fmt: skip
    campaign.failed_count = states.count(D.FAILED)
    session.commit()
    return campaign, rows


def states_of(session: Session, rows: list[Delivery]) -> list[DeliveryState]:
    session.expire_all()
    return [session.get_one(Delivery, row.id).state for row in rows]


def test_named_rows_are_queued_again_with_their_claim_cleared(session: Session) -> None:
    campaign, rows = campaign_with(session, [D.FAILED, D.IN_DOUBT, D.FAILED, D.SENT])

    resent = recovery.resend(session, campaign, [rows[0].id, rows[1].id], actor=OPERATOR,
                             reason="mailbox fixed")  # fmt: skip
    session.commit()

    assert resent == 2
    assert states_of(session, rows) == [D.QUEUED, D.QUEUED, D.FAILED, D.SENT]
    again = session.get_one(Delivery, rows[0].id)
    assert (again.claimed_by, again.claimed_at) == (None, None)
    assert session.get_one(Campaign, campaign.id).failed_count == 1
    entry = audit_entries(session, campaign.id)[-1]
    assert entry.action == "campaign.resend"
    assert entry.detail == {"reason": "mailbox fixed", "rows": 2,
                            "delivery_ids": [rows[0].id, rows[1].id]}  # fmt: skip


def test_without_ids_every_failed_and_in_doubt_row_is_resent(session: Session) -> None:
    campaign, rows = campaign_with(session, [D.FAILED, D.IN_DOUBT, D.SENT, D.SKIPPED, D.QUEUED])
    assert recovery.resend(session, campaign, None, actor=OPERATOR, reason="retry all") == 2
    session.commit()
    assert states_of(session, rows) == [D.QUEUED, D.QUEUED, D.SENT, D.SKIPPED, D.QUEUED]


def test_a_row_that_is_not_failed_or_in_doubt_here_refuses_the_whole_request(
    session: Session,
) -> None:
    campaign, rows = campaign_with(session, [D.FAILED, D.SENT])
    _other, foreign = campaign_with(session, [D.FAILED])

    for wrong in (rows[1].id, foreign[0].id, 987654):
        with pytest.raises(RecoveryError, match=f"rows {wrong} are not failed or in doubt"):
            recovery.resend(session, campaign, [rows[0].id, wrong], actor=OPERATOR, reason="x")
        with pytest.raises(RecoveryError, match=f"rows {wrong} are not failed or in doubt"):
            recovery.drop(session, campaign, [rows[0].id, wrong], actor=OPERATOR, reason="x")
    session.commit()
    assert states_of(session, rows + foreign) == [D.FAILED, D.SENT, D.FAILED]


def test_resending_rows_of_a_sent_campaign_sends_it_again(session: Session) -> None:
    campaign, rows = campaign_with(session, [D.SENT, D.IN_DOUBT], status=CampaignStatus.SENT)
    campaign.finished_at = utcnow()
    session.commit()

    recovery.resend(session, campaign, None, actor=OPERATOR, reason="worker was killed")
    session.commit()

    assert campaign.status is CampaignStatus.SENDING
    assert campaign.finished_at is None
    assert states_of(session, rows) == [D.SENT, D.QUEUED]
    actions = [e.action for e in audit_entries(session, campaign.id)]
    assert actions[-2:] == ["campaign.reopen", "campaign.resend"]


@pytest.mark.parametrize("status", [CampaignStatus.CANCELLED, CampaignStatus.DRAFT])
def test_rows_of_a_cancelled_or_unsent_campaign_are_not_resent(
    session: Session, status: CampaignStatus
) -> None:
    campaign, rows = campaign_with(session, [D.FAILED], status=status)
    with pytest.raises(RecoveryError, match=f"campaign {campaign.id} is {status.value}"):
        recovery.resend(session, campaign, None, actor=OPERATOR, reason="retry")
    assert states_of(session, rows) == [D.FAILED]


def test_dropped_rows_end_dropped_and_let_the_campaign_finish(session: Session) -> None:
    campaign, rows = campaign_with(session, [D.FAILED, D.IN_DOUBT, D.SENT])

    assert recovery.drop(session, campaign, None, actor=OPERATOR, reason="address gone") == 2
    assert lifecycle.complete_if_done(session, campaign.id)
    session.commit()

    assert states_of(session, rows) == [D.DROPPED, D.DROPPED, D.SENT]
    assert session.get_one(Campaign, campaign.id).failed_count == 2  # both did not go out
    assert session.get_one(Campaign, campaign.id).status is CampaignStatus.SENT
    drop_entry = next(e for e in audit_entries(session, campaign.id) if e.action == "campaign.drop")
    assert drop_entry.detail is not None
    assert drop_entry.detail["reason"] == "address gone"


@pytest.mark.parametrize("action", [recovery.resend, recovery.drop])
def test_resend_and_drop_need_a_reason(session: Session, action: object) -> None:
    campaign, rows = campaign_with(session, [D.FAILED])
    with pytest.raises(RecoveryError, match="a reason is required"):
        action(session, campaign, None, actor=OPERATOR, reason=" ")  # type: ignore[operator]
    assert states_of(session, rows) == [D.FAILED]


def test_nothing_to_settle_changes_nothing(session: Session) -> None:
    campaign, _rows = campaign_with(session, [D.SENT])
    assert recovery.resend(session, campaign, None, actor=OPERATOR, reason="retry") == 0
    assert recovery.drop(session, campaign, [], actor=OPERATOR, reason="none") == 0
    assert session.scalars(select(Delivery.state)).all() == [D.SENT]
