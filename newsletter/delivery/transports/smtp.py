"""SMTP: any relay, Amazon SES's SMTP endpoint included, over a small pool of connections.

Opening a connection costs a TLS handshake and a login, so connections are kept and reused;
at most ``pool_size`` are open at once and a sending thread waits for a free one. A relay
closes idle connections after a while: when a kept connection turns out to be dead at the
first command (MAIL FROM, before any of the message went out) a new one is opened and the
message is sent on it. A connection lost after the message was handed over is never retried
here, because the relay may already have accepted it (:class:`OutcomeUnknown`).

Through SES's SMTP endpoint the configuration set and the message tags (campaign, delivery,
feedback id) travel as ``X-SES-CONFIGURATION-SET`` / ``X-SES-MESSAGE-TAGS`` headers, so SES
events carry the same tags as after an API send.
"""

from __future__ import annotations

import email.parser
import email.policy
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from newsletter.config import Settings
from newsletter.delivery.transports.base import (
    AccountBlocked,
    OutcomeUnknown,
    OutgoingMessage,
    SendResult,
    TemporaryFailure,
    TransportError,
)
from newsletter.delivery.transports.ses import ses_smtp_headers
from newsletter.delivery.transports.smtp_replies import (
    Stage,
    classify_reply,
    message_id_in,
    reply_text,
)

Security = Literal["starttls", "tls", "none"]
SMTP_OK = 250
SERVICE_CLOSING = 421
SMTP_FORWARDED = 251  # "user not local; will forward": accepted
_HEADERS = email.parser.BytesHeaderParser(policy=email.policy.compat32)


def is_ses_endpoint(host: str) -> bool:
    """Whether ``host`` is Amazon SES's SMTP endpoint (email-smtp.<region>.amazonaws.com)."""
    return host.startswith("email-smtp.") and host.endswith((".amazonaws.com", ".amazonaws.com.cn"))


@dataclass(frozen=True)
class SesRouting:
    """Through SES's SMTP endpoint, the configuration set and tags travel as headers."""

    configuration_set: str
    feedback_id: str

    def headers(self, tags: Mapping[str, str]) -> bytes:
        """The X-SES-* header lines for a message with ``tags``."""
        return ses_smtp_headers(tags, self.configuration_set, self.feedback_id)


class SmtpTransport:
    """Sends over pooled SMTP connections."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security = "starttls",
        username: str = "",
        password: str = "",
        pool_size: int = 4,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        ses: SesRouting | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.ses = ses
        self._slots = threading.BoundedSemaphore(pool_size)
        self._lock = threading.Lock()
        self._idle: list[smtplib.SMTP] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTransport:
        """The transport the ``NEWSLETTER_SMTP_*`` settings describe."""
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            pool_size=settings.smtp_pool_size,
            ses=SesRouting(settings.ses_configuration_set, settings.ses_feedback_id)
            if is_ses_endpoint(settings.smtp_host)
            else None,
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        """Send ``message`` on a pooled connection; the relay's id, or the Message-ID."""
        with self._slots:
            connection = self._envelope_started(message)
            try:
                _add_recipient(connection, message)
                code, reply = self._hand_over(connection, message)
            except TransportError:
                self._release(connection)
                raise
            except BaseException:
                _quit(connection)
                raise
            self._release(connection)
        if code != SMTP_OK:
            raise classify_reply(code, reply, Stage.DATA, message.sender)
        return SendResult(message_id_in(reply) or _own_message_id(message.data))

    def close(self) -> None:
        """Close the idle connections; connections in use close when they come back."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            _quit(connection)

    def _take(self) -> smtplib.SMTP:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self.connect()

    def _release(self, connection: smtplib.SMTP) -> None:
        """Keep a connection that is still open for the next message."""
        if connection.sock is None:
            return
        with self._lock:
            self._idle.append(connection)

    def connect(self) -> smtplib.SMTP:
        """A new, secured and logged-in connection; a TransportError when that fails."""
        try:
            return self._open()
        except smtplib.SMTPAuthenticationError as exc:
            raise AccountBlocked(f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise AccountBlocked(f"{self.host}:{self.port}: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            text = reply_text(exc.smtp_error)
            raise classify_reply(exc.smtp_code, text, Stage.CONNECT, "") from exc
        except ssl.SSLCertVerificationError as exc:
            raise AccountBlocked(f"TLS certificate of {self.host} not trusted: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot connect to {self.host}:{self.port}: {exc}") from exc

    def _open(self) -> smtplib.SMTP:
        connection: smtplib.SMTP
        if self.security == "tls":
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.security == "starttls":
                connection.starttls(context=self.ssl_context)
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            _quit(connection)
            raise
        return connection

    def _envelope_started(self, message: OutgoingMessage) -> smtplib.SMTP:
        """A connection on which MAIL FROM was accepted; a kept one found dead is replaced.

        A relay closing an idle connection either just closes it or first says so with a
        421 (Postfix: "421 4.4.2 Error: timeout exceeded"), which the next command reads.
        """
        connection = self._take()
        try:
            code, reply = connection.mail(message.sender)
        except (smtplib.SMTPServerDisconnected, OSError):
            code, reply = SERVICE_CLOSING, b"connection closed"
        if code == SERVICE_CLOSING:
            _quit(connection)
            connection = self.connect()
            code, reply = _command(connection, connection.mail, message.sender)
        if code != SMTP_OK:
            error = classify_reply(code, reply_text(reply), Stage.SENDER, message.sender)
            _reset(connection)
            self._release(connection)
            raise error
        return connection

    def _hand_over(self, connection: smtplib.SMTP, message: OutgoingMessage) -> tuple[int, str]:
        data = message.data
        if self.ses is not None:
            data = self.ses.headers(message.tags) + data
        try:
            code, reply = connection.data(data)
        except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was sent
            _reset(connection)
            raise classify_reply(
                exc.smtp_code, reply_text(exc.smtp_error), Stage.DATA, message.sender
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _quit(connection)
            raise OutcomeUnknown(
                f"connection to {self.host} lost while sending; it may have been accepted: {exc}"
            ) from exc
        if code != SMTP_OK:
            _reset(connection)
        return code, reply_text(reply)


def _command(
    connection: smtplib.SMTP, call: Callable[[str], tuple[int, bytes]], argument: str
) -> tuple[int, bytes]:
    """One envelope command; a lost connection is closed and reported as transient."""
    try:
        return call(argument)
    except (smtplib.SMTPException, OSError) as exc:
        _quit(connection)
        raise TemporaryFailure(f"SMTP connection lost: {exc}") from exc


def _add_recipient(connection: smtplib.SMTP, message: OutgoingMessage) -> None:
    code, reply = _command(connection, connection.rcpt, message.recipient)
    if code not in (SMTP_OK, SMTP_FORWARDED):
        error = classify_reply(code, reply_text(reply), Stage.RECIPIENT, message.sender)
        _reset(connection)
        raise error


def _reset(connection: smtplib.SMTP) -> None:
    """Abandon the current envelope so the connection can carry the next message."""
    try:
        connection.rset()
    except (smtplib.SMTPException, OSError):
        _quit(connection)


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _own_message_id(data: bytes) -> str:
    """The message's own Message-ID when the relay gives no id (or a generated one)."""
    found = _HEADERS.parsebytes(data).get("Message-ID", "")
    return str(found).strip().strip("<>") or f"smtp-{uuid.uuid4().hex}"
