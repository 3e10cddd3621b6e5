"""Telling operators that the sender paused a campaign by itself.

The pause itself (with its reason, audited) is what counts: the campaign page and the list
show it. This email is the nudge, in Chinese and English, to every active operator and
admin; when it cannot be sent (for instance the account that was just blocked) that is
logged, never raised.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery.transports import OutgoingMessage, Transport, TransportError
from newsletter.metrics.notify import operator_addresses

log = logging.getLogger(__name__)


def pause_message(settings: Settings, campaign_id: int, reason: str, to: str) -> bytes:
    """The notice to one operator, as MIME bytes."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = f"【发送已暂停】活动 {campaign_id} / Campaign {campaign_id} paused"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender_domain or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    link = f"{settings.base_url}/admin/dashboard/campaigns/{campaign_id}"
    body = (
        f"发送程序已自动暂停活动 {campaign_id}，需要运营人员检查后恢复。\n"
        f"The sender paused campaign {campaign_id} by itself; an operator must review it "
        "and resume it.\n\n"
        f"{reason}\n\n{link}\n"
    )
    message.set_content(body, charset="utf-8")
    return message.as_bytes()


def tell_operators(
    session: Session, settings: Settings, transport: Transport, campaign_id: int, reason: str
) -> int:
    """Email every active operator and admin that the campaign was paused; returns how many
    emails were accepted."""
    accepted = 0
    for address in operator_addresses(session):
        outgoing = OutgoingMessage(
            sender=settings.sender_address,
            recipient=address,
            data=pause_message(settings, campaign_id, reason, address),
            tags={"kind": "campaign-paused", "campaign": str(campaign_id)},
        )
        try:
            transport.send(outgoing)
            accepted += 1
        except TransportError as exc:
            log.error("cannot tell %s that campaign %s paused: %s", address, campaign_id, exc)
    return accepted
