"""Render one variant of an issue: the email as every reader of one topic mix gets it.

Runs Jinja, MRML and premailer once per (issue, topic set). The result carries slots instead
of reader-specific text (see :mod:`newsletter.rendering.slots`); :class:`PreparedVariant`
fills them per reader without rendering again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from newsletter.issues.document import IssueDocument
from newsletter.rendering.clip import ClipCheck
from newsletter.rendering.compiler import RenderError, compile_email
from newsletter.rendering.links import ReaderLinks
from newsletter.rendering.personal import slot_values
from newsletter.rendering.settings import RenderSettings
from newsletter.rendering.slots import MARKER_PREFIX, Slot, fill_slots
from newsletter.rendering.strings import catalog, resolve_locale
from newsletter.rendering.templating import environment, inline_css_for
from newsletter.rendering.view import IssueView, build_issue_view, topics_label
from newsletter.topics import variant_key

#: A token of the longest length our signer makes (delivery ids up to 2**35), used to report
#: the HTML size a reader actually receives.
SIZE_PROBE_TOKEN = "A" * 24
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class RenderedVariant:
    """One topic mix of one issue, rendered, with reader slots still open."""

    key: str
    topics: frozenset[str] | None
    locale: str
    tracking: bool
    subject: str
    preheader: str
    topics_label: str
    html: str
    text: str
    clip: ClipCheck

    @property
    def size(self) -> int:
        """Bytes of HTML a reader receives (UTF-8, a full-length token in every slot)."""
        return self.clip.size

    @property
    def warning(self) -> str | None:
        """Gmail clip warning for the editor (by how much it passes, or how close it is)."""
        return self.clip.warning

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form, so workers on other machines can share one render."""
        return {
            "key": self.key,
            "topics": None if self.topics is None else sorted(self.topics),
            "locale": self.locale,
            "tracking": self.tracking,
            "subject": self.subject,
            "preheader": self.preheader,
            "topics_label": self.topics_label,
            "html": self.html,
            "text": self.text,
            "size": self.size,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RenderedVariant:
        """Rebuild a variant stored with :meth:`to_json`."""
        topics = data["topics"]
        return cls(
            key=str(data["key"]),
            topics=None if topics is None else frozenset(topics),
            locale=str(data["locale"]),
            tracking=bool(data["tracking"]),
            subject=str(data["subject"]),
            preheader=str(data["preheader"]),
            topics_label=str(data["topics_label"]),
            html=str(data["html"]),
            text=str(data["text"]),
            clip=ClipCheck(int(data["size"])),
        )

    def personalise(
        self, token: str, name: str = "", topics_label: str | None = None
    ) -> tuple[str, str]:
        """(html, text) for one reader: the simple string path, for previews and tests."""
        label = self.topics_label if topics_label is None else topics_label
        html = fill_slots(self.html, slot_values(token, name, label, self.locale, for_html=True))
        text = fill_slots(self.text, slot_values(token, name, label, self.locale, for_html=False))
        return html, text


def render_variant(
    doc: IssueDocument,
    topics: Iterable[str] | None,
    settings: RenderSettings,
    links: Sequence[str],
    *,
    tracking: bool = True,
    locale: str = "zh-CN",
    issue_slug: str | None = None,
) -> RenderedVariant:
    """Render the issue as readers of ``topics`` (None = every topic) receive it.

    ``links`` is the issue's link registry (:func:`build_link_registry`); with ``tracking``
    every content link becomes ``BASE/t/c/TOKEN/N`` and an open pixel is added.
    """
    return render_issue_template(
        "issue",
        doc,
        topics,
        settings,
        links,
        tracking=tracking,
        locale=locale,
        issue_slug=issue_slug,
    )


def render_issue_template(
    template: str,
    doc: IssueDocument,
    topics: Iterable[str] | None,
    settings: RenderSettings,
    links: Sequence[str],
    *,
    tracking: bool,
    locale: str,
    issue_slug: str | None,
) -> RenderedVariant:
    """Render ``template`` (``issue`` or ``test_send``) for one topic mix; see render_variant."""
    _refuse_slot_markers(doc)
    locale = resolve_locale(locale, settings.default_locale)
    chosen = None if topics is None else frozenset(topics)
    key = variant_key(chosen, doc.topics_used())
    view = build_issue_view(doc.filtered(chosen), settings, locale)
    label = topics_label(chosen, settings, locale)
    slug = issue_slug or (doc.date.isoformat() if doc.date else "latest")
    reader_links = ReaderLinks.create(
        settings, links, tracking=tracking, issue_slug=slug, variant=key
    )
    context = _context(view, reader_links, settings, locale, label)
    html, text = _render_parts(template, settings, context)
    probe = slot_values(SIZE_PROBE_TOKEN, "", label, locale, for_html=True)
    return RenderedVariant(
        key=key,
        topics=chosen,
        locale=locale,
        tracking=tracking,
        subject=view.subject,
        preheader=view.preheader,
        topics_label=label,
        html=html,
        text=text,
        clip=ClipCheck(len(fill_slots(html, probe).encode("utf-8"))),
    )


def _render_parts(
    template: str, settings: RenderSettings, context: dict[str, Any]
) -> tuple[str, str]:
    env = environment(settings.template_dir)
    mjml = env.get_template(f"{template}.mjml.j2").render(context)
    html = compile_email(mjml, inline_css_for(settings.template_dir))
    text = _tidy_text(env.get_template(f"{template}.txt.j2").render(context))
    _check_slots(html, text)
    return html, text


def _context(
    view: IssueView, links: ReaderLinks, settings: RenderSettings, locale: str, label: str
) -> dict[str, Any]:
    return {
        "view": view,
        "links": links,
        "settings": settings,
        "t": catalog(locale),
        "lang": locale,
        "page_title": view.subject,
        "preheader": view.preheader,
        "topics_label": label,
        "slots": SimpleNamespace(
            token=Slot.TOKEN.marker, greeting=Slot.GREETING.marker, topics=Slot.TOPICS.marker
        ),
    }


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)) + "\n"


def _refuse_slot_markers(doc: IssueDocument) -> None:
    # Content that spelt a slot marker would be filled with reader data at send time.
    texts = [doc.title, doc.window, doc.subject, doc.preheader]
    for section in doc.sections:
        texts += [section.title, *section.paragraphs]
        for item in section.items:
            texts += [item.title, *item.fields.keys(), *item.fields.values()]
            texts += [part for s in item.sources for part in (s.publisher, s.title, s.url)]
    if any(MARKER_PREFIX in text for text in texts):
        raise ValueError(f"issue text contains the reserved marker {MARKER_PREFIX!r}")


def _check_slots(html: str, text: str) -> None:
    # The footer must carry the reader's unsubscribe link; a template edit that loses a
    # slot would otherwise send unpersonalised mail without anyone noticing.
    for part, content in (("HTML", html), ("text", text)):
        missing = [slot.name for slot in Slot if slot.marker not in content]
        if missing:
            raise RenderError(f"{part} part lacks the reader slots {', '.join(missing)}")
