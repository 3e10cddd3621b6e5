"""Per-reader placeholders in a rendered variant, and splitting text at them.

A variant is rendered once with these markers where reader-specific text goes; sending fills
them. Markers are plain ASCII letters and underscores so that the MJML compiler, lxml's
serialiser (which escapes URL attributes) and Jinja's autoescaping all pass them through
unchanged.
"""

from __future__ import annotations

import re
from enum import Enum


class Slot(Enum):
    """A reader-specific place in a variant's HTML and text."""

    #: The reader's delivery token, in tracking, unsubscribe and preference URLs.
    TOKEN = "__NL_TOKEN__"  # noqa: S105 - a placeholder name, not a secret
    #: The salutation line, with the reader's name when known.
    GREETING = "__NL_GREETING__"
    #: The reader's chosen topics, in the "why you receive this" footer line.
    TOPICS = "__NL_TOPICS__"

    @property
    def marker(self) -> str:
        """The literal placeholder text."""
        return str(self.value)


MARKER_PREFIX = "__NL_"
_BY_MARKER = {slot.marker: slot for slot in Slot}
_SPLITTER = re.compile("|".join(re.escape(marker) for marker in _BY_MARKER))


def split_at_slots(text: str) -> tuple[list[str], list[Slot]]:
    """Split ``text`` into static segments and the slots between them.

    There is always one more segment than slots; segments may be empty.
    """
    segments: list[str] = []
    slots: list[Slot] = []
    start = 0
    for match in _SPLITTER.finditer(text):
        segments.append(text[start : match.start()])
        slots.append(_BY_MARKER[match.group()])
        start = match.end()
    segments.append(text[start:])
    return segments, slots


def fill_slots(text: str, values: dict[Slot, str]) -> str:
    """Replace every marker by its value (the slow, simple path for previews and tests)."""
    return _SPLITTER.sub(lambda match: values[_BY_MARKER[match.group()]], text)
