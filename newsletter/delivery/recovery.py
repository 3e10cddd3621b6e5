"""What an operator does with rows that did not go out: resend them, or drop them.

Failed rows carry their reason; in-doubt rows may or may not have reached the reader (a
worker died between handing over the message and recording it), so they are never resent
by themselves. Only an operator, having confirmed, sends them again or lets them go. Either
way the rows named must all be failed or in doubt, or nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.delivery.errors import RecoveryError
from newsletter.delivery.transitions import REOPEN, current_status, move
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryState, utcnow
from newsletter.tracking.rows import affected_rows

log = logging.getLogger(__name__)

#: The states an operator settles.
SETTLED_BY_OPERATOR = (DeliveryState.FAILED, DeliveryState.IN_DOUBT)
#: Campaigns whose rows may be resent: they are sending, paused (rows go on resume), or sent.
RESENDABLE = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)
#: Ids listed in an audit entry; the count is always complete.
AUDITED_IDS = 200


def resend(
    session: Session,
    campaign: Campaign,
    delivery_ids: Sequence[int] | None,
    *,
    actor: audit.Actor,
    reason: str,
) -> int:
    """Queue failed or in-doubt rows again (all of the campaign's when ``delivery_ids`` is None).

    A campaign already marked sent goes back to sending until they are done. Returns the
    number of rows queued.
    """
    reason = _required_reason(reason)
    status = current_status(session, campaign)
    if status not in RESENDABLE:
        raise RecoveryError(
            f"campaign {campaign.id} is {status}; rows can be resent only while it is "
            "sending, paused or sent"
        )
    rows = _rows_to_settle(session, campaign, delivery_ids)
    if not rows:
        return 0
    if status is CampaignStatus.SENT:
        move(session, campaign, REOPEN, source=status, target=CampaignStatus.SENDING,
             actor=actor, reason=reason, finished_at=None)  # fmt: skip
    ids = sorted(rows)
    failed = sum(1 for state in rows.values() if state is DeliveryState.FAILED)
    changed = _set_state(session, ids, DeliveryState.QUEUED, claimed_by=None, claimed_at=None,
                         next_attempt_at=None)  # fmt: skip
    # The failed counter is progress shown to operators: resent rows no longer count there.
    campaign.failed_count = max(campaign.failed_count - failed, 0)
    _audit(session, campaign, "campaign.resend", ids, actor=actor, reason=reason)
    return changed


def drop(
    session: Session,
    campaign: Campaign,
    delivery_ids: Sequence[int] | None,
    *,
    actor: audit.Actor,
    reason: str,
) -> int:
    """Give up on failed or in-doubt rows: they end ``dropped``; returns how many."""
    reason = _required_reason(reason)
    rows = _rows_to_settle(session, campaign, delivery_ids)
    if not rows:
        return 0
    ids = sorted(rows)
    changed = _set_state(session, ids, DeliveryState.DROPPED)
    # Progress counts a dropped row with the failed ones (it did not go out); failed rows
    # are counted there already, in-doubt ones join them now.
    campaign.failed_count += sum(1 for state in rows.values() if state is DeliveryState.IN_DOUBT)
    _audit(session, campaign, "campaign.drop", ids, actor=actor, reason=reason)
    return changed


def _rows_to_settle(
    session: Session, campaign: Campaign, delivery_ids: Sequence[int] | None
) -> dict[int, DeliveryState]:
    """id -> state of the rows to change; every named row must be failed or in doubt here."""
    query = select(Delivery.id, Delivery.state).where(
        Delivery.campaign_id == campaign.id, Delivery.state.in_(SETTLED_BY_OPERATOR)
    )
    if delivery_ids is None:
        return {row.id: row.state for row in session.execute(query)}
    wanted = sorted(set(delivery_ids))
    found: dict[int, DeliveryState] = {}
    for chunk in _chunks(wanted):
        found |= {row.id: row.state for row in session.execute(query.where(Delivery.id.in_(chunk)))}
    others = [i for i in wanted if i not in found]
    if others:
        shown = ", ".join(str(i) for i in others[:20]) + (" ..." if len(others) > 20 else "")
        raise RecoveryError(
            f"rows {shown} are not failed or in doubt in campaign {campaign.id}; nothing changed"
        )
    return found


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    """``ids`` in slices, as SQLite allows only so many parameters in one statement."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _set_state(session: Session, ids: list[int], state: DeliveryState, **values: object) -> int:
    changed = 0
    for chunk in _chunks(ids):
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(chunk),
                Delivery.state.in_(SETTLED_BY_OPERATOR),
            )
            .values(state=state, updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        changed += affected_rows(result)
    return changed


def _audit(
    session: Session,
    campaign: Campaign,
    action: str,
    ids: list[int],
    *,
    actor: audit.Actor,
    reason: str,
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        entity_type="campaign",
        entity_id=campaign.id,
        detail={"reason": reason, "rows": len(ids), "delivery_ids": ids[:AUDITED_IDS]},
    )
    log.info("%s: campaign %s, %d rows by %s (%s)", action, campaign.id, len(ids),
             actor.label or actor.type, reason)  # fmt: skip


def _required_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise RecoveryError("say why: a reason is required to resend or drop rows")
    return cleaned
