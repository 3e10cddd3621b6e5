"""The raw-body splice of the SES transport: the message SES receives is the message built,
the signature covers the spliced body, and a body of another shape falls back to botocore's
own serialisation without losing or doubling a message."""

from __future__ import annotations

import base64
import logging
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import boto3
import pytest

from newsletter.config import Settings
from newsletter.delivery.transports import OutgoingMessage, ses_raw_body
from newsletter.delivery.transports.ses import SEND_CONFIG, SesTransport, make_sesv2_client
from tests.delivery.test_ses_transport import sent_raw, ses_settings, verify
from tests.delivery.transport_helpers import SENDER


def newsletter_sized_message() -> OutgoingMessage:
    """About 80 KB of Chinese HTML in base64, the size of a day's issue."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = f"AI前沿发展日报 <{SENDER}>"
    mail["To"] = "li@example.org"
    mail["Subject"] = "AI前沿发展日报 2026-12-08"
    paragraph = '<p>算力、资本与监管：今日要闻 "引号" \\反斜杠\\ 与 <b>标签</b>。</p>\n'
    mail.set_content("纯文本版本\n" * 200)
    mail.add_alternative(paragraph * 900, subtype="html")
    return OutgoingMessage(SENDER, "li@example.org", mail.as_bytes(), {"campaign": "7"})


def test_ses_receives_the_message_as_built(moto: str, caplog: pytest.LogCaptureFixture) -> None:
    verify(moto, SENDER)
    outgoing = newsletter_sized_message()
    assert len(outgoing.data) > 60_000
    transport = SesTransport(ses_settings(moto))
    with caplog.at_level(logging.WARNING):
        result = transport.send(outgoing)
    transport.close()
    assert caplog.records == []  # spliced, not sent the plain way after a fallback
    [stored] = sent_raw(moto)
    assert stored["id"] == result.message_id
    assert stored["raw_data"].encode() == outgoing.data


def test_the_signature_is_computed_over_the_spliced_body(moto: str) -> None:
    outgoing = newsletter_sized_message()
    client = make_sesv2_client(Settings(ses_endpoint_url=moto), SEND_CONFIG)
    ses_raw_body.install(client)
    seen: dict[str, bytes] = {}

    def signed(request: Any, **_: Any) -> None:
        seen["signed"] = bytes(request.body)

    def sent(request: Any, **_: Any) -> None:
        seen["sent"] = bytes(request.body)

    client.meta.events.register("before-sign.sesv2.SendEmail", signed)
    client.meta.events.register("before-send.sesv2.SendEmail", sent)
    verify(moto, SENDER)
    client.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["li@example.org"]},
        Content={"Raw": {"Data": outgoing.data}},
    )
    assert seen["signed"] == seen["sent"]
    assert base64.b64encode(outgoing.data) in seen["sent"]


def test_a_body_of_another_shape_is_sent_the_plain_way(
    moto: str, caplog: pytest.LogCaptureFixture
) -> None:
    """As if a botocore release wrote the blob differently: the marker is not found, nothing
    leaves with it, and every message (this one included) goes out once, unspliced."""
    verify(moto, SENDER)
    made: list[Any] = []

    def reshaped_client() -> Any:
        client = make_sesv2_client(ses_settings(moto), SEND_CONFIG, boto3.session.Session())

        def reshape(params: dict[str, Any], **_: Any) -> None:
            params["body"] = params["body"].replace(ses_raw_body._MARKER_JSON, b'"elsewhere"')

        client.meta.events.register("before-call.sesv2.SendEmail", reshape)
        ses_raw_body.install(client)
        made.append(client)
        return client

    transport = SesTransport(ses_settings(moto), client_factory=reshaped_client)
    outgoing = newsletter_sized_message()
    with caplog.at_level(logging.WARNING, logger="newsletter.delivery.transports.ses"):
        first = transport.send(outgoing)
        second = transport.send(outgoing)
    transport.close()
    stored = sent_raw(moto)
    assert [row["id"] for row in stored] == [first.message_id, second.message_id]
    assert all(row["raw_data"].encode() == outgoing.data for row in stored)
    assert len(made) == 1
    assert [r.message for r in caplog.records].count(
        "SES: botocore's SendEmail body has changed shape; sending without the raw-body "
        "splice from now on"
    ) == 1
