"""The suppression list: addresses that are never mailed again, whatever their topics.

Entries are added for unsubscribes, hard bounces, repeated soft bounces, complaints and by
operators. Lifting an entry keeps the row with who lifted it and why; a lifted address is
still not mailed until its owner confirms a fresh double opt-in.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import Suppression, SuppressionReason, utcnow


class SuppressionError(ValueError):
    """A suppression entry cannot be added or lifted as asked."""


def active_suppression(session: Session, email: str) -> Suppression | None:
    """The entry that currently suppresses ``email`` (normalised), or None."""
    return session.scalar(
        select(Suppression).where(Suppression.email == email, Suppression.lifted_at.is_(None))
    )


def is_suppressed(session: Session, email: str) -> bool:
    """Whether ``email`` (normalised) must not be mailed."""
    return active_suppression(session, email) is not None


def suppress(
    session: Session,
    email: str,
    reason: SuppressionReason,
    *,
    source: str,
    note: str = "",
    actor: audit.Actor | None = None,
) -> Suppression:
    """Suppress ``email``; idempotent: an address already suppressed keeps its first entry."""
    existing = active_suppression(session, email)
    if existing is not None:
        return existing
    actor = actor or audit.current_actor()
    entry = Suppression(
        email=email,
        reason=reason,
        source=source,
        note=note,
        created_by_id=actor.id if actor.type == "staff" else None,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        "suppression.add",
        actor=actor,
        entity_type="suppression",
        entity_id=entry.id,
        detail={"reason": reason.value, "source": source, "note": note},
    )
    return entry


def lift(session: Session, entry: Suppression, *, reason: str, actor: audit.Actor) -> None:
    """Lift an entry with a reason; the address still needs a new double opt-in."""
    if entry.lifted_at is not None:
        raise SuppressionError("this entry was already lifted")
    if not reason.strip():
        raise SuppressionError("say why the entry is lifted")
    entry.lifted_at = utcnow()
    entry.lifted_by_id = actor.id if actor.type == "staff" else None
    entry.lift_reason = reason.strip()
    audit.record(
        session,
        "suppression.lift",
        actor=actor,
        entity_type="suppression",
        entity_id=entry.id,
        detail={"reason": reason.strip()},
    )
    session.flush()
