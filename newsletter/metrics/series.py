"""Time series from the hourly roll-ups: a campaign's first hours, and days across campaigns."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.metrics.funnel import Rate
from newsletter.metrics.sql import floor_hour
from newsletter.models import EventHour, SendHour

HourSeries = dict[str, list[int]]


@dataclass(frozen=True)
class Hours:
    """Consecutive UTC hours starting at ``start``."""

    start: dt.datetime
    count: int

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(hours=self.count)

    def index(self, hour: dt.datetime) -> int | None:
        """Position of ``hour`` in the range, or None outside it."""
        position = int((hour - self.start).total_seconds() // 3600)
        return position if 0 <= position < self.count else None


def campaign_hours(
    session: Session, campaign_id: int, hours: Hours, kinds: Iterable[str]
) -> HourSeries:
    """Events per hour of one campaign: ``{"open": [...], "open:machine": [...], ...}``."""
    rows = session.execute(
        select(EventHour.hour, EventHour.kind, EventHour.is_machine, EventHour.count).where(
            EventHour.campaign_id == campaign_id,
            EventHour.kind.in_(list(kinds)),
            EventHour.hour >= hours.start,
            EventHour.hour < hours.end,
        )
    ).all()
    series: HourSeries = defaultdict(lambda: [0] * hours.count)
    for kind in kinds:
        series[kind] = [0] * hours.count
        series[f"{kind}:machine"] = [0] * hours.count
    for hour, kind, machine, count in rows:
        position = hours.index(hour)
        if position is not None:
            series[f"{kind}:machine" if machine else kind][position] += int(count)
    series["sent"] = _campaign_sends(session, campaign_id, hours)
    return dict(series)


def _campaign_sends(session: Session, campaign_id: int, hours: Hours) -> list[int]:
    sent = [0] * hours.count
    rows = session.execute(
        select(SendHour.hour, SendHour.sent).where(
            SendHour.campaign_id == campaign_id,
            SendHour.hour >= hours.start,
            SendHour.hour < hours.end,
        )
    ).all()
    for hour, count in rows:
        position = hours.index(hour)
        if position is not None:
            sent[position] += int(count)
    return sent


@dataclass(frozen=True)
class Days:
    """Local calendar days ending with ``last`` (inclusive), in time zone ``zone``."""

    last: dt.date
    count: int
    zone: ZoneInfo

    @property
    def dates(self) -> list[dt.date]:
        return [self.last - dt.timedelta(days=self.count - 1 - i) for i in range(self.count)]

    def start_of(self, day: dt.date) -> dt.datetime:
        """The UTC instant the local ``day`` begins."""
        return dt.datetime.combine(day, dt.time(), self.zone).astimezone(dt.UTC)


def hourly_totals(
    session: Session, start: dt.datetime, end: dt.datetime, kinds: Iterable[str]
) -> dict[str, dict[dt.datetime, int]]:
    """Counts per UTC hour across every campaign (and none): each kind, plus ``sent``."""
    totals: dict[str, dict[dt.datetime, int]] = defaultdict(lambda: defaultdict(int))
    rows = session.execute(
        select(EventHour.hour, EventHour.kind, func.sum(EventHour.count))
        .where(
            EventHour.kind.in_(list(kinds)),
            EventHour.is_machine.is_(False),
            EventHour.hour >= floor_hour(start),
            EventHour.hour < end,
        )
        .group_by(EventHour.hour, EventHour.kind)
    ).all()
    for hour, kind, count in rows:
        totals[kind][hour] += int(count or 0)
    sends = session.execute(
        select(SendHour.hour, func.sum(SendHour.sent))
        .where(SendHour.hour >= floor_hour(start), SendHour.hour < end)
        .group_by(SendHour.hour)
    ).all()
    for hour, count in sends:
        totals["sent"][hour] += int(count or 0)
    return totals


def per_day(hourly: dict[dt.datetime, int], days: Days) -> list[int]:
    """Hourly counts summed into the local days of ``days``."""
    index = {day: i for i, day in enumerate(days.dates)}
    values = [0] * days.count
    for hour, count in hourly.items():
        position = index.get(hour.astimezone(days.zone).date())
        if position is not None:
            values[position] += count
    return values


def rolling(
    numerator: dict[dt.datetime, int],
    denominator: dict[dt.datetime, int],
    ends: Iterable[dt.datetime],
    window: dt.timedelta,
) -> list[Rate]:
    """The rate over the ``window`` before each instant of ``ends``."""
    rates = []
    for end in ends:
        start = end - window
        top = sum(n for hour, n in numerator.items() if start <= hour < end)
        bottom = sum(n for hour, n in denominator.items() if start <= hour < end)
        rates.append(Rate(top, bottom))
    return rates
