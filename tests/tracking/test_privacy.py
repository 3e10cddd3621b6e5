"""IP addresses are stored truncated, hashed or not at all; never in full."""

from __future__ import annotations

import pytest

from newsletter.tracking.privacy import clip_user_agent, stored_ip

KEY = "k" * 40


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
    ],
)
def test_truncation_keeps_a_24_or_48_network(raw: str, stored: str) -> None:
    assert stored_ip(raw, "truncate", KEY) == stored


def test_hashing_is_keyed_stable_and_hides_the_address() -> None:
    first = stored_ip("203.0.113.77", "hash", KEY)
    assert first is not None
    assert first.startswith("h:")
    assert "203" not in first
    assert first == stored_ip("203.0.113.77", "hash", KEY)
    assert first != stored_ip("203.0.113.78", "hash", KEY)
    assert first != stored_ip("203.0.113.77", "hash", "another-key" * 4)


@pytest.mark.parametrize("raw", [None, "", "not-an-ip", "999.1.1.1", "1.2.3.4; DROP TABLE"])
def test_garbage_and_missing_addresses_store_nothing(raw: str | None) -> None:
    assert stored_ip(raw, "truncate", KEY) is None


def test_none_mode_stores_nothing() -> None:
    assert stored_ip("203.0.113.77", "none", KEY) is None


def test_user_agents_are_clipped_to_the_column() -> None:
    assert clip_user_agent("") is None
    assert clip_user_agent("x" * 900) == "x" * 500
