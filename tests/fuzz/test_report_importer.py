"""The report importer, fed the real sample and the demo report with mutations: it either
gives a document that survives Markdown and JSON export unchanged, or refuses with
ReportError naming lines that exist. Nothing else escapes, whatever the bytes' encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsletter.issues.document import IssueDocument
from newsletter.issues.formats import parse_any
from newsletter.issues.json_format import document_from_json
from newsletter.issues.markdown_format import export_markdown, parse_markdown
from newsletter.issues.problems import ReportError
from newsletter.issues.report import parse_report
from tests.fuzz.profiles import fuzz
from tests.issues.conftest import DEMO_REPORT, SAMPLE_NAME, _sample_path

SAMPLE = _sample_path()
REPORTS = {
    "demo": DEMO_REPORT,
    "sample": SAMPLE or Path("/nonexistent") / SAMPLE_NAME,
}
# Characters that matter to the format: full-width punctuation, markers, spaces, controls.
ACTIONS = ["drop", "repeat", "swap", "insert", "char", "cut", "indent"]
TRICKY = list("：:|｜()（）<>【】#-*•1２、.。 \u3000\t\ufeff\x00\x07\u200b\ufffd\\[]`_")


def report_lines(name: str) -> list[str]:
    path = REPORTS[name]
    if not path.is_file():
        pytest.skip(f"the shared sample {SAMPLE_NAME} is not beside this checkout (../shared)")
    return path.read_text(encoding="utf-8").splitlines()


@st.composite
def mutated(draw: st.DrawFn, lines: list[str]) -> str:
    """The report with a few edits a person or a tool might make, joined by any line end."""
    lines = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(["drop", "repeat", "swap", "insert", "char", "cut", "indent"])
        )
        if action == "drop":
            del lines[at : at + draw(st.integers(1, 5))]
        elif action == "repeat":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "insert":
            lines.insert(at, draw(st.one_of(st.sampled_from(lines), st.text(max_size=30))))
        elif action == "char":
            text = lines[at]
            spot = draw(st.integers(0, len(text)))
            char = draw(st.one_of(st.sampled_from(TRICKY), st.characters()))
            lines[at] = text[:spot] + char + text[spot + 1 :]
        elif action == "cut":
            lines = lines[: at + 1]
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        else:
            lines[at] = draw(st.sampled_from([" ", "\t", "\u3000", "  "])) + lines[at]
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending]))


def parse_or_problems(text: str) -> IssueDocument | ReportError:
    """The document, or the ReportError; any other exception fails the test."""
    try:
        return parse_report(text)
    except ReportError as refused:
        return refused


def check_outcome(text: str) -> None:
    outcome = parse_or_problems(text)
    if isinstance(outcome, ReportError):
        assert outcome.problems, "a ReportError without problems"
        last = len(text.splitlines()) + 1
        for problem in outcome.problems:
            assert problem.line is not None, f"no line number: {problem}"
            assert 1 <= problem.line <= last, f"line {problem.line} of {last - 1}: {problem}"
        return
    markdown = export_markdown(outcome)
    assert parse_markdown(markdown) == outcome, "the Markdown export reads back differently"
    assert parse_any(markdown.encode("utf-8"), "issue.md") == outcome
    assert document_from_json(outcome.to_json()).sections == outcome.sections


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_unchanged_reports_import_and_round_trip(name: str) -> None:
    text = "\n".join(report_lines(name))
    assert isinstance(parse_or_problems(text), IssueDocument)
    check_outcome(text)


@pytest.mark.parametrize("name", list(REPORTS))
@fuzz(2)
@given(data=st.data())
def test_a_mutated_report_imports_and_round_trips_or_names_its_bad_lines(
    name: str, data: st.DataObject
) -> None:
    check_outcome(data.draw(mutated(report_lines(name))))


@pytest.mark.parametrize("name", list(REPORTS))
@fuzz()
@given(data=st.data())
def test_a_mutated_report_in_any_encoding_fails_only_with_report_error(
    name: str, data: st.DataObject
) -> None:
    text = data.draw(mutated(report_lines(name)))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030", "big5"]))
    raw = text.encode(encoding, errors="replace")
    for filename in ("report.txt", None):
        try:
            document = parse_any(raw, filename)
        except ReportError as refused:
            assert refused.problems  # noqa: PT017
        else:
            assert parse_markdown(export_markdown(document)) == document
