"""Readers' IP addresses as the system stores them: truncated, hashed or not at all.

``NEWSLETTER_IP_STORAGE`` decides, once for every place that keeps a reader's address
(consent records, events): ``truncate`` keeps the network (/24 for IPv4, /48 for IPv6), enough
to show roughly where consent came from without naming a household; ``hash`` keeps a keyed
hash that matches equal addresses and reveals nothing else; ``none`` keeps nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import current_app, has_request_context, request

_PREFIX = {4: 24, 6: 48}


def stored_ip(raw: str | None, mode: str, secret: str) -> str | None:
    """Return what may be stored of ``raw`` under ``mode``; None for junk or ``none``."""
    if not raw or mode == "none":
        return None
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if mode == "hash":
        digest = hmac.new(secret.encode(), address.packed, hashlib.sha256).hexdigest()
        return f"h:{digest[:32]}"
    network = ipaddress.ip_network(f"{address}/{_PREFIX[address.version]}", strict=False)
    return str(network)


def request_ip_for_storage() -> str | None:
    """The current client's address, reduced as the settings say (None outside requests)."""
    if not has_request_context():
        return None
    settings = current_app.config["NEWSLETTER"]
    return stored_ip(request.remote_addr, settings.ip_storage, settings.secret_key)
