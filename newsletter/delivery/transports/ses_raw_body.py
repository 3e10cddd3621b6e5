"""SendEmail's raw message put into the request body without botocore's JSON escaping.

botocore writes ``Content.Raw.Data`` by base64-encoding the message and passing the whole
request through ``json.dumps``, which then scans every one of the ~80,000 base64 characters
of a newsletter for something to escape. Base64 has nothing to escape; the scan alone costs
about 150 µs per message, more than a tenth of the whole call (``json.dumps`` of such a
string: 154 µs; its base64 encoding: 72 µs, measured here with ``timeit``).

Two handlers on the client's own event system skip it. Before the parameters are built, the
message is swapped for a short marker and its base64 kept in the call's context; before the
call goes out, the marker's JSON string in the serialised body is replaced by that base64.
Signing comes after both (it hashes the final body), and the request is otherwise botocore's
own. Should a botocore release serialise differently, so that the marker is not found exactly
once, :class:`RawBodyNotSpliced` is raised before anything is sent; the transport then turns
the splice off and sends the plain way.
"""

from __future__ import annotations

import base64
from typing import Any

EVENT_SUFFIX = "sesv2.SendEmail"
_CONTEXT_KEY = "newsletter_raw_base64"
_MARKER = b"newsletter: the raw message goes here"
_MARKER_JSON = b'"' + base64.b64encode(_MARKER) + b'"'


class RawBodyNotSpliced(RuntimeError):
    """The serialised request did not hold the marker once: nothing was sent."""


def install(client: Any) -> None:
    """Register the splice on ``client`` (an ``sesv2`` client of its own, not shared)."""
    events = client.meta.events
    events.register(f"before-parameter-build.{EVENT_SUFFIX}", _swap_in_marker, "raw-body-swap")
    events.register(f"before-call.{EVENT_SUFFIX}", _splice_body, "raw-body-splice")


def uninstall(client: Any) -> None:
    """Take the splice off ``client``: it then sends as plain botocore does."""
    events = client.meta.events
    events.unregister(f"before-parameter-build.{EVENT_SUFFIX}", unique_id="raw-body-swap")
    events.unregister(f"before-call.{EVENT_SUFFIX}", unique_id="raw-body-splice")


def _swap_in_marker(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    raw = params.get("Content", {}).get("Raw")
    if not raw or not isinstance(raw.get("Data"), bytes | bytearray):
        return
    context[_CONTEXT_KEY] = b'"' + base64.b64encode(raw["Data"]) + b'"'
    params["Content"] = {**params["Content"], "Raw": {**raw, "Data": _MARKER}}


def _splice_body(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    data = context.pop(_CONTEXT_KEY, None)
    if data is None:
        return
    body = params.get("body")
    # The body without the message is a few hundred bytes: counting in it costs nothing.
    if not isinstance(body, bytes) or body.count(_MARKER_JSON) != 1:
        raise RawBodyNotSpliced("the SendEmail body did not hold the raw-message marker once")
    params["body"] = body.replace(_MARKER_JSON, data)
