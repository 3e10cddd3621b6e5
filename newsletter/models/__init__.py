"""The data model of the whole system, one module per concern.

Importing this package registers every table on :data:`Base.metadata` (Alembic reads it).
"""

from newsletter.models.audit import AuditEntry
from newsletter.models.base import Base, utcnow
from newsletter.models.campaigns import (
    TERMINAL_STATES,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryState,
)
from newsletter.models.issues import (
    Issue,
    IssueItem,
    IssueSection,
    ItemField,
    ItemSource,
    ItemTopic,
    RenderedVariant,
    TopicOrigin,
    TrackedLink,
)
from newsletter.models.metrics import (
    NO_CAMPAIGN,
    EventHour,
    MetricSnapshot,
    ReputationAlarm,
    RollupState,
    SendHour,
)
from newsletter.models.operations import IdempotencyKey, ImportJob, Lease
from newsletter.models.staff import ApiToken, Role, StaffRole, StaffUser
from newsletter.models.subscribers import (
    ConsentMethod,
    Subscriber,
    SubscriberStatus,
    SubscriberTopic,
    Suppression,
    SuppressionReason,
)
from newsletter.models.topics import Topic
from newsletter.models.tracking import Event, EventSource, EventType, SnsMessage

__all__ = [
    "NO_CAMPAIGN",
    "TERMINAL_STATES",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignStatus",
    "ConsentMethod",
    "Delivery",
    "DeliveryState",
    "Event",
    "EventHour",
    "EventSource",
    "EventType",
    "IdempotencyKey",
    "ImportJob",
    "Issue",
    "IssueItem",
    "IssueSection",
    "ItemField",
    "ItemSource",
    "ItemTopic",
    "Lease",
    "MetricSnapshot",
    "RenderedVariant",
    "ReputationAlarm",
    "Role",
    "RollupState",
    "SendHour",
    "SnsMessage",
    "StaffRole",
    "StaffUser",
    "Subscriber",
    "SubscriberStatus",
    "SubscriberTopic",
    "Suppression",
    "SuppressionReason",
    "Topic",
    "TopicOrigin",
    "TrackedLink",
    "utcnow",
]
