"""Schedule times as people give them: a wall-clock time in a named time zone.

Editors write "2026-04-08 08:00" and mean 8 o'clock in Shanghai; the database keeps UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.delivery.errors import TransitionError

#: The forms accepted for a schedule time, tried in order.
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; a clear error for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TransitionError(
            f"{name!r} is not a known time zone; use an IANA name such as Asia/Shanghai"
        ) from exc


def to_utc(at: dt.datetime, timezone: str) -> dt.datetime:
    """``at`` in UTC: a naive ``at`` is wall time in ``timezone``, an aware one is kept.

    A wall time that a daylight-saving change skips or repeats takes the earlier reading
    (``fold=0``), as clocks set before the change would.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone(timezone))
    return at.astimezone(dt.UTC)


def parse_wall_time(text: str) -> dt.datetime:
    """A naive datetime from "2026-04-08 08:00" (seconds and a ``T`` are accepted too)."""
    cleaned = text.strip()
    for pattern in _FORMATS:
        try:
            return dt.datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
    raise TransitionError(f"{text!r} is not a time like 2026-04-08 08:00")


def local_text(at: dt.datetime | None, timezone: str) -> str:
    """``at`` as "2026-04-08 08:00 Asia/Shanghai" for pages and commands; "" for none."""
    if at is None:
        return ""
    return f"{at.astimezone(zone(timezone)):%Y-%m-%d %H:%M} {timezone}"
