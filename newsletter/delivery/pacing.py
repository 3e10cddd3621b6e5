"""Pacing: never hand the transport more messages per second than the account allows.

The send rate is a token bucket (the generic cell rate algorithm): every message reserves
the next free slot, ``1 / rate`` seconds after the previous one, and its thread sleeps until
that slot. Reserving rather than polling keeps the threads in order and the rate exact
however many of them wait. In one process a small catch-up and a one-second window keep
the average close to the rate and any one second at or under it (:class:`SlotClock`,
:class:`HandoverWindow`); across processes two Redis scripts do the same for all of them.
Throttling from the provider is back-pressure: the rate drops by half at once and climbs
back to the full rate over :data:`RECOVERY_SECONDS`.

One process keeps the slot clock in memory (:class:`LocalPacer`). Several processes (Celery
workers, several ``newsletter worker`` machines) share it in Redis through one Lua script
(:class:`RedisPacer`), so their sum stays under the account's rate. Neither keeps anything
per message: memory stays flat however many are sent.

The 24-hour quota is counted from the ledger, which every process already shares
(:func:`quota_left`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.models import Delivery

log = logging.getLogger(__name__)

#: After a throttling error, the rate is back to full this many seconds later.
RECOVERY_SECONDS = 30.0
#: The lowest share of the configured rate a run of throttling errors can push it to.
MIN_FACTOR = 0.05
#: Slots are this much longer than 1/rate, so rounding never lets rate + 1 into one second.
SLOT_MARGIN = 1e-6
#: Threads that fell behind together may catch up this many seconds of slots at once.
CATCH_UP_SECONDS = 0.05
#: Any ``rate`` consecutive slots of one process span at least this long, so threads that
#: wake a little late (the scheduler's jitter) never hand ``rate + 1`` messages over within
#: one second. Costs 2% of the rate.
WINDOW_SECONDS = 1.02
#: Above this rate the window is not kept (it is a ring of ``rate`` slot times).
WINDOW_MAX_RATE = 10_000
#: SES's default send rate for a new production account, when nothing says otherwise.
DEFAULT_SEND_RATE = 14.0


class Pacer(Protocol):
    """Hands out send slots at the account's rate."""

    def reserve(self) -> float:
        """Reserve the next slot; returns the seconds to wait before sending in it."""
        ...

    def admit(self) -> float:
        """At the slot: 0 when the message may go now, else how long to wait first."""
        ...

    def slow_down(self) -> None:
        """The provider said "too fast": halve the rate for a while."""
        ...


@dataclass
class SlotClock:
    """The pacing arithmetic of one process.

    ``tat`` is the theoretical arrival time of the next message; ``factor`` the share of
    the full rate in force right after the last slow-down at ``slowed_at``. Slots are
    ``1 / rate`` apart, but threads that all fell behind for a moment (a commit, a claim)
    may take up to :data:`CATCH_UP_SECONDS` of missed slots at once.
    """

    rate: float
    tat: float = 0.0
    factor: float = 1.0
    slowed_at: float = float("-inf")

    def current_factor(self, now: float) -> float:
        """The share of the full rate in force at ``now`` (recovering linearly)."""
        recovered = (now - self.slowed_at) / RECOVERY_SECONDS
        return min(1.0, self.factor + (1.0 - self.factor) * max(recovered, 0.0))

    def reserve(self, now: float) -> float:
        """Take the next slot; the wait until it."""
        interval = (1.0 + SLOT_MARGIN) / (self.rate * self.current_factor(now))
        slot = max(self.tat - CATCH_UP_SECONDS, now)
        self.tat = max(self.tat, slot) + interval
        return slot - now

    def slow_down(self, now: float) -> None:
        """Halve the rate in force and keep every thread quiet for one full-rate slot."""
        self.factor = max(MIN_FACTOR, self.current_factor(now) / 2)
        self.slowed_at = now
        self.tat = max(self.tat, now) + CATCH_UP_SECONDS + 1.0 / self.rate


@dataclass
class HandoverWindow:
    """The moments of the last ``rate`` handovers: the next waits until ``rate`` of them
    span :data:`WINDOW_SECONDS`, so no second ever holds more than ``rate``, however late
    the threads wake. Memory is ``rate`` floats, whatever the number of messages."""

    rate: float
    recent: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.recent = deque(maxlen=math.ceil(self.rate))

    def admit(self, now: float) -> float:
        """Record a handover at ``now`` and return 0, or return how long to wait first."""
        if len(self.recent) == self.recent.maxlen and now < self.recent[0] + WINDOW_SECONDS:
            return self.recent[0] + WINDOW_SECONDS - now
        self.recent.append(now)
        return 0.0


class LocalPacer:
    """Pacing for the threads of one process."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError(f"the send rate must be positive, got {rate}")
        self.clock = clock
        self._state = SlotClock(rate)
        self._window = HandoverWindow(rate) if rate <= WINDOW_MAX_RATE else None
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """The configured messages per second."""
        return self._state.rate

    def reserve(self) -> float:
        """Reserve the next slot; returns the seconds to wait before sending in it."""
        with self._lock:
            return self._state.reserve(self.clock())

    def admit(self) -> float:
        """At the slot: 0 when the message may go now (and it is counted), else how long
        to wait first."""
        if self._window is None:
            return 0.0
        with self._lock:
            return self._window.admit(self.clock())

    def slow_down(self) -> None:
        """Halve the rate for a while (see :data:`RECOVERY_SECONDS`)."""
        with self._lock:
            self._state.slow_down(self.clock())


# KEYS[1]: a hash {tat, factor, slowed_at}; ARGV: rate, recovery seconds, min factor, mode,
# slot margin.
# Time comes from the Redis server, so machines with drifting clocks still agree.
_SLOT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local recovery = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tat', 'factor', 'slowed_at')
local tat = tonumber(state[1]) or 0
local factor = tonumber(state[2]) or 1
local slowed_at = tonumber(state[3]) or -1e18
local recovered = math.max((now - slowed_at) / recovery, 0)
local current = math.min(1, factor + (1 - factor) * recovered)
local wait = 0
if ARGV[4] == 'slow' then
  factor = math.max(tonumber(ARGV[3]), current / 2)
  slowed_at = now
  tat = math.max(tat, now) + 1 / rate
else
  local slot = math.max(tat, now)
  tat = slot + (1 + tonumber(ARGV[5])) / (rate * current)
  wait = slot - now
end
redis.call('HSET', KEYS[1], 'tat', tostring(tat), 'factor', tostring(factor),
           'slowed_at', tostring(slowed_at))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(wait)
"""


# KEYS[1]: a sorted set of the last handovers (score: time); ARGV: rate, window seconds.
# Admits a handover now unless ``rate`` of them already lie within the window; the set never
# holds more than ``rate`` members.
_ADMIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= rate then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
local seq = redis.call('INCR', KEYS[1] .. ':seq')
redis.call('ZADD', KEYS[1], now, tostring(seq))
redis.call('EXPIRE', KEYS[1], 60)
redis.call('EXPIRE', KEYS[1] .. ':seq', 60)
return '0'
"""


class RedisPacer:
    """Pacing shared by every process that sends through one account.

    If Redis cannot be reached, this process paces alone at ``fallback_share`` of the rate
    (a guess at its share of the senders) and says so in the log, rather than stop sending
    or send at the full rate alongside the others.
    """

    def __init__(
        self, client: Any, rate: float, key: str = "newsletter:pacing", fallback_share: float = 0.5
    ) -> None:
        if rate <= 0:
            raise ValueError(f"the send rate must be positive, got {rate}")
        self.client = client
        self.rate = rate
        self.key = key
        self.script = client.register_script(_SLOT_SCRIPT)
        self.admit_script = client.register_script(_ADMIT_SCRIPT)
        self.windowed = rate <= WINDOW_MAX_RATE
        self.fallback = LocalPacer(rate * fallback_share)

    def _call(self, mode: str) -> float:
        args = [repr(self.rate), repr(RECOVERY_SECONDS), repr(MIN_FACTOR), mode, repr(SLOT_MARGIN)]
        return float(self.script(keys=[self.key], args=args))

    def reserve(self) -> float:
        """Reserve the next shared slot; returns the seconds to wait before sending in it."""
        try:
            return self._call("reserve")
        except Exception as exc:  # any Redis or network error: pace alone, conservatively
            log.warning("shared pacing unavailable (%s); pacing this process alone", exc)
            return self.fallback.reserve()

    def admit(self) -> float:
        """At the slot: 0 when no second of handovers, by any process, would hold more than
        the rate (and this one is counted), else how long to wait first."""
        if not self.windowed:
            return 0.0
        try:
            args = [str(math.ceil(self.rate)), repr(WINDOW_SECONDS)]
            return float(self.admit_script(keys=[f"{self.key}:window"], args=args))
        except Exception as exc:
            log.warning("shared pacing unavailable (%s); pacing this process alone", exc)
            return self.fallback.admit()

    def slow_down(self) -> None:
        """Halve the shared rate for a while."""
        try:
            self._call("slow")
        except Exception as exc:
            log.warning("shared pacing unavailable (%s); slowing this process alone", exc)
        self.fallback.slow_down()


@dataclass(frozen=True)
class Limits:
    """The account's sending limits as the sender uses them."""

    max_send_rate: float
    max_24h: float | None  # None: unlimited
    sent_24h: float | None  # the provider's own count, when it reports one
    source: str


def send_limits(settings: Settings) -> Limits:
    """The account's limits: SES GetAccount through the transports' factory when available,
    else the configured ones."""
    reader = _factory_reader()
    if reader is not None:
        found = reader(settings)
        return Limits(found.max_send_rate, found.max_24h, found.sent_24h, found.source)
    return Limits(
        settings.max_send_rate or DEFAULT_SEND_RATE,
        float(settings.max_24h_send) or None,
        None,
        "configured",
    )


def _factory_reader() -> Callable[[Settings], Any] | None:
    try:
        factory = importlib.import_module("newsletter.delivery.transports.factory")
    except ImportError:  # the SES/SMTP factory is not part of this build
        return None
    reader: Callable[[Settings], Any] | None = getattr(factory, "read_send_limits", None)
    return reader


def build_pacer(settings: Settings, rate: float, redis_client: Any | None = None) -> Pacer:
    """The shared pacer when Redis is configured (or given), else one for this process."""
    if redis_client is None and settings.redis_url:
        import redis

        redis_client = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
    if redis_client is not None:
        return RedisPacer(redis_client, rate)
    return LocalPacer(rate)


def sleep_for_slot(pacer: Pacer, stop: threading.Event | None = None) -> bool:
    """Wait for this thread's next slot; False when ``stop`` was set meanwhile."""
    wait = pacer.reserve()
    while True:
        if wait > 0 and stop is None:
            time.sleep(wait)
        elif wait > 0 and stop is not None and stop.wait(wait):
            return False
        wait = pacer.admit()
        if wait <= 0:
            return True


@dataclass(frozen=True)
class QuotaState:
    """How much of the rolling 24-hour quota is left, and when more frees up."""

    left: float | None  # None: unlimited
    used: float


def sent_since(session: Session, since: dt.datetime) -> int:
    """Messages the ledger recorded as sent since ``since`` (walks the sent_at index)."""
    return int(session.scalar(select(func.count()).where(Delivery.sent_at >= since)) or 0)


def quota_left(session: Session, limits: Limits, now: dt.datetime) -> QuotaState:
    """What is left of the 24-hour quota: the limit minus the larger of the provider's count
    and our ledger's (the provider also counts mail we did not send as a campaign)."""
    if limits.max_24h is None:
        return QuotaState(None, 0)
    used = float(sent_since(session, now - dt.timedelta(hours=24)))
    if limits.sent_24h is not None:
        used = max(used, limits.sent_24h)
    return QuotaState(max(limits.max_24h - used, 0.0), used)


def quota_frees_at(session: Session, now: dt.datetime, needed: int) -> dt.datetime:
    """When ``needed`` of the messages in the current window (or all of ours, if fewer) will
    have left it.

    The ledger knows when each of our messages went out; if it holds none (the provider
    counted mail of others), an hour from now is a safe guess to look again.
    """
    window_start = now - dt.timedelta(hours=24)
    ours = sent_since(session, window_start)
    if ours == 0:
        return now + dt.timedelta(hours=1)
    oldest = session.scalar(
        select(Delivery.sent_at)
        .where(Delivery.sent_at >= window_start)
        .order_by(Delivery.sent_at)
        .offset(min(max(needed, 1), ours) - 1)
        .limit(1)
    )
    if oldest is None:  # sent rows left the window between the two queries
        return now + dt.timedelta(minutes=1)
    return oldest + dt.timedelta(hours=24)
