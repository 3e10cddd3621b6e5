"""The canonical key of a topic mix.

A delivery row, a cached render and a preview all name the mix of topics they are for by the
same short string, so that one render serves every reader with the same effective mix.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The key of the version with every item (the web archive, "view in browser" without a mix).
ALL_TOPICS_KEY = "*"
#: The key of a mix that selects no item: only the general parts.
GENERAL_ONLY_KEY = "-"

_SEPARATOR = "+"


def variant_key(topics: Iterable[str] | None, available: Iterable[str] | None = None) -> str:
    """Return the canonical key for a reader's topics.

    ``None`` means every item. When ``available`` (the topics the issue's items carry) is
    given, topics the issue does not use are dropped first, so readers whose choices differ
    only in topics absent from today's issue share one render.
    """
    if topics is None:
        return ALL_TOPICS_KEY
    chosen = set(topics)
    if available is not None:
        chosen &= set(available)
    if not chosen:
        return GENERAL_ONLY_KEY
    return _SEPARATOR.join(sorted(chosen))


def parse_variant_key(key: str) -> frozenset[str] | None:
    """Invert :func:`variant_key`: ``None`` for every item, else the set of topic slugs."""
    if key == ALL_TOPICS_KEY:
        return None
    if key == GENERAL_ONLY_KEY:
        return frozenset()
    return frozenset(key.split(_SEPARATOR))
