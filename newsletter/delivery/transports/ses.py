"""Amazon SES v2: ``SendEmail`` with the complete MIME message as raw content.

boto3 clients are not safe to share between threads while they are being created, and each
holds its own connection pool, so every sending thread gets a client of its own. SDK retries
are off: throttling is the sender's back-pressure signal (it paces and backs off with
jitter), and a silent retry after a timeout could deliver one message twice: a request
sent without an answer is reported as :class:`OutcomeUnknown` (the row is in doubt).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from newsletter.config import Settings
from newsletter.delivery.transports import ses_raw_body
from newsletter.delivery.transports.base import OutcomeUnknown, OutgoingMessage, SendResult
from newsletter.delivery.transports.ses_errors import (
    classify_botocore_error,
    classify_client_error,
)

log = logging.getLogger(__name__)

#: One attempt per call: the sender decides about retries (see the module's docstring).
SEND_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "max_attempts": 1},
    max_pool_connections=2,
)
#: SES's rule for message tag names and values (SendEmail's MessageTag).
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
TAG_MAX = 256
FEEDBACK_TAG = "ses:feedback-id-a"
#: Gmail's feedback loop reports complaints per identifier: the campaign is the second one.
CAMPAIGN_FEEDBACK_TAG = "ses:feedback-id-b"


def make_sesv2_client(
    settings: Settings, config: Config, session: boto3.session.Session | None = None
) -> Any:
    """A ``sesv2`` client for the configured region and endpoint; credentials from boto3's
    default chain."""
    return (session or boto3.session.Session()).client(
        "sesv2",
        region_name=settings.ses_region,
        endpoint_url=settings.ses_endpoint_url or None,
        config=config,
    )


def _spliced(client: Any) -> Any:
    ses_raw_body.install(client)
    return client


def tag_value(raw: str) -> str:
    """``raw`` made acceptable as an SES tag name or value: other characters become ``_``."""
    return _TAG_UNSAFE.sub("_", raw)[:TAG_MAX]


def email_tags(tags: Mapping[str, str], feedback_id: str) -> list[dict[str, str]]:
    """The message's correlation tags plus the Gmail feedback-loop ids (the sender's, and
    the campaign's when it has one), SES-safe."""
    found = {tag_value(name): tag_value(value) for name, value in tags.items() if name and value}
    listed = [{"Name": name, "Value": value} for name, value in found.items() if name and value]
    if feedback_id:
        listed.append({"Name": FEEDBACK_TAG, "Value": tag_value(feedback_id)})
        if found.get("campaign"):
            listed.append({"Name": CAMPAIGN_FEEDBACK_TAG, "Value": found["campaign"]})
    return listed


def ses_smtp_headers(tags: Mapping[str, str], configuration_set: str, feedback_id: str) -> bytes:
    """The header lines that give a message sent through SES's SMTP endpoint the same
    configuration set and tags as an API send (SES removes them before delivery)."""
    listed = email_tags(tags, feedback_id)
    lines = []
    if configuration_set:
        lines.append(f"X-SES-CONFIGURATION-SET: {configuration_set}")
    if listed:
        pairs = ", ".join(f"{tag['Name']}={tag['Value']}" for tag in listed)
        lines.append(f"X-SES-MESSAGE-TAGS: {pairs}")
    return "".join(f"{line}\r\n" for line in lines).encode("ascii")


class SesTransport:
    """Sends through SES v2, one client per thread."""

    name = "ses"

    def __init__(self, settings: Settings, client_factory: Callable[[], Any] | None = None) -> None:
        self.configuration_set = settings.ses_configuration_set
        self.feedback_id = settings.ses_feedback_id
        # One session for all threads: its loaded service model is shared, so each thread's
        # client costs about 1 MB instead of 10. Creating clients from it is not thread-safe,
        # hence the lock around creation (sending needs none).
        session = boto3.session.Session()
        self._factory = client_factory or (
            lambda: _spliced(make_sesv2_client(settings, SEND_CONFIG, session))
        )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients: list[Any] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        """Hand ``message`` to SES; its ``MessageId`` is the result."""
        request: dict[str, Any] = {
            "FromEmailAddress": message.sender,
            "Destination": {"ToAddresses": [message.recipient]},
            "Content": {"Raw": {"Data": message.data}},
            "EmailTags": email_tags(message.tags, self.feedback_id),
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        client = self._client()
        try:
            try:
                answer = client.send_email(**request)
            except ses_raw_body.RawBodyNotSpliced:  # raised before sending: safe to send again
                log.warning("SES: botocore's SendEmail body has changed shape; sending without "
                            "the raw-body splice from now on")  # fmt: skip
                ses_raw_body.uninstall(client)
                answer = client.send_email(**request)
        except ClientError as exc:
            raise classify_client_error(exc, message.sender) from exc
        except BotoCoreError as exc:
            raise classify_botocore_error(exc) from exc
        message_id = answer.get("MessageId")
        if not message_id:
            raise OutcomeUnknown("SES answered without a MessageId")
        return SendResult(str(message_id))

    def close(self) -> None:
        """Close every thread's client; the next send makes new ones."""
        with self._lock:
            clients, self._clients = self._clients, []
            self._local = threading.local()
        for client in clients:
            client.close()

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            with self._lock:
                client = self._factory()
                self._clients.append(client)
                self._local.client = client
        return client
