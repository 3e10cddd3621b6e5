"""``newsletter ses setup``: create what SES event publishing needs, or find it in place.

Idempotent: run it again after a change of settings and it reports what it found, corrected
or created. The subscription is only requested once the topic is on the webhook's allow-list,
because the webhook refuses a confirmation from any other topic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from newsletter.config import Settings
from newsletter.tracking.ses.aws import AwsClients
from newsletter.tracking.ses.publishing import (
    DESTINATION_NAME,
    PENDING,
    error_code,
    find_destination,
    find_subscription,
    find_topic,
    not_offered,
    policy_with_ses,
    ses_statement,
    topic_name,
    wanted_event_types,
    webhook_url,
)

DONE = frozenset({"created", "found", "updated"})


@dataclass(frozen=True)
class Step:
    """One piece of the setup and what became of it."""

    name: str
    outcome: str  # created, found, updated, pending, skipped, unavailable or failed
    detail: str

    @property
    def done(self) -> bool:
        """Whether this piece is in place."""
        return self.outcome in DONE


def run_setup(aws: AwsClients, settings: Settings, *, ses_tracking: bool = False) -> list[Step]:
    """Ensure the configuration set, topic, subscription and event destination exist."""
    steps = [_guard("configuration set", lambda: ensure_configuration_set(aws, settings))]
    topic_arn: list[str] = []
    steps.append(_guard("SNS topic", lambda: ensure_topic(aws, settings, topic_arn)))
    if not topic_arn:
        return steps
    steps.append(
        _guard("webhook subscription", lambda: ensure_subscription(aws, settings, topic_arn[0]))
    )
    steps.append(
        _guard(
            "event destination",
            lambda: ensure_destination(aws, settings, topic_arn[0], ses_tracking),
        )
    )
    return steps


def _guard(name: str, action: Callable[[], tuple[str, str]]) -> Step:
    try:
        outcome, detail = action()
    except NoCredentialsError:
        return Step(
            name,
            "failed",
            "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY (boto3's default chain)",
        )
    except ClientError as exc:
        if not_offered(exc):
            return Step(
                name,
                "unavailable",
                "not available from this endpoint (moto lacks "
                "this SES v2 call); on AWS this step is done for you",
            )
        return Step(name, "failed", f"{error_code(exc)}: {exc}")
    except BotoCoreError as exc:
        return Step(name, "failed", f"cannot reach AWS: {exc}")
    return Step(name, outcome, detail)


def ensure_configuration_set(aws: AwsClients, settings: Settings) -> tuple[str, str]:
    """The configuration set named in the settings, with bounce/complaint suppression."""
    name = settings.ses_configuration_set
    sesv2 = aws.sesv2()
    try:
        sesv2.get_configuration_set(ConfigurationSetName=name)
        return "found", name
    except ClientError as exc:
        if error_code(exc) != "NotFoundException":
            raise
    sesv2.create_configuration_set(
        ConfigurationSetName=name,
        ReputationOptions={"ReputationMetricsEnabled": True},
        SendingOptions={"SendingEnabled": True},
        SuppressionOptions={"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
    )
    return "created", name


def ensure_topic(aws: AwsClients, settings: Settings, found: list[str]) -> tuple[str, str]:
    """The standard topic with signature version 2 and a policy letting SES publish."""
    sns = aws.sns()
    name = topic_name(settings)
    arn = find_topic(sns, name)
    outcome = "found"
    if arn is None:
        arn = str(sns.create_topic(Name=name, Attributes={"SignatureVersion": "2"})["TopicArn"])
        outcome = "created"
    found.append(arn)
    attributes: dict[str, Any] = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    changed = []
    if attributes.get("SignatureVersion") != "2":
        sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
        changed.append("SHA256 signatures")
    policy = policy_with_ses(
        attributes.get("Policy"), ses_statement(arn, settings.ses_configuration_set)
    )
    if policy is not None:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy)
        changed.append("policy allowing SES to publish")
    if changed and outcome == "found":
        outcome = "updated"
    return outcome, arn + (f" ({', '.join(changed)})" if changed else "")


def ensure_subscription(aws: AwsClients, settings: Settings, topic_arn: str) -> tuple[str, str]:
    """The webhook's subscription to the topic (confirmed by the webhook when SNS calls)."""
    endpoint = webhook_url(settings)
    if topic_arn not in settings.sns_topic_arns:
        return "skipped", (
            f"first set NEWSLETTER_SNS_TOPIC_ARNS={topic_arn} for the web app and restart it, "
            "then run setup again (the webhook refuses confirmations from other topics)"
        )
    sns = aws.sns()
    current = find_subscription(sns, topic_arn, endpoint)
    if current is not None and current != PENDING:
        return "found", current
    protocol = "https" if endpoint.startswith("https://") else "http"
    sns.subscribe(
        TopicArn=topic_arn, Protocol=protocol, Endpoint=endpoint, ReturnSubscriptionArn=True
    )
    confirmed = find_subscription(sns, topic_arn, endpoint)
    if confirmed is not None and confirmed != PENDING:
        return "created", confirmed
    return "pending", (
        f"SNS sent a confirmation to {endpoint}; the worker confirms it within seconds if the "
        "URL is reachable from the internet (check with `newsletter ses check`)"
    )


def ensure_destination(
    aws: AwsClients, settings: Settings, topic_arn: str, ses_tracking: bool
) -> tuple[str, str]:
    """The configuration set's SNS event destination with the event types we handle."""
    sesv2 = aws.sesv2()
    name = settings.ses_configuration_set
    types = wanted_event_types(ses_tracking)
    wanted = {
        "Enabled": True,
        "MatchingEventTypes": types,
        "SnsDestination": {"TopicArn": topic_arn},
    }
    current = find_destination(sesv2, name)
    if current is None:
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName=name,
            EventDestinationName=DESTINATION_NAME,
            EventDestination=wanted,
        )
        return "created", ", ".join(types)
    same = (
        current.get("Enabled") is True
        and set(current.get("MatchingEventTypes", [])) == set(types)
        and current.get("SnsDestination", {}).get("TopicArn") == topic_arn
    )
    if same:
        return "found", ", ".join(types)
    sesv2.update_configuration_set_event_destination(
        ConfigurationSetName=name, EventDestinationName=DESTINATION_NAME, EventDestination=wanted
    )
    return "updated", ", ".join(types)
