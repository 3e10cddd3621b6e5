"""Rendered variants for the sender: rendered once, shared through the database, prepared
once per process.

A worker asks for the variant of a delivery row (its topic-mix key, the reader's language,
the campaign's tracking switch). The first worker anywhere to need it renders it (Jinja,
MRML, premailer: tens of milliseconds) and stores it in ``rendered_variants``; every other
worker reads it from there. Each process then keeps the :class:`PreparedVariant` (the
pre-encoded parts) in memory, so a reader's message is only a fill of slots.

Readers whose chosen topics differ only in topics absent from the issue share one render
(the *effective* mix); their own "why you receive this" label is passed per reader.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from newsletter.delivery.registry import ensure_link_registry
from newsletter.issues.document import IssueDocument
from newsletter.issues.storage import load_document
from newsletter.models import Issue
from newsletter.models import RenderedVariant as StoredVariant
from newsletter.rendering import PreparedVariant, RenderedVariant, RenderSettings, render_variant
from newsletter.rendering.clip import ClipCheck
from newsletter.rendering.view import topics_label
from newsletter.signing import TokenSigner
from newsletter.topics import parse_variant_key, variant_key

#: Prepared variants one process keeps; an issue has at most 2 locales x 33 mixes x 2.
MAX_PREPARED = 256


@dataclass(frozen=True)
class VariantWanted:
    """Which variant a delivery needs."""

    issue_id: int
    revision: int
    key: str  # the delivery row's key (the reader's chosen mix)
    locale: str  # zh-CN or en
    tracking: bool


@dataclass(frozen=True)
class ReaderVariant:
    """The prepared variant and, when it differs from the variant's, the reader's label."""

    prepared: PreparedVariant
    topics_label: str | None
    loaded: bool = False  # True when this call loaded (or rendered and stored) the variant


class VariantCache:
    """Per-process prepared variants; safe to share between sender threads."""

    def __init__(self, settings: RenderSettings, signer: TokenSigner) -> None:
        self.settings = settings
        self.signer = signer
        self._lock = threading.Lock()
        self._prepared: OrderedDict[VariantWanted, PreparedVariant] = OrderedDict()
        self._documents: dict[tuple[int, int], IssueDocument] = {}
        self._labels: dict[tuple[str, str, str], str | None] = {}
        # One gate per variant being loaded: the first thread to need it renders or loads
        # it, the others wait for that one instead of rendering the same variant again.
        self._gates: dict[VariantWanted, threading.Lock] = {}

    def for_reader(self, session: Session, issue: Issue, wanted: VariantWanted) -> ReaderVariant:
        """The variant a reader of ``wanted.key`` gets, rendering or loading it if needed."""
        doc = self._document(issue)
        effective = variant_key(parse_variant_key(wanted.key), doc.topics_used())
        shared = VariantWanted(wanted.issue_id, wanted.revision, effective, wanted.locale,
                               wanted.tracking)  # fmt: skip
        label = self._label(wanted.key, effective, wanted.locale)
        with self._lock:
            prepared = self._prepared.get(shared)
            if prepared is not None:
                self._prepared.move_to_end(shared)
                return ReaderVariant(prepared, label)
            gate = self._gates.setdefault(shared, threading.Lock())
        with gate:
            with self._lock:
                prepared = self._prepared.get(shared)
            if prepared is not None:  # another thread loaded it while this one waited
                return ReaderVariant(prepared, label)
            rendered = load_or_render(session, issue, doc, shared, self.settings)
            prepared = PreparedVariant(rendered, self.settings, self.signer)
            with self._lock:
                self._prepared[shared] = prepared
                while len(self._prepared) > MAX_PREPARED:
                    self._prepared.popitem(last=False)
                self._gates.pop(shared, None)
        return ReaderVariant(prepared, label, loaded=True)

    def _document(self, issue: Issue) -> IssueDocument:
        ident = (issue.id, issue.revision)
        with self._lock:
            doc = self._documents.get(ident)
        if doc is None:
            doc = load_document(issue)
            with self._lock:
                # Only the campaigns in flight matter; older revisions are dropped.
                self._documents = {k: v for k, v in self._documents.items() if k[0] != issue.id}
                self._documents[ident] = doc
        return doc

    def _label(self, key: str, effective: str, locale: str) -> str | None:
        if key == effective:
            return None
        ident = (key, effective, locale)
        if ident not in self._labels:
            self._labels[ident] = topics_label(parse_variant_key(key), self.settings, locale)
        return self._labels[ident]


def load_or_render(
    session: Session,
    issue: Issue,
    doc: IssueDocument,
    wanted: VariantWanted,
    settings: RenderSettings,
) -> RenderedVariant:
    """The stored render of ``wanted`` (an effective mix), rendering and storing it first if
    no worker has yet."""
    stored = _stored(session, wanted)
    if stored is not None:
        return _from_stored(stored, settings)
    links = ensure_link_registry(session, issue.id, doc)
    rendered = render_variant(
        doc,
        parse_variant_key(wanted.key),
        settings,
        links,
        tracking=wanted.tracking,
        locale=wanted.locale,
        issue_slug=issue.slug,
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(StoredVariant)
        .values(
            issue_id=wanted.issue_id,
            revision=wanted.revision,
            variant_key=wanted.key,
            locale=wanted.locale,
            tracking=wanted.tracking,
            subject=rendered.subject,
            html=rendered.html,
            text=rendered.text,
            html_bytes=rendered.size,
        )
        .on_conflict_do_nothing()
    )
    # Another worker may have stored the same render a moment earlier: use what is stored.
    stored = _stored(session, wanted)
    return rendered if stored is None else _from_stored(stored, settings)


def _stored(session: Session, wanted: VariantWanted) -> StoredVariant | None:
    return session.scalar(
        select(StoredVariant).where(
            StoredVariant.issue_id == wanted.issue_id,
            StoredVariant.revision == wanted.revision,
            StoredVariant.variant_key == wanted.key,
            StoredVariant.locale == wanted.locale,
            StoredVariant.tracking == wanted.tracking,
        )
    )


def _from_stored(stored: StoredVariant, settings: RenderSettings) -> RenderedVariant:
    topics = parse_variant_key(stored.variant_key)
    return RenderedVariant(
        key=stored.variant_key,
        topics=topics,
        locale=stored.locale,
        tracking=stored.tracking,
        subject=stored.subject,
        preheader="",  # already part of the stored HTML
        topics_label=topics_label(topics, settings, stored.locale),
        html=stored.html,
        text=stored.text,
        clip=ClipCheck(stored.html_bytes),
    )
