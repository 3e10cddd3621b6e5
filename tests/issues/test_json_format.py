"""Issues as JSON: the shape to_json writes is read back, and wrong shapes are named."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from newsletter.issues.document import IssueDocument
from newsletter.issues.json_format import document_from_json, parse_json
from newsletter.issues.problems import ReportError
from newsletter.issues.tagging import seed_rules, tag_document


def test_the_sample_survives_to_json_and_back(sample_doc: IssueDocument) -> None:
    tag_document(sample_doc, seed_rules())
    assert document_from_json(json.loads(json.dumps(sample_doc.to_json()))) == sample_doc


def test_subject_preheader_and_time_zone_are_accepted_besides_the_shape() -> None:
    doc = document_from_json(
        {
            "title": " 日报 ",
            "sections": [{"kind": "overview", "paragraphs": ["一段\r\n两行。"]}],
            "subject": "主题",
            "preheader": "预览",
            "timezone": "Europe/Berlin",
            "date": "2026-04-07",
        }
    )
    assert (doc.title, doc.subject, doc.preheader, doc.timezone, doc.date) == (
        "日报", "主题", "预览", "Europe/Berlin", dt.date(2026, 4, 7)
    )  # fmt: skip
    assert doc.sections[0].paragraphs == ["一段\n两行。"]
    assert (doc.window, doc.sections[0].title, doc.sections[0].items) == ("", "", [])


def test_json_text_with_a_syntax_error_reports_its_line() -> None:
    with pytest.raises(ReportError) as caught:
        parse_json('{\n  "title": "x",\n  "sections": [,]\n}')
    assert caught.value.problems[0].line == 3
    assert caught.value.problems[0].message.startswith("not valid JSON: Expecting value")


def valid() -> dict[str, Any]:
    return {
        "title": "日报",
        "date": "2026-04-07",
        "window": "一周",
        "sections": [
            {"kind": "overview", "title": "总览", "paragraphs": ["话。"], "items": []},
            {
                "kind": "events",
                "title": "大事件",
                "paragraphs": [],
                "items": [
                    {
                        "title": "甲",
                        "fields": {"要点": "一。"},
                        "sources": [
                            {"publisher": "A", "title": "t", "url": "https://e.com/1"},
                            {"publisher": "B", "title": "u", "url": "https://e.com/2"},
                        ],
                        "topics": ["capital"],
                    }
                ],
            },
        ],
    }


def changed(path: str, value: object) -> dict[str, Any]:
    """The valid document with the value at ``path`` (dots and [i]) replaced or deleted."""
    data = copy.deepcopy(valid())
    keys = [
        int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")
    ]
    target: Any = data
    for key in keys[:-1]:
        target = target[key]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


DELETE = object()
ITEM = "sections[1].items[0]"

WRONG = [
    (lambda: [], "$", "expected an object"),
    (lambda: changed("title", DELETE), "title", "is missing"),
    (lambda: changed("title", ""), "title", "must not be empty"),
    (lambda: changed("title", "两\n行"), "title", "expected one line of text"),
    (lambda: changed("colour", "red"), "colour", "unexpected key"),
    (lambda: changed("date", "07/04/2026"), "date", "expected a date like '2026-04-07' or null"),
    (lambda: changed("sections", {}), "sections", "expected a list"),
    (lambda: changed("sections[0].kind", "summary"), "sections[0].kind", "expected one of"),
    (lambda: changed("sections[0].paragraphs[0]", 7), "sections[0].paragraphs[0]",
     "expected a string"),
    (lambda: changed("sections[0].paragraphs[0]", "一\n\n二"), "sections[0].paragraphs[0]",
     "a paragraph cannot hold an empty line"),
    (lambda: changed(f"{ITEM}.title", None), f"{ITEM}.title", "expected a string"),
    (lambda: changed(f"{ITEM}.fields", ["要点"]), f"{ITEM}.fields", "expected an object"),
    (lambda: changed(f"{ITEM}.fields.要点", 1), f"{ITEM}.fields.要点", "expected a string"),
    (lambda: changed(f"{ITEM}.sources[1].url", 5), f"{ITEM}.sources[1].url", "expected a string"),
    (lambda: changed(f"{ITEM}.sources[1].url", "ftp://e.com"), f"{ITEM}.sources[1].url",
     "expected an http(s) URL"),
    (lambda: changed(f"{ITEM}.sources[0].title", DELETE), f"{ITEM}.sources[0].title",
     "is missing"),
    (lambda: changed(f"{ITEM}.topics[0]", "Capital"), f"{ITEM}.topics[0]",
     "expected a topic slug"),
    (lambda: changed(f"{ITEM}.topics", ["a", "a"]), f"{ITEM}.topics", "a topic is listed twice"),
    (lambda: changed("timezone", "Mars/Base"), "timezone", "expected a time zone name"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "path", "message"), WRONG)
def test_a_wrong_shape_is_refused_naming_the_json_path(make: Any, path: str, message: str) -> None:
    with pytest.raises(ReportError) as caught:
        document_from_json(make())
    assert [(p.path, p.message.startswith(message)) for p in caught.value.problems] == [
        (path, True)
    ]


def test_every_wrong_value_is_reported_at_once() -> None:
    data = changed(f"{ITEM}.sources[1].url", 5)
    data["sections"][0]["kind"] = "x"
    with pytest.raises(ReportError) as caught:
        document_from_json(data)
    assert str(caught.value) == (
        "sections[0].kind: expected one of overview, conclusions, events, analysis, social, "
        "research, other\n"
        "sections[1].items[0].sources[1].url: expected a string"
    )
