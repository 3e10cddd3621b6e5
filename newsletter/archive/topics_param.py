"""The ``?topics=`` argument of an archive page: which topic mix of the issue to show.

Emails link "view in browser" to ``/archive/SLUG?topics=KEY`` where KEY is the variant key
(:func:`newsletter.topics.variant_key`): slugs joined by ``+``, ``-`` for the general parts
only, and no argument for every topic. In a query string ``+`` reads as a space, so slugs are
split on either; ``%2B`` and commas work as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsletter.topics import ALL_TOPICS_KEY, GENERAL_ONLY_KEY

_SEPARATORS = re.compile(r"[+,\s]+")


def parse_topics_param(value: str | None, known: Iterable[str]) -> frozenset[str] | None:
    """The topic slugs asked for, or None for every topic; slugs not in ``known`` are ignored.

    A mix naming only unknown topics shows the general parts, as an email of that mix would.
    """
    if value is None:
        return None
    value = value.strip()
    if value in ("", ALL_TOPICS_KEY):
        return None
    if value == GENERAL_ONLY_KEY:
        return frozenset()
    allowed = frozenset(known)
    return frozenset(slug for slug in _SEPARATORS.split(value) if slug in allowed)
