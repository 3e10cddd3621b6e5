"""The SES v2 transport: raw sends through moto's server over HTTP, the request's tags and
configuration set, and every kind of SES refusal sorted for the sender (botocore Stubber,
for the errors moto cannot produce)."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.stub import Stubber

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
from newsletter.delivery.transports.ses import (
    SesTransport,
    email_tags,
    make_sesv2_client,
    tag_value,
)
from tests.delivery.transport_helpers import SENDER, in_threads, message
from tests.servers import free_port, mute_endpoint


def ses_settings(endpoint: str, **overrides: Any) -> Settings:
    return Settings(
        transport="ses", ses_endpoint_url=endpoint, sender=f"AI Daily <{SENDER}>", **overrides
    )


def verify(moto: str, identity: str) -> None:
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto)
    client.create_email_identity(EmailIdentity=identity)


def sent_raw(moto: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = requests.get(f"{moto}/moto-api/data.json", timeout=5).json()[
        "ses"
    ]["RawMessage"]
    return found


def test_a_message_goes_to_ses_as_raw_bytes_and_its_message_id_comes_back(moto: str) -> None:
    verify(moto, "news.example.org")
    transport = SesTransport(ses_settings(moto))
    result = transport.send(message(campaign="12", delivery="345"))
    transport.close()
    [stored] = sent_raw(moto)
    assert stored["id"] == result.message_id
    assert stored["source"] == SENDER
    assert "li@example.org" in stored["destinations"]
    assert stored["raw_data"].replace("\r\n", "\n") == message().data.decode().replace("\r\n", "\n")


def test_an_unverified_sender_blocks_the_account_not_the_reader(moto: str) -> None:
    transport = SesTransport(ses_settings(moto))
    with pytest.raises(AccountBlocked, match=SENDER):
        transport.send(message())
    assert sent_raw(moto) == []


def test_each_thread_sends_with_a_client_of_its_own(moto: str) -> None:
    verify(moto, SENDER)
    settings = ses_settings(moto)
    made: list[Any] = []
    lock = threading.Lock()

    def factory() -> Any:
        client = boto3.session.Session().client("sesv2", region_name="us-east-1", endpoint_url=moto)
        with lock:
            made.append(client)
        return client

    transport = SesTransport(settings, client_factory=factory)

    def send_three() -> None:
        for _ in range(3):
            transport.send(message())

    in_threads(3, send_three)
    send_three()
    assert len(made) == 4  # three threads and this one, each reusing its client
    assert len(sent_raw(moto)) == 12
    transport.close()
    send_three()
    assert len(made) == 5  # closed clients are not used again


def test_ses_that_cannot_be_reached_is_a_temporary_failure(aws_env: None) -> None:
    transport = SesTransport(ses_settings(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(TemporaryFailure, match="cannot reach SES"):
        transport.send(message())


def test_missing_credentials_block_the_account(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    transport = SesTransport(ses_settings(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(AccountBlocked, match="credentials"):
        transport.send(message())


def stubbed(settings: Settings) -> tuple[SesTransport, Stubber]:
    client = boto3.client(
        "sesv2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.activate()
    return SesTransport(settings, client_factory=lambda: client), stubber


def test_the_request_carries_the_configuration_set_and_ses_safe_tags() -> None:
    settings = ses_settings("", ses_configuration_set="daily-events", ses_feedback_id="ai.daily")
    transport, stubber = stubbed(settings)
    outgoing = message(campaign="12", delivery="345", variant="capital+compute")
    stubber.add_response(
        "send_email",
        {"MessageId": "0100018c-abc"},
        {
            "FromEmailAddress": SENDER,
            "Destination": {"ToAddresses": ["li@example.org"]},
            "Content": {"Raw": {"Data": outgoing.data}},
            "ConfigurationSetName": "daily-events",
            "EmailTags": [
                {"Name": "campaign", "Value": "12"},
                {"Name": "delivery", "Value": "345"},
                {"Name": "variant", "Value": "capital_compute"},
                {"Name": "ses:feedback-id-a", "Value": "ai_daily"},
                {"Name": "ses:feedback-id-b", "Value": "12"},
            ],
        },
    )
    assert transport.send(outgoing).message_id == "0100018c-abc"
    stubber.assert_no_pending_responses()


def test_tag_values_keep_only_what_ses_allows() -> None:
    assert tag_value("周报 2024/05:x") == "___2024_05_x"
    assert tag_value("a" * 300) == "a" * 256
    assert email_tags({"campaign": "", "": "x"}, "") == []


REFUSALS: list[tuple[str, int, str, type[TransportError]]] = [
    ("TooManyRequestsException", 429, "Maximum sending rate exceeded.", Throttled),
    ("Throttling", 400, "Rate exceeded", Throttled),
    ("LimitExceededException", 400, "Daily message quota exceeded.", QuotaExhausted),
    ("LimitExceededException", 400, "Maximum sending rate exceeded.", Throttled),
    (
        "MessageRejected",
        400,
        "Email address is not verified. The following identities failed the check in region "
        f"EU-WEST-1: {SENDER}, li@example.org",
        AccountBlocked,
    ),
    (
        "MessageRejected",
        400,
        "Email address is not verified. The following identities failed the check in region "
        "EU-WEST-1: li@example.org",
        PermanentFailure,
    ),
    ("MessageRejected", 400, "Illegal address", PermanentFailure),
    ("MailFromDomainNotVerifiedException", 400, "MAIL FROM domain not verified", AccountBlocked),
    ("SendingPausedException", 400, "Sending paused for this account.", AccountBlocked),
    ("AccountSendingPausedException", 400, "Account sending paused.", AccountBlocked),
    ("AccountSuspendedException", 400, "Account suspended.", AccountBlocked),
    ("NotFoundException", 404, "Configuration set <daily> does not exist.", AccountBlocked),
    ("BadRequestException", 400, "Missing final '@domain'", PermanentFailure),
    ("InternalFailure", 500, "Internal error", TemporaryFailure),
    ("ServiceUnavailable", 503, "Service unavailable", TemporaryFailure),
]


@pytest.mark.parametrize(("code", "status", "text", "expected"), REFUSALS)
def test_each_ses_refusal_is_sorted_into_what_the_sender_does_about_it(
    code: str, status: int, text: str, expected: type[TransportError]
) -> None:
    transport, stubber = stubbed(ses_settings(""))
    stubber.add_client_error(
        "send_email", service_error_code=code, service_message=text, http_status_code=status
    )
    with pytest.raises(TransportError) as raised:
        transport.send(message())
    assert type(raised.value) is expected
    assert f"{code}: {text}" in str(raised.value)


def test_an_answer_without_a_message_id_is_not_taken_for_a_send() -> None:
    transport, stubber = stubbed(ses_settings(""))
    stubber.add_response("send_email", {"MessageId": ""})
    with pytest.raises(OutcomeUnknown, match="without a MessageId"):
        transport.send(message())


@pytest.mark.parametrize("behaviour", ["silent", "hang up"])
def test_a_request_sent_without_an_answer_has_an_unknown_outcome(
    aws_env: None, behaviour: str
) -> None:
    with mute_endpoint(hang_up=behaviour == "hang up") as url:
        config = Config(read_timeout=0.5, retries={"max_attempts": 1})
        settings = ses_settings(url)
        transport = SesTransport(
            settings, client_factory=lambda: make_sesv2_client(settings, config)
        )
        with pytest.raises(OutcomeUnknown, match="may have been accepted"):
            transport.send(message())
        transport.close()
