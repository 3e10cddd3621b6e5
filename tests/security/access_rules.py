"""Who may open which route: the expected answer of every endpoint for every kind of visitor.

Every endpoint in ``app.url_map`` needs an entry in :data:`RULES`, one :class:`Access` per
method it accepts (HEAD and OPTIONS aside); ``test_access_matrix`` fails for a route without
one. To add a rule, say what each visitor gets:

- ``anonymous``: no session, no token (a reader-token route gets a forged token);
- ``reader``: no session, but the URL carries a genuine reader token of the kind ``token``;
- ``editor``, ``operator``, ``admin``: signed in with that one role (forged token, if any).

Answers are classes, not exact pages: ``OK`` (2xx), ``LOGIN`` (a redirect to the login page),
``REDIRECT`` (any other redirect), or a status code. :func:`staff` writes the usual row of a
staff page; POSTs are sent with a valid CSRF token and otherwise empty forms, so a 400 in a
role's column means "the role passed, the empty form was refused".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OK = "2xx"
LOGIN = "3xx to login"
REDIRECT = "3xx elsewhere"
BAD_REQUEST = "400"
UNAUTHORIZED = "401"
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"
UNPROCESSABLE = "422"

NO_MESSAGE = {"day": "2024-05-01", "name": "outbox-none.eml"}
ACTORS = ("anonymous", "reader", "editor", "operator", "admin")
STAFF_ROLES = ("editor", "operator", "admin")


@dataclass(frozen=True)
class Access:
    """The expected answers to one method of one endpoint, per visitor."""

    method: str
    expected: Mapping[str, str]
    #: Which genuine token the reader's URL carries: "reader", "delivery" or "confirm".
    token: str = "reader"
    #: URL values this endpoint needs beyond the shared ones (e.g. a table name).
    values: Mapping[str, object] = field(default_factory=dict)
    #: Requests that end the session or erase the reader run after all the others.
    runs_last: bool = False


def staff(
    *roles: str,
    method: str = "GET",
    allowed: str = OK,
    values: Mapping[str, object] | None = None,
    runs_last: bool = False,
) -> Access:
    """A staff page: visitors go to the login page, ``roles`` (and admins) get ``allowed``,
    other staff 403."""
    expected = {"anonymous": LOGIN, "reader": LOGIN}
    for role in STAFF_ROLES:
        expected[role] = allowed if role in roles or role == "admin" else FORBIDDEN
    return Access(method, expected, values=values or {}, runs_last=runs_last)


def everyone(answer: str, method: str = "GET", **kwargs: object) -> Access:
    """A page that answers every visitor the same way."""
    return Access(method, dict.fromkeys(ACTORS, answer), **kwargs)  # type: ignore[arg-type]


def reader_link(
    token: str,
    method: str = "GET",
    *,
    genuine: str = OK,
    forged: str = BAD_REQUEST,
    runs_last: bool = False,
) -> Access:
    """A reader's page opened by the token in its URL: nobody gets in without a genuine one,
    staff included."""
    expected = dict.fromkeys(ACTORS, forged)
    expected["reader"] = genuine
    return Access(method, expected, token=token, runs_last=runs_last)


EDITOR, OPERATOR, ADMIN = "editor", "operator", "admin"

RULES: dict[str, tuple[Access, ...]] = {
    # Public pages.
    "web.front_page": (everyone(REDIRECT),),  # to the signup page
    "static": (everyone(OK),),
    "health.healthz": (everyone(OK),),
    "subscriptions.signup": (everyone(OK), everyone(UNPROCESSABLE, "POST")),
    "subscriptions.embed": (everyone(OK),),
    "archive.index": (everyone(OK),),
    "archive.feed": (everyone(OK),),
    # The world's only issue has a draft campaign: unpublished issues are not there for anyone.
    "archive.issue": (everyone(NOT_FOUND, values={"slug": "2026-04-07-1"}),),
    # The JSON API takes a bearer token only: a signed-in session opens nothing there.
    "api.openapi_document": (everyone(OK),),
    "api.list_issues": (everyone(UNAUTHORIZED),),
    "api.create_issue": (everyone(UNAUTHORIZED, "POST"),),
    "api.get_issue": (everyone(UNAUTHORIZED),),
    "api.update_item": (everyone(UNAUTHORIZED, "PATCH"),),
    "api.preview_issue": (everyone(UNAUTHORIZED),),
    "api.schedule_issue": (everyone(UNAUTHORIZED, "POST"),),
    "api.list_campaigns": (everyone(UNAUTHORIZED),),
    "api.pause_campaign": (everyone(UNAUTHORIZED, "POST"),),
    "api.resume_campaign": (everyone(UNAUTHORIZED, "POST"),),
    "api.cancel_campaign": (everyone(UNAUTHORIZED, "POST"),),
    "api.get_campaign": (everyone(UNAUTHORIZED),),
    # Only loopback clients not behind a proxy, or a bearer token; the visitors are neither.
    "prometheus.metrics": (everyone(FORBIDDEN),),
    # Signed by SNS, not by a session: an empty body is a bad request for everyone.
    "ses_webhook.receive": (everyone(BAD_REQUEST, "POST"),),
    # Login and logout.
    "auth.login": (
        Access("GET", {**dict.fromkeys(ACTORS, REDIRECT), "anonymous": OK, "reader": OK}),
        Access("POST", {**dict.fromkeys(ACTORS, REDIRECT), "anonymous": OK, "reader": OK}),
    ),
    "auth.logout": (everyone(LOGIN, "POST", runs_last=True),),
    # Reader links from emails.
    "subscriptions.confirm": (
        reader_link("confirm"),
        reader_link("confirm", "POST"),
    ),
    "subscriptions.preferences": (
        reader_link("reader"),
        reader_link("reader", "POST", genuine=UNPROCESSABLE),
    ),
    "subscriptions.download_data": (reader_link("reader", "POST"),),
    "subscriptions.erase": (reader_link("reader"), reader_link("reader", "POST", runs_last=True)),
    "subscriptions.pause_issues": (reader_link("reader", "POST", genuine=REDIRECT),),
    "subscriptions.resume_issues": (reader_link("reader", "POST", genuine=REDIRECT),),
    "subscriptions.resubscribe": (reader_link("reader", "POST", genuine=REDIRECT),),
    "subscriptions.unsubscribe_everything": (reader_link("reader", "POST", genuine=REDIRECT),),
    "subscriptions.unsubscribe": (reader_link("delivery"), reader_link("delivery", "POST")),
    # A click always leads somewhere: the link, or the archive for a forged token.
    "tracking.click": (everyone(REDIRECT, token="delivery"),),
    "tracking.click_mangled": (everyone(REDIRECT, token="delivery"),),
    # Staff shell.
    "web.staff_home": (staff(EDITOR, OPERATOR),),
    "web.settings": (staff(EDITOR, OPERATOR),),
    # Staff accounts: admins only.
    "staff.index": (staff(), staff(method="POST")),
    "staff.change_roles": (staff(method="POST", allowed=REDIRECT),),  # "needs a role"
    "staff.toggle_active": (staff(method="POST", allowed=REDIRECT),),
    "api_tokens.index": (staff(), staff(method="POST")),  # an empty form is shown again
    "api_tokens.revoke": (staff(method="POST", allowed=NOT_FOUND),),  # no such token
    # Dashboard: operators.
    "dashboard.overview": (staff(OPERATOR),),
    "dashboard.overview_csv": (staff(OPERATOR, values={"table": "daily"}),),
    "dashboard.campaign": (staff(OPERATOR),),
    "dashboard.campaign_csv": (staff(OPERATOR, values={"table": "attention"}),),
    "dashboard.campaign_progress": (staff(OPERATOR),),
    "dashboard.acknowledge_alarms": (staff(OPERATOR, method="POST", allowed=REDIRECT),),
    # Amazon SES settings: operators.
    "ses_admin.status": (staff(OPERATOR),),
    "ses_admin.setup": (staff(OPERATOR, method="POST", allowed=REDIRECT),),
    # Issues: editors.
    "editor.issue_list": (staff(EDITOR),),
    "editor.import_page": (staff(EDITOR), staff(EDITOR, method="POST", allowed=UNPROCESSABLE)),
    "editor.issue_page": (staff(EDITOR),),
    "editor.save_details": (staff(EDITOR, method="POST", allowed=UNPROCESSABLE),),
    "editor.save_topics": (staff(EDITOR, method="POST", allowed=UNPROCESSABLE),),
    "editor.download_markdown": (staff(EDITOR),),
    "editor.edit_content": (staff(EDITOR), staff(EDITOR, method="POST", allowed=UNPROCESSABLE)),
    "editor.preview": (staff(EDITOR),),
    "editor.preview_frame": (staff(EDITOR),),
    "editor.test_send": (staff(EDITOR, method="POST", allowed=UNPROCESSABLE),),
    "editor.schedule": (staff(EDITOR, method="POST", allowed=UNPROCESSABLE),),
    "editor.unschedule": (staff(EDITOR, method="POST", allowed=UNPROCESSABLE),),
    # Topic settings: admins.
    "topics_admin.index": (staff(), staff(method="POST", allowed=UNPROCESSABLE)),
    "topics_admin.edit": (staff(), staff(method="POST", allowed=UNPROCESSABLE)),
    "topics_admin.check": (staff(method="POST"),),  # no keywords: an empty list of matches
    # Outbox browser: operators (no message by this name: the role passed, then 404).
    "outbox.message_list": (staff(OPERATOR),),
    "outbox.message": (staff(OPERATOR, allowed=NOT_FOUND, values=NO_MESSAGE),),
    "outbox.message_html": (staff(OPERATOR, allowed=NOT_FOUND, values=NO_MESSAGE),),
    "outbox.message_raw": (staff(OPERATOR, allowed=NOT_FOUND, values=NO_MESSAGE),),
    # Subscribers: operators.
    "operators.subscribers": (staff(OPERATOR),),
    "operators.reader": (staff(OPERATOR),),
    "operators.erase": (staff(OPERATOR, method="POST", allowed=REDIRECT),),
    "operators.export_page": (staff(OPERATOR),),
    "operators.export_download": (staff(OPERATOR),),
    "operators.import_page": (
        staff(OPERATOR),
        staff(OPERATOR, method="POST", allowed=UNPROCESSABLE),
    ),
    "operators.import_job": (staff(OPERATOR),),
    "operators.import_report": (staff(OPERATOR),),
    "operators.import_job_status": (staff(OPERATOR),),
    "operators.suppressions": (
        staff(OPERATOR),
        staff(OPERATOR, method="POST", allowed=UNPROCESSABLE),
    ),
    "operators.lift_suppression": (
        staff(OPERATOR),
        staff(OPERATOR, method="POST", allowed=UNPROCESSABLE),
    ),
    "sending.campaign_list": (staff(OPERATOR),),
    "sending.campaign_detail": (staff(OPERATOR),),
    # The world's campaign is a draft: the empty form's pause is refused and shown as a flash.
    "sending.campaign_action": (
        staff(OPERATOR, method="POST", allowed=REDIRECT, values={"action": "pause"}),
    ),
    "sending.rows_action": (
        staff(OPERATOR, values={"action": "resend"}),
        staff(OPERATOR, method="POST", allowed=UNPROCESSABLE, values={"action": "resend"}),
    ),
}

# Routes that accept POST without a CSRF token, and why. Every other state-changing route
# must refuse a form without one (``test_csrf``); add a route here only with its reason.
CSRF_EXEMPT: dict[str, str] = {
    "api.create_issue": "the JSON API authenticates each request by its bearer token, no cookie",
    "api.update_item": "the JSON API authenticates each request by its bearer token, no cookie",
    "api.schedule_issue": "the JSON API authenticates each request by its bearer token, no cookie",
    "api.pause_campaign": "the JSON API authenticates each request by its bearer token, no cookie",
    "api.resume_campaign": "the JSON API authenticates each request by its bearer token, no cookie",
    "api.cancel_campaign": "the JSON API authenticates each request by its bearer token, no cookie",
    "ses_webhook.receive": "SNS posts without cookies; each message's signature is checked",
    "subscriptions.signup": "the embeddable form is posted from other sites; rate limited",
    "subscriptions.unsubscribe": "RFC 8058 one-click unsubscribe is posted by mail providers",
}
