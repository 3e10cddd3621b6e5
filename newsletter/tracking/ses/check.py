"""``newsletter ses check``: is the SES account ready to send this newsletter, and if not,
what exactly to fix. Each finding is ok, warn, fail (blocks sending) or unavailable (the
endpoint cannot say, e.g. moto lacks ``GetAccount``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from newsletter.config import Settings
from newsletter.tracking.ses.aws import AwsClients
from newsletter.tracking.ses.check_publishing import publishing_findings
from newsletter.tracking.ses.findings import Finding, Status
from newsletter.tracking.ses.publishing import error_code, not_offered

QUOTA_WARN_SHARE = 0.8


def run_check(aws: AwsClients, settings: Settings) -> list[Finding]:
    """Every finding about the sending identity, the account and event publishing.

    Without credentials or a reachable endpoint the first group says so and the others are
    not tried, so the operators' page does not wait out every timeout in turn.
    """
    findings: list[Finding] = []
    groups: list[tuple[str, Callable[[], list[Finding]]]] = [
        ("Sending identity", lambda: identity_findings(aws, settings)),
        ("Account", lambda: account_findings(aws)),
        ("Event publishing", lambda: publishing_findings(aws, settings)),
    ]
    for name, check in groups:
        try:
            findings += guarded(name, check)
        except AwsUnreachable as exc:
            findings.append(exc.finding)
            break
    return findings


def blocks_sending(findings: list[Finding]) -> bool:
    """Whether any finding stops the newsletter from going out."""
    return any(finding.status == "fail" for finding in findings)


class AwsUnreachable(Exception):
    """No credentials, or the endpoint cannot be reached: no other check can succeed."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.summary)
        self.finding = finding


def guarded(name: str, check: Callable[[], list[Finding]]) -> list[Finding]:
    """Run ``check``; AWS errors become a finding instead of a traceback.

    Raises :class:`AwsUnreachable` (carrying its finding) when nothing else can work.
    """
    try:
        return check()
    except NoCredentialsError as exc:
        fix = "set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (boto3's chain)"
        raise AwsUnreachable(Finding(name, "fail", "no AWS credentials found", fix)) from exc
    except ClientError as exc:
        if not_offered(exc):
            return [Finding(name, "unavailable", "not available from this endpoint")]
        fix = "check the IAM permissions for SES and SNS of these credentials"
        return [Finding(name, "fail", f"{error_code(exc)}: {exc}", fix)]
    except BotoCoreError as exc:
        fix = "check the network and NEWSLETTER_SES_REGION / NEWSLETTER_SES_ENDPOINT_URL"
        raise AwsUnreachable(Finding(name, "fail", f"cannot reach AWS: {exc}", fix)) from exc


def _identity(sesv2: Any, names: list[str]) -> tuple[str, dict[str, Any]] | None:
    for name in names:
        try:
            return name, sesv2.get_email_identity(EmailIdentity=name)
        except ClientError as exc:
            if error_code(exc) != "NotFoundException":
                raise
    return None


def identity_findings(aws: AwsClients, settings: Settings) -> list[Finding]:
    """The sender's identity: verified, DKIM and custom MAIL FROM."""
    domain, address = settings.sender_domain, settings.sender_address
    found = _identity(aws.sesv2(), [domain, address])
    if found is None:
        return [
            Finding(
                "Sending identity",
                "fail",
                f"neither {domain} nor {address} is an SES identity in {settings.ses_region}",
                f"create it: aws sesv2 create-email-identity --email-identity {domain} "
                f"--region {settings.ses_region}, then publish the DKIM records it returns",
            )
        ]
    name, identity = found
    # VerificationStatus covers SES-compatible endpoints that leave the newer flag unset.
    verified = bool(identity.get("VerifiedForSendingStatus")) or (
        identity.get("VerificationStatus") == "SUCCESS"
    )
    findings = [
        Finding(
            "Sending identity",
            "ok" if verified else "fail",
            f"{name} is {'verified' if verified else 'not verified'} for sending",
            ""
            if verified
            else f"finish verifying {name} (DNS records or the "
            "verification email), see the SES console's identity page",
        )
    ]
    findings.append(_dkim(name, identity.get("DkimAttributes") or {}))
    findings.append(_mail_from(name, identity.get("MailFromAttributes") or {}))
    return findings


def _dkim(name: str, dkim: dict[str, Any]) -> Finding:
    status = dkim.get("Status", "NOT_STARTED")
    if status == "SUCCESS" and dkim.get("SigningEnabled", True):
        return Finding("DKIM", "ok", f"Easy DKIM signs mail from {name}")
    records = ", ".join(
        f"{t}._domainkey.{name} CNAME {t}.dkim.amazonses.com" for t in dkim.get("Tokens", [])
    )
    fix = (
        f"publish the DKIM CNAME records: {records}"
        if records
        else "enable Easy DKIM for the identity"
    )
    level: Status = "fail" if status in {"FAILED", "TEMPORARY_FAILURE"} else "warn"
    return Finding(
        "DKIM", level, f"DKIM status {status}; Gmail and Yahoo require DKIM for bulk mail", fix
    )


def _mail_from(name: str, mail_from: dict[str, Any]) -> Finding:
    domain = mail_from.get("MailFromDomain")
    if not domain:
        return Finding(
            "Custom MAIL FROM",
            "warn",
            "SES's own MAIL FROM domain is used, so SPF "
            "does not align with the From: domain (DMARC passes on DKIM alone)",
            f"set one, e.g. bounce.{name.rpartition('@')[2]}, with "
            "put-email-identity-mail-from-attributes and publish its MX and SPF records",
        )
    status = mail_from.get("MailFromDomainStatus", "PENDING")
    if status == "SUCCESS":
        return Finding("Custom MAIL FROM", "ok", f"{domain} is in use")
    rejects = mail_from.get("BehaviorOnMxFailure") == "REJECT_MESSAGE"
    level: Status = "fail" if rejects and status == "FAILED" else "warn"
    return Finding(
        "Custom MAIL FROM",
        level,
        f"{domain} status {status}",
        f"publish {domain} MX feedback-smtp.<region>.amazonses.com and "
        f'TXT "v=spf1 include:amazonses.com ~all"',
    )


def account_findings(aws: AwsClients) -> list[Finding]:
    """Production access, sending enabled, enforcement status and the sending quota."""
    account = aws.sesv2().get_account()
    findings = []
    if account.get("ProductionAccessEnabled"):
        findings.append(Finding("Production access", "ok", "out of the SES sandbox"))
    else:
        findings.append(
            Finding(
                "Production access",
                "fail",
                "the account is in the SES sandbox: only verified recipients, at most 200 a day",
                "request production access in the SES console (Account "
                "dashboard → Request production access)",
            )
        )
    if not account.get("SendingEnabled", True):
        findings.append(
            Finding(
                "Sending",
                "fail",
                "sending is disabled for the account",
                "see why in the SES console, then: aws sesv2 "
                "put-account-sending-attributes --sending-enabled",
            )
        )
    findings.append(_enforcement(account.get("EnforcementStatus", "HEALTHY")))
    findings.append(_quota(account.get("SendQuota") or {}))
    return findings


def _enforcement(status: str) -> Finding:
    if status == "HEALTHY":
        return Finding("Reputation", "ok", "enforcement status HEALTHY")
    level: Status = "fail" if status == "SHUTDOWN" else "warn"
    return Finding(
        "Reputation",
        level,
        f"enforcement status {status}",
        "bounce or complaint rates are too high: read the case in the SES console's "
        "reputation dashboard and clean the list before sending more",
    )


def _quota(quota: dict[str, Any]) -> Finding:
    daily = float(quota.get("Max24HourSend", 0))
    rate = float(quota.get("MaxSendRate", 0))
    sent = float(quota.get("SentLast24Hours", 0))
    shown = "unlimited" if daily < 0 else f"{daily:,.0f}"
    summary = f"{sent:,.0f} sent in 24 h of {shown}; up to {rate:g} a second"
    if daily > 0 and sent >= daily * QUOTA_WARN_SHARE:
        return Finding(
            "Quota",
            "warn",
            summary,
            "ask AWS for a higher sending quota before "
            "the list outgrows it (Service Quotas → Amazon SES)",
        )
    return Finding("Quota", "ok", summary)
