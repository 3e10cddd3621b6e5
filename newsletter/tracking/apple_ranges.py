"""Apple Mail Privacy Protection: the relay ranges its image fetches come from.

Apple Mail with Privacy Protection loads every remote image through Apple's relay as soon as
a message arrives, whether or not anyone reads it, so an open from those addresses says
nothing about a reader. The ranges live in a text file in the repository (one CIDR a line,
``#`` comments) that ``newsletter tracking refresh-apple-ranges`` rewrites from Apple's
published egress list. Lookups are a binary search over merged integer ranges.
"""

from __future__ import annotations

import bisect
import datetime as dt
import ipaddress
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from newsletter.tracking.privacy import parse_ip

DEFAULT_FILE = Path(__file__).parent / "data" / "apple-relay-ranges.txt"
APPLE_EGRESS_URL = "https://mask-api.icloud.com/egress-ip-ranges.csv"
DOWNLOAD_LIMIT = 200 * 1024 * 1024  # Apple's list is tens of megabytes; refuse anything absurd
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefreshError(RuntimeError):
    """The list could not be fetched or does not look like Apple's; the file is unchanged."""


class RangeSet:
    """Merged address ranges of both IP versions, answering membership by binary search."""

    def __init__(self, networks: Iterable[Network]) -> None:
        self._starts: dict[int, list[int]] = {4: [], 6: []}
        self._ends: dict[int, list[int]] = {4: [], 6: []}
        by_version: dict[int, list[Network]] = {4: [], 6: []}
        for network in networks:
            by_version[network.version].append(network)
        for version, members in by_version.items():
            for network in ipaddress.collapse_addresses(members):  # type: ignore[type-var]
                self._starts[version].append(int(network.network_address))
                self._ends[version].append(int(network.broadcast_address))
        self.size = len(self._starts[4]) + len(self._starts[6])
        self._seen: dict[str, bool] = {}

    def __contains__(self, raw: object) -> bool:
        if not isinstance(raw, str):
            return False
        known = self._seen.get(raw)
        if known is None:
            if len(self._seen) > 65536:
                self._seen.clear()
            known = self._seen[raw] = self._lookup(raw)
        return known

    def _lookup(self, raw: str) -> bool:
        address = parse_ip(raw)
        if address is None:
            return False
        value = int(address)
        starts = self._starts[address.version]
        index = bisect.bisect_right(starts, value) - 1
        return index >= 0 and value <= self._ends[address.version][index]


def parse_networks(lines: Iterable[str]) -> tuple[list[Network], int]:
    """Networks from the first comma-separated column of each line, and how many lines failed.

    Comment lines (``#``) and blank lines are skipped, so both the repository file and Apple's
    CSV (CIDR, country, region, city) read the same way.
    """
    networks: list[Network] = []
    bad = 0
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text.split(",", 1)[0].strip(), strict=False))
        except ValueError:
            bad += 1
    return networks, bad


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], RangeSet]] = {}


def load_ranges(path: Path | None = None) -> RangeSet:
    """The ranges in ``path`` (default: the shipped file), re-read when the file changes."""
    path = path or DEFAULT_FILE
    try:
        stat = path.stat()
    except OSError:
        return RangeSet(())
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(str(path))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        networks, _bad = parse_networks(path.read_text(encoding="utf-8").splitlines())
        ranges = RangeSet(networks)
        _cache[str(path)] = (stamp, ranges)
        return ranges


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh wrote."""

    path: Path
    rows: int
    rejected: int
    networks: int


def refresh(
    target: Path, *, url: str | None = None, source_file: Path | None = None, timeout: float = 30.0
) -> RefreshReport:
    """Rewrite ``target`` atomically from Apple's list at ``url`` or from ``source_file``.

    Refuses (:class:`RefreshError`) an empty list or one where many rows are not networks, so
    a captive portal's HTML page never replaces good ranges.
    """
    if source_file is not None:
        origin = str(source_file)
        try:
            text = source_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RefreshError(f"cannot read {source_file}: {exc}") from exc
    else:
        origin = url or APPLE_EGRESS_URL
        text = download(origin, timeout)
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    networks, bad = parse_networks(rows)
    if not networks or bad > max(10, len(rows) // 100):
        raise RefreshError(
            f"{origin} does not look like a list of networks "
            f"({len(networks)} networks, {bad} unreadable rows)"
        )
    collapsed = _collapse(networks)
    _write_atomically(target, _file_text(origin, len(rows), collapsed))
    return RefreshReport(target, len(rows), bad, len(collapsed))


def download(url: str, timeout: float) -> str:
    """The text at ``url``: https only (plain http is allowed for loopback test servers)."""
    parts = urlsplit(url)
    loopback = parts.hostname in {"127.0.0.1", "::1", "localhost"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise RefreshError(f"refusing to fetch {url!r}: only https URLs are used")
    try:
        with requests.get(url, timeout=(5, timeout), stream=True) as response:
            response.raise_for_status()
            body = bytearray()
            for chunk in response.iter_content(1 << 16):
                body += chunk
                if len(body) > DOWNLOAD_LIMIT:
                    raise RefreshError(f"{url} is larger than {DOWNLOAD_LIMIT} bytes")
    except requests.RequestException as exc:
        raise RefreshError(f"cannot fetch {url}: {exc}") from exc
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RefreshError(f"{url} is not UTF-8 text") from exc


def _collapse(networks: list[Network]) -> list[Network]:
    v4 = [n for n in networks if n.version == 4]
    v6 = [n for n in networks if n.version == 6]
    return [
        *ipaddress.collapse_addresses(v4),
        *ipaddress.collapse_addresses(v6),
    ]


def _file_text(origin: str, rows: int, networks: list[Network]) -> str:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    header = [
        "# Apple Mail Privacy Protection relay ranges (iCloud Private Relay egress).",
        f"# Source: {origin}",
        f"# Fetched: {now}; {rows} rows merged into {len(networks)} networks.",
        "# Rewritten by `newsletter tracking refresh-apple-ranges`; do not edit by hand.",
    ]
    return "\n".join([*header, *(str(n) for n in networks)]) + "\n"


def _write_atomically(target: Path, text: str) -> None:
    """Write beside ``target`` and rename over it, so readers see the old or the new file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".apple-ranges-", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
