"""Where a click goes: the link registry of the delivery's issue, never the request.

A click URL carries a delivery token and a link's position in the issue's registry. The
target is looked up on the server, so a crafted URL cannot send anyone elsewhere: a bad
token, an unknown position or a registry entry that is not http(s) lands on the archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from newsletter.models import Campaign, Delivery, Issue, TrackedLink

MAX_POSITION = 100_000  # far above any issue's link count, far below INTEGER's range


@dataclass(frozen=True)
class ClickTarget:
    """Where to send the reader, and what to record (``delivery_id`` None: nothing)."""

    location: str
    delivery_id: int | None = None
    link_id: int | None = None
    track: bool = False


def archive_url(base_url: str, slug: str | None = None) -> str:
    """The public archive, or one issue's page in it."""
    if slug is None:
        return f"{base_url}/archive"
    return f"{base_url}/archive/{quote(slug, safe='')}"


def resolve_click(
    session: Session, base_url: str, delivery_id: int | None, position: int | None
) -> ClickTarget:
    """The target of link ``position`` in the email of ``delivery_id``, or an archive page."""
    if delivery_id is None:
        return ClickTarget(archive_url(base_url))
    wanted = position if position is not None and 0 < position <= MAX_POSITION else -1
    row = session.execute(
        select(Issue.slug, Campaign.track_clicks, TrackedLink.id, TrackedLink.url)
        .select_from(Delivery)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .join(Issue, Issue.id == Campaign.issue_id)
        .outerjoin(
            TrackedLink, and_(TrackedLink.issue_id == Issue.id, TrackedLink.position == wanted)
        )
        .where(Delivery.id == delivery_id)
    ).first()
    if row is None:
        return ClickTarget(archive_url(base_url))
    slug, track_clicks, link_id, url = row
    if link_id is None or not is_web_url(url):
        return ClickTarget(archive_url(base_url, slug))
    return ClickTarget(url, delivery_id, link_id, bool(track_clicks))


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host and no control characters."""
    if any(ord(char) < 33 for char in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)
