"""``render``: write the exact message one reader would get, for checking an issue by hand.

The command is built by :func:`build_render_command` so the application decides where issues
come from (a report file today, an issue id later), which settings and which signing key
apply; nothing here reads configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click

from newsletter.issues.document import IssueDocument
from newsletter.rendering.clip_report import (
    clip_warnings,
    format_clip_report,
    gmail_clip_report,
    non_empty_mixes,
)
from newsletter.rendering.links import build_link_registry
from newsletter.rendering.mime import Recipient, build_message
from newsletter.rendering.prepared import PreparedVariant
from newsletter.rendering.settings import RenderSettings
from newsletter.rendering.variant import RenderedVariant, render_variant
from newsletter.signing import TokenSigner

#: Turns the command's SOURCE argument (a path, later also an issue id) into a document.
DocumentLoader = Callable[[str], IssueDocument]

_ALL = {"", "*", "all"}
_GENERAL_ONLY = {"-", "none"}


@dataclass(frozen=True)
class SampleReader:
    """Who the rendered message is for."""

    email: str = "reader@example.org"
    name: str = ""
    delivery_id: int = 1


def parse_topics(value: str | None, known: set[str]) -> frozenset[str] | None:
    """``capital,research`` -> that set; empty/``*``/``all`` -> None (all); ``-`` -> none."""
    text = (value or "").strip().lower()
    if text in _ALL:
        return None
    if text in _GENERAL_ONLY:
        return frozenset()
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(chosen - known)
    if unknown:
        raise click.BadParameter(
            f"unknown topic(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return chosen


def render_reader_message(
    doc: IssueDocument,
    settings: RenderSettings,
    signer: TokenSigner,
    topics: frozenset[str] | None,
    reader: SampleReader,
    *,
    links: list[str] | None = None,
    tracking: bool = True,
    locale: str | None = None,
) -> tuple[bytes, RenderedVariant]:
    """The message bytes ``reader`` would receive, and the variant they came from."""
    rendered = render_variant(
        doc,
        topics,
        settings,
        build_link_registry(doc) if links is None else links,
        tracking=tracking,
        locale=locale or settings.default_locale,
    )
    prepared = PreparedVariant(rendered, settings, signer)
    recipient = Recipient(reader.delivery_id, reader.email, reader.name)
    return build_message(prepared, recipient), rendered


def build_render_command(
    load_document: DocumentLoader,
    get_settings: Callable[[], RenderSettings],
    get_signer: Callable[[], TokenSigner],
    name: str = "render",
    *,
    check_every_mix: bool = False,
) -> click.Command:
    """The ``render`` click command, wired to the application's loader, settings and key.

    With ``check_every_mix`` the command also sizes every topic mix and warns on stderr about
    each one that passes (or nears) Gmail's clip, not only about the mix it writes.
    """

    @click.command(name)
    @click.argument("source")
    @click.option("--topics", default=None, help="Comma-separated topic slugs; default all.")
    @click.option("--to", "to_email", default=SampleReader.email, show_default=True)
    @click.option("--name", "reader_name", default="", help="The reader's display name.")
    @click.option("--output", "-o", default="-", help="File for the .eml bytes; - is stdout.")
    @click.option("--no-tracking", is_flag=True, help="Direct links and no open pixel.")
    @click.option("--locale", default=None, help="zh-CN (default) or en.")
    @click.option("--delivery-id", default=1, show_default=True, type=int)
    @click.option("--clip-report", is_flag=True, help="Also size every topic mix (stderr).")
    def render(
        *,
        source: str,
        topics: str | None,
        to_email: str,
        reader_name: str,
        output: str,
        no_tracking: bool,
        locale: str | None,
        delivery_id: int,
        clip_report: bool,
    ) -> None:
        """Write the message SOURCE's issue makes for one reader, tracking included."""
        settings = get_settings()
        doc = load_document(source)
        chosen = parse_topics(topics, {topic.slug for topic in settings.topics})
        reader = SampleReader(to_email, reader_name, delivery_id)
        links = build_link_registry(doc)
        raw, rendered = render_reader_message(
            doc,
            settings,
            get_signer(),
            chosen,
            reader,
            links=links,
            tracking=not no_tracking,
            locale=locale,
        )
        if rendered.warning:
            click.echo(f"warning: {rendered.warning}", err=True)
        if clip_report or check_every_mix:
            mixes = non_empty_mixes(topic.slug for topic in settings.topics)
            rows = gmail_clip_report(doc, settings, links, [None, *mixes], locale=rendered.locale)
            if clip_report:
                click.echo(format_clip_report(rows), err=True)
            else:
                for line in clip_warnings(rows):
                    click.echo(f"warning: {line}", err=True)
        _write(raw, output)

    return render


def _write(raw: bytes, output: str) -> None:
    # click.open_file maps "-" to the binary stdout and leaves it open.
    with click.open_file(output, "wb") as handle:
        handle.write(raw)
    if output != "-":
        click.echo(f"wrote {len(raw):,} bytes to {output}", err=True)
