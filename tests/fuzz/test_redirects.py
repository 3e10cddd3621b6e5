"""``safe_next`` on any string: a local path of this site or the fallback, never an error."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from newsletter.web.redirects import safe_next
from tests.fuzz.profiles import fuzz

FALLBACK = "/admin/"
pieces = st.sampled_from(["/", "//", "\\", "[", "]", ":", "@", "http:", "https:", "evil.example",
                          "%2F", "?", "#", "\t", "\x00", "\u3002", "javascript:", "."])  # fmt: skip
targets = st.one_of(st.text(max_size=60), st.lists(pieces, max_size=8).map("".join))


@fuzz(5)
@given(targets)
def test_safe_next_gives_a_local_path_or_the_fallback(target: str) -> None:
    chosen = safe_next(target, FALLBACK)
    assert chosen in (target, FALLBACK)
    if chosen == target:
        parts = urlsplit(target)
        assert target.startswith("/")
        assert not target.startswith("//")
        assert not parts.scheme
        assert not parts.netloc
        assert "\\" not in target
