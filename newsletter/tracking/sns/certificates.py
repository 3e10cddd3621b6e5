"""SNS signing certificates: which URLs may serve one, fetching them, and a cache.

A certificate URL is accepted only when its parsed parts say it is SNS's: https, no user
info, the default port, a host ``sns.<region>.amazonaws.com`` (or ``.amazonaws.com.cn``) and
a path ending in ``.pem``. Matching the parsed host, not the text, is what refuses
``sns.us-east-1.amazonaws.com.evil.example`` and ``sns.us-east-1.amazonaws.com@evil.example``.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from newsletter.tracking.sns.errors import SnsForbidden, SnsUnavailable

SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
MAX_PEM_BYTES = 64 * 1024
CertificateFetcher = Callable[[str], bytes]


def check_certificate_url(url: str) -> None:
    """Raise :class:`SnsForbidden` unless ``url`` is an SNS certificate URL."""
    if not isinstance(url, str) or any(ord(c) < 33 or ord(c) > 126 for c in url):
        raise SnsForbidden("certificate URL has unexpected characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "https://[": an unclosed IPv6 host
        raise SnsForbidden("certificate URL is malformed") from exc
    try:
        port = parts.port
    except ValueError as exc:
        raise SnsForbidden("certificate URL has a bad port") from exc
    if parts.scheme != "https":
        raise SnsForbidden("certificate URL is not https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise SnsForbidden("certificate URL carries user info")
    if port not in (None, 443):
        raise SnsForbidden("certificate URL uses a non-default port")
    if not SNS_HOST.match(parts.hostname or ""):
        raise SnsForbidden(f"certificate host {parts.hostname!r} is not SNS's")
    if not parts.path.endswith(".pem") or parts.query or parts.fragment:
        raise SnsForbidden("certificate URL is not a .pem file")


def https_fetcher(timeout: float) -> CertificateFetcher:
    """A fetcher that GETs a certificate over HTTPS with ``timeout``, following no redirect."""

    def fetch(url: str) -> bytes:
        try:
            response = requests.get(url, timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise SnsUnavailable(f"cannot fetch the signing certificate: {exc}") from exc
        if response.status_code >= 500:
            raise SnsUnavailable(f"certificate server answered {response.status_code}")
        if response.status_code != 200:
            raise SnsForbidden(f"no certificate at {url} ({response.status_code})")
        if len(response.content) > MAX_PEM_BYTES:
            raise SnsForbidden("certificate is implausibly large")
        return response.content

    return fetch


class CertificateStore:
    """Public keys of SNS signing certificates by URL, fetched once and kept ``ttl`` seconds."""

    def __init__(
        self,
        fetch: CertificateFetcher,
        ttl: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 64,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._keys: dict[str, tuple[float, RSAPublicKey]] = {}
        self._lock = threading.Lock()

    def public_key(self, url: str) -> RSAPublicKey:
        """The RSA key of the certificate at ``url``; checks the URL before any fetch."""
        check_certificate_url(url)
        now = self._clock()
        with self._lock:
            cached = self._keys.get(url)
        if cached is not None and cached[0] > now:
            return cached[1]
        key = _rsa_key(self._fetch(url))
        with self._lock:
            if len(self._keys) >= self._max_entries:
                self._keys.clear()  # SNS rotates certificates rarely; a full cache is stale
            if self._ttl > 0:
                self._keys[url] = (now + self._ttl, key)
        return key


def _rsa_key(pem: bytes) -> RSAPublicKey:
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise SnsForbidden("signing certificate is not a PEM certificate") from exc
    now = dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SnsForbidden("signing certificate is outside its validity period")
    key = certificate.public_key()
    if not isinstance(key, RSAPublicKey):
        raise SnsForbidden("signing certificate does not hold an RSA key")
    return key
