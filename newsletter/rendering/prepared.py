"""A rendered variant made ready for per-reader MIME assembly.

Built once per variant per process: the header lines that are the same for every reader are
encoded, the HTML and text parts are cut at their slots and pre-encoded in base64
(:class:`SlottedBase64`). What is left per reader is a token, a few short header lines and
joining bytes (see :func:`newsletter.rendering.mime.build_message`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from newsletter.rendering.b64stream import SlottedBase64
from newsletter.rendering.headers import CRLF, address, list_id, unstructured
from newsletter.rendering.personal import greeting_pair, topics_pair
from newsletter.rendering.settings import RenderSettings
from newsletter.rendering.slots import Slot, split_at_slots
from newsletter.rendering.variant import RenderedVariant
from newsletter.signing import TokenSigner

#: Position of each slot's value in the value lists passed to SlottedBase64.
SLOT_INDEX = {Slot.TOKEN: 0, Slot.GREETING: 1, Slot.TOPICS: 2}


def canonical_bytes(text: str) -> bytes:
    """UTF-8 with CRLF line breaks, the canonical form of a text/* body (RFC 2046 4.1.1)."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def slotted_body(text: str) -> SlottedBase64:
    """Cut ``text`` at its slots and pre-encode the static segments."""
    segments, slots = split_at_slots(text)
    return SlottedBase64(
        [canonical_bytes(segment) for segment in segments], [SLOT_INDEX[slot] for slot in slots]
    )


def part_header(subtype: str) -> bytes:
    """The header block of one UTF-8, base64 body part."""
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}{CRLF}"
    ).encode("ascii")


def boundary_for(*bodies: str) -> str:
    """A boundary derived from the content; ``=_`` can never occur in base64 lines."""
    digest = hashlib.sha256("\0".join(bodies).encode("utf-8")).hexdigest()[:24]
    return f"=_nl_alt_{digest}"


@dataclass(frozen=True)
class PersonalDefaults:
    """Encoded slot values for a reader with no name and the variant's topic label."""

    greeting_html: bytes
    greeting_text: bytes
    topics_html: bytes
    topics_text: bytes


class PreparedVariant:
    """Everything about one variant's messages that does not depend on the reader."""

    def __init__(
        self,
        rendered: RenderedVariant,
        settings: RenderSettings,
        signer: TokenSigner | None = None,
    ) -> None:
        """Pre-encode ``rendered``; ``signer`` makes tokens for recipients given none."""
        self.rendered = rendered
        self.settings = settings
        self.signer = signer
        self.locale = rendered.locale
        self.domain = settings.sender_domain
        boundary = boundary_for(rendered.html, rendered.text)
        self.from_and_subject = (
            address("From", settings.sender_address, settings.sender_name)
            + unstructured("Subject", rendered.subject)
        ).encode("ascii")
        # The list headers carry the reader's token twice; keep the text around it.
        self.list_pieces = tuple(
            piece.encode("ascii")
            for piece in list_headers(settings, Slot.TOKEN.marker).split(Slot.TOKEN.marker)
        )
        self.mime_headers = _mime_headers(settings, boundary).encode("ascii")
        self.text_part = f"{CRLF}--{boundary}{CRLF}".encode("ascii") + part_header("plain")
        self.html_part = f"--{boundary}{CRLF}".encode("ascii") + part_header("html")
        self.closing = f"--{boundary}--{CRLF}".encode("ascii")
        self.text = slotted_body(rendered.text)
        self.html = slotted_body(rendered.html)
        self.defaults = _defaults(rendered)


def list_headers(settings: RenderSettings, token: str) -> str:
    """List-Id, List-Unsubscribe (HTTPS first, then mailto; RFC 2369/8058) and friends."""
    return (
        list_id(settings.list_name, settings.list_id)
        + f"List-Unsubscribe: <{settings.base_url}/u/{token}>,{CRLF}"
        + f" <mailto:{settings.unsubscribe_mailbox}?subject=unsubscribe%20{token}>{CRLF}"
        + f"List-Unsubscribe-Post: List-Unsubscribe=One-Click{CRLF}"
        + f"Precedence: bulk{CRLF}"
    )


def _mime_headers(settings: RenderSettings, boundary: str) -> str:
    reply_to = address("Reply-To", settings.reply_to) if settings.reply_to else ""
    return (
        f"{reply_to}MIME-Version: 1.0{CRLF}"
        f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"{CRLF}'
    )


def _defaults(rendered: RenderedVariant) -> PersonalDefaults:
    greeting_html, greeting_text = greeting_pair("", rendered.locale)
    topics_html, topics_text = topics_pair(rendered.topics_label)
    return PersonalDefaults(
        greeting_html=greeting_html.encode("utf-8"),
        greeting_text=greeting_text.encode("utf-8"),
        topics_html=topics_html.encode("utf-8"),
        topics_text=topics_text.encode("utf-8"),
    )
