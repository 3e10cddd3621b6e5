"""SES's own Open and Click events, merged with ours.

When the configuration set tracks opens and clicks too, one reading of an email can arrive
twice: our pixel and SES's. Both become events (source ``tracking`` and ``ses``) classified by
the same rules, and both only ever move the delivery's first-occurrence columns earlier, so
unique counts (deliveries opened, deliveries clicked) count the reader once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import Campaign, EventSource, EventType, TrackedLink
from newsletter.tracking.clicks import MAX_POSITION
from newsletter.tracking.hits import Hit
from newsletter.tracking.ingest import write_hits
from newsletter.tracking.ses.records import SesRecord
from newsletter.tracking.ses.target import EventContext, Target, clip


def on_open(session: Session, record: SesRecord, target: Target, ctx: EventContext) -> None:
    """SES's open pixel was loaded."""
    _write(session, record, target, ctx, EventType.OPEN, link_id=None)


def on_click(session: Session, record: SesRecord, target: Target, ctx: EventContext) -> None:
    """A link SES rewrote was followed."""
    link_id = None
    if target.delivery is not None:
        link = clip(record.detail.get("link"), 4000) or ""
        link_id = _link_id(session, target.delivery.campaign_id, link, ctx.settings.base_url)
    _write(session, record, target, ctx, EventType.CLICK, link_id=link_id)


def _write(
    session: Session,
    record: SesRecord,
    target: Target,
    ctx: EventContext,
    kind: EventType,
    *,
    link_id: int | None,
) -> None:
    # Tracking switched off (globally or for the campaign) means nothing is recorded, from
    # either channel; write_hits applies the campaign's switch.
    if not ctx.settings.tracking or target.delivery is None:
        return
    detail = record.detail
    hit = Hit(
        kind,
        target.delivery.id,
        record.timestamp,
        clip(detail.get("ipAddress"), 64),
        clip(detail.get("userAgent"), 500),
        "GET",
        link_id,
        EventSource.SES,
    )
    write_hits(session, [hit], ctx.ingest)


def _link_id(session: Session, campaign_id: int, link: str, base_url: str) -> int | None:
    """The registry entry SES's link points at: our own click URL (SES wrapped it) or the
    target itself."""
    issue_id = select(Campaign.issue_id).where(Campaign.id == campaign_id).scalar_subquery()
    ours = f"{base_url}/t/c/"
    if link.startswith(ours):
        position = urlsplit(link).path.rstrip("/").rpartition("/")[2]
        if not position.isdigit() or not 0 < int(position) <= MAX_POSITION:
            return None
        condition = TrackedLink.position == int(position)
    else:
        condition = TrackedLink.url == link
    found: int | None = session.scalar(
        select(TrackedLink.id).where(TrackedLink.issue_id == issue_id, condition).limit(1)
    )
    return found
