"""Fixtures of the tracking tests: an allowed SNS topic, a test signing certificate the
webhook trusts through an injected fetcher, and AWS clients that tests stub."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.tracking.recorder import tracker
from newsletter.tracking.ses.aws import EXTENSION_KEY as AWS_KEY
from newsletter.tracking.sns.certificates import CertificateStore
from newsletter.tracking.sns.dispatch import SnsDispatcher
from newsletter.tracking.sns.errors import SnsForbidden
from newsletter.tracking.sns.inbox import SnsProcessor
from newsletter.tracking.sns.webhook import CERTIFICATES_KEY
from tests.tracking.helpers import (
    CERT_URL,
    TOPIC,
    SentCampaign,
    SigningCertificate,
    SnsSigner,
    make_sent_campaign,
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Settings a test changes: parametrize this fixture with a dict."""
    return {}


@pytest.fixture
def app_config(app_config: dict[str, Any], settings_overrides: dict[str, Any]) -> dict[str, Any]:
    """The test topic is on the webhook's allow-list; ``settings_overrides`` applied."""
    return {**app_config, "sns_topic_arns": (TOPIC,), **settings_overrides}


@pytest.fixture(scope="session")
def sns_certificate() -> SigningCertificate:
    return SigningCertificate.create()


@pytest.fixture(scope="session")
def other_certificate() -> SigningCertificate:
    """A certificate SNS never used: what a forger signs with."""
    return SigningCertificate.create()


class FakeFetcher:
    """Serves test certificates by URL and counts fetches; other URLs are 404s."""

    def __init__(self, pems: dict[str, bytes]) -> None:
        self.pems = pems
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if url not in self.pems:
            raise SnsForbidden(f"no certificate at {url} (404)")
        return self.pems[url]


@pytest.fixture
def fetcher(app: Flask, sns_certificate: SigningCertificate) -> FakeFetcher:
    """The webhook's certificate fetcher, serving the test certificate at CERT_URL."""
    fake = FakeFetcher({CERT_URL: sns_certificate.pem})
    app.extensions[CERTIFICATES_KEY] = CertificateStore(fake, ttl=3600)
    return fake


@pytest.fixture
def sns_signer(sns_certificate: SigningCertificate) -> SnsSigner:
    return SnsSigner(sns_certificate)


class StubbedAws:
    """Stands in for the app's AwsClients with real boto3 clients the test stubs."""

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(
                service,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self.clients[service]

    def sns(self, region: str | None = None) -> Any:
        return self.client("sns")

    def sesv2(self) -> Any:
        return self.client("sesv2")


@pytest.fixture
def stubbed_aws(app: Flask) -> StubbedAws:
    """Replaces the app's AWS clients; tests add Stubber responses to them."""
    fake = StubbedAws()
    app.extensions[AWS_KEY] = fake
    return fake


class Sns:
    """Posts signed SNS messages to the webhook and runs the inbox processor."""

    def __init__(self, app: Flask, client: FlaskClient, signer: SnsSigner, aws: StubbedAws) -> None:
        self.app = app
        self.client = client
        self.signer = signer
        self.processor = SnsProcessor(SnsDispatcher(app.config["NEWSLETTER"], aws))  # type: ignore[arg-type]

    def post(self, message: dict[str, str] | bytes, *, header: str | None = None) -> Any:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        kind = header or (None if isinstance(message, bytes) else message.get("Type"))
        headers = {"x-amz-sns-message-type": kind} if kind else {}
        return self.client.post(
            "/webhooks/ses",
            data=body,
            headers=headers,
            content_type="text/plain; charset=UTF-8",
        )

    def deliver(self, record: dict[str, Any], **options: Any) -> Any:
        """Post an SES record in a signed notification and process the inbox."""
        response = self.post(self.signer.notification(record, **options))
        assert response.status_code == 200, response.get_data(as_text=True)
        self.processor.process_pending()
        return response


@pytest.fixture
def sns(
    app: Flask,
    client: FlaskClient,
    fetcher: FakeFetcher,
    sns_signer: SnsSigner,
    stubbed_aws: StubbedAws,
) -> Sns:
    return Sns(app, client, sns_signer, stubbed_aws)


@pytest.fixture
def sent(session: Session) -> SentCampaign:
    """A campaign sent to two readers an hour ago."""
    return make_sent_campaign(session, readers=2)


@pytest.fixture(autouse=True)
def _write_left_over_hits(request: pytest.FixtureRequest) -> Iterator[None]:
    """Write what a test left in the tracker's buffer while its database still exists, so
    nothing is attempted at interpreter exit."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is not None:
        tracker(app).close()
