"""Sorting SES v2 ``SendEmail`` failures into the few kinds the sender acts on.

SES reports the same condition in several ways (an error code, sometimes only the message of
a generic code), so the rules look at both. Anything not recognised errs on the side that
never loses a message silently: a 5xx or a network fault is temporary, an unknown 4xx is
this message's problem, not the account's.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from newsletter.delivery.transports.base import (
    AccountBlocked,
    OutcomeUnknown,
    PermanentFailure,
    QuotaExhausted,
    TemporaryFailure,
    Throttled,
    TransportError,
)

THROTTLING_CODES = frozenset(
    {"TooManyRequestsException", "Throttling", "ThrottlingException", "RequestThrottled"}
)
# The account or its configuration cannot send anything until an operator acts.
ACCOUNT_CODES = frozenset(
    {
        "AccountSuspendedException",
        "SendingPausedException",
        "AccountSendingPausedException",
        "ConfigurationSetSendingPausedException",
        "ConfigurationSetDoesNotExistException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",  # the configuration set named in the request does not exist
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredTokenException",
    }
)
DAILY_QUOTA_TEXT = "daily message quota exceeded"
RATE_TEXT = "maximum sending rate exceeded"
# The sender's identity may not be used (unverified, or no sending authorization).
NO_AUTHORITY_TEXT = "did not have authority to send"


def classify_client_error(error: ClientError, sender: str) -> TransportError:
    """The :class:`TransportError` that ``error`` (from sending as ``sender``) amounts to."""
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    text = str(details.get("Message", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    reason = f"SES {code or status}: {text}".strip()
    kind = _kind_of(code, text.lower(), status)
    if kind is PermanentFailure and code == "MessageRejected" and "not verified" in text.lower():
        kind = unverified_kind(text.lower(), sender)
    return kind(reason)


def _kind_of(code: str, lowered: str, status: int) -> type[TransportError]:
    if DAILY_QUOTA_TEXT in lowered:
        return QuotaExhausted
    if code in THROTTLING_CODES or RATE_TEXT in lowered or status == 429:
        return Throttled
    if code in ACCOUNT_CODES or says_account_stopped(lowered) or NO_AUTHORITY_TEXT in lowered:
        return AccountBlocked
    if code == "LimitExceededException":
        return Throttled
    if status >= 500 or code in {"InternalFailure", "ServiceUnavailable", "InternalError"}:
        return TemporaryFailure
    return PermanentFailure


def says_account_stopped(lowered: str) -> bool:
    """Whether an SES message (lower-cased) says the account cannot send; SES's SMTP
    endpoint and older codes carry the condition only in the text."""
    return "sending paused" in lowered or (
        "account" in lowered and ("suspended" in lowered or "paused" in lowered)
    )


def unverified_kind(lowered: str, sender: str) -> type[TransportError]:
    """AccountBlocked when SES's "not verified" message (lower-cased) names ``sender``.

    "Email address is not verified. The following identities failed the check in region
    EU-WEST-1: <identities>": the sender (or its domain) failing stops everything; only a
    recipient failing (the sandbox) concerns this one message.
    """
    listed = lowered.rpartition(":")[2] if "failed the check" in lowered else lowered
    identities = {token.strip(" .<>") for token in listed.replace(",", " ").split()}
    address = sender.lower()
    if address in identities or address.rpartition("@")[2] in identities:
        return AccountBlocked
    return PermanentFailure


def classify_botocore_error(error: BotoCoreError) -> TransportError:
    """Errors raised before SES answered: missing credentials are the account's problem; a
    connection that could not be made is transient; a request sent without an answer (read
    timeout, connection closed) may have been accepted, so its outcome is unknown."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return AccountBlocked(f"no usable AWS credentials: {error}")
    if isinstance(error, ConnectionError):  # connecting failed: nothing was sent
        return TemporaryFailure(f"cannot reach SES: {error}")
    if isinstance(error, HTTPClientError):
        return OutcomeUnknown(
            f"no answer from SES after sending; it may have been accepted: {error}"
        )
    return TemporaryFailure(f"SES call failed: {error}")
