"""The JSON the API answers with: issues, their items, campaigns and their progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from newsletter.issues.status import IssueStatus
from newsletter.metrics.progress import Progress
from newsletter.models import Campaign, IssueItem, IssueSection
from newsletter.tracking.clicks import archive_url


def timestamp(moment: dt.datetime | None) -> str | None:
    """An ISO 8601 time in UTC, or None."""
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def issue_summary(status: IssueStatus, base_url: str) -> dict[str, Any]:
    """An issue as lists show it, with where it stands and its newest campaign."""
    issue = status.issue
    return {
        "id": issue.id,
        "slug": issue.slug,
        "title": issue.title,
        "date": issue.issue_date.isoformat() if issue.issue_date else None,
        "status": status.state,
        "campaign_id": status.campaign.id if status.campaign else None,
        "revision": issue.revision,
        "source_format": issue.source_format,
        "archive_url": archive_url(base_url, issue.slug),
        "created_at": timestamp(issue.created_at),
        "updated_at": timestamp(issue.updated_at),
    }


def issue_detail(status: IssueStatus, base_url: str) -> dict[str, Any]:
    """An issue with all its content; item ids are what PATCH .../items/{item_id} takes."""
    issue = status.issue
    return {
        **issue_summary(status, base_url),
        "window": issue.window,
        "timezone": issue.timezone,
        "subject": issue.subject,
        "preheader": issue.preheader,
        "sections": [_section(section) for section in issue.sections],
    }


def _section(section: IssueSection) -> dict[str, Any]:
    return {
        "id": section.id,
        "kind": section.kind.value,
        "title": section.title,
        "paragraphs": list(section.paragraphs),
        "items": [item_json(item) for item in section.items],
    }


def item_json(item: IssueItem) -> dict[str, Any]:
    """One item with its fields in report order, sources, topics and why each was given."""
    ordered = sorted(item.topics, key=lambda row: (row.topic.position, row.topic.slug))
    return {
        "id": item.id,
        "title": item.title,
        "fields": [{"label": f.label, "text": f.text} for f in item.fields],
        "sources": [
            {"publisher": s.publisher, "title": s.title, "url": s.url} for s in item.sources
        ],
        "topics": [row.topic.slug for row in ordered],
        "topic_reasons": {
            row.topic.slug: {"origin": row.origin.value, "matched": list(row.matched)}
            for row in ordered
        },
    }


def campaign_json(campaign: Campaign, progress: Progress | None = None) -> dict[str, Any]:
    """A campaign's status, schedule and counters; with ``progress``, the live ledger view."""
    data: dict[str, Any] = {
        "id": campaign.id,
        "issue_id": campaign.issue_id,
        "name": campaign.name,
        "status": campaign.status.value,
        "audience": dict(campaign.audience or {}),
        "scheduled_at": timestamp(campaign.scheduled_at),
        "schedule_timezone": campaign.schedule_timezone,
        "pause_reason": campaign.pause_reason or "",
        "started_at": timestamp(campaign.started_at),
        "finished_at": timestamp(campaign.finished_at),
        "counters": {
            "recipients": campaign.recipients_count,
            "sent": campaign.sent_count,
            "failed": campaign.failed_count,
            "skipped": campaign.skipped_count,
        },
    }
    if progress is not None:
        data["progress"] = {
            "queued": progress.queued,
            "sending": progress.sending,
            "deferred": progress.deferred,
            "in_doubt": progress.in_doubt,
            "done": progress.done,
            "per_minute": progress.per_minute,
            "eta_seconds": progress.eta_seconds,
            "as_of": timestamp(progress.as_of),
        }
    return data


def page_json(items: list[Any], *, total: int, number: int, size: int) -> dict[str, Any]:
    """A page of a list, with what a client needs to fetch the next."""
    pages = max(1, -(-total // size))
    return {"items": items, "page": number, "per_page": size, "total": total, "pages": pages}
