"""``newsletter ses check`` on accounts only AWS can describe (botocore's Stubber): healthy,
sandboxed, shut down, DKIM pending."""

from __future__ import annotations

from typing import Any

from botocore.stub import Stubber
from flask import Flask

from newsletter.tracking.ses.check import run_check
from newsletter.tracking.ses.publishing import DESTINATION_NAME, EVENT_TYPES
from tests.tracking.conftest import StubbedAws
from tests.tracking.helpers import TOPIC, WEBHOOK


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
