"""Issues as JSON: the shape :meth:`IssueDocument.to_json` writes, read back with checks.

Accepted: ``{"title", "date", "window", "sections": [{"kind", "title", "paragraphs",
"items": [{"title", "fields", "sources": [{"publisher", "title", "url"}], "topics"}]}]}``
plus the optional ``subject``, ``preheader`` and ``timezone``. ``title`` and ``sections``
are required, and so are a section's ``kind``, an item's ``title`` and a source's ``title``
and ``url``; everything else may be left out. Every problem is reported with its JSON path
(``sections[2].items[0].sources[1].url: expected a string``). Text is brought to the form
the other importers produce: surrounding whitespace removed, line ends as ``\\n``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.document_checks import check_characters
from newsletter.issues.problems import Problem, ProblemLog
from newsletter.issues.text import is_time_zone, is_web_url
from newsletter.topics.seed import is_topic_slug

__all__ = ["document_from_json", "parse_json"]

_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


def parse_json(text: str, *, warnings: list[Problem] | None = None) -> IssueDocument:
    """Parse JSON text into a document; syntax errors are reported with their line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems = ProblemLog()
        raise problems.fail(f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    return document_from_json(data, warnings=warnings)


def document_from_json(obj: object, *, warnings: list[Problem] | None = None) -> IssueDocument:
    """Build a document from parsed JSON, checking its shape; raise ``ReportError`` if wrong."""
    reader = _Reader()
    doc = reader.document(obj)
    check_characters(doc, reader.problems)
    reader.problems.finish(warnings)
    return doc


class _Reader:
    def __init__(self) -> None:
        self.problems = ProblemLog()
        #: Paths already reported: a missing key is not reported again as a wrong value.
        self.reported: set[str] = set()

    def document(self, obj: object) -> IssueDocument:
        data = self._object(
            obj,
            "",
            required={"title", "sections"},
            optional={"date", "window", "timezone", "subject", "preheader"},
        )
        doc = IssueDocument(
            title=self._line(data.get("title"), "title", allow_empty=False),
            date=self._date(data.get("date"), "date"),
            window=self._text(data.get("window", ""), "window"),
            subject=self._line(data.get("subject", ""), "subject"),
            preheader=self._line(data.get("preheader", ""), "preheader"),
        )
        zone = data.get("timezone", doc.timezone)
        if not isinstance(zone, str) or not is_time_zone(zone):
            self._error("timezone", "expected a time zone name like 'Asia/Shanghai'")
        else:
            doc.timezone = zone
        sections = self._list(data.get("sections", []), "sections")
        doc.sections = [self.section(value, f"sections[{i}]") for i, value in enumerate(sections)]
        return doc

    def section(self, obj: object, path: str) -> Section:
        data = self._object(obj, path, required={"kind"}, optional={"title", "paragraphs", "items"})
        kind = data.get("kind")
        if kind not in set(SectionKind):
            kinds = ", ".join(kind.value for kind in SectionKind)
            self._error(f"{path}.kind", f"expected one of {kinds}")
            kind = SectionKind.OTHER
        paragraphs = self._list(data.get("paragraphs", []), f"{path}.paragraphs")
        items = self._list(data.get("items", []), f"{path}.items")
        return Section(
            SectionKind(kind),
            self._line(data.get("title", ""), f"{path}.title"),
            [
                self._paragraph(value, f"{path}.paragraphs[{i}]")
                for i, value in enumerate(paragraphs)
            ],
            [self.item(value, f"{path}.items[{i}]") for i, value in enumerate(items)],
        )

    def item(self, obj: object, path: str) -> Item:
        data = self._object(obj, path, required={"title"}, optional={"fields", "sources", "topics"})
        item = Item(self._line(data.get("title"), f"{path}.title", allow_empty=False))
        fields = data.get("fields", {})
        if not isinstance(fields, dict):
            self._error(f"{path}.fields", "expected an object of label: text")
            fields = {}
        for label, text in fields.items():
            key = self._line(label, f"{path}.fields", allow_empty=False, what="a label")
            item.fields[key] = _EXTRA_BLANK_LINES.sub(
                "\n\n", self._text(text, f"{path}.fields.{label}")
            )
        sources = self._list(data.get("sources", []), f"{path}.sources")
        item.sources = [
            self.source(value, f"{path}.sources[{i}]") for i, value in enumerate(sources)
        ]
        item.topics = self._topics(data.get("topics", []), f"{path}.topics")
        return item

    def source(self, obj: object, path: str) -> SourceLink:
        data = self._object(obj, path, required={"title", "url"}, optional={"publisher"})
        url = self._line(data.get("url"), f"{path}.url")
        if url and not is_web_url(url):
            self._error(f"{path}.url", "expected an http(s) URL or an empty string")
        return SourceLink(
            self._line(data.get("publisher", ""), f"{path}.publisher"),
            self._line(data.get("title"), f"{path}.title"),
            url,
        )

    def _topics(self, obj: object, path: str) -> list[str]:
        topics: list[str] = []
        for index, value in enumerate(self._list(obj, path)):
            if isinstance(value, str) and is_topic_slug(value):
                topics.append(value)
            else:
                self._error(f"{path}[{index}]", "expected a topic slug like 'industrial-ai'")
        if len(set(topics)) != len(topics):
            self._error(path, "a topic is listed twice")
        return topics

    def _object(
        self, obj: object, path: str, *, required: set[str], optional: set[str]
    ) -> dict[str, Any]:
        if not isinstance(obj, dict):
            self._error(path, "expected an object")
            self.reported.update(f"{path}.{key}".lstrip(".") for key in required)
            return {}
        prefix = f"{path}." if path else ""
        for key in sorted(required - obj.keys()):
            self._error(f"{prefix}{key}", "is missing")
        for key in sorted(obj.keys() - required - optional, key=str):
            self._error(f"{prefix}{key}", "unexpected key")
        return obj

    def _list(self, obj: object, path: str) -> list[Any]:
        if isinstance(obj, list):
            return obj
        self._error(path, "expected a list")
        return []

    def _text(self, obj: object, path: str) -> str:
        if not isinstance(obj, str):
            self._error(path, "expected a string")
            return ""
        return obj.replace("\r\n", "\n").replace("\r", "\n").strip()

    def _line(
        self, obj: object, path: str, *, allow_empty: bool = True, what: str = "a string"
    ) -> str:
        if not isinstance(obj, str):
            self._error(path, f"expected {what}")
            return ""
        text = self._text(obj, path)
        if "\n" in text:
            self._error(path, "expected one line of text")
        elif not text and not allow_empty:
            self._error(path, "must not be empty")
        return text

    def _paragraph(self, obj: object, path: str) -> str:
        text = self._text(obj, path)
        if "\n\n" in text:
            self._error(path, "a paragraph cannot hold an empty line; split it into paragraphs")
        return text

    def _date(self, obj: object, path: str) -> dt.date | None:
        if obj is None:
            return None
        if isinstance(obj, str):
            try:
                return dt.date.fromisoformat(obj)
            except ValueError:
                pass
        self._error(path, "expected a date like '2026-04-07' or null")
        return None

    def _error(self, path: str, message: str) -> None:
        if path not in self.reported:
            self.reported.add(path)
            self.problems.error(message, path=path or "$")
