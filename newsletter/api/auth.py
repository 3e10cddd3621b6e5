"""Bearer-token authentication for ``/api/v1``: no sessions, no cookies, no CSRF.

A request carries ``Authorization: Bearer <token>``. Without one the answer is 401 with a
``WWW-Authenticate`` challenge (RFC 6750); an unknown, revoked or expired token is 401 with
``error="invalid_token"``; a token whose scope does not allow the endpoint is 403 with
``error="insufficient_scope"``. A token acts with its one scope, so an admin's editor token
cannot pause a campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from newsletter.api.errors import ApiError
from newsletter.api.tokens import find_usable_token
from newsletter.extensions import db
from newsletter.models import ApiToken, Role, utcnow

F = TypeVar("F", bound=Callable[..., Any])
REALM = "newsletter"
_G_NAME = "api_token"


def scopes_required(*scopes: Role) -> Callable[[F], F]:
    """Allow a view to tokens whose scope is one of ``scopes``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            token = _authenticate()
            if token.scope not in scopes or not token.user.has_role(token.scope):
                wanted = " or ".join(scope.value for scope in scopes)
                raise ApiError(
                    403,
                    "forbidden",
                    f"this needs a token with the {wanted} scope; this one is {token.scope.value}",
                    "header.Authorization",
                    headers={"WWW-Authenticate": _challenge("insufficient_scope")},
                )
            return view(*args, **kwargs)

        guarded.required_scopes = frozenset(scopes)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def current_token() -> ApiToken:
    """The token of the current API request (after :func:`scopes_required` let it in)."""
    token: ApiToken = g.get(_G_NAME)
    return token


def _authenticate() -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    if not header:
        raise _unauthorized("send the API token as 'Authorization: Bearer <token>'", None)
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("the Authorization header must be 'Bearer <token>'", "invalid_request")
    session = db.session
    token = find_usable_token(session, secret.strip(), utcnow())
    if token is None:
        raise _unauthorized("the token is unknown, revoked or expired", "invalid_token")
    # The time of use is written now, whether or not the view goes on to change anything.
    session.commit()
    setattr(g, _G_NAME, token)
    return token


def _unauthorized(message: str, error: str | None) -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        message,
        "header.Authorization",
        headers={"WWW-Authenticate": _challenge(error)},
    )


def _challenge(error: str | None) -> str:
    return f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
