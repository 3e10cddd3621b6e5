"""The rules that tell people from privacy proxies, prefetchers and link scanners."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.tracking.apple_ranges import RangeSet, parse_networks
from newsletter.tracking.classify import (
    ClickMoment,
    MachineReason,
    Rules,
    classify_click,
    classify_open,
    find_bursts,
    scanner_pattern,
)

NOW = dt.datetime(2026, 4, 7, 8, 0, tzinfo=dt.UTC)
LONG_AGO = NOW - dt.timedelta(hours=2)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
RULES = Rules(
    open_seconds=10,
    click_seconds=2,
    apple=RangeSet(parse_networks(["17.0.0.0/8", "2620:149::/32", "104.28.0.0/16,US,US-CA,LA"])[0]),
    scanners=scanner_pattern(),
)


def _open(**changes: object) -> MachineReason | None:
    given = {
        "at": NOW,
        "ip": "198.51.100.7",
        "user_agent": IPHONE,
        "method": "GET",
        "reference": LONG_AGO,
    }
    given.update(changes)
    return classify_open(rules=RULES, **given).reason  # type: ignore[arg-type]


def _click(**changes: object) -> MachineReason | None:
    given = {"at": NOW, "user_agent": IPHONE, "method": "GET", "reference": LONG_AGO}
    given.update(changes)
    return classify_click(rules=RULES, **given).reason  # type: ignore[arg-type]


def test_a_reader_opening_an_email_later_is_a_human_open() -> None:
    verdict = classify_open(
        at=NOW, ip="198.51.100.7", user_agent=IPHONE, method="GET", reference=LONG_AGO, rules=RULES
    )
    assert verdict.is_machine is False
    assert verdict.via is None


@pytest.mark.parametrize("ip", ["17.58.63.1", "104.28.3.4", "2620:149:a44::1"])
def test_opens_through_apples_relay_are_machine_opens(ip: str) -> None:
    assert _open(ip=ip) is MachineReason.APPLE_MPP


def test_gmail_proxy_opens_count_as_read_but_are_labelled() -> None:
    verdict = classify_open(
        at=NOW, ip="66.249.84.1", user_agent=GMAIL, method="GET", reference=LONG_AGO, rules=RULES
    )
    assert verdict.is_machine is False
    assert verdict.via == "gmail_proxy"


def test_opens_within_seconds_of_delivery_or_before_it_are_prefetching() -> None:
    assert _open(reference=NOW - dt.timedelta(seconds=3)) is MachineReason.PREFETCH
    assert _open(reference=NOW + dt.timedelta(seconds=30)) is MachineReason.PREFETCH
    assert _open(reference=NOW - dt.timedelta(seconds=11)) is None
    assert _open(reference=None) is None


def test_a_gmail_proxy_fetch_right_after_delivery_is_still_prefetching() -> None:
    assert (
        _open(user_agent=GMAIL, reference=NOW - dt.timedelta(seconds=1)) is MachineReason.PREFETCH
    )


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
        "python-requests/2.31.0",
        "Barracuda Sentinel (EE)",
        "Mozilla/5.0 (compatible; BingPreview/1.0b)",
        "curl/8.5.0",
    ],
)
def test_known_scanner_agents_make_machine_opens_and_clicks(agent: str) -> None:
    assert _open(user_agent=agent) is MachineReason.SCANNER_AGENT
    assert _click(user_agent=agent) is MachineReason.SCANNER_AGENT


def test_phone_names_that_contain_bot_are_not_scanners() -> None:
    assert (
        _click(user_agent="Mozilla/5.0 (Linux; Android 10; Cubot X30) Chrome/120.0 Mobile") is None
    )


def test_head_requests_and_missing_agents_are_machines() -> None:
    assert _click(method="HEAD") is MachineReason.HEAD_REQUEST
    assert _open(method="HEAD") is MachineReason.HEAD_REQUEST
    assert _click(user_agent="") is MachineReason.NO_USER_AGENT
    assert _click(user_agent=None) is MachineReason.NO_USER_AGENT


def test_clicks_within_two_seconds_of_delivery_are_scanner_clicks() -> None:
    assert _click(reference=NOW - dt.timedelta(seconds=1)) is MachineReason.TOO_FAST
    assert _click(reference=NOW - dt.timedelta(seconds=3)) is None
    assert _click() is None


def _moment(key: str, delivery: int, link: int, seconds: float) -> ClickMoment:
    return ClickMoment(key, delivery, link, NOW + dt.timedelta(seconds=seconds))


def test_different_links_of_one_message_within_a_second_are_a_burst() -> None:
    clicks = [
        _moment("a1", 1, 1, 0.0),
        _moment("a2", 1, 2, 0.3),
        _moment("a3", 1, 3, 0.9),
        _moment("b1", 2, 1, 0.0),
        _moment("b2", 2, 2, 5.0),
        _moment("c1", 3, 1, 0.0),
        _moment("c2", 3, 1, 0.2),
    ]
    assert find_bursts(clicks) == {"a1", "a2", "a3"}


def test_a_single_click_is_never_a_burst() -> None:
    assert find_bursts([_moment("x", 1, 1, 0.0)]) == set()
