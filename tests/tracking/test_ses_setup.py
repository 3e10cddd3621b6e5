"""``newsletter ses setup`` and ``ses check`` against moto's server over HTTP where moto has
the calls, and against botocore's Stubber for what only AWS can answer."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber
from flask import Flask

from newsletter.commands import build_cli
from newsletter.tracking.ses.aws import EXTENSION_KEY, AwsClients
from newsletter.tracking.ses.check import run_check
from newsletter.tracking.ses.publishing import DESTINATION_NAME, EVENT_TYPES, POLICY_SID
from newsletter.tracking.ses.setup import run_setup
from tests.tracking.conftest import StubbedAws

TOPIC = "arn:aws:sns:us-east-1:123456789012:newsletter-events"
WEBHOOK = "https://news.example.org/webhooks/ses"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server on a free loopback port, for the whole session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}")
        try:
            requests.get(f"{url}/moto-api/", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"moto_server did not answer on {url} within 30 s")


@pytest.fixture
def moto(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty moto account and credentials for boto3's default chain."""
    requests.post(f"{moto_url}/moto-api/reset", timeout=5)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_url


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Point SES and SNS at moto (when the test uses it); the topic is on the allow-list."""
    if "moto" not in request.fixturenames:
        return {"sns_topic_arns": (TOPIC,)}
    url = request.getfixturevalue("moto")
    return {"ses_endpoint_url": url, "sns_endpoint_url": url, "sns_topic_arns": (TOPIC,)}


def _invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(build_cli(), list(args))


def _moto_client(url: str, service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=url)


def test_setup_creates_what_moto_offers_and_says_what_it_cannot(app: Flask, moto: str) -> None:
    result = _invoke(app, "ses", "setup")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["created", "configuration", "set"]
    assert lines[1].split()[:3] == ["created", "SNS", "topic"]
    assert TOPIC in lines[1]
    assert lines[2].split()[:3] == ["created", "webhook", "subscription"]
    assert lines[3].split()[:3] == ["unavailable", "event", "destination"]
    assert "not available from this endpoint" in lines[3]
    assert "SHA256 signatures" in lines[1]
    sns = _moto_client(moto, "sns")
    attributes = sns.get_topic_attributes(TopicArn=TOPIC)["Attributes"]
    statements = json.loads(attributes["Policy"])["Statement"]
    ours = [s for s in statements if s.get("Sid") == POLICY_SID]
    assert ours[0]["Principal"] == {"Service": "ses.amazonaws.com"}
    assert ours[0]["Condition"]["StringEquals"]["AWS:SourceArn"].endswith(
        ":configuration-set/newsletter"
    )
    assert len(statements) == 2  # the default statement is kept
    [subscription] = sns.list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("https", WEBHOOK)


def test_setup_run_again_finds_everything_in_place(app: Flask, moto: str) -> None:
    _invoke(app, "ses", "setup")
    again = _invoke(app, "ses", "setup")
    lines = again.output.splitlines()
    # moto keeps no SignatureVersion attribute, so setup sets it again; nothing else changes.
    assert [line.split()[0] for line in lines] == ["found", "updated", "found", "unavailable"]
    assert "policy" not in lines[1]
    assert (
        len(_moto_client(moto, "sns").list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"])
        == 1
    )


@pytest.mark.parametrize("settings_overrides", [{"sns_topic_arns": ()}])
def test_setup_waits_with_the_subscription_until_the_topic_is_allowed(
    app: Flask, moto_url: str, monkeypatch: pytest.MonkeyPatch, settings_overrides: dict[str, Any]
) -> None:
    requests.post(f"{moto_url}/moto-api/reset", timeout=5)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = app.config["NEWSLETTER"]
    app.config["NEWSLETTER"] = dataclasses.replace(
        settings, ses_endpoint_url=moto_url, sns_endpoint_url=moto_url
    )
    app.extensions[EXTENSION_KEY] = AwsClients(app.config["NEWSLETTER"])
    result = _invoke(app, "ses", "setup")
    assert "skipped" in result.output
    assert f"NEWSLETTER_SNS_TOPIC_ARNS={TOPIC}" in result.output
    assert (
        _moto_client(moto_url, "sns").list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
        == []
    )


def test_check_fails_before_setup_and_passes_after_it(app: Flask, moto: str) -> None:
    before = _invoke(app, "ses", "check")
    assert before.exit_code == 1
    assert "neither news.example.org nor daily@news.example.org is an SES identity" in before.output
    assert (
        "fix: create it: aws sesv2 create-email-identity --email-identity news.example.org"
        in before.output
    )
    _moto_client(moto, "sesv2").create_email_identity(EmailIdentity="news.example.org")
    _invoke(app, "ses", "setup")
    after = _invoke(app, "ses", "check")
    assert after.exit_code == 0, after.output
    status = {
        line[12:].split("  ")[0].strip(): line.split()[0]
        for line in after.output.splitlines()
        if not line.startswith(" ")
    }
    assert status["Sending identity"] == "ok"
    assert status["DKIM"] == "warn"
    assert status["Custom MAIL FROM"] == "warn"
    assert status["Account"] == "unavailable"
    assert status["Event destination"] == "unavailable"
    assert status["Webhook allow-list"] == "ok"
    assert status["Webhook subscription"] == "ok"


class NoCredentialsClient:
    """A client whose every call fails as boto3 does when no credentials are found."""

    def __getattr__(self, _name: str) -> Any:
        def call(*_args: Any, **_kwargs: Any) -> Any:
            raise NoCredentialsError

        return call


class NoCredentialsAws:
    def sesv2(self) -> Any:
        return NoCredentialsClient()

    def sns(self, region: str | None = None) -> Any:
        return NoCredentialsClient()


def test_check_and_setup_without_credentials_say_what_to_set(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = NoCredentialsAws()
    check = _invoke(app, "ses", "check")
    assert check.exit_code == 1
    assert "no AWS credentials found" in check.output
    assert "fix: set AWS_PROFILE or AWS_ACCESS_KEY_ID" in check.output
    setup = _invoke(app, "ses", "setup")
    assert setup.exit_code == 1
    assert "failed      configuration set  no AWS credentials" in setup.output


def _stub_setup_calls(
    ses: Stubber, sns: Stubber, existing_destination: dict[str, Any] | None, version: str = "2"
) -> None:
    ses.add_response(
        "get_configuration_set",
        {"ConfigurationSetName": "newsletter"},
        {"ConfigurationSetName": "newsletter"},
    )
    sns.add_response("list_topics", {"Topics": [{"TopicArn": TOPIC}]})
    policy = {"Version": "2012-10-17", "Statement": []}
    sns.add_response(
        "get_topic_attributes",
        {"Attributes": {"SignatureVersion": version, "Policy": json.dumps(policy)}},
        {"TopicArn": TOPIC},
    )
    if version != "2":
        sns.add_response(
            "set_topic_attributes",
            {},
            {"TopicArn": TOPIC, "AttributeName": "SignatureVersion", "AttributeValue": "2"},
        )
    sns.add_response(
        "set_topic_attributes",
        {},
        {"TopicArn": TOPIC, "AttributeName": "Policy", "AttributeValue": _any()},
    )
    sns.add_response(
        "list_subscriptions_by_topic",
        {
            "Subscriptions": [
                {
                    "Endpoint": WEBHOOK,
                    "SubscriptionArn": f"{TOPIC}:s1",
                    "TopicArn": TOPIC,
                    "Protocol": "https",
                    "Owner": "1",
                }
            ]
        },
        {"TopicArn": TOPIC},
    )
    destinations = [existing_destination] if existing_destination else []
    ses.add_response(
        "get_configuration_set_event_destinations",
        {"EventDestinations": destinations},
        {"ConfigurationSetName": "newsletter"},
    )


def _any() -> Any:
    from botocore.stub import ANY

    return ANY


def test_setup_creates_the_event_destination_where_aws_offers_it(
    app: Flask, stubbed_aws: StubbedAws
) -> None:
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_setup_calls(ses, sns, None)
        wanted = {
            "Enabled": True,
            "MatchingEventTypes": [*EVENT_TYPES, "OPEN", "CLICK"],
            "SnsDestination": {"TopicArn": TOPIC},
        }
        ses.add_response(
            "create_configuration_set_event_destination",
            {},
            {
                "ConfigurationSetName": "newsletter",
                "EventDestinationName": DESTINATION_NAME,
                "EventDestination": wanted,
            },
        )
        steps = run_setup(stubbed_aws, app.config["NEWSLETTER"], ses_tracking=True)  # type: ignore[arg-type]
        ses.assert_no_pending_responses()
        sns.assert_no_pending_responses()
    assert [(s.name, s.outcome) for s in steps] == [
        ("configuration set", "found"),
        ("SNS topic", "updated"),
        ("webhook subscription", "found"),
        ("event destination", "created"),
    ]
    assert all(step.done for step in steps)


def test_setup_corrects_an_event_destination_missing_types(
    app: Flask, stubbed_aws: StubbedAws
) -> None:
    partial = {
        "Name": DESTINATION_NAME,
        "Enabled": True,
        "MatchingEventTypes": ["BOUNCE"],
        "SnsDestination": {"TopicArn": TOPIC},
    }
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_setup_calls(ses, sns, partial)
        ses.add_response(
            "update_configuration_set_event_destination",
            {},
            {
                "ConfigurationSetName": "newsletter",
                "EventDestinationName": DESTINATION_NAME,
                "EventDestination": _any(),
            },
        )
        steps = run_setup(stubbed_aws, app.config["NEWSLETTER"])  # type: ignore[arg-type]
    assert steps[-1].outcome == "updated"


def _stub_check(
    ses: Stubber, sns: Stubber, account: dict[str, Any], identity: dict[str, Any]
) -> None:
    ses.add_response("get_email_identity", identity, {"EmailIdentity": "news.example.org"})
    ses.add_response("get_account", account)
    ses.add_response(
        "get_configuration_set",
        {"ConfigurationSetName": "newsletter"},
        {"ConfigurationSetName": "newsletter"},
    )
    sns.add_response("list_topics", {"Topics": [{"TopicArn": TOPIC}]})
    destination = {
        "Name": DESTINATION_NAME,
        "Enabled": True,
        "MatchingEventTypes": list(EVENT_TYPES),
        "SnsDestination": {"TopicArn": TOPIC},
    }
    ses.add_response(
        "get_configuration_set_event_destinations",
        {"EventDestinations": [destination]},
        {"ConfigurationSetName": "newsletter"},
    )
    sns.add_response(
        "list_subscriptions_by_topic",
        {
            "Subscriptions": [
                {
                    "Endpoint": WEBHOOK,
                    "SubscriptionArn": "PendingConfirmation",
                    "TopicArn": TOPIC,
                    "Protocol": "https",
                    "Owner": "1",
                }
            ]
        },
        {"TopicArn": TOPIC},
    )


HEALTHY = {
    "ProductionAccessEnabled": True,
    "SendingEnabled": True,
    "EnforcementStatus": "HEALTHY",
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 45000.0},
    "DedicatedIpAutoWarmupEnabled": False,
}
READY_IDENTITY = {
    "IdentityType": "DOMAIN",
    "VerifiedForSendingStatus": True,
    "DkimAttributes": {"SigningEnabled": True, "Status": "SUCCESS"},
    "MailFromAttributes": {
        "MailFromDomain": "bounce.news.example.org",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    },
}


def test_a_healthy_account_passes_with_a_quota_warning(app: Flask, stubbed_aws: StubbedAws) -> None:
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_check(ses, sns, HEALTHY, READY_IDENTITY)
        findings = {f.name: f for f in run_check(stubbed_aws, app.config["NEWSLETTER"])}  # type: ignore[arg-type]
    assert {name: f.status for name, f in findings.items()} == {
        "Sending identity": "ok",
        "DKIM": "ok",
        "Custom MAIL FROM": "ok",
        "Production access": "ok",
        "Reputation": "ok",
        "Quota": "warn",
        "Configuration set": "ok",
        "Event destination": "ok",
        "SNS topic": "ok",
        "Webhook allow-list": "ok",
        "Webhook subscription": "warn",
    }
    assert findings["Quota"].summary == "45,000 sent in 24 h of 50,000; up to 14 a second"


def test_sandbox_shutdown_and_pending_dkim_are_reported_with_fixes(
    app: Flask, stubbed_aws: StubbedAws
) -> None:
    account = {
        **HEALTHY,
        "ProductionAccessEnabled": False,
        "EnforcementStatus": "SHUTDOWN",
        "SendingEnabled": False,
    }
    identity = {
        "IdentityType": "DOMAIN",
        "VerifiedForSendingStatus": False,
        "DkimAttributes": {"SigningEnabled": True, "Status": "PENDING", "Tokens": ["abc", "def"]},
    }
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_check(ses, sns, account, identity)
        findings = {f.name: f for f in run_check(stubbed_aws, app.config["NEWSLETTER"])}  # type: ignore[arg-type]
    assert findings["Sending identity"].status == "fail"
    assert findings["Production access"].status == "fail"
    assert "Request production access" in findings["Production access"].fix
    assert findings["Sending"].status == "fail"
    assert findings["Reputation"].status == "fail"
    assert findings["DKIM"].status == "warn"
    assert "abc._domainkey.news.example.org CNAME abc.dkim.amazonses.com" in findings["DKIM"].fix
    assert "bounce.news.example.org" in findings["Custom MAIL FROM"].fix


def test_setup_moves_a_topic_to_sha256_signatures(app: Flask, stubbed_aws: StubbedAws) -> None:
    existing = {
        "Name": DESTINATION_NAME,
        "Enabled": True,
        "MatchingEventTypes": list(EVENT_TYPES),
        "SnsDestination": {"TopicArn": TOPIC},
    }
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_setup_calls(ses, sns, existing, version="1")
        steps = run_setup(stubbed_aws, app.config["NEWSLETTER"])  # type: ignore[arg-type]
        sns.assert_no_pending_responses()
    assert steps[1].outcome == "updated"
    assert "SHA256 signatures" in steps[1].detail
    assert steps[3].outcome == "found"
