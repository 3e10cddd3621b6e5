"""A hit: one open or click as the web request saw it, before it becomes an event row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from newsletter.models import EventSource, EventType


@dataclass(frozen=True, slots=True)
class Hit:
    """An open or a click of one delivery. ``ip`` is the full address, never stored as is."""

    kind: EventType  # OPEN or CLICK
    delivery_id: int
    at: dt.datetime
    ip: str | None
    user_agent: str | None
    method: str = "GET"
    link_id: int | None = None
    source: EventSource = EventSource.TRACKING
