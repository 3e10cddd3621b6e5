"""The Amazon SES settings page: operators see the check, the inbox and can run setup."""

from __future__ import annotations

import json
from typing import Any

from botocore.stub import ANY, Stubber
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import AuditEntry
from tests.conftest import StaffClient, csrf_token
from tests.tracking.conftest import StubbedAws
from tests.tracking.helpers import TOPIC

WEBHOOK = "https://news.example.org/webhooks/ses"


def _stub_sandbox_check(ses: Stubber, sns: Stubber) -> None:
    ses.add_client_error("get_email_identity", "NotFoundException", "nope", 404)
    ses.add_client_error("get_email_identity", "NotFoundException", "nope", 404)
    ses.add_response(
        "get_account",
        {
            "ProductionAccessEnabled": False,
            "SendingEnabled": True,
            "EnforcementStatus": "HEALTHY",
            "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 3.0},
            "DedicatedIpAutoWarmupEnabled": False,
        },
    )
    ses.add_client_error("get_configuration_set", "NotFoundException", "no such set", 404)
    sns.add_response("list_topics", {"Topics": []})
    ses.add_client_error("get_configuration_set_event_destinations", "NotFoundException", "no", 404)


def test_operators_see_the_check_with_what_to_fix(
    client: FlaskClient, staff: StaffClient, operator_user: Any, stubbed_aws: StubbedAws
) -> None:
    staff.login(operator_user.email)
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_sandbox_check(ses, sns)
        page = client.get("/admin/ses/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "有问题阻止发送" in html  # the check report itself is in English
    assert "the account is in the SES sandbox" in html
    assert "Request production access" in html
    assert TOPIC in html
    assert WEBHOOK in html
    assert "<style" not in html
    assert "<script>" not in html


def test_the_page_speaks_chinese_by_default(
    client: FlaskClient, staff: StaffClient, operator_user: Any, stubbed_aws: StubbedAws
) -> None:
    staff.login(operator_user.email)
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_sandbox_check(ses, sns)
        html = client.get("/admin/ses/").get_data(as_text=True)
    assert "有问题阻止发送" in html
    assert "Webhook 收件箱" in html


def test_the_page_is_for_operators_only(
    client: FlaskClient, staff: StaffClient, editor_user: Any
) -> None:
    assert client.get("/admin/ses/").status_code == 302  # to the login page
    staff.login(editor_user.email)
    assert client.get("/admin/ses/").status_code == 403
    assert client.post("/admin/ses/setup").status_code in {400, 403}


def test_running_setup_from_the_page_reports_each_step_and_audits_it(
    client: FlaskClient,
    staff: StaffClient,
    operator_user: Any,
    stubbed_aws: StubbedAws,
    session: Session,
) -> None:
    staff.login(operator_user.email)
    with Stubber(stubbed_aws.sesv2()) as ses, Stubber(stubbed_aws.sns()) as sns:
        _stub_sandbox_check(ses, sns)
        form = client.get("/admin/ses/")
        ses.add_response(
            "get_configuration_set",
            {"ConfigurationSetName": "newsletter"},
            {"ConfigurationSetName": "newsletter"},
        )
        sns.add_response("list_topics", {"Topics": [{"TopicArn": TOPIC}]})
        policy = json.dumps({"Statement": []})
        sns.add_response(
            "get_topic_attributes",
            {"Attributes": {"SignatureVersion": "2", "Policy": policy}},
            {"TopicArn": TOPIC},
        )
        sns.add_response(
            "set_topic_attributes",
            {},
            {"TopicArn": TOPIC, "AttributeName": "Policy", "AttributeValue": ANY},
        )
        sns.add_response("list_subscriptions_by_topic", {"Subscriptions": []}, {"TopicArn": TOPIC})
        sns.add_response(
            "subscribe",
            {"SubscriptionArn": "pending confirmation"},
            {
                "TopicArn": TOPIC,
                "Protocol": "https",
                "Endpoint": WEBHOOK,
                "ReturnSubscriptionArn": True,
            },
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
        ses.add_response(
            "get_configuration_set_event_destinations",
            {"EventDestinations": []},
            {"ConfigurationSetName": "newsletter"},
        )
        ses.add_response(
            "create_configuration_set_event_destination",
            {},
            {
                "ConfigurationSetName": "newsletter",
                "EventDestinationName": ANY,
                "EventDestination": ANY,
            },
        )
        response = client.post(
            "/admin/ses/setup", data={"csrf_token": csrf_token(form.get_data(as_text=True))}
        )
        sns.assert_no_pending_responses()
        ses.assert_no_pending_responses()
    assert response.status_code == 302
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "ses.setup")).one()
    assert entry.detail == {
        "configuration set": "found",
        "SNS topic": "updated",
        "webhook subscription": "pending",
        "event destination": "created",
    }


def test_the_settings_page_links_operators_to_amazon_ses(
    client: FlaskClient, staff: StaffClient, operator_user: Any
) -> None:
    staff.login(operator_user.email)
    page = client.get("/admin/settings", headers={"Accept-Language": "en"})
    assert 'href="/admin/ses/"' in page.get_data(as_text=True)
