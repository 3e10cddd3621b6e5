"""Human or machine: the rules that keep privacy proxies and link scanners out of the figures.

Opens are machine opens when they come through Apple's Mail Privacy Protection relay, from a
known scanner, by HEAD, or within seconds of delivery (prefetching, not reading). Opens
through Gmail's image proxy are real opens (Gmail fetches when the message is displayed) and
are labelled ``via: gmail_proxy`` because their address and device are Google's. Clicks are
machine clicks when they are HEAD requests, come from a known scanner or no user agent at
all, arrive within about two seconds of delivery, or hit two or more different links of one
message within a second (people click one link, scanners follow them all).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from newsletter.tracking.apple_ranges import RangeSet

SCANNER_AGENTS_FILE = Path(__file__).parent / "data" / "scanner-agents.txt"
GMAIL_PROXY = re.compile(r"GoogleImageProxy|ggpht\.com", re.IGNORECASE)
BURST_SECONDS = 1.0


class MachineReason(StrEnum):
    """Why an open or click was counted as a machine's (stored in events.machine_reason)."""

    HEAD_REQUEST = "head_request"
    APPLE_MPP = "apple_mpp"
    SCANNER_AGENT = "scanner_agent"
    NO_USER_AGENT = "no_user_agent"
    PREFETCH = "prefetch"  # an open within seconds of delivery, or before it
    TOO_FAST = "too_fast"  # a click within seconds of delivery, or before it
    LINK_BURST = "link_burst"  # several links of one message within a second


@dataclass(frozen=True)
class Verdict:
    """The outcome of classification; ``via`` names a proxy that relayed a human open."""

    is_machine: bool
    reason: MachineReason | None = None
    via: str | None = None


HUMAN = Verdict(False)


@dataclass(frozen=True)
class Rules:
    """The thresholds and lists classification uses."""

    open_seconds: float
    click_seconds: float
    apple: RangeSet
    scanners: re.Pattern[str]
    burst_seconds: float = BURST_SECONDS


@lru_cache(maxsize=4)
def scanner_pattern(path: Path = SCANNER_AGENTS_FILE) -> re.Pattern[str]:
    """One case-insensitive pattern matching any user agent listed in ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return re.compile("|".join(f"(?:{entry})" for entry in entries), re.IGNORECASE)


@lru_cache(maxsize=8192)
def _agent_kind(agent: str, scanners: re.Pattern[str]) -> str:
    # User agents repeat endlessly (a few browsers, a few proxies); the scanner pattern is a
    # long alternation, so remember each agent's verdict instead of searching every time.
    if scanners.search(agent):
        return "scanner"
    if GMAIL_PROXY.search(agent):
        return "gmail_proxy"
    return "other"


def _seconds_after(at: dt.datetime, reference: dt.datetime | None) -> float | None:
    return None if reference is None else (at - reference).total_seconds()


def classify_open(
    *,
    at: dt.datetime,
    ip: str | None,
    user_agent: str | None,
    method: str,
    reference: dt.datetime | None,
    rules: Rules,
) -> Verdict:
    """Classify an open; ``reference`` is when the message was delivered (or else sent)."""
    kind = _agent_kind(user_agent, rules.scanners) if user_agent else "other"
    if method == "HEAD":
        return Verdict(True, MachineReason.HEAD_REQUEST)
    if ip is not None and ip in rules.apple:
        return Verdict(True, MachineReason.APPLE_MPP)
    if kind == "scanner":
        return Verdict(True, MachineReason.SCANNER_AGENT)
    after = _seconds_after(at, reference)
    if after is not None and after < rules.open_seconds:
        return Verdict(True, MachineReason.PREFETCH)
    if kind == "gmail_proxy":
        return Verdict(False, via="gmail_proxy")
    return HUMAN


def classify_click(
    *,
    at: dt.datetime,
    user_agent: str | None,
    method: str,
    reference: dt.datetime | None,
    rules: Rules,
) -> Verdict:
    """Classify a click by itself; bursts across links are found by :func:`find_bursts`."""
    agent = (user_agent or "").strip()
    if method == "HEAD":
        return Verdict(True, MachineReason.HEAD_REQUEST)
    if not agent:
        return Verdict(True, MachineReason.NO_USER_AGENT)
    if _agent_kind(agent, rules.scanners) == "scanner":
        return Verdict(True, MachineReason.SCANNER_AGENT)
    after = _seconds_after(at, reference)
    if after is not None and after < rules.click_seconds:
        return Verdict(True, MachineReason.TOO_FAST)
    return HUMAN


@dataclass(frozen=True)
class ClickMoment:
    """One click of one delivery, stored or new, as burst detection sees it."""

    key: object
    delivery_id: int
    link_id: int | None
    at: dt.datetime


def find_bursts(clicks: Iterable[ClickMoment], window: float = BURST_SECONDS) -> set[object]:
    """Keys of clicks that fall in a window of ``window`` seconds with a different link's click
    of the same delivery."""
    by_delivery: dict[int, list[ClickMoment]] = {}
    for click in clicks:
        by_delivery.setdefault(click.delivery_id, []).append(click)
    burst: set[object] = set()
    for moments in by_delivery.values():
        if len(moments) > 1:
            burst.update(_bursts_of_one(sorted(moments, key=lambda m: m.at), window))
    return burst


def _bursts_of_one(moments: Sequence[ClickMoment], window: float) -> set[object]:
    found: set[object] = set()
    start = 0
    for end, latest in enumerate(moments):
        while (latest.at - moments[start].at).total_seconds() > window:
            start += 1
        group = moments[start : end + 1]
        if len({moment.link_id for moment in group}) > 1:
            found.update(moment.key for moment in group)
    return found
