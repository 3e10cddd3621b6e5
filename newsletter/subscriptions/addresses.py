"""Email addresses as the system stores them: validated and normalised, never looked up.

Normalising once, on the way in, is what lets a unique index catch duplicates: the domain is
lower-cased and internationalised domains are converted to punycode (SES has no SMTPUTF8, so
a non-ASCII domain must be sent as punycode anyway). The local part keeps its case, as
RFC 5321 allows servers to treat it as case-sensitive, but is compared case-insensitively
through lower-casing, as every real mailbox provider does.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 320
# A plain ASCII dot-atom local part: what nearly every real address has. For these the
# validator's verdict depends only on the domain, which is checked once per domain; imports
# of 100,000 lines spend most of their time here otherwise.
_SIMPLE_LOCAL = re.compile(r"^[A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*$")
_LOCAL_MAX = 64
_ADDRESS_MAX = 254


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
    local, at, domain = candidate.rpartition("@")
    if at and len(local) <= _LOCAL_MAX and _SIMPLE_LOCAL.match(local):
        normalised = f"{local.lower()}@{_normalised_domain(domain)}"
        if len(normalised) <= _ADDRESS_MAX:
            return normalised
    return _validated(candidate)


def _validated(candidate: str) -> str:
    try:
        result = validate_email(candidate, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from exc
    domain = result.ascii_domain or result.domain
    return f"{result.local_part.lower()}@{domain.lower()}"


@lru_cache(maxsize=4096)
def _normalised_domain(domain: str) -> str:
    """The domain as stored, validated through a stand-in local part (cached per domain)."""
    return _validated(f"postmaster@{domain}").rpartition("@")[2]


def email_domain(address: str) -> str:
    """The domain part of a normalised address."""
    return address.rpartition("@")[2]
