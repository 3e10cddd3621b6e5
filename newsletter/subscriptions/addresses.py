"""Email addresses as the system stores them: validated and normalised, never looked up.

Normalising once, on the way in, is what lets a unique index catch duplicates: the domain is
lower-cased and internationalised domains are converted to punycode (SES has no SMTPUTF8, so
a non-ASCII domain must be sent as punycode anyway). The local part keeps its case, as
RFC 5321 allows servers to treat it as case-sensitive, but is compared case-insensitively
through lower-casing, as every real mailbox provider does.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 320


class InvalidAddress(ValueError):
    """The text is not a usable email address; the message says why."""


def normalise_email(text: str) -> str:
    """Return the canonical form of ``text`` or raise :class:`InvalidAddress`.

    No DNS look-ups: an address is checked for shape, not for the existence of its domain.
    Non-ASCII local parts are refused, since SES cannot deliver to them.
    """
    candidate = text.strip()
    if not candidate:
        raise InvalidAddress("the address is empty")
    if len(candidate) > MAX_LENGTH:
        raise InvalidAddress(f"the address is longer than {MAX_LENGTH} characters")
    try:
        result = validate_email(candidate, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from exc
    domain = result.ascii_domain or result.domain
    return f"{result.local_part.lower()}@{domain.lower()}"


def email_domain(address: str) -> str:
    """The domain part of a normalised address."""
    return address.rpartition("@")[2]
