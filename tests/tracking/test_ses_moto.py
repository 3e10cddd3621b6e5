"""``newsletter ses setup`` and ``ses check`` against moto's server over HTTP, for the calls
moto implements (the rest is reported as not available from this endpoint)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import boto3
import pytest
import requests
from flask import Flask

from newsletter.tracking.ses.aws import EXTENSION_KEY, AwsClients
from newsletter.tracking.ses.publishing import POLICY_SID
from tests.tracking.helpers import TOPIC, WEBHOOK, invoke_cli


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Point SES and SNS at moto (when the test uses it); the topic is on the allow-list."""
    if "moto" not in request.fixturenames:
        return {"sns_topic_arns": (TOPIC,)}
    url = request.getfixturevalue("moto")
    return {"ses_endpoint_url": url, "sns_endpoint_url": url, "sns_topic_arns": (TOPIC,)}


def _moto_client(url: str, service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=url)


def test_setup_creates_what_moto_offers_and_says_what_it_cannot(app: Flask, moto: str) -> None:
    result = invoke_cli(app, "ses", "setup")
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
    invoke_cli(app, "ses", "setup")
    again = invoke_cli(app, "ses", "setup")
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
    result = invoke_cli(app, "ses", "setup")
    assert "skipped" in result.output
    assert f"NEWSLETTER_SNS_TOPIC_ARNS={TOPIC}" in result.output
    assert (
        _moto_client(moto_url, "sns").list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
        == []
    )


def test_check_fails_before_setup_and_passes_after_it(app: Flask, moto: str) -> None:
    before = invoke_cli(app, "ses", "check")
    assert before.exit_code == 1
    assert "neither news.example.org nor daily@news.example.org is an SES identity" in before.output
    assert (
        "fix: create it: aws sesv2 create-email-identity --email-identity news.example.org"
        in before.output
    )
    _moto_client(moto, "sesv2").create_email_identity(EmailIdentity="news.example.org")
    invoke_cli(app, "ses", "setup")
    after = invoke_cli(app, "ses", "check")
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
