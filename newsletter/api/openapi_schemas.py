"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the API's bodies and answers."""

from __future__ import annotations

from typing import Any

from newsletter.issues.document import SectionKind
from newsletter.issues.formats import IssueFormat
from newsletter.models import CampaignStatus, TopicOrigin

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
SLUGS = {"type": "array", "items": STRING}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object whose properties are all present, apart from ``optional`` ones."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


def _page(item: str) -> dict[str, Any]:
    return _object(
        {
            "items": {"type": "array", "items": _ref(item)},
            "page": INTEGER,
            "per_page": INTEGER,
            "total": INTEGER,
            "pages": INTEGER,
        }
    )


PROBLEM = _object(
    {
        "severity": {"type": "string", "enum": ["error", "warning"]},
        "message": STRING,
        "line": NULLABLE_INTEGER,
        "path": NULLABLE_STRING,
    }
)

ERROR = _object(
    {
        "error": _object(
            {
                "code": STRING,
                "message": STRING,
                "where": NULLABLE_STRING,
                "problems": {"type": "array", "items": _ref("Problem")},
                "warnings": {"type": "array", "items": _ref("Problem")},
            },
            optional=("problems", "warnings"),
        )
    }
)

ITEM = _object(
    {
        "id": INTEGER,
        "title": STRING,
        "fields": {
            "type": "array",
            "items": _object({"label": STRING, "text": STRING}),
            "description": "Labelled paragraphs in report order.",
        },
        "sources": {
            "type": "array",
            "items": _object({"publisher": STRING, "title": STRING, "url": STRING}),
        },
        "topics": SLUGS,
        "topic_reasons": {
            "type": "object",
            "additionalProperties": _object(
                {
                    "origin": {"type": "string", "enum": [o.value for o in TopicOrigin]},
                    "matched": SLUGS,
                }
            ),
            "description": "Per topic: who set it (rule or editor) and the keywords that matched.",
        },
    }
)

SECTION = _object(
    {
        "id": INTEGER,
        "kind": {"type": "string", "enum": [k.value for k in SectionKind]},
        "title": STRING,
        "paragraphs": SLUGS,
        "items": {"type": "array", "items": _ref("Item")},
    }
)

ISSUE_SUMMARY_PROPERTIES: dict[str, Any] = {
    "id": INTEGER,
    "slug": STRING,
    "title": STRING,
    "date": {"type": ["string", "null"], "format": "date"},
    "status": {
        "type": "string",
        "enum": [s.value for s in CampaignStatus],
        "description": "draft without a campaign, else the newest campaign's status.",
    },
    "campaign_id": NULLABLE_INTEGER,
    "revision": INTEGER,
    "source_format": STRING,
    "archive_url": STRING,
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
}

ISSUE = _object(
    {
        **ISSUE_SUMMARY_PROPERTIES,
        "window": STRING,
        "timezone": STRING,
        "subject": STRING,
        "preheader": STRING,
        "sections": {"type": "array", "items": _ref("Section")},
        "warnings": {"type": "array", "items": _ref("Problem")},
    },
    optional=("warnings",),
)

ISSUE_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "content"],
    "properties": {
        "format": {"type": "string", "enum": [f.value for f in IssueFormat]},
        "content": {
            "description": "The report text or Markdown; for json, the issue's JSON as a "
            "string or an object.",
            "oneOf": [{"type": "string", "minLength": 1}, {"type": "object"}],
        },
    },
}

ITEM_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["topics"],
    "properties": {"topics": {"type": "array", "items": STRING, "maxItems": 20}},
}

SCHEDULE_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["at"],
    "properties": {
        "at": {
            "type": "string",
            "maxLength": 40,
            "description": "ISO 8601, e.g. 2026-04-08T08:00 (wall time in timezone) or with "
            "an offset.",
        },
        "timezone": {"type": "string", "maxLength": 64, "default": "Asia/Shanghai"},
        "audience": {
            "type": "object",
            "additionalProperties": False,
            "description": "Who gets it; leave out for every reader.",
            "properties": {
                "topics": {"type": "array", "items": STRING, "maxItems": 20},
                "match": {"type": "string", "enum": ["any", "all"]},
            },
        },
    },
}


def _reason(*, required: bool) -> dict[str, Any]:
    reason = {"type": "string", "maxLength": 500, "description": "Why; kept in the audit log."}
    if required:
        reason["minLength"] = 1
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["reason"] if required else [],
        "properties": {"reason": reason},
    }


COUNTERS = _object({"recipients": INTEGER, "sent": INTEGER, "failed": INTEGER, "skipped": INTEGER})

PROGRESS = _object(
    {
        "queued": INTEGER,
        "sending": INTEGER,
        "deferred": INTEGER,
        "in_doubt": INTEGER,
        "done": INTEGER,
        "per_minute": {"type": "number"},
        "eta_seconds": NULLABLE_INTEGER,
        "as_of": TIMESTAMP,
    }
)

CAMPAIGN = _object(
    {
        "id": INTEGER,
        "issue_id": INTEGER,
        "name": STRING,
        "status": {"type": "string", "enum": [s.value for s in CampaignStatus]},
        "audience": {"type": "object"},
        "scheduled_at": NULLABLE_TIMESTAMP,
        "schedule_timezone": STRING,
        "pause_reason": STRING,
        "started_at": NULLABLE_TIMESTAMP,
        "finished_at": NULLABLE_TIMESTAMP,
        "counters": _ref("Counters"),
        "progress": _ref("Progress"),
    },
    optional=("progress",),
)

SCHEMAS: dict[str, Any] = {
    "Problem": PROBLEM,
    "Error": ERROR,
    "Item": ITEM,
    "Section": SECTION,
    "Issue": ISSUE,
    "IssueSummary": _object(ISSUE_SUMMARY_PROPERTIES),
    "IssuePage": _page("IssueSummary"),
    "IssueInput": ISSUE_INPUT,
    "ItemUpdate": ITEM_UPDATE,
    "ScheduleInput": SCHEDULE_INPUT,
    "Reason": _reason(required=True),
    "OptionalReason": _reason(required=False),
    "Counters": COUNTERS,
    "Progress": PROGRESS,
    "Campaign": CAMPAIGN,
    "CampaignPage": _page("Campaign"),
}
