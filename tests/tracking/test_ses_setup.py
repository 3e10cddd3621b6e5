"""``newsletter ses setup`` where AWS answers what moto cannot (botocore's Stubber), and
without credentials."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from botocore.stub import ANY, Stubber
from flask import Flask

from newsletter.tracking.ses.aws import EXTENSION_KEY
from newsletter.tracking.ses.check import run_check
from newsletter.tracking.ses.publishing import DESTINATION_NAME, EVENT_TYPES
from newsletter.tracking.ses.setup import run_setup
from tests.tracking.conftest import StubbedAws
from tests.tracking.helpers import TOPIC, WEBHOOK, invoke_cli


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
    check = invoke_cli(app, "ses", "check")
    assert check.exit_code == 1
    assert "no AWS credentials found" in check.output
    assert "fix: set AWS_PROFILE or AWS_ACCESS_KEY_ID" in check.output
    assert check.output.count("fail ") == 1  # the other checks are not tried
    setup = invoke_cli(app, "ses", "setup")
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
        {"TopicArn": TOPIC, "AttributeName": "Policy", "AttributeValue": ANY},
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
                "EventDestination": ANY,
            },
        )
        steps = run_setup(stubbed_aws, app.config["NEWSLETTER"])  # type: ignore[arg-type]
    assert steps[-1].outcome == "updated"


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


class UnreachableClient:
    """A client whose every call fails as boto3 does when the endpoint does not answer."""

    def __init__(self) -> None:
        self.calls = 0

    def __getattr__(self, _name: str) -> Any:
        def call(*_args: Any, **_kwargs: Any) -> Any:
            self.calls += 1
            raise EndpointConnectionError(endpoint_url="https://email.example.invalid")

        return call


def test_an_unreachable_endpoint_is_reported_once_without_trying_every_check(app: Flask) -> None:
    client = UnreachableClient()

    class UnreachableAws:
        def sesv2(self) -> Any:
            return client

        def sns(self, region: str | None = None) -> Any:
            return client

    findings = run_check(UnreachableAws(), app.config["NEWSLETTER"])  # type: ignore[arg-type]
    assert [(f.name, f.status) for f in findings] == [("Sending identity", "fail")]
    assert findings[0].summary.startswith("cannot reach AWS")
    assert client.calls == 1
