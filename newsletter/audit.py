"""Recording staff, reader and system actions in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry
from newsletter.tracking.privacy import stored_ip


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member, an API token's owner, a reader or the system itself."""

    type: str
    id: int | None = None
    label: str = ""


SYSTEM = Actor("system", None, "system")


def staff_actor(user: Any) -> Actor:
    """The actor for a logged-in staff user."""
    return Actor("staff", user.id, user.email)


def current_actor() -> Actor:
    """The staff member of the current request, or the system outside requests."""
    if has_request_context() and current_user.is_authenticated:
        return staff_actor(current_user)
    return SYSTEM


def record(
    session: Session,
    action: str,
    *,
    actor: Actor | None = None,
    entity_type: str = "",
    entity_id: object = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry for ``action`` (e.g. ``campaign.pause``); the caller commits."""
    actor = actor or current_actor()
    entry = AuditEntry(
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        detail=detail,
        ip=_client_ip(actor),
    )
    session.add(entry)
    return entry


def _client_ip(actor: Actor) -> str | None:
    """Staff addresses are kept whole for security review; readers' are reduced like events."""
    if not has_request_context():
        return None
    if actor.type == "staff":
        return request.remote_addr
    settings = current_app.config["NEWSLETTER"]
    return stored_ip(request.remote_addr, settings.ip_storage, settings.secret_key)
