"""Fixtures for the rendering tests: settings, the sample issue, signer, message parsing.

The sample issue is a hand transcription (``sample_issue.py``) until the report importer
lands; it is loaded by path so these tests work whatever import mode pytest uses.
"""

from __future__ import annotations

import email
import importlib.util
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType

import pytest

from newsletter.issues.document import IssueDocument
from newsletter.rendering import (
    PreparedVariant,
    RenderedVariant,
    RenderSettings,
    build_link_registry,
    render_variant,
)
from newsletter.signing import TokenSigner

SECRET = "rendering-tests-secret"


def load_sample_module() -> ModuleType:
    """Import tests/rendering/sample_issue.py by path."""
    path = Path(__file__).with_name("sample_issue.py")
    spec = importlib.util.spec_from_file_location("rendering_sample_issue", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLE = load_sample_module()


@pytest.fixture(scope="session")
def settings() -> RenderSettings:
    return RenderSettings(
        base_url="https://news.example.com/",
        sender_address="daily@news.example.com",
        postal_address="上海市浦东新区世纪大道 100 号 20 楼",
        list_id="daily.news.example.com",
        unsubscribe_mailbox="unsubscribe@news.example.com",
        reply_to="editors@news.example.com",
    )


@pytest.fixture(scope="session")
def sample_issue() -> IssueDocument:
    doc = SAMPLE.build_sample_issue()
    assert isinstance(doc, IssueDocument)
    return doc


@pytest.fixture(scope="session")
def links(sample_issue: IssueDocument) -> list[str]:
    return build_link_registry(sample_issue)


@pytest.fixture(scope="session")
def signer() -> TokenSigner:
    return TokenSigner(SECRET)


@pytest.fixture(scope="session")
def all_topics(
    sample_issue: IssueDocument, settings: RenderSettings, links: list[str]
) -> RenderedVariant:
    """The full issue with tracking: the largest variant."""
    return render_variant(sample_issue, None, settings, links)


@pytest.fixture(scope="session")
def render(
    sample_issue: IssueDocument, settings: RenderSettings, links: list[str]
) -> Callable[..., RenderedVariant]:
    """Render the sample for a topic mix, memoised across the session."""
    cache: dict[tuple[object, ...], RenderedVariant] = {}

    def _render(
        topics: frozenset[str] | None, *, tracking: bool = True, locale: str = "zh-CN"
    ) -> RenderedVariant:
        key = (topics, tracking, locale)
        if key not in cache:
            cache[key] = render_variant(
                sample_issue, topics, settings, links, tracking=tracking, locale=locale
            )
        return cache[key]

    return _render


@pytest.fixture
def prepare(
    settings: RenderSettings, signer: TokenSigner
) -> Callable[[RenderedVariant], PreparedVariant]:
    return lambda rendered: PreparedVariant(rendered, settings, signer)


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture
def parse_message() -> Callable[[bytes], EmailMessage]:
    """Parse message bytes the way a receiving client would (modern policy)."""
    return _parse
