"""Everything the campaign page shows, assembled from the snapshot, roll-ups and ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.metrics import progress, snapshots
from newsletter.metrics.charts import Chart, Dataset, percent
from newsletter.metrics.funnel import GENERAL_ONLY, Funnel, funnel_of, funnels_by_topic
from newsletter.metrics.series import Hours, campaign_hours
from newsletter.metrics.sql import floor_hour
from newsletter.metrics.tables import Column, Table
from newsletter.models import Campaign, Topic

#: The first hours after sending starts that the hourly chart covers.
FIRST_HOURS = 48

FUNNEL_STEPS: tuple[tuple[str, Any, Any], ...] = (
    ("targeted", _l("Targeted"), _l("readers in the audience snapshot")),
    ("sent", _l("Sent"), _l("of targeted")),
    ("delivered", _l("Delivered"), _l("of sent (SES Delivery events)")),
    ("bounced", _l("Bounced (hard)"), _l("of sent")),
    ("complained", _l("Complained"), _l("of the base")),
    ("opened", _l("Opened (unique humans)"), _l("of the base")),
    ("machine_opened", _l("Opened by machines only"), _l("of the base; proxies and scanners")),
    ("clicked", _l("Clicked (unique readers)"), _l("of the base")),
    ("click_to_open", _l("Click-to-open"), _l("clicked of opened")),
    ("unsubscribed", _l("Unsubscribed"), _l("of the base")),
    ("failed", _l("Failed"), _l("of targeted")),
    ("in_doubt", _l("In doubt"), _l("outcome unknown, needs an operator")),
    ("skipped", _l("Skipped"), _l("left or suppressed after the snapshot")),
)
#: The steps drawn in the funnel chart (counts of readers, largest first).
CHARTED_STEPS = (
    "targeted",
    "sent",
    "delivered",
    "opened",
    "machine_opened",
    "clicked",
    "unsubscribed",
    "bounced",
    "complained",
)


FUNNEL_COLUMNS = (
    Column("step", _l("Step")),
    Column("count", _l("Count"), "int"),
    Column("rate", _l("Rate"), "rate"),
    Column("of", _l("Rate of")),
)

TOPIC_COLUMNS = (
    Column("topic", _l("Topic")),
    Column("readers", _l("Readers"), "int"),
    Column("sent", _l("Sent"), "int"),
    Column("opened", _l("Opened (humans)"), "int"),
    Column("open_rate", _l("Open rate"), "rate"),
    Column("clicked", _l("Clicked"), "int"),
    Column("click_rate", _l("Click rate"), "rate"),
    Column("unsubscribed", _l("Unsubscribed"), "int"),
    Column("unsubscribe_rate", _l("Unsubscribe rate"), "rate"),
)

LINK_COLUMNS = (
    Column("position", _l("Link")),
    Column("url", _l("Address")),
    Column("topics", _l("Topics")),
    Column("clicks", _l("Clicks (humans)"), "int"),
    Column("readers", _l("Unique readers"), "int"),
    Column("machine", _l("Machine clicks"), "int"),
    Column("share", _l("Share of clicks"), "rate"),
)

TOPIC_CLICK_COLUMNS = (
    Column("topic", _l("Topic")),
    Column("links", _l("Links"), "int"),
    Column("clicks", _l("Clicks (humans)"), "int"),
    Column("machine", _l("Machine clicks"), "int"),
)

HOUR_COLUMNS = (
    Column("hour", _l("Hour")),
    Column("hours_after", _l("Hours after start"), "int"),
    Column("sent", _l("Sent"), "int"),
    Column("open", _l("Opens (humans)"), "int"),
    Column("open:machine", _l("Opens (machines)"), "int"),
    Column("click", _l("Clicks (humans)"), "int"),
    Column("click:machine", _l("Clicks (machines)"), "int"),
)

ATTENTION_COLUMNS = (
    Column("delivery_id", _l("Delivery")),
    Column("state", _l("State")),
    Column("email", _l("Reader")),
    Column("attempts", _l("Attempts"), "int"),
    Column("reason", _l("Reason")),
    Column("updated_at", _l("Last change"), "time"),
)

REASON_COLUMNS = (
    Column("state", _l("State")),
    Column("reason", _l("Reason")),
    Column("rows", _l("Deliveries"), "int"),
)


@dataclass
class CampaignReport:
    """The campaign page's figures; ``funnel`` is None until the first snapshot."""

    campaign: Campaign
    funnel: Funnel | None
    computed_at: dt.datetime | None
    base_name: str
    tables: dict[str, Table] = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)


def build_campaign_report(
    session: Session, campaign: Campaign, locale: str, zone: ZoneInfo
) -> CampaignReport:
    """Assemble the page for ``campaign`` in ``locale``, hours shown in ``zone``."""
    snapshot = snapshots.load_snapshot(session, snapshots.CAMPAIGN, str(campaign.id))
    groups = snapshot.data["groups"] if snapshot else []
    funnel = funnel_of(groups) if snapshot else None
    report = CampaignReport(
        campaign,
        funnel,
        snapshot.computed_at if snapshot else None,
        funnel.base_name if funnel else "sent",
    )
    topics = list(session.scalars(select(Topic).order_by(Topic.position, Topic.id)))
    if funnel is not None:
        _add_funnel(report, funnel)
        _add_topics(report, groups, topics, locale)
    links = snapshot.data.get("links", []) if snapshot else []
    _add_links(report, session, links, topics, locale)
    _add_hours(report, session, zone)
    _add_attention(report, session)
    return report


def _add_funnel(report: CampaignReport, funnel: Funnel) -> None:
    rows = []
    for key, label, basis in FUNNEL_STEPS:
        rate = funnel.rate(key) if key != "targeted" else None
        count = rate.numerator if key == "click_to_open" and rate else funnel.count(key)
        rate_value = rate.value if rate else None
        rows.append({"step": label, "count": count, "rate": rate_value, "of": basis, "_key": key})
    report.tables["funnel"] = Table(
        "funnel",
        _l("Funnel"),
        FUNNEL_COLUMNS,
        rows,
        note=_l("The base is delivered messages when SES reports deliveries, else sent ones."),
    )
    shown = [r for r in rows if r["_key"] in CHARTED_STEPS]
    report.charts.append(
        Chart(
            "funnel",
            _l("Funnel"),
            "hbar",
            [r["step"] for r in shown],
            [Dataset(_l("Count"), [r["count"] for r in shown])],
        )
    )


def _add_topics(
    report: CampaignReport, groups: list[dict[str, Any]], topics: list[Topic], locale: str
) -> None:
    funnels = funnels_by_topic(groups, [t.slug for t in topics], report.base_name)
    names = {t.slug: t.name(locale) for t in topics} | {GENERAL_ONLY: str(_l("General only"))}
    rows = [
        _topic_row(names.get(slug, slug), funnel)
        for slug, funnel in funnels.items()
        if funnel.targeted > 0
    ]
    report.tables["topics"] = Table(
        "topics",
        _l("Engagement by topic"),
        TOPIC_COLUMNS,
        rows,
        note=_l(
            "Readers whose copy included the topic's items (from their topic mix); a reader "
            "with several topics counts in each. Rates are over the campaign's base."
        ),
    )
    report.charts.append(
        Chart(
            "topics",
            _l("Engagement by topic"),
            "bar",
            [r["topic"] for r in rows],
            [
                Dataset(_l("Open rate"), percent([r["open_rate"] for r in rows])),
                Dataset(_l("Click rate"), percent([r["click_rate"] for r in rows]), "secondary"),
            ],
            unit="percent",
        )
    )


def _topic_row(name: str, funnel: Funnel) -> dict[str, Any]:
    return {
        "topic": name,
        "readers": funnel.targeted,
        "sent": funnel.count("sent"),
        "opened": funnel.count("opened"),
        "open_rate": funnel.rate("opened").value,
        "clicked": funnel.count("clicked"),
        "click_rate": funnel.rate("clicked").value,
        "unsubscribed": funnel.count("unsubscribed"),
        "unsubscribe_rate": funnel.rate("unsubscribed").value,
    }


def _add_links(
    report: CampaignReport,
    session: Session,
    tallies: list[dict[str, Any]],
    topics: list[Topic],
    locale: str,
) -> None:
    registry = snapshots.links_of_campaign(session, report.campaign.id)
    names = {t.slug: t.name(locale) for t in topics}
    rows = _link_rows(registry, tallies, names)
    report.tables["links"] = Table(
        "links",
        _l("Clicks per link"),
        LINK_COLUMNS,
        rows,
        note=_l("Machine clicks are link scanners and are not in the other columns."),
    )
    _add_topic_clicks(report, rows, topics, locale)
    top = rows[:15]
    report.charts.append(
        Chart(
            "links",
            _l("Clicks per link"),
            "hbar",
            [f"#{r['position']} {r['url'][:60]}" for r in top],
            [
                Dataset(_l("Clicks (humans)"), [r["clicks"] for r in top]),
                Dataset(_l("Machine clicks"), [r["machine"] for r in top], "machine"),
            ],
        )
    )


def _link_rows(
    registry: list[Any], tallies: list[dict[str, Any]], names: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per link of the issue, clicked or not, most clicked first."""
    by_id = {t["link_id"]: t for t in tallies}
    total = sum(t["clicks"] for t in tallies)
    rows = []
    for link in registry:
        tally = by_id.get(link.id, {"clicks": 0, "readers": 0, "machine": 0})
        rows.append(
            {
                "position": link.position,
                "url": link.url,
                "topics": ", ".join(names.get(s, s) for s in link.topics) or "–",
                "clicks": tally["clicks"],
                "readers": tally["readers"],
                "machine": tally["machine"],
                "share": tally["clicks"] / total if total else None,
                "_topics": list(link.topics),
            }
        )
    rows.sort(key=lambda r: (-r["clicks"], r["position"]))
    return rows


def _add_topic_clicks(
    report: CampaignReport, links: list[dict[str, Any]], topics: list[Topic], locale: str
) -> None:
    rows = []
    for topic in [*topics, None]:
        slug = topic.slug if topic else None
        chosen = [r for r in links if (slug in r["_topics"] if slug else not r["_topics"])]
        if not chosen:
            continue
        rows.append(
            {
                "topic": topic.name(locale) if topic else str(_l("General parts")),
                "links": len(chosen),
                "clicks": sum(r["clicks"] for r in chosen),
                "machine": sum(r["machine"] for r in chosen),
            }
        )
    report.tables["topic_clicks"] = Table(
        "topic_clicks",
        _l("Clicks by the topic of the link's item"),
        TOPIC_CLICK_COLUMNS,
        rows,
        note=_l("A link of an item with several topics counts in each of them."),
    )


def _add_hours(report: CampaignReport, session: Session, zone: ZoneInfo) -> None:
    campaign = report.campaign
    begin = campaign.started_at or campaign.snapshot_at or campaign.scheduled_at
    start = floor_hour(begin) if begin else floor_hour(campaign.created_at)
    hours = Hours(start, FIRST_HOURS)
    series = campaign_hours(session, campaign.id, hours, ("open", "click"))
    stamps = [start + dt.timedelta(hours=i) for i in range(FIRST_HOURS)]
    labels = [s.astimezone(zone).strftime("%m-%d %H:00") for s in stamps]
    keys = ("sent", "open", "open:machine", "click", "click:machine")
    rows = [
        {"hour": labels[i], "hours_after": i, **{k: series[k][i] for k in keys}}
        for i in range(FIRST_HOURS)
    ]
    report.tables["hourly"] = Table(
        "hourly",
        _l("Opens and clicks per hour, first 48 hours"),
        HOUR_COLUMNS,
        rows,
        note=_l(
            "Every open and click event, not unique readers; times in %(zone)s.", zone=zone.key
        ),
    )
    report.charts.append(
        Chart(
            "hourly",
            _l("Opens and clicks per hour, first 48 hours"),
            "line",
            labels,
            [
                Dataset(_l("Opens (humans)"), series["open"]),
                Dataset(_l("Opens (machines)"), series["open:machine"], "machine"),
                Dataset(_l("Clicks (humans)"), series["click"], "secondary"),
                Dataset(_l("Clicks (machines)"), series["click:machine"], "muted"),
            ],
            x_title=_l("Hour (%(zone)s)", zone=zone.key),
            y_title=_l("Events"),
        )
    )


def _add_attention(report: CampaignReport, session: Session) -> None:
    campaign_id = report.campaign.id
    report.tables["attention"] = Table(
        "attention",
        _l("Failed and in-doubt deliveries"),
        ATTENTION_COLUMNS,
        progress.attention_rows(session, campaign_id),
        note=_l("The first 200 rows; the CSV download has every row."),
    )
    report.tables["reasons"] = Table(
        "reasons",
        _l("Reasons"),
        REASON_COLUMNS,
        progress.attention_reasons(session, campaign_id),
    )
