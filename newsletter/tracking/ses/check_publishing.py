"""The event-publishing part of ``newsletter ses check``: is every piece in place?"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from newsletter.config import Settings
from newsletter.tracking.ses.aws import AwsClients
from newsletter.tracking.ses.findings import Finding
from newsletter.tracking.ses.publishing import (
    EVENT_TYPES,
    PENDING,
    error_code,
    find_destination,
    find_subscription,
    find_topic,
    not_offered,
    topic_name,
    webhook_url,
)

RUN_SETUP = "run `newsletter ses setup`"


def publishing_findings(aws: AwsClients, settings: Settings) -> list[Finding]:
    """The configuration set, its event destination, the topic, the allow-list and the
    webhook's subscription."""
    findings = [_configuration_set(aws.sesv2(), settings.ses_configuration_set)]
    arn = find_topic(aws.sns(), topic_name(settings))
    findings.append(_destination(aws.sesv2(), settings.ses_configuration_set, arn))
    if arn is None:
        findings.append(Finding("SNS topic", "fail", f"no topic {topic_name(settings)}", RUN_SETUP))
        return findings
    findings.append(Finding("SNS topic", "ok", arn))
    findings.append(_allow_list(arn, settings))
    findings.append(_subscription(aws.sns(), arn, webhook_url(settings)))
    return findings


def _configuration_set(sesv2: Any, name: str) -> Finding:
    try:
        sesv2.get_configuration_set(ConfigurationSetName=name)
    except ClientError as exc:
        if error_code(exc) != "NotFoundException":
            raise
        return Finding("Configuration set", "fail", f"{name} does not exist", RUN_SETUP)
    return Finding("Configuration set", "ok", name)


def _destination(sesv2: Any, name: str, topic_arn: str | None) -> Finding:
    try:
        destination = find_destination(sesv2, name)
    except ClientError as exc:
        if not_offered(exc):
            return Finding("Event destination", "unavailable", "not available from this endpoint")
        if error_code(exc) == "NotFoundException":
            return Finding("Event destination", "fail", f"no configuration set {name}", RUN_SETUP)
        raise
    if destination is None:
        return Finding("Event destination", "fail", "SES does not publish events to SNS", RUN_SETUP)
    missing = set(EVENT_TYPES) - set(destination.get("MatchingEventTypes", []))
    target = destination.get("SnsDestination", {}).get("TopicArn")
    if not destination.get("Enabled") or missing or (topic_arn and target != topic_arn):
        gaps = ", ".join(sorted(missing)) or "none"
        return Finding(
            "Event destination",
            "fail",
            f"incomplete (enabled: {destination.get('Enabled')}, missing types: {gaps})",
            RUN_SETUP,
        )
    return Finding("Event destination", "ok", ", ".join(destination["MatchingEventTypes"]))


def _allow_list(arn: str, settings: Settings) -> Finding:
    if arn in settings.sns_topic_arns:
        return Finding("Webhook allow-list", "ok", "the webhook accepts this topic")
    return Finding(
        "Webhook allow-list",
        "fail",
        "the webhook refuses this topic's messages",
        f"set NEWSLETTER_SNS_TOPIC_ARNS={arn} and restart the web app",
    )


def _subscription(sns: Any, arn: str, endpoint: str) -> Finding:
    current = find_subscription(sns, arn, endpoint)
    if current is None:
        return Finding("Webhook subscription", "fail", f"{endpoint} is not subscribed", RUN_SETUP)
    if current == PENDING:
        return Finding(
            "Webhook subscription",
            "warn",
            "waiting for confirmation",
            f"make sure {endpoint} is reachable from the internet and the worker runs, then "
            "run `newsletter ses setup` again to have SNS resend the confirmation",
        )
    return Finding("Webhook subscription", "ok", current)
