"""What each stored SNS message leads to.

Notification: the SES event record it carries is applied. SubscriptionConfirmation: the
subscription is confirmed through the SNS API (never by fetching the SubscribeURL, which
would be a request to a URL an attacker might choose). UnsubscribeConfirmation: logged and
put in the audit log, because events stop arriving and operators must know.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.config import Settings
from newsletter.tracking.recorder import ingest_context
from newsletter.tracking.ses.aws import AwsClients, region_of_arn
from newsletter.tracking.ses.events import handle_record
from newsletter.tracking.ses.records import BadRecord
from newsletter.tracking.ses.target import EventContext
from newsletter.tracking.sns.envelope import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    UNSUBSCRIBE_CONFIRMATION,
)
from newsletter.tracking.sns.inbox import RetryLater

log = logging.getLogger(__name__)
# SNS error codes worth another attempt; any other refusal (an expired token) is final.
RETRYABLE_CODES = {
    "Throttled",
    "Throttling",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
}


class SnsDispatcher:
    """The processor's handler: routes a stored message by its type."""

    def __init__(self, settings: Settings, aws: AwsClients) -> None:
        self.settings = settings
        self.aws = aws

    def __call__(self, session: Session, message_type: str, topic_arn: str, body: str) -> None:
        data = json.loads(body)
        if message_type == NOTIFICATION:
            self.notification(session, data)
        elif message_type == SUBSCRIPTION_CONFIRMATION:
            self.confirm(session, topic_arn, data["Token"])
        elif message_type == UNSUBSCRIBE_CONFIRMATION:
            self.unsubscribed(session, topic_arn)
        else:
            raise BadRecord(f"unknown SNS message type {message_type!r}")

    def notification(self, session: Session, data: dict[str, Any]) -> None:
        """Apply the SES event record in the notification's Message."""
        try:
            record = json.loads(data["Message"])
        except ValueError as exc:
            raise BadRecord("the notification's Message is not JSON: not an SES event") from exc
        context = EventContext(self.settings, ingest_context(self.settings))
        handle_record(session, record, context)

    def confirm(self, session: Session, topic_arn: str, token: str) -> None:
        """Confirm our subscription to ``topic_arn`` with the token SNS sent."""
        client = self.aws.sns(region_of_arn(topic_arn, self.settings.ses_region))
        try:
            answer = client.confirm_subscription(
                TopicArn=topic_arn, Token=token, AuthenticateOnUnsubscribe="true"
            )
        except NoCredentialsError as exc:
            raise RetryLater("no AWS credentials to confirm the SNS subscription") from exc
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in RETRYABLE_CODES:
                raise RetryLater(str(exc)) from exc
            raise
        except BotoCoreError as exc:  # network trouble
            raise RetryLater(str(exc)) from exc
        subscription = answer.get("SubscriptionArn", "")
        log.info("confirmed the SNS subscription %s", subscription)
        audit.record(
            session,
            "sns.subscription_confirmed",
            actor=audit.SYSTEM,
            entity_type="sns_topic",
            entity_id=topic_arn.rsplit(":", 1)[-1][:64],
            detail={"topic_arn": topic_arn, "subscription_arn": subscription},
        )

    @staticmethod
    def unsubscribed(session: Session, topic_arn: str) -> None:
        """Our webhook was unsubscribed from ``topic_arn``: SES events stop arriving."""
        log.warning(
            "the webhook was unsubscribed from %s; run `newsletter ses setup` to subscribe again",
            topic_arn,
        )
        audit.record(
            session,
            "sns.unsubscribed",
            actor=audit.SYSTEM,
            entity_type="sns_topic",
            entity_id=topic_arn.rsplit(":", 1)[-1][:64],
            detail={"topic_arn": topic_arn},
        )
