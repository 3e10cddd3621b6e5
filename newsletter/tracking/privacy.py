"""What is kept of a reader's request: IP addresses truncated, hashed or dropped.

Full addresses are needed for a moment (Apple relay ranges are matched on them) and never
stored: ``NEWSLETTER_IP_STORAGE`` decides what reaches the ``events`` table.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import lru_cache
from typing import Literal

IpStorage = Literal["truncate", "hash", "none"]

USER_AGENT_LIMIT = 500  # the width of events.user_agent
_HASH_HEX = 32  # 128 bits of the HMAC: unique enough to count distinct addresses


def parse_ip(raw: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in ``raw``, or None when it is missing or not an address."""
    if not raw:
        return None
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the IPv4 client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=65536)  # readers behind one proxy or relay repeat the same addresses
def stored_ip(raw: str | None, mode: IpStorage, secret_key: str) -> str | None:
    """The form of ``raw`` that may be stored: a /24 or /48 network, a keyed hash, or None."""
    address = parse_ip(raw)
    if address is None or mode == "none":
        return None
    if mode == "hash":
        key = hmac.new(secret_key.encode(), b"newsletter-ip-hash", hashlib.sha256).digest()
        digest = hmac.new(key, address.packed, hashlib.sha256).hexdigest()
        return "h:" + digest[:_HASH_HEX]
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return str(network)


def clip_user_agent(user_agent: str | None) -> str | None:
    """The user agent as stored: at most the column's width, None when empty.

    NUL becomes U+FFFD: PostgreSQL cannot store it, and one such header failed the write of
    every hit buffered with it.
    """
    if not user_agent:
        return None
    return user_agent.replace("\x00", "\ufffd")[:USER_AGENT_LIMIT]
