"""The Jinja2 environment for email templates and the filters they use.

One environment per template directory, created on first use (never at import). Templates
named ``*.mjml.j2`` are autoescaped (their output is MJML, i.e. HTML); ``*.txt.j2`` are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from newsletter.rendering.links import ReaderLinks, find_urls

INLINE_CSS_NAME = "inline.css"


def _pieces(text: str) -> Iterator[tuple[str, str | None]]:
    """Running text as (plain text, following URL or None) pairs."""
    position = 0
    for start, end, url in find_urls(text):
        yield text[position:start], url
        position = end
    yield text[position:], None


def linkify_html(text: str, links: ReaderLinks) -> Markup:
    """Escape running text and turn its web URLs into (tracked) links; newlines become <br>."""
    parts: list[Markup] = []
    for plain, url in _pieces(text):
        parts.append(escape(plain))
        if url is not None:
            parts.append(Markup('<a href="{}">{}</a>').format(links.href(url), url))
    return Markup("").join(parts).replace("\n", Markup("<br>"))


def linkify_text(text: str, links: ReaderLinks) -> str:
    """Running text for the plain-text part, with URLs replaced by their (tracked) form."""
    return "".join(plain + (links.href(url) if url else "") for plain, url in _pieces(text))


@lru_cache(maxsize=4)
def environment(template_dir: Path) -> Environment:
    """The shared environment for ``template_dir`` (templates are compiled once per process)."""
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=select_autoescape(enabled_extensions=("mjml.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    env.filters["linkify"] = linkify_html
    env.filters["linkify_text"] = linkify_text
    return env


@lru_cache(maxsize=4)
def inline_css_for(template_dir: Path) -> str:
    """The component CSS that premailer inlines (``inline.css`` next to the templates)."""
    return (template_dir / INLINE_CSS_NAME).read_text(encoding="utf-8")
