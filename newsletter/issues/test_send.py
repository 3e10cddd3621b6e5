"""Test sends: the issue exactly as readers of one topic mix get it, to a few addresses.

The message is the rendering library's test send (the issue template under a TEST banner,
the issue's list headers, no tracking), handed to the configured transport like any other
mail, and audited with the mix and the addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.delivery.transports import OutgoingMessage, Transport
from newsletter.issues.document import IssueDocument
from newsletter.models import Issue
from newsletter.rendering import RenderSettings, SystemEmail, build_system_message
from newsletter.subscriptions.addresses import InvalidAddress, normalise_email
from newsletter.topics import variant_key

#: A test goes to the editor and a colleague or two, not to a list.
MAX_RECIPIENTS = 5
_SEPARATORS = re.compile(r"[\s,;，；]+")


@dataclass(frozen=True)
class TestSend:
    """What was sent: the variant key, the addresses and the transport's message ids."""

    variant: str
    recipients: list[str]
    message_ids: list[str]


def parse_recipients(text: str) -> list[str]:
    """The addresses of a comma-, semicolon- or line-separated list, normalised and unique.

    Raises ``ValueError`` naming the first unusable address, or when there are none or more
    than :data:`MAX_RECIPIENTS`.
    """
    found: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        try:
            address = normalise_email(part)
        except InvalidAddress as exc:
            raise ValueError(f"{part}: {exc}") from exc
        if address not in found:
            found.append(address)
    if not found:
        raise ValueError("enter at least one address")
    if len(found) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} addresses per test send")
    return found


def send_test(
    session: Session,
    issue: Issue,
    doc: IssueDocument,
    mix: frozenset[str] | None,
    recipients: list[str],
    *,
    settings: RenderSettings,
    transport: Transport,
    locale: str,
    actor: audit.Actor,
) -> TestSend:
    """Render the test send of ``mix`` once per recipient and send it; the caller commits.

    Raises what the renderer or the transport raised. The audit entry is added only once
    every address was handed to the transport.
    """
    message_ids = []
    for address in recipients:
        data = build_system_message(
            SystemEmail.TEST_SEND,
            {"document": doc, "topics": mix, "issue_slug": issue.slug},
            settings,
            to_email=address,
            locale=locale,
        )
        result = transport.send(OutgoingMessage(settings.sender_address, address, data))
        message_ids.append(result.message_id)
    variant = variant_key(mix, doc.topics_used())
    audit.record(
        session,
        "issue.test_send",
        actor=actor,
        entity_type="issue",
        entity_id=issue.id,
        detail={
            "variant": variant,
            "locale": locale,
            "recipients": recipients,
            "revision": issue.revision,
        },
    )
    return TestSend(variant, recipients, message_ids)
