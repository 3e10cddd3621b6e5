"""Issue and system emails: render once per topic mix, fill per reader, build MIME bytes.

Pure library: no Flask, no database. The application passes plain data (an IssueDocument,
RenderSettings, the link registry, a TokenSigner) and gets strings and bytes back.

Typical send path::

    links = build_link_registry(doc)                      # store with the issue
    variant = render_variant(doc, topics, settings, links)  # once per topic mix
    prepared = PreparedVariant(variant, settings, signer)   # once per mix per process
    raw = build_message(prepared, Recipient(delivery_id, email, name))  # per reader
"""

from newsletter.rendering.clip import GMAIL_CLIP_BYTES, ClipCheck, ClipStatus
from newsletter.rendering.clip_report import (
    ClipReportRow,
    format_clip_report,
    gmail_clip_report,
    non_empty_mixes,
)
from newsletter.rendering.compiler import RenderError
from newsletter.rendering.links import build_link_registry
from newsletter.rendering.mime import Recipient, build_message, build_single_message
from newsletter.rendering.prepared import PreparedVariant
from newsletter.rendering.settings import RenderSettings, TopicLabel, topic_labels_from
from newsletter.rendering.system import SystemEmail, build_system_message, render_system_email
from newsletter.rendering.variant import RenderedVariant, render_variant

__all__ = [
    "GMAIL_CLIP_BYTES",
    "ClipCheck",
    "ClipReportRow",
    "ClipStatus",
    "PreparedVariant",
    "Recipient",
    "RenderError",
    "RenderSettings",
    "RenderedVariant",
    "SystemEmail",
    "TopicLabel",
    "build_link_registry",
    "build_message",
    "build_single_message",
    "build_system_message",
    "format_clip_report",
    "gmail_clip_report",
    "non_empty_mixes",
    "render_system_email",
    "render_variant",
    "topic_labels_from",
]
