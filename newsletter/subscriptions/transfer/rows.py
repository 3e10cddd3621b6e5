"""Checking one line of a subscriber CSV against the contract in ``subscribers/README.md``.

A line either becomes an :class:`ImportRow` with typed values or is rejected with every
problem it has, each naming its column. Cells of columns the file does not have are None:
an import only changes what the file says.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from newsletter.models import ConsentMethod, SubscriberStatus
from newsletter.subscriptions.addresses import InvalidAddress, normalise_email
from newsletter.subscriptions.transfer.exporter import EXPORT_COLUMNS, unescape_formula

#: The CSV contract is one set of columns both ways, so an export imports again as it is.
COLUMNS = EXPORT_COLUMNS
#: Written by exports and accepted on import, but not applied (the import's own time is used).
IGNORED_COLUMNS = frozenset({"created_at"})
LOCALE_SPELLINGS = {"zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh": "zh_CN", "en": "en"}
TRUE_WORDS = frozenset({"yes", "true", "1", "y", "on"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", "off"})
_HASHED_IP = re.compile(r"^h:[0-9a-f]{32}$")
_TOPIC_SEPARATORS = re.compile(r"[;\s,、；]+")


class HeaderError(ValueError):
    """The header line cannot be used (no email column, a column twice)."""


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A valid line; None means the file has no such column."""

    line: int
    email: str
    name: str | None = None
    topics: frozenset[str] | None = None
    locale: str | None = None
    time_zone: str | None = None
    status: SubscriberStatus = SubscriberStatus.PENDING
    consent_at: dt.datetime | None = None
    consent_method: ConsentMethod | None = None
    consent_ip: str | None = None
    consent_form: str | None = None
    receive_empty_issues: bool | None = None
    confirmed_at: dt.datetime | None = None
    unsubscribed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A line that is not imported, and why."""

    line: int
    email: str
    reason: str


@dataclass(frozen=True)
class Columns:
    """Where each known column is, and the header's unknown columns."""

    positions: Mapping[str, int]
    unknown: tuple[str, ...]
    width: int


def read_header(header: Sequence[str]) -> Columns:
    """Map column names (any case, spaces trimmed) to positions; raises :class:`HeaderError`."""
    names = [name.strip().lower() for name in header]
    if "email" not in names:
        raise HeaderError("line 1: there is no 'email' column; the header names the columns")
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise HeaderError(f"line 1: the column {', '.join(repeated)} appears twice")
    positions = {name: index for index, name in enumerate(names) if name in COLUMNS}
    unknown = tuple(name for name in names if name not in COLUMNS)
    return Columns(positions, unknown, len(names))


class RowChecker:
    """Turns records into rows; ``topic_names`` maps slugs and names (any case) to slugs."""

    def __init__(
        self,
        columns: Columns,
        topic_names: Mapping[str, str],
        reduce_ip: Callable[[str], str | None],
    ) -> None:
        self.columns = columns
        self.topic_names = {key.lower(): slug for key, slug in topic_names.items()}
        self.reduce_ip = reduce_ip
        # Looked up once: this loop runs for every cell of every line.
        self._parsers: list[tuple[str, int, Callable[[str], Any]]] = [
            (name, position, getattr(self, f"_parse_{name}"))
            for name, position in columns.positions.items()
            if name not in IGNORED_COLUMNS
        ]

    def check(self, line: int, fields: Sequence[str]) -> ImportRow | Rejection:
        """Check one record's fields."""
        raw_email = _cell(fields, self.columns.positions["email"]) or ""
        if len(fields) != self.columns.width:
            return Rejection(
                line,
                raw_email,
                f"the line has {len(fields)} fields, the header has {self.columns.width}",
            )
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, position, parse in self._parsers:
            try:
                values[name] = parse(fields[position].strip())
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
        if not problems:
            problems.extend(_consistency(values))
        if problems:
            return Rejection(line, raw_email.strip(), "; ".join(problems))
        return ImportRow(line=line, **values)

    @staticmethod
    def _parse_email(text: str) -> str:
        if not text:
            raise ValueError("the address is empty")
        try:
            return normalise_email(text)
        except InvalidAddress as exc:
            raise ValueError(f"{text!r} is not a valid address ({exc})") from None

    @staticmethod
    def _parse_name(text: str) -> str | None:
        text = unescape_formula(text)
        if len(text) > 200:
            raise ValueError("longer than 200 characters")
        if any(char in text for char in "\r\n\t<>"):
            raise ValueError("contains a line break, tab or angle bracket")
        _refuse_control_characters(text)
        return text or None

    def _parse_topics(self, text: str) -> frozenset[str]:
        words = [word for word in _TOPIC_SEPARATORS.split(text) if word]
        unknown = [word for word in words if word.lower() not in self.topic_names]
        if unknown:
            known = ", ".join(sorted(set(self.topic_names.values())))
            raise ValueError(f"unknown topic {', '.join(unknown)} (known: {known})")
        return frozenset(self.topic_names[word.lower()] for word in words)

    @staticmethod
    def _parse_locale(text: str) -> str | None:
        if not text:
            return None
        if text.lower() not in LOCALE_SPELLINGS:
            raise ValueError(f"{text!r} is not a supported language (zh_CN or en)")
        return LOCALE_SPELLINGS[text.lower()]

    @staticmethod
    def _parse_time_zone(text: str) -> str | None:
        if text and text not in _time_zones():
            raise ValueError(f"{text!r} is not an IANA time zone such as Asia/Shanghai")
        return text or None

    @staticmethod
    def _parse_status(text: str) -> SubscriberStatus:
        try:
            return SubscriberStatus(text.lower() or "pending")
        except ValueError:
            choices = ", ".join(status.value for status in SubscriberStatus)
            raise ValueError(f"{text!r} is not one of {choices}") from None

    @staticmethod
    def _parse_consent_method(text: str) -> ConsentMethod | None:
        try:
            return ConsentMethod(text.lower()) if text else None
        except ValueError:
            choices = ", ".join(method.value for method in ConsentMethod)
            raise ValueError(f"{text!r} is not one of {choices}") from None

    def _parse_consent_ip(self, text: str) -> str | None:
        """An address (reduced as the settings say), or an exported network or hash."""
        if not text:
            return None
        if _HASHED_IP.match(text):
            return text
        try:
            if "/" in text:
                return str(ipaddress.ip_network(text, strict=False))
            ipaddress.ip_address(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an IPv4 or IPv6 address") from None
        return self.reduce_ip(text)

    @staticmethod
    def _parse_consent_form(text: str) -> str | None:
        text = unescape_formula(text)
        if len(text) > 200:
            raise ValueError("longer than 200 characters")
        _refuse_control_characters(text)
        return text or None

    @staticmethod
    def _parse_receive_empty_issues(text: str) -> bool | None:
        word = text.lower()
        if not word:
            return None
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise ValueError(f"{text!r} is not yes/no, true/false or 1/0")

    @staticmethod
    def _parse_consent_at(text: str) -> dt.datetime | None:
        return parse_moment(text)

    @staticmethod
    def _parse_confirmed_at(text: str) -> dt.datetime | None:
        return parse_moment(text)

    @staticmethod
    def _parse_unsubscribed_at(text: str) -> dt.datetime | None:
        return parse_moment(text)


def parse_moment(text: str) -> dt.datetime | None:
    """An ISO 8601 time with a UTC offset, as UTC; None for an empty cell."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 time such as 2026-03-01T09:30:00+08:00"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add one, e.g. +08:00")
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:30+01:00 falls before the first UTC moment
        raise ValueError(f"{text!r} is out of range") from None


def _refuse_control_characters(text: str) -> None:
    """Refuse NUL and other control characters (line breaks and tabs aside): PostgreSQL cannot
    store NUL in text, and the write would fail half-way through an import instead of
    rejecting one line."""
    for char in text:
        if (ord(char) < 32 and char not in "\t\n\r") or 127 <= ord(char) < 160:
            raise ValueError(f"contains the control character U+{ord(char):04X}")


def _consistency(values: Mapping[str, Any]) -> list[str]:
    if values.get("status") is not SubscriberStatus.CONFIRMED:
        return []
    if values.get("consent_at") is None or values.get("consent_method") is None:
        return ["status confirmed needs consent_at and consent_method (when and how they agreed)"]
    return []


def _cell(fields: Sequence[str], position: int) -> str | None:
    return fields[position] if position < len(fields) else None


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
