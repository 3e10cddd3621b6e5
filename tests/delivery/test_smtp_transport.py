"""The SMTP transport against aiosmtpd on loopback: plain, STARTTLS and implicit TLS with a
self-signed certificate, login, a pool of reused connections that survives a relay closing
idle ones, and every refusal sorted for the sender."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from newsletter.config import Settings
from newsletter.delivery.transports import (
    AccountBlocked,
    OutcomeUnknown,
    PermanentFailure,
    QuotaExhausted,
    TemporaryFailure,
    Throttled,
    TransportError,
)
from newsletter.delivery.transports.smtp import SesRouting, SmtpTransport
from newsletter.delivery.transports.smtp_replies import message_id_in
from tests.delivery.transport_helpers import SENDER, in_threads, message
from tests.servers import LOOPBACK, free_port, self_signed_tls, smtp_server

SES_OK = "250 Ok 0100018c6f2d3e1e-4c2b"


@contextmanager
def transport_to(
    relay: Relay, server: dict[str, Any] | None = None, **options: Any
) -> Iterator[SmtpTransport]:
    """A transport to a new aiosmtpd relay (plain unless ``options`` say otherwise)."""
    with smtp_server(relay, **(server or {})) as controller:
        options.setdefault("security", "none")
        transport = SmtpTransport(controller.hostname, controller.port, **options)
        try:
            yield transport
        finally:
            transport.close()


class Relay:
    """Keeps each accepted message with the client's address, answers as told."""

    def __init__(self, data_reply: str = SES_OK, rcpt_reply: str = "") -> None:
        self.data_reply = data_reply
        self.rcpt_reply = rcpt_reply
        self.mail_replies: list[str] = []  # answered to the next MAIL FROMs, one each
        self.accepted: list[tuple[Any, bytes]] = []

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.mail_replies:
            return self.mail_replies.pop(0)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply.startswith("250"):
            self.accepted.append((session.peer, envelope.content))
        return self.data_reply

    def connections(self) -> int:
        return len({peer for peer, _ in self.accepted})


@pytest.fixture
def relay() -> Relay:
    return Relay()


@pytest.fixture
def plain(relay: Relay) -> Iterator[SmtpTransport]:
    with transport_to(relay, pool_size=2) as transport:
        yield transport


def test_a_message_is_relayed_with_the_id_from_the_relays_reply(
    plain: SmtpTransport, relay: Relay
) -> None:
    result = plain.send(message())
    assert result.message_id == "0100018c6f2d3e1e-4c2b"  # SES: "250 Ok <id>"
    [(_, data)] = relay.accepted
    assert data.replace(b"\r\n", b"\n") == message().data.replace(b"\r\n", b"\n")


def test_a_reply_without_an_id_gives_the_messages_own_message_id(relay: Relay) -> None:
    relay.data_reply = "250 Message accepted for delivery"
    with transport_to(relay) as transport:
        assert transport.send(message()).message_id == "abc.123@news.example.org"


def test_connections_are_reused_and_never_more_than_the_pool_size(
    plain: SmtpTransport, relay: Relay
) -> None:
    def send_five() -> None:
        for _ in range(5):
            plain.send(message())

    in_threads(6, send_five)
    assert len(relay.accepted) == 30
    assert relay.connections() <= 2


def test_a_connection_the_relay_closed_while_idle_is_replaced(relay: Relay) -> None:
    # aiosmtpd drops clients idle for 0.3 s
    with transport_to(relay, {"timeout": 0.3}, pool_size=1) as transport:
        transport.send(message())
        time.sleep(0.8)
        transport.send(message())
    assert len(relay.accepted) == 2
    assert relay.connections() == 2


def test_a_connection_the_relay_says_it_closes_is_replaced(relay: Relay) -> None:
    with transport_to(relay, pool_size=1) as transport:
        transport.send(message())
        relay.mail_replies = ["421 4.4.2 Error: timeout exceeded"]
        transport.send(message())
    assert len(relay.accepted) == 2
    assert relay.connections() == 2


def test_a_relay_that_keeps_closing_is_back_pressure(relay: Relay) -> None:
    relay.mail_replies = ["421 4.7.0 Too many connections"] * 2
    with transport_to(relay) as transport, pytest.raises(Throttled, match="Too many"):
        transport.send(message())


def test_starttls_with_a_trusted_certificate(relay: Relay, tmp_path: Path) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    server = {"tls_context": server_tls, "require_starttls": True}
    with transport_to(relay, server, security="starttls", ssl_context=client_tls) as transport:
        transport.send(message())
    assert len(relay.accepted) == 1


def test_an_untrusted_certificate_stops_sending(relay: Relay, tmp_path: Path) -> None:
    server_tls, _ = self_signed_tls(tmp_path)
    server = {"tls_context": server_tls, "require_starttls": True}
    with (
        transport_to(relay, server, security="starttls") as transport,
        pytest.raises(AccountBlocked, match="not trusted"),
    ):
        transport.send(message())
    assert relay.accepted == []


def test_a_relay_without_starttls_is_refused_when_starttls_is_asked_for(relay: Relay) -> None:
    with (
        transport_to(relay, security="starttls") as transport,
        pytest.raises(AccountBlocked, match="STARTTLS"),
    ):
        transport.send(message())


def test_implicit_tls(relay: Relay, tmp_path: Path) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    server = {"ssl_context": server_tls}
    with transport_to(relay, server, security="tls", ssl_context=client_tls) as transport:
        transport.send(message())
    assert len(relay.accepted) == 1


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    given = (data.login, data.password) if isinstance(data, LoginPassword) else None
    # handled=False: aiosmtpd answers the refusal (535) itself
    return AuthResult(success=given == (b"ses-user", b"s3cret"), handled=False)


@pytest.mark.parametrize(("password", "accepted"), [("s3cret", 1), ("wrong", 0)])
def test_login_over_starttls(relay: Relay, tmp_path: Path, password: str, accepted: int) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    server = {"tls_context": server_tls, "authenticator": check_login, "auth_required": True}
    login = {"username": "ses-user", "password": password, "security": "starttls"}
    with transport_to(relay, server, ssl_context=client_tls, **login) as transport:
        if accepted:
            transport.send(message())
        else:
            with pytest.raises(AccountBlocked, match="login refused"):
                transport.send(message())
    assert len(relay.accepted) == accepted


REFUSALS: list[tuple[str, str, type[TransportError]]] = [
    ("data", "451 4.3.0 Temporary local problem", Throttled),
    ("data", "454 Throttling failure: Maximum sending rate exceeded.", Throttled),
    ("data", "454 Throttling failure: Daily message quota exceeded.", QuotaExhausted),
    ("data", "432 4.7.12 A password transition is needed", TemporaryFailure),
    ("data", "550 5.7.1 Content rejected", PermanentFailure),
    ("data", "554 Message rejected: Sending paused for this account.", AccountBlocked),
    (
        "data",
        "554 Message rejected: Email address is not verified. The following identities failed "
        f"the check in region US-EAST-1: {SENDER}",
        AccountBlocked,
    ),
    ("rcpt", "550 5.1.1 No such user", PermanentFailure),
    ("rcpt", "452 4.5.3 Too many recipients", Throttled),
]


@pytest.mark.parametrize(("stage", "reply", "expected"), REFUSALS)
def test_each_refusal_is_sorted_and_the_connection_kept(
    stage: str, reply: str, expected: type[TransportError]
) -> None:
    relay = Relay(**({"data_reply": reply} if stage == "data" else {"rcpt_reply": reply}))
    with transport_to(relay, pool_size=1) as transport:
        with pytest.raises(TransportError) as raised:
            transport.send(message())
        assert type(raised.value) is expected
        assert reply.partition(" ")[2] in str(raised.value)
        relay.data_reply, relay.rcpt_reply = "250 Ok later-id", ""
        assert transport.send(message()).message_id == "later-id"


class SlowRelay(Relay):
    """Takes the message and answers only after the client gave up."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(1.5)
        return reply


def test_a_message_handed_over_without_an_answer_has_an_unknown_outcome() -> None:
    relay = SlowRelay()
    with (
        transport_to(relay, timeout=0.5) as transport,
        pytest.raises(OutcomeUnknown, match="may have been accepted"),
    ):
        transport.send(message())
    assert len(relay.accepted) == 1  # it was accepted after all: a resend would duplicate


def test_a_relay_that_cannot_be_reached_is_a_temporary_failure() -> None:
    transport = SmtpTransport(LOOPBACK, free_port(), security="none")
    with pytest.raises(TemporaryFailure, match="cannot connect"):
        transport.send(message())


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Ok 0100018c6f2d3e1e-4c2b", "0100018c6f2d3e1e-4c2b"),
        ("Ok <0100018c6f2d3e1e-4c2b>", "0100018c6f2d3e1e-4c2b"),
        ("2.0.0 Ok: queued as 4AbC12xYz", "4AbC12xYz"),
        ("OK", None),
        ("Message accepted for delivery", None),
    ],
)
def test_the_relays_id_is_read_from_common_replies(reply: str, expected: str | None) -> None:
    assert message_id_in(reply) == expected


def test_through_ses_smtp_the_configuration_set_and_tags_travel_as_headers(relay: Relay) -> None:
    routing = SesRouting("daily-events", "ai.daily")
    with transport_to(relay, ses=routing) as transport:
        transport.send(message(campaign="12", delivery="345"))
    [(_, data)] = relay.accepted
    head = data.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[:2] == [
        b"X-SES-CONFIGURATION-SET: daily-events",
        b"X-SES-MESSAGE-TAGS: campaign=12, delivery=345, ses:feedback-id-a=ai_daily, "
        b"ses:feedback-id-b=12",
    ]
    assert head[2].startswith(b"From: ")


@pytest.mark.parametrize(
    ("host", "routed"),
    [("email-smtp.eu-west-1.amazonaws.com", True), ("smtp.example.org", False)],
)
def test_the_ses_headers_are_added_only_for_ses_endpoints(host: str, routed: bool) -> None:
    transport = SmtpTransport.from_settings(Settings(transport="smtp", smtp_host=host))
    assert (transport.ses is not None) is routed
