"""Everything the overall dashboard shows: days across campaigns, topics, reputation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.metrics import snapshots
from newsletter.metrics.charts import Chart, Dataset, percent
from newsletter.metrics.funnel import Rate, funnel_of
from newsletter.metrics.rates import Reputation, window_reputation
from newsletter.metrics.series import Days, hourly_totals, per_day, rolling
from newsletter.metrics.tables import Column, Table
from newsletter.models import Campaign, MetricSnapshot, Topic

#: SES places an account under review at these rates (developer guide, enforcement FAQ).
SES_REVIEW_BOUNCE = 0.05
SES_REVIEW_COMPLAINT = 0.001
DAILY_KINDS = ("delivery", "bounce_hard", "complaint", "confirm", "signup", "unsubscribe")


DAY_COLUMNS = (
    Column("day", _l("Day")),
    Column("sent", _l("Sent"), "int"),
    Column("delivery", _l("Delivered"), "int"),
    Column("bounce_hard", _l("Hard bounces"), "int"),
    Column("complaint", _l("Complaints"), "int"),
    Column("signup", _l("Sign-ups"), "int"),
    Column("confirm", _l("Gained (confirmed)"), "int"),
    Column("unsubscribe", _l("Unsubscribed"), "int"),
    Column("lost", _l("Lost"), "int"),
)

ROLLING_COLUMNS = (
    Column("day", _l("Day")),
    Column("bounce_rate", _l("Bounce rate"), "rate"),
    Column("bounces", _l("Hard bounces"), "int"),
    Column("sent", _l("Sent"), "int"),
    Column("complaint_rate", _l("Complaint rate"), "rate"),
    Column("complaints", _l("Complaints"), "int"),
    Column("base", _l("Delivered or sent"), "int"),
)

TOPIC_COLUMNS = (
    Column("topic", _l("Topic")),
    Column("slug", _l("Key")),
    Column("readers", _l("Readers"), "int"),
    Column("share", _l("Share of confirmed readers"), "rate"),
)

CAMPAIGN_COLUMNS = (
    Column("campaign", _l("Campaign")),
    Column("status", _l("Status")),
    Column("started_at", _l("Started"), "time"),
    Column("targeted", _l("Targeted"), "int"),
    Column("sent", _l("Sent"), "int"),
    Column("open_rate", _l("Open rate"), "rate"),
    Column("click_rate", _l("Click rate"), "rate"),
    Column("bounce_rate", _l("Bounce rate"), "rate"),
    Column("complaint_rate", _l("Complaint rate"), "rate"),
)


@dataclass
class Overview:
    """The overall page's figures."""

    window: Reputation
    window_hours: int
    tables: dict[str, Table] = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)
    readers_at: dt.datetime | None = None


def build_overview(
    session: Session, settings: Settings, locale: str, now: dt.datetime, days: Days
) -> Overview:
    """Assemble the overall page for the local ``days`` ending today."""
    window_hours = settings.reputation_window_hours
    overview = Overview(window_reputation(session, now, window_hours), window_hours)
    start = days.start_of(days.dates[0]) - dt.timedelta(hours=window_hours)
    hourly = hourly_totals(session, start, now + dt.timedelta(hours=1), DAILY_KINDS)
    _add_days(overview, hourly, days)
    _add_rolling(overview, hourly, days, settings, now)
    _add_topics(overview, session, locale)
    _add_campaigns(overview, session)
    return overview


def _add_days(overview: Overview, hourly: dict[str, Any], days: Days) -> None:
    daily = {kind: per_day(hourly.get(kind, {}), days) for kind in ("sent", *DAILY_KINDS)}
    labels = [d.isoformat() for d in days.dates]
    lost = [u + b + c for u, b, c in zip(daily["unsubscribe"], daily["bounce_hard"],
                                          daily["complaint"], strict=True)]  # fmt: skip
    rows = [
        {"day": labels[i], **{k: v[i] for k, v in daily.items()}, "lost": lost[i]}
        for i in range(days.count)
    ]
    overview.tables["daily"] = Table(
        "daily",
        _l("Per day"),
        DAY_COLUMNS,
        rows,
        note=_l(
            "Days in %(zone)s. Gained: readers who confirmed. Lost: unsubscribes, hard "
            "bounces and complaints (each removes the reader from the list).",
            zone=days.zone.key,
        ),
    )
    overview.charts.append(
        Chart("sent", _l("Messages sent per day"), "bar", labels,
              [Dataset(_l("Sent"), daily["sent"])], y_title=_l("Messages"))
    )  # fmt: skip
    overview.charts.append(
        Chart(
            "readers",
            _l("Readers gained and lost per day"),
            "bar",
            labels,
            [
                Dataset(_l("Gained (confirmed)"), daily["confirm"], "good"),
                Dataset(_l("Lost"), [-n for n in lost], "alarm"),
            ],
            y_title=_l("Readers"),
        )
    )


def _add_rolling(
    overview: Overview, hourly: dict[str, Any], days: Days, settings: Settings, now: dt.datetime
) -> None:
    window = dt.timedelta(hours=settings.reputation_window_hours)
    ends = [min(days.start_of(d + dt.timedelta(days=1)), now) for d in days.dates]
    sent = hourly.get("sent", {})
    delivered = hourly.get("delivery", {})
    bounce = rolling(hourly.get("bounce_hard", {}), sent, ends, window)
    complaint = rolling(
        hourly.get("complaint", {}), delivered if any(delivered.values()) else sent, ends, window
    )
    labels = [d.isoformat() for d in days.dates]
    overview.tables["rolling"] = Table(
        "rolling",
        _l("Rolling bounce and complaint rates"),
        ROLLING_COLUMNS,
        [
            {
                "day": labels[i],
                "bounce_rate": b.value,
                "bounces": b.numerator,
                "sent": b.denominator,
                "complaint_rate": c.value,
                "complaints": c.numerator,
                "base": c.denominator,
            }
            for i, (b, c) in enumerate(zip(bounce, complaint, strict=True))
        ],
        note=_l(
            "Each day's rates are over the %(hours)s hours up to the end of that day.",
            hours=settings.reputation_window_hours,
        ),
    )
    overview.charts.append(
        _rate_chart("bounce", _l("Bounce rate, rolling window"), labels, bounce,
                    levels=(settings.bounce_alarm_rate, SES_REVIEW_BOUNCE))
    )  # fmt: skip
    overview.charts.append(
        _rate_chart("complaint", _l("Complaint rate, rolling window"), labels, complaint,
                    levels=(settings.complaint_alarm_rate, SES_REVIEW_COMPLAINT))
    )  # fmt: skip


def _rate_chart(
    name: str, title: Any, labels: list[str], rates: list[Rate], *, levels: tuple[float, float]
) -> Chart:
    """A rate per day drawn against our alarm level and SES's review level."""
    alarm, ses = levels
    n = len(labels)
    return Chart(
        name,
        title,
        "line",
        labels,
        [
            Dataset(_l("Rate"), percent([r.value for r in rates])),
            Dataset(_l("Our alarm level (pauses sending)"), percent([alarm] * n), "alarm"),
            Dataset(_l("SES review level"), percent([ses] * n), "limit"),
        ],
        unit="percent",
        y_title="%",
    )


def _add_topics(overview: Overview, session: Session, locale: str) -> None:
    snapshot = snapshots.load_snapshot(session, snapshots.OVERALL, "readers")
    counts: dict[str, int] = snapshot.data.get("topics", {}) if snapshot else {}
    confirmed = int(snapshot.data.get("confirmed", 0)) if snapshot else 0
    overview.readers_at = snapshot.computed_at if snapshot else None
    topics = session.scalars(select(Topic).order_by(Topic.position, Topic.id))
    rows: list[dict[str, Any]] = [
        {"topic": t.name(locale), "slug": t.slug, "readers": counts.get(t.slug, 0),
         "share": counts.get(t.slug, 0) / confirmed if confirmed else None}
        for t in topics
    ]  # fmt: skip
    overview.tables["topics"] = Table(
        "topics",
        _l("Topic popularity"),
        TOPIC_COLUMNS,
        rows,
        note=_l("Confirmed readers who chose each topic; %(n)s confirmed readers.", n=confirmed),
    )
    overview.charts.append(
        Chart("topics", _l("Topic popularity"), "bar", [r["topic"] for r in rows],
              [Dataset(_l("Readers"), [r["readers"] for r in rows])], y_title=_l("Readers"))
    )  # fmt: skip


def _add_campaigns(overview: Overview, session: Session, limit: int = 20) -> None:
    campaigns = list(
        session.scalars(
            select(Campaign)
            .where(Campaign.started_at.is_not(None))
            .order_by(Campaign.started_at.desc(), Campaign.id.desc())
            .limit(limit)
        )
    )
    keys = [str(c.id) for c in campaigns]
    stored = {
        s.key: s
        for s in session.scalars(
            select(MetricSnapshot).where(
                MetricSnapshot.scope == snapshots.CAMPAIGN, MetricSnapshot.key.in_(keys)
            )
        )
    }
    rows = [_campaign_row(c, stored.get(str(c.id))) for c in campaigns]
    overview.tables["campaigns"] = Table(
        "campaigns",
        _l("Recent campaigns"),
        CAMPAIGN_COLUMNS,
        rows,
    )


def _campaign_row(campaign: Campaign, snapshot: MetricSnapshot | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": campaign.id,
        "campaign": campaign.name or f"#{campaign.id}",
        "status": campaign.status.value,
        "started_at": campaign.started_at,
        "targeted": campaign.recipients_count,
        "sent": campaign.sent_count,
        "open_rate": None,
        "click_rate": None,
        "bounce_rate": None,
        "complaint_rate": None,
    }
    if snapshot is not None:
        funnel = funnel_of(snapshot.data["groups"])
        for name in ("opened", "clicked", "bounced", "complained"):
            key = {"opened": "open", "clicked": "click", "bounced": "bounce"}.get(name, "complaint")
            row[f"{key}_rate"] = funnel.rate(name).value
    return row
