"""API tokens: made by admins for a staff member and one role, shown once, stored hashed.

A token is ``nl_`` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 is
stored, so a copy of the database cannot be used to call the API; looking a presented token
up by its hash needs no constant-time comparison, since the hash of a guess says nothing
about the real token. The first characters are kept in clear so people can tell their tokens
apart in the list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import ApiToken, Role, StaffUser, utcnow

TOKEN_PREFIX = "nl_"  # noqa: S105 (a public marker that starts every token, not a secret)
SHOWN_PREFIX_LENGTH = 10
#: The roles a token may act with; admin rights are never handed to a script.
SCOPES = (Role.EDITOR, Role.OPERATOR)
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: the stored row and the secret, which is never available again."""

    row: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    *,
    owner: StaffUser,
    name: str,
    scope: Role,
    actor: audit.Actor,
    expires_at: dt.datetime | None = None,
) -> NewToken:
    """Make a token for ``owner`` acting as ``scope``; the owner must hold that role.

    Raises :class:`TokenError` for a scope that is not editor or operator, a role the owner
    does not hold, an inactive owner or an empty name. The caller commits.
    """
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name that says what uses it")
    if scope not in SCOPES:
        raise TokenError(f"a token acts as editor or operator, not {scope.value}")
    if not owner.active:
        raise TokenError(f"{owner.email} is deactivated")
    if not owner.has_role(scope):
        raise TokenError(f"{owner.email} does not hold the {scope.value} role")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=owner.id,
        name=name[:100],
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(secret),
        scope=scope,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "api_token.create",
        actor=actor,
        entity_type="api_token",
        entity_id=row.id,
        detail={"owner": owner.email, "name": row.name, "scope": scope.value},
    )
    return NewToken(row, secret)


def revoke_token(session: Session, token: ApiToken, *, actor: audit.Actor) -> bool:
    """Revoke ``token`` from now on; False when it was already revoked. The caller commits."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(
        session,
        "api_token.revoke",
        actor=actor,
        entity_type="api_token",
        entity_id=token.id,
        detail={"owner": token.user.email, "name": token.name, "scope": token.scope.value},
    )
    return True


def find_usable_token(session: Session, secret: str, now: dt.datetime) -> ApiToken | None:
    """The live token ``secret`` names, or None (unknown, revoked, expired, owner inactive).

    Notes the time of use, at most once a minute per token; the caller commits.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


def token_actor(token: ApiToken) -> audit.Actor:
    """Who acts when a script calls the API: the token's owner, naming the token."""
    return audit.Actor("staff", token.user_id, f"{token.user.email} (API token {token.prefix})")


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, live ones first, newest first."""
    rows = session.scalars(
        select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    )
    return list(rows)
