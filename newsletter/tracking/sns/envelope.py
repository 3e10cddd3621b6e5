"""The SNS message envelope: parsing it, the string SNS signs, and checking the signature.

The string to sign is ``key\\nvalue\\n`` for a fixed, sorted list of keys per message type,
skipping keys the message lacks; version 1 signatures use SHA1, version 2 SHA256, both RSA
PKCS#1 v1.5. Values are the JSON-decoded strings.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from newsletter.tracking.sns.certificates import CertificateStore
from newsletter.tracking.sns.errors import SnsForbidden, SnsMalformed

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"
_CONFIRMATION_KEYS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
SIGNED_KEYS = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: _CONFIRMATION_KEYS,
    UNSUBSCRIBE_CONFIRMATION: _CONFIRMATION_KEYS,
}
_ALWAYS = ("Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion")
_REQUIRED = {
    NOTIFICATION: _ALWAYS,
    SUBSCRIPTION_CONFIRMATION: (*_ALWAYS, "Token", "SubscribeURL"),
    UNSUBSCRIBE_CONFIRMATION: (*_ALWAYS, "Token", "SubscribeURL"),
}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_ID_LENGTH = 100  # sns_messages.message_id


@dataclass(frozen=True)
class Envelope:
    """A parsed SNS message; ``fields`` holds every string field as received."""

    type: str
    message_id: str
    topic_arn: str
    message: str
    timestamp: dt.datetime
    fields: dict[str, str]


def parse_envelope(body: bytes) -> Envelope:
    """Parse a request body into an :class:`Envelope` or raise :class:`SnsMalformed`."""
    try:
        data: Any = json.loads(body.decode("utf-8"))  # SNS sends UTF-8; json.loads would guess
    except (ValueError, UnicodeDecodeError) as exc:
        raise SnsMalformed("body is not UTF-8 JSON") from exc
    except RecursionError as exc:  # "[[[[..." nested deeper than the parser's stack
        raise SnsMalformed("body is nested too deeply") from exc
    if not isinstance(data, dict):
        raise SnsMalformed("body is not a JSON object")
    kind = data.get("Type")
    if not isinstance(kind, str) or kind not in _REQUIRED:  # a list or object is unhashable
        raise SnsMalformed(f"unknown message type {kind!r}")
    missing = [key for key in (*_REQUIRED[kind], "Signature", "SigningCertURL") if key not in data]
    if missing:
        raise SnsMalformed(f"missing fields: {', '.join(missing)}")
    fields = {key: value for key, value in data.items() if isinstance(value, str)}
    if len(fields) != len(data):
        raise SnsMalformed("every field of an SNS message is a string")
    if not all(_is_unicode(key) and _is_unicode(value) for key, value in fields.items()):
        # JSON may escape lone surrogates (\\ud800); they cannot be signed, stored or logged.
        raise SnsMalformed("a field is not valid Unicode")
    if not 0 < len(fields["MessageId"]) <= MAX_ID_LENGTH:
        raise SnsMalformed("bad MessageId")
    return Envelope(
        type=kind,
        message_id=fields["MessageId"],
        topic_arn=fields["TopicArn"],
        message=fields["Message"],
        timestamp=_timestamp(fields["Timestamp"]),
        fields=fields,
    )


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _timestamp(text: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise SnsMalformed("bad Timestamp") from exc
    if parsed.tzinfo is None:
        raise SnsMalformed("Timestamp has no time zone")
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError as exc:  # 0001-01-01T00:30+01:00 is before the first UTC moment
        raise SnsMalformed("Timestamp is out of range") from exc


def string_to_sign(fields: dict[str, str]) -> bytes:
    """The bytes SNS signed for a message with these fields."""
    keys = SIGNED_KEYS[fields["Type"]]
    text = "".join(f"{key}\n{fields[key]}\n" for key in keys if key in fields)
    return text.encode("utf-8")


def verify_signature(envelope: Envelope, certificates: CertificateStore) -> None:
    """Raise :class:`SnsForbidden` unless SNS signed ``envelope`` (versions 1 and 2)."""
    fields = envelope.fields
    algorithm = HASHES.get(fields["SignatureVersion"])
    if algorithm is None:
        raise SnsForbidden(f"unknown SignatureVersion {fields['SignatureVersion']!r}")
    try:
        signature = base64.b64decode(fields["Signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SnsForbidden("Signature is not base64") from exc
    key = certificates.public_key(fields["SigningCertURL"])
    try:
        key.verify(signature, string_to_sign(fields), padding.PKCS1v15(), algorithm())
    except InvalidSignature as exc:
        raise SnsForbidden("signature does not match the message") from exc
