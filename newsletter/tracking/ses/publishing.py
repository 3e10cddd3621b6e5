"""The pieces of SES event publishing and how to find them: configuration set, SNS topic,
the webhook's subscription and the event destination. Shared by ``setup`` and ``check``."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from newsletter.config import Settings

DESTINATION_NAME = "newsletter-webhook"
POLICY_SID = "AllowSesEventPublishing"
EVENT_TYPES = (
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "DELIVERY_DELAY",
    "RENDERING_FAILURE",
    "SUBSCRIPTION",
)
SES_TRACKING_TYPES = ("OPEN", "CLICK")
PENDING = "PendingConfirmation"


def error_code(exc: ClientError) -> str:
    """The error code of a botocore error ("404" when an endpoint lacks the call)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def not_offered(exc: ClientError) -> bool:
    """Whether the endpoint does not implement the call at all (moto answers a bare 404).

    AWS's own "no such resource" is ``NotFoundException``, also with status 404.
    """
    return error_code(exc) == "404"


def topic_name(settings: Settings) -> str:
    """The SNS topic our configuration set publishes to."""
    return f"{settings.ses_configuration_set}-events"


def webhook_url(settings: Settings) -> str:
    """Where SNS delivers: the webhook on the public base URL."""
    return f"{settings.base_url}/webhooks/ses"


def wanted_event_types(ses_tracking: bool) -> list[str]:
    """Event types to publish; SES's own opens and clicks only when asked for."""
    return [*EVENT_TYPES, *(SES_TRACKING_TYPES if ses_tracking else ())]


def find_topic(sns: Any, name: str) -> str | None:
    """The ARN of the topic called ``name`` in the client's region, if it exists."""
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[-1] == name:
                return str(topic["TopicArn"])
    return None


def find_subscription(sns: Any, topic_arn: str, endpoint: str) -> str | None:
    """The subscription ARN (or ``PendingConfirmation``) of ``endpoint`` on the topic."""
    paginator = sns.get_paginator("list_subscriptions_by_topic")
    for page in paginator.paginate(TopicArn=topic_arn):
        for subscription in page.get("Subscriptions", []):
            if subscription.get("Endpoint") == endpoint:
                return str(subscription["SubscriptionArn"])
    return None


def find_destination(sesv2: Any, configuration_set: str) -> dict[str, Any] | None:
    """Our event destination on the configuration set (raises ClientError as AWS does)."""
    answer = sesv2.get_configuration_set_event_destinations(ConfigurationSetName=configuration_set)
    for destination in answer.get("EventDestinations", []):
        if destination.get("Name") == DESTINATION_NAME:
            return dict(destination)
    return None


def ses_statement(topic_arn: str, configuration_set: str) -> dict[str, Any]:
    """The topic-policy statement letting SES publish this configuration set's events."""
    _arn, partition, _sns, region, account, _name = topic_arn.split(":", 5)
    return {
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": {"Service": "ses.amazonaws.com"},
        "Action": "SNS:Publish",
        "Resource": topic_arn,
        "Condition": {
            "StringEquals": {
                "AWS:SourceAccount": account,
                "AWS:SourceArn": (
                    f"arn:{partition}:ses:{region}:{account}:configuration-set/{configuration_set}"
                ),
            }
        },
    }


def policy_with_ses(current: str | None, statement: dict[str, Any]) -> str | None:
    """The topic policy with our statement added or corrected; None when already right."""
    try:
        policy = json.loads(current) if current else {}
    except ValueError:
        policy = {}
    if not isinstance(policy, dict):
        policy = {}
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        statements = []
    if statement in statements:
        return None
    kept = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == POLICY_SID)]
    policy.setdefault("Version", "2012-10-17")
    policy["Statement"] = [*kept, statement]
    return json.dumps(policy)
