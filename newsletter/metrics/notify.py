"""Telling operators about reputation alarms by email.

A plain-text message in Chinese and English, one per active operator or admin, through the
same transport as the newsletter. Operators also see the alarm as a banner on every staff
page, so a failed email is recorded on the alarm rather than retried forever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery.transports import OutgoingMessage, Transport, TransportError
from newsletter.models import ReputationAlarm, Role, StaffRole, StaffUser
from newsletter.models.base import utcnow

log = logging.getLogger(__name__)


def operator_addresses(session: Session) -> list[str]:
    """Addresses of every active staff member who is an operator or an admin."""
    return list(
        session.scalars(
            select(StaffUser.email)
            .join(StaffRole, StaffRole.user_id == StaffUser.id)
            .where(StaffUser.active.is_(True), StaffRole.role.in_([Role.OPERATOR, Role.ADMIN]))
            .distinct()
            .order_by(StaffUser.email)
        )
    )


def alarm_message(settings: Settings, alarms: Sequence[ReputationAlarm], to: str) -> bytes:
    """The alarm email to one operator, as MIME bytes."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = "【发送已暂停】信誉警报 / Sending paused: reputation alarm"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender_domain or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    link = f"{settings.base_url}/admin/dashboard/"
    lines = [
        "发送已自动暂停，需要运营人员处理后手动恢复。",
        "Sending was paused automatically; an operator must review and resume it.",
        "",
        *(f"- {alarm.reason}" for alarm in alarms),
        "",
        f"仪表板 / Dashboard: {link}",
    ]
    message.set_content("\n".join(lines), charset="utf-8")
    return message.as_bytes()


def notify_operators(
    session: Session,
    settings: Settings,
    alarms: Sequence[ReputationAlarm],
    transport: Transport,
) -> int:
    """Email every operator about ``alarms`` and stamp them; returns the emails accepted.

    The caller commits. Errors are recorded on the alarms, never raised: the guard has
    already paused sending, and the banner shows the alarm either way.
    """
    if not alarms:
        return 0
    sent, errors = 0, []
    for address in operator_addresses(session):
        outgoing = OutgoingMessage(
            sender=settings.sender_address,
            recipient=address,
            data=alarm_message(settings, alarms, address),
            tags={"kind": "reputation-alarm"},
        )
        try:
            transport.send(outgoing)
            sent += 1
        except TransportError as exc:
            log.warning("cannot email the reputation alarm to %s: %s", address, exc)
            errors.append(f"{address}: {exc}")
    now = utcnow()
    for alarm in alarms:
        alarm.notified_at = now if sent else None
        alarm.notify_error = "; ".join(errors) or (None if sent else "no active operator")
    session.flush()
    return sent
