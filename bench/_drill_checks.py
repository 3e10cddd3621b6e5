"""The operator's part after the kill, and the three checks the drill ends with."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from _drill_moto import Received
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.audit import Actor
from newsletter.models import TERMINAL_STATES, Campaign, Delivery, DeliveryState, Subscriber, utcnow


@dataclass
class Recovery:
    """What the operator did with the rows left in doubt."""

    in_doubt: int = 0
    reconciled: int = 0  # SES (moto) holds a message for the row: recorded as sent
    resent: int = 0  # SES holds none, and the worker that had it is dead: queued again
    left: int = 0  # SES holds none, but the worker that had it may be alive: not touched

    def line(self) -> str:
        return (
            f"in doubt {self.in_doubt}: reconciled as sent {self.reconciled} (SES has the "
            f"message), queued again {self.resent} (SES provably has none), left for an "
            f"operator {self.left} (no message, but their worker may still be alive)"
        )


def recover_in_doubt(
    session: Session, campaign_id: int, received: Received, actor: Actor, dead_pids: set[int]
) -> Recovery:
    """Settle every in-doubt row from what SES received, as an operator would.

    A row is in doubt when the worker that claimed it stopped (or stalled past its lease)
    between claiming it and recording the outcome. A row whose delivery token is in a
    received message went out: it is reconciled with that message's id, exactly as the SES
    Send event would do. A row with no message is resent through the operator's recovery
    action only when the process that claimed it (``claimed_by`` is host:pid:thread) is one
    of ``dead_pids``, SIGKILLed and reaped: then nothing of it can still be in flight, and
    moto stores a message before it answers, so its list is the whole truth. Any other row is
    left in doubt and reported. Nothing is resent on a guess.
    """
    from newsletter.delivery import recovery
    from newsletter.delivery.reconcile import reconcile_in_doubt

    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    rows = session.scalars(
        select(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.state == DeliveryState.IN_DOUBT
        )
    ).all()
    result = Recovery(in_doubt=len(rows))
    unsent: list[int] = []
    for row in rows:
        message_ids = received.by_delivery.get(row.id)
        if message_ids:
            result.reconciled += int(reconcile_in_doubt(session, row, message_ids[0], utcnow()))
        elif _claiming_pid(row.claimed_by) in dead_pids:
            unsent.append(row.id)
        else:
            result.left += 1
    if unsent:
        result.resent = recovery.resend(
            session,
            campaign,
            unsent,
            actor=actor,
            reason="drill: SES holds no message for these rows and their worker is dead",
        )
    return result


def _claiming_pid(claimed_by: str | None) -> int | None:
    """The process id in a ``host:pid:thread`` claim, None when it has another shape."""
    parts = (claimed_by or "").split(":")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


@dataclass
class Verdict:
    """The end-of-run figures, with what each is made of."""

    duplicates: int = 0
    lost: int = 0
    details: list[str] = field(default_factory=list)


def check_confirmations(session: Session, received: Received, domain: str) -> str:
    """How many readers of the signup burst SES got a confirmation email for."""
    signed_up = session.scalar(
        select(func.count()).select_from(Subscriber).where(Subscriber.email.like(f"%@{domain}"))
    )
    confirmed_to = sum(1 for address in received.other_recipients if address.endswith(domain))
    return f"signup burst: {signed_up} readers stored, {confirmed_to} got a confirmation email"


def check_delivery(session: Session, campaign_id: int, received: Received) -> Verdict:
    """No reader got two messages; every snapshot row is in exactly one terminal state, and
    the ledger's sent rows are exactly the rows SES received a message for."""
    verdict = Verdict()
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    rows = session.execute(
        select(Delivery.id, Delivery.state, Subscriber.email)
        .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.campaign_id == campaign_id)
    ).all()
    per_state = Counter(str(state) for _, state, _ in rows)
    terminal = sum(n for state, n in per_state.items() if DeliveryState(state) in TERMINAL_STATES)

    moto_extra = sum(n - 1 for n in received.per_address.values() if n > 1)
    ledger_extra = _ledger_duplicates(session, campaign_id)
    verdict.duplicates = moto_extra + ledger_extra
    verdict.details.append(
        f"duplicates: readers with more than one message at SES: "
        f"{sum(1 for n in received.per_address.values() if n > 1)} ({moto_extra} extra "
        f"messages); ledger rows sharing a reader: {ledger_extra}"
    )

    missing_rows = max(0, campaign.recipients_count - len(rows))
    not_terminal = len(rows) - terminal
    sent_ids = {row_id for row_id, state, _ in rows if state == DeliveryState.SENT}
    at_ses = set(received.by_delivery)
    sent_not_at_ses = len(sent_ids - at_ses)
    at_ses_not_sent = len(at_ses - sent_ids)
    email_of = {row_id: (email or "").lower() for row_id, _, email in rows}
    misaddressed = sum(
        1 for row_id, to in received.address_of.items() if email_of.get(row_id, "?") not in to
    )
    verdict.lost = missing_rows + not_terminal + sent_not_at_ses + at_ses_not_sent + misaddressed
    verdict.details += [
        f"ledger: snapshot {campaign.recipients_count} rows, found {len(rows)}; "
        f"terminal {terminal}: {dict(sorted(per_state.items()))}",
        f"lost: rows missing {missing_rows}, not terminal {not_terminal}, 'sent' but not at SES "
        f"{sent_not_at_ses}, at SES but not 'sent' {at_ses_not_sent}, misaddressed "
        f"{misaddressed}",
        f"SES (moto) received {received.campaign_messages} campaign messages for "
        f"{len(at_ses)} rows, {received.other_messages} other emails (confirmations); "
        f"unreadable tokens {received.bad_tokens}",
        f"campaign {campaign.status}: counters sent {campaign.sent_count} / failed "
        f"{campaign.failed_count} / skipped {campaign.skipped_count}; ledger sent "
        f"{per_state.get('sent', 0)} / failed {per_state.get('failed', 0)} / skipped "
        f"{per_state.get('skipped', 0)}",
    ]
    return verdict


def check_pacing(session: Session, campaign_id: int, rate: float, until: dt.datetime) -> str:
    """The busiest second of the campaign until the operator stepped in, against the
    configured rate: whether the pacer held through the Redis restart, which loses its
    shared state. A row's sent_at is the moment of its pacing slot. (Rows reconciled later
    carry the time of reconciliation, not of SES.)"""
    second = func.date_trunc("second", Delivery.sent_at).label("second")
    per_second = (
        select(second, func.count().label("n"))
        .where(Delivery.campaign_id == campaign_id, Delivery.sent_at < until)
        .group_by(second)
        .subquery()
    )
    seconds = session.scalar(select(func.count()).select_from(per_second)) or 0
    top = session.execute(
        select(per_second.c.second, per_second.c.n).order_by(per_second.c.n.desc()).limit(3)
    ).all()
    busiest = ", ".join(f"{n} at {at:%H:%M:%S}" for at, n in top) or "none"
    return (
        f"pacing: busiest seconds {busiest} UTC, of {seconds} seconds of sending before the "
        f"operator's step (limit {rate:g}/s)"
    )


def _ledger_duplicates(session: Session, campaign_id: int) -> int:
    per_reader = (
        select(func.count().label("n"))
        .where(Delivery.campaign_id == campaign_id, Delivery.subscriber_id.is_not(None))
        .group_by(Delivery.subscriber_id)
        .having(func.count() > 1)
        .subquery()
    )
    return int(session.scalar(select(func.coalesce(func.sum(per_reader.c.n - 1), 0))) or 0)
