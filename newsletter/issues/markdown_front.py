"""The YAML front matter of the Markdown authoring format: the issue's own settings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from newsletter.issues.document import IssueDocument
from newsletter.issues.problems import ProblemLog
from newsletter.issues.text import is_time_zone, lines_of

_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_TEXT_KEYS = ("window", "subject", "preheader")
_KNOWN_KEYS = frozenset({"title", "date", "timezone", *_TEXT_KEYS})


def read_front_matter(text: str, problems: ProblemLog) -> tuple[IssueDocument, int]:
    """Read the front matter into a new document; return it and the body's first line index."""
    lines = lines_of(text)
    if not lines or lines[0].strip() != "---":
        raise problems.fail(
            "the Markdown must start with front matter: a '---' line, 'title: ...' and the "
            "other settings, then a closing '---' line",
            1,
        )
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in {"---", "..."}), None)
    if end is None:
        raise problems.fail("the front matter opened on line 1 is never closed with '---'", 1)
    key_lines = _key_lines(lines[1:end])
    data = _load(lines[1:end], key_lines, problems)
    doc = IssueDocument(title="")
    _read_settings(doc, data, key_lines, problems)
    return doc, end + 1


def _key_lines(lines: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, line in enumerate(lines):
        match = _KEY.match(line)
        if match:
            found.setdefault(match.group(1), index + 2)  # line 1 is the opening '---'
    return found


def _load(lines: list[str], key_lines: dict[str, int], problems: ProblemLog) -> dict[str, Any]:
    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark else 1
        raise problems.fail(f"the front matter is not valid YAML: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise problems.fail(f"the front matter is not valid YAML: {exc}", 1) from None
    except ValueError as exc:  # YAML read an impossible date such as 2026-02-30
        line = key_lines.get("date", 1)
        raise problems.fail(f"date: not a valid date ({exc})", line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise problems.fail("the front matter must be 'key: value' lines", 2)
    return data


def _read_settings(
    doc: IssueDocument, data: dict[str, Any], key_lines: dict[str, int], problems: ProblemLog
) -> None:
    for key in data:
        if key not in _KNOWN_KEYS:
            problems.warn(f"unknown front matter key {key!r} is ignored", key_lines.get(key, 1))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.error(
            "title: the front matter needs the issue's title as text", key_lines.get("title", 1)
        )
    else:
        doc.title = title.strip()
    doc.date = _date(data.get("date"), key_lines.get("date", 1), problems)
    zone = data.get("timezone", doc.timezone)
    if not isinstance(zone, str) or not is_time_zone(zone):
        problems.error(
            f"timezone: {zone!r} is not a time zone like Asia/Shanghai",
            key_lines.get("timezone", 1),
        )
    else:
        doc.timezone = zone
    for key in _TEXT_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            problems.error(f"{key}: expected text; put it in quotes", key_lines.get(key, 1))
        else:
            setattr(doc, key, (value or "").strip())


def _date(value: object, line: int, problems: ProblemLog) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.error(f"date: {value!r} is not a date like 2026-04-07", line)
    return None
