"""Words for the states an issue and its campaign go through, in the editor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

STATE_LABELS: dict[str, LazyString] = {
    "draft": _l("Draft"),
    "scheduled": _l("Scheduled"),
    "sending": _l("Sending"),
    "paused": _l("Paused"),
    "sent": _l("Sent"),
    "cancelled": _l("Cancelled"),
}


def state_label(state: str) -> str:
    """The translated name of an issue or campaign state (the state itself if unknown)."""
    label = STATE_LABELS.get(state)
    return str(label) if label is not None else state
