"""Login throttling: failed sign-ins are counted per client IP and per staff address.

The counters live in Flask-Limiter's storage (Redis when configured), so every process of a
deployment counts together. Only failures count: a busy office behind one address is never
locked out by its own successful sign-ins. When a failure uses up a limit, that lockout is
written to the audit log once; attempts during the pause are refused before the password is
checked, so they cannot extend it or probe it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many

from newsletter.extensions import limiter
from newsletter.ratelimits import client_ip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lockout:
    """Sign-ins are paused for ``scope`` ("ip" or "account") until ``reset_at`` (epoch s)."""

    scope: str
    reset_at: float

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds until sign-ins are allowed again (at least one)."""
        return max(1, int(self.reset_at - time.time()) + 1)


def _counters(email: str) -> list[tuple[str, RateLimitItem, tuple[str, ...]]]:
    """(scope, limit, identifiers of its counter) for the client's IP and the account."""
    settings = current_app.config["NEWSLETTER"]
    # The deployment's prefix, so several deployments can share one Redis.
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    address = email.strip().lower()[:320]
    return [
        *(
            ("ip", item, (prefix, "login", "ip", client_ip()))
            for item in parse_many(settings.login_limit_per_ip)
        ),
        *(
            ("account", item, (prefix, "login", "account", address))
            for item in parse_many(settings.login_limit_per_account)
        ),
    ]


def current_lockout(email: str) -> Lockout | None:
    """The pause that applies to a sign-in for ``email`` from this client, if any."""
    if not limiter.enabled:
        return None
    try:
        for scope, item, identifiers in _counters(email):
            if not limiter.limiter.test(item, *identifiers):
                stats = limiter.limiter.get_window_stats(item, *identifiers)
                return Lockout(scope, stats.reset_time)
    except Exception:  # the limiter's storage is down: staff must still be able to sign in
        log.warning("login throttle: cannot read the counters", exc_info=True)
    return None


def count_failure(email: str) -> list[Lockout]:
    """Count a failed sign-in; returns the lockouts this failure started (for the audit log)."""
    if not limiter.enabled:
        return []
    started = []
    try:
        for scope, item, identifiers in _counters(email):
            limiter.limiter.hit(item, *identifiers)
            if not limiter.limiter.test(item, *identifiers):
                stats = limiter.limiter.get_window_stats(item, *identifiers)
                started.append(Lockout(scope, stats.reset_time))
    except Exception:
        log.warning("login throttle: cannot count a failed sign-in", exc_info=True)
    return started
