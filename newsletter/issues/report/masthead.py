"""The top of the report: the title line and the ``日期：… 覆盖窗口：…`` line.

``AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)`` gives the title, the date and the time zone.
Dates may also be written ``2026/4/7``, ``2026.04.07`` or ``2026年4月7日``; the zone is an
IANA name (or ``UTC``, or ``北京时间`` for Asia/Shanghai) in parentheses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from newsletter.issues.problems import ProblemLog
from newsletter.issues.text import is_time_zone, unescape_markdown

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_PARENTHESES = re.compile(r"[(（]\s*([^()（）]*?)\s*[)）]")
_ZONE_NAME = re.compile(r"^(?:[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC|GMT)$")
_ZONE_ALIASES = {"北京时间": "Asia/Shanghai", "中国标准时间": "Asia/Shanghai"}
_WINDOW_LABEL = re.compile(r"(?:覆盖窗口|时间窗口|窗口|coverage|window)\s*[：:]\s*", re.IGNORECASE)
_TITLE_SEPARATORS = " |｜-—·:："
_EXAMPLE = "AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)"


@dataclass
class Masthead:
    """What the top lines say; ``None`` where they are silent."""

    title: str = ""
    date: dt.date | None = None
    timezone: str | None = None
    window: str | None = None


def read_title_line(text: str, line: int, problems: ProblemLog) -> Masthead:
    """Read the title line: the title, and the date and time zone when it has them."""
    text = text.lstrip("#").strip().removeprefix("**").removesuffix("**")
    if len(text) > 120 or re.search(r"[。！？]", text):
        problems.error(f"the report must begin with its title line, like {_EXAMPLE!r}", line)
        return Masthead()
    title, *after_bar = re.split(r"[|｜]", text, maxsplit=1)
    masthead = Masthead()
    dated = after_bar[0] if after_bar else title
    masthead.date = _date(dated, line, problems)
    masthead.timezone = _zone(dated, line, problems)
    if after_bar and masthead.date is None:
        problems.warn(f"the title line has no date after '|', like {_EXAMPLE!r}", line)
    if not after_bar and masthead.date:
        title = _without_zone(_DATE.sub("", title))
    masthead.title = unescape_markdown(title.strip(_TITLE_SEPARATORS))
    if not masthead.title:
        problems.error(f"the title line has no title before its date, like {_EXAMPLE!r}", line)
    return masthead


def read_meta_line(text: str, line: int, problems: ProblemLog, *, window_only: bool) -> Masthead:
    """Read ``日期：<date> (<zone>) 覆盖窗口：<window>`` or a line of one of its parts."""
    masthead = Masthead()
    if window_only:
        masthead.window = text
        return masthead
    date_part, *window = _WINDOW_LABEL.split(text, maxsplit=1)
    masthead.date = _date(date_part, line, problems)
    if masthead.date is None and date_part.strip():
        problems.error(f"the date {date_part.strip()!r} is not a date like 2026-04-07", line)
    masthead.timezone = _zone(date_part, line, problems)
    if window:
        masthead.window = window[0].strip()
    return masthead


def _date(text: str, line: int, problems: ProblemLog) -> dt.date | None:
    match = _DATE.search(text)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        problems.error(f"{match.group(0)!r} is not a valid date", line)
        return None


def _without_zone(text: str) -> str:
    def drop_zone(match: re.Match[str]) -> str:
        name = _ZONE_ALIASES.get(match.group(1), match.group(1))
        return "" if _ZONE_NAME.match(name) else match.group(0)

    return _PARENTHESES.sub(drop_zone, text)


def _zone(text: str, line: int, problems: ProblemLog) -> str | None:
    for match in _PARENTHESES.finditer(text):
        name = _ZONE_ALIASES.get(match.group(1), match.group(1))
        if not _ZONE_NAME.match(name):
            continue
        if not is_time_zone(name):
            problems.error(f"unknown time zone {name!r}; use an IANA name like Asia/Shanghai", line)
            return None
        return name
    return None
