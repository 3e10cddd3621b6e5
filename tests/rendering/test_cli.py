"""The render command writes exactly the bytes one reader would get."""

from __future__ import annotations

import copy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newsletter.issues.document import IssueDocument
from newsletter.rendering import RenderSettings
from newsletter.rendering.cli import build_render_command
from newsletter.signing import TokenPurpose, TokenSigner

Parse = Callable[[bytes], EmailMessage]


@pytest.fixture
def loaded() -> list[str]:
    return []


@pytest.fixture
def command(
    sample_issue: IssueDocument, settings: RenderSettings, signer: TokenSigner, loaded: list[str]
) -> click.Command:
    def load(source: str) -> IssueDocument:
        loaded.append(source)
        if source == "big":
            big = copy.deepcopy(sample_issue)
            big.sections[2].items *= 5
            return big
        return sample_issue

    return build_render_command(load, lambda: settings, lambda: signer)


def test_writes_the_message_for_one_reader_with_tracking(
    command: click.Command,
    loaded: list[str],
    tmp_path: Path,
    parse_message: Parse,
    signer: TokenSigner,
) -> None:
    out = tmp_path / "message.eml"
    result = CliRunner().invoke(
        command,
        [
            "report.txt",
            "--topics",
            "capital,research",
            "--to",
            "li@example.org",
            "--name",
            "李雷",
            "-o",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    assert loaded == ["report.txt"]
    message = parse_message(out.read_bytes())
    token = signer.sign(TokenPurpose.DELIVERY, 1)
    assert message["To"].addresses[0].display_name == "李雷"
    assert f"https://news.example.com/u/{token}" in message["List-Unsubscribe"]
    html = message.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert f"https://news.example.com/t/o/{token}.gif" in content
    assert "AgentHazard" in content
    assert "长期算力预留战升级" not in content


def test_writes_to_stdout_by_default(command: click.Command, parse_message: Parse) -> None:
    result = CliRunner().invoke(command, ["report.txt", "--no-tracking"])
    assert result.exit_code == 0
    message = parse_message(result.stdout_bytes)
    assert message["To"] == "reader@example.org"
    html = message.get_body(("html",))
    assert html is not None
    assert "/t/" not in html.get_content()


def test_unknown_topics_are_refused(command: click.Command) -> None:
    result = CliRunner().invoke(command, ["report.txt", "--topics", "capital,crypto"])
    assert result.exit_code == 2
    assert "unknown topic(s) crypto" in result.output


def test_clip_warning_and_report_go_to_stderr(command: click.Command) -> None:
    result = CliRunner().invoke(command, ["big", "--clip-report", "-o", "-"])
    assert result.exit_code == 0
    assert "warning: HTML is" in result.stderr
    assert "over Gmail's clip limit" in result.stderr
    assert "variants pass Gmail's clip limit" in result.stderr
    assert b"warning" not in result.stdout_bytes
