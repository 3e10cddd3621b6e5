"""The operators' dashboard: overall figures, one page per campaign, CSV, live progress."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from newsletter import audit
from newsletter.auth.roles import roles_required
from newsletter.config import Settings
from newsletter.delivery.transports.ses_account import CachedAccount
from newsletter.extensions import db
from newsletter.metrics import guard, progress
from newsletter.metrics.campaign_report import build_campaign_report
from newsletter.metrics.forms import AcknowledgeForm
from newsletter.metrics.overview import SES_REVIEW_BOUNCE, SES_REVIEW_COMPLAINT, build_overview
from newsletter.metrics.quota import quota_panel
from newsletter.metrics.series import Days
from newsletter.metrics.tables import Table, format_cell, format_rate, to_csv
from newsletter.models import Campaign, Role
from newsletter.models.base import utcnow

bp = Blueprint("dashboard", __name__, url_prefix="/admin/dashboard")
ACCOUNT_KEY = "newsletter.ses_account"
#: Days drawn by the overall charts.
DAYS = 30


# Globals, not context: the dashboard's macros are imported without the page's context.
bp.add_app_template_global(format_cell, "format_cell")
bp.add_app_template_global(format_rate, "format_rate")


def _settings() -> Settings:
    settings: Settings = current_app.config["NEWSLETTER"]
    return settings


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def _zone() -> ZoneInfo:
    return ZoneInfo(_settings().timezone)


@bp.route("/")
@roles_required(Role.OPERATOR)
def overview() -> str | Response:
    """Sending, readers and reputation across campaigns; ``?format=csv&table=...``."""
    now = utcnow()
    days = Days(now.astimezone(_zone()).date(), DAYS, _zone())
    report = build_overview(db.session, _settings(), _locale(), now, days)
    if request.args.get("format") == "csv":
        return _csv(report.tables, request.args.get("table", ""), "overview")
    account: CachedAccount = current_app.extensions[ACCOUNT_KEY]
    return render_template(
        "dashboard/overview.html",
        report=report,
        quota=quota_panel(db.session, _settings(), account),
        alarms=guard.open_alarms(db.session),
        form=AcknowledgeForm(),
        settings=_settings(),
        ses_bounce=SES_REVIEW_BOUNCE,
        ses_complaint=SES_REVIEW_COMPLAINT,
    )


@bp.route("/<string:table>.csv")
@roles_required(Role.OPERATOR)
def overview_csv(table: str) -> Response:
    """One table of the overall page as CSV."""
    now = utcnow()
    days = Days(now.astimezone(_zone()).date(), DAYS, _zone())
    report = build_overview(db.session, _settings(), _locale(), now, days)
    return _csv(report.tables, table, "overview")


@bp.route("/campaigns/<int:campaign_id>")
@roles_required(Role.OPERATOR)
def campaign(campaign_id: int) -> str | Response:
    """One campaign's funnel, hours, topics, links and rows needing people."""
    found = db.session.get(Campaign, campaign_id) or abort(404)
    report = build_campaign_report(db.session, found, _locale(), _zone())
    if request.args.get("format") == "csv":
        return _csv(report.tables, request.args.get("table", ""), f"campaign-{campaign_id}")
    return render_template(
        "dashboard/campaign.html",
        report=report,
        progress=progress.progress_of(db.session, found),
        sending_page=_sending_page(campaign_id),
        row_actions=_row_actions(campaign_id),
    )


@bp.route("/campaigns/<int:campaign_id>/<string:table>.csv")
@roles_required(Role.OPERATOR)
def campaign_csv(campaign_id: int, table: str) -> Response:
    """One table of a campaign as CSV; the failed and in-doubt table has every row."""
    found = db.session.get(Campaign, campaign_id) or abort(404)
    report = build_campaign_report(db.session, found, _locale(), _zone())
    if table == "attention":
        report.tables["attention"].rows = progress.attention_rows(db.session, campaign_id, None)
    return _csv(report.tables, table, f"campaign-{campaign_id}")


@bp.route("/campaigns/<int:campaign_id>/progress.json")
@roles_required(Role.OPERATOR)
def campaign_progress(campaign_id: int) -> Response:
    """Live progress, polled by the campaign page while it sends."""
    found = db.session.get(Campaign, campaign_id) or abort(404)
    return jsonify(progress.progress_of(db.session, found).to_json())


@bp.route("/alarms/acknowledge", methods=["POST"])
@roles_required(Role.OPERATOR)
def acknowledge_alarms() -> WerkzeugResponse:
    """An operator has seen the open alarms; campaigns stay paused until resumed."""
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash(_("Say what was checked before acknowledging the alarm."), "error")
        return redirect(url_for("dashboard.overview"))
    alarms = guard.open_alarms(db.session)
    paused = guard.acknowledge(
        db.session, alarms, audit.staff_actor(current_user), form.note.data or ""
    )
    db.session.commit()
    if alarms:
        flash(
            _("Alarm acknowledged. Paused campaigns stay paused until resumed: %(ids)s",
              ids=", ".join(f"#{i}" for i in paused) or "–"),
            "success",
        )  # fmt: skip
    return redirect(url_for("dashboard.overview"))


def _csv(tables: dict[str, Table], name: str, prefix: str) -> Response:
    table = tables.get(name) or abort(404)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    # The BOM lets spreadsheet programs read the Chinese headings as UTF-8.
    return Response(
        "\ufeff" + to_csv(table),
        content_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{prefix}-{table.name}-{stamp}.csv"',
        },
    )


def _row_actions(campaign_id: int) -> list[tuple[str, str]]:
    """Links to the Sending pages' resend and drop of failed and in-doubt rows, if present."""
    if "sending.rows_action" not in current_app.view_functions:
        return []
    return [
        (label, url_for("sending.rows_action", campaign_id=campaign_id, action=a, state=s))
        for label, a, s in (
            (_("Resend failed rows"), "resend", "failed"),
            (_("Resend in-doubt rows"), "resend", "in_doubt"),
            (_("Drop failed and in-doubt rows"), "drop", "both"),
        )
    ]


def _sending_page(campaign_id: int) -> str | None:
    """The Sending page of the campaign (pause, resume, resend, drop), when it exists."""
    for endpoint in ("sending.campaign_detail", "sending.campaign"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, campaign_id=campaign_id)
    return None
