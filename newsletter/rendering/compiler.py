"""MJML to email-ready HTML: MRML compiles, premailer inlines our component CSS.

Runs once per variant, never per reader. Two behaviours of the tools shape this module:

* MRML (mjml-python) ignores ``<mj-style inline="inline">``, so the CSS that must end up in
  ``style=`` attributes is not put in the MJML at all; premailer inlines it from ``css_text``.
  MRML also links Google Fonts for some family names (Roboto, Open Sans...) unless given an
  empty font map, which would make the email load external CSS.
* premailer, left to its defaults, drops a lowercase ``<!doctype html>`` (it only keeps a
  doctype that lxml reports verbatim), strips ``!important`` from the style blocks it rewrites
  (dark mode then silently stays light) and inlines MJML's reset rules into every table cell
  (about 19 KB for a full issue). MRML's own ``<style>`` blocks are therefore marked
  ``data-premailer="ignore"``: premailer leaves them byte for byte and removes the marker.
"""

from __future__ import annotations

import logging
import re

from mjml import mjml2html
from premailer import Premailer

_DOCTYPE = re.compile(r"^\s*<!doctype html>", re.IGNORECASE)
_STYLE_OPEN = re.compile(r"<style(?=[\s>])")
_IGNORE_MARKER = ' data-premailer="ignore"'


class RenderError(RuntimeError):
    """The email template did not compile to HTML."""


def compile_mjml(source: str) -> str:
    """Compile an MJML document to HTML with MRML; no comments, no web-font links."""
    try:
        html: str = mjml2html(source, disable_comments=True, fonts={})
    except Exception as exc:  # MRML raises plain exceptions carrying the parser's message
        raise RenderError(f"MJML did not compile: {exc}") from exc
    return html


def inline_css(html: str, css: str) -> str:
    """Inline ``css`` into ``style=`` attributes and return the full document.

    The doctype, every existing ``<style>`` block and every ``!important`` survive; rules of
    ``css`` that cannot be inlined (pseudo-classes) are appended as a style block.
    """
    prepared = _STYLE_OPEN.sub("<style" + _IGNORE_MARKER, _DOCTYPE.sub("<!DOCTYPE html>", html))
    inliner = Premailer(
        css_text=[css],
        keep_style_tags=False,
        strip_important=False,
        allow_network=False,
        allow_loading_external_files=False,
        disable_link_rewrites=True,
        disable_validation=True,
        # cssutils logs every vendor property (mso-*, -webkit-*) as an error; they are meant.
        cssutils_logging_level=logging.CRITICAL,
    )
    out: str = inliner.transform(prepared, pretty_print=False)
    # Style blocks inside Outlook conditional comments are invisible to premailer and keep
    # the marker; drop it so the output carries no trace of the inliner.
    return out.replace(_IGNORE_MARKER, "")


def compile_email(mjml_source: str, css: str) -> str:
    """MJML source to final HTML: compile with MRML, then inline ``css`` with premailer."""
    return inline_css(compile_mjml(mjml_source), css)
