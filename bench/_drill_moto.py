"""What the SES-compatible endpoint (moto's server) received.

moto keeps every accepted raw message in memory and lists them at ``/moto-api/data.json``
(``ses.RawMessage``: id, source, destinations, raw_data). A campaign message is recognised by
its List-Unsubscribe header, whose ``/u/<token>`` carries the delivery id signed by the app;
system emails (signup confirmations) have no list headers. So each received campaign message
names the ledger row it was sent for, and the reader it went to.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from email.utils import getaddresses

import boto3
import requests

from newsletter.signing import BadToken, TokenPurpose, TokenSigner

_UNSUBSCRIBE = re.compile(r"^List-Unsubscribe: <[^>]*/u/([A-Za-z0-9_-]+)>", re.MULTILINE)
REGION = "us-east-1"


def verify_sender(endpoint: str, address: str) -> None:
    """Verify the sender's address on moto (SES refuses unverified senders, so does moto)."""
    client = boto3.client(
        "sesv2",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="drill",  # moto accepts any credentials
        aws_secret_access_key="drill",
    )
    client.create_email_identity(EmailIdentity=address)
    client.create_email_identity(EmailIdentity=address.rsplit("@", 1)[1])


@dataclass
class Received:
    """The campaign messages moto accepted, and the rest."""

    # delivery id -> moto MessageIds of the messages carrying that delivery's token
    by_delivery: dict[int, list[str]] = field(default_factory=dict)
    # recipient address -> campaign messages addressed to it
    per_address: Counter[str] = field(default_factory=Counter)
    # delivery id -> the address its message went to
    address_of: dict[int, str] = field(default_factory=dict)
    other_messages: int = 0  # confirmations and other system emails
    other_recipients: Counter[str] = field(default_factory=Counter)
    bad_tokens: int = 0

    @property
    def campaign_messages(self) -> int:
        return sum(len(ids) for ids in self.by_delivery.values())


def fetch_raw_messages(endpoint: str) -> list[dict[str, object]]:
    """moto's list of raw messages (streamed to a temporary file: it can be large)."""
    with tempfile.TemporaryFile() as spool:
        with requests.get(f"{endpoint}/moto-api/data.json", stream=True, timeout=600) as answer:
            answer.raise_for_status()
            for chunk in answer.iter_content(1 << 20):
                spool.write(chunk)
        spool.seek(0)
        data = json.load(spool)
    return list(data.get("ses", {}).get("RawMessage", []))


def read_received(endpoint: str, signer: TokenSigner) -> Received:
    """Sort what moto received into campaign messages (by delivery) and the rest."""
    received = Received()
    for message in fetch_raw_messages(endpoint):
        raw = str(message.get("raw_data", ""))
        headers = raw.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
        # One message may list the same reader twice (Destination and To:); it is one copy.
        recipients = {
            address.lower()
            for _, address in getaddresses([str(d) for d in message.get("destinations", [])])
            if address
        }
        match = _UNSUBSCRIBE.search(headers)
        if match is None:
            received.other_messages += 1
            received.other_recipients.update(recipients)
            continue
        try:
            (delivery_id,) = signer.verify(TokenPurpose.DELIVERY, match.group(1))
        except (BadToken, ValueError):
            received.bad_tokens += 1
            continue
        received.by_delivery.setdefault(delivery_id, []).append(str(message.get("id")))
        received.per_address.update(recipients)
        received.address_of[delivery_id] = ",".join(sorted(recipients))
    return received
