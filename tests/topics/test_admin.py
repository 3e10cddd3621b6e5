"""Settings -> Topics: admins edit names, order and keyword rules, add and disable topics."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.issues.storage import create_issue
from newsletter.models import Topic
from newsletter.topics.rules import keyword_rules
from tests.conftest import StaffClient, csrf_token
from tests.issues.editor.conftest import actions
from tests.issues.helpers import demo_document

URL = "/admin/settings/topics/"


@pytest.fixture
def admin(staff: StaffClient, admin_user: Any) -> FlaskClient:
    staff.login(admin_user.email)
    return staff.client


def topic(session: Session, slug: str) -> Topic:
    session.expire_all()
    found = session.scalar(select(Topic).where(Topic.slug == slug))
    assert found is not None
    return found


def edit(client: FlaskClient, slug: str, **changes: object) -> Any:
    page = client.get(f"{URL}{slug}").get_data(as_text=True)
    data: dict[str, object] = {
        "csrf_token": csrf_token(page),
        "name_zh": "算力",
        "name_en": "Compute",
        "position": "1",
        "keywords": "芯片\nGPU",
        "active": "y",
        "action": "save",
    }
    data.update(changes)
    return client.post(f"{URL}{slug}", data={k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize("role_fixture", ["editor_user", "operator_user"])
def test_only_admins_open_the_topic_settings(
    staff: StaffClient, client: FlaskClient, request: pytest.FixtureRequest, role_fixture: str
) -> None:
    assert client.get(URL).status_code == 302
    staff.login(request.getfixturevalue(role_fixture).email)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}capital").status_code == 403


def test_the_settings_page_links_here_for_admins(admin: FlaskClient) -> None:
    assert f'href="{URL}"' in admin.get("/admin/settings").get_data(as_text=True)
    html = admin.get(URL).get_data(as_text=True)
    assert html.count("data-topic=") == 5


def test_saving_changes_the_rules_that_tagging_uses_and_audits(
    admin: FlaskClient, session: Session
) -> None:
    response = edit(admin, "compute", keywords="芯片\n\nGPU\ngpu\n  数据 中心  ", name_en="Chips")
    assert response.status_code == 302
    compute = topic(session, "compute")
    assert compute.keywords == ["芯片", "GPU", "数据 中心"]
    assert compute.name_en == "Chips"
    assert keyword_rules(session)["compute"] == ["芯片", "GPU", "数据 中心"]
    assert actions(session) == ["topic.update"]


def test_check_shows_the_latest_issues_matches_without_saving(
    admin: FlaskClient, session: Session
) -> None:
    create_issue(session, demo_document())
    session.commit()
    before = list(topic(session, "compute").keywords)

    response = edit(admin, "compute", keywords="兆瓦\n数据中心", action="check")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    check = html[html.index('id="keyword-check"') :]
    assert "青岚云宣布在西部新建 300 兆瓦数据中心" in check
    assert "兆瓦, 数据中心" in check  # why: the words that matched
    assert "星衡智能完成 30 亿元 B 轮融资" not in check
    assert topic(session, "compute").keywords == before
    assert actions(session) == []


def test_check_without_any_issue_says_so(admin: FlaskClient) -> None:
    response = edit(admin, "compute", action="check")
    assert 'id="keyword-check"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "changes",
    [{"name_zh": ""}, {"position": "-1"}, {"position": "first"}, {"keywords": "x" * 81}],
)
def test_bad_input_is_shown_at_the_field(
    admin: FlaskClient, session: Session, changes: dict[str, str]
) -> None:
    before = list(topic(session, "compute").keywords)
    response = edit(admin, "compute", **changes)
    assert response.status_code == 422
    assert 'class="field has-error"' in response.get_data(as_text=True)
    assert topic(session, "compute").keywords == before


def test_a_too_long_keyword_is_named_by_its_line(admin: FlaskClient) -> None:
    response = edit(admin, "compute", keywords="芯片\nGPU\n" + "长" * 81)
    assert "line 3" in response.get_data(as_text=True)


def test_disabling_a_topic_stops_suggesting_and_offering_it(
    admin: FlaskClient, session: Session
) -> None:
    assert edit(admin, "compute", active=None).status_code == 302
    assert topic(session, "compute").active is False
    assert "compute" not in keyword_rules(session)
    issue = create_issue(session, demo_document())
    session.commit()
    page = admin.get(f"/admin/issues/{issue.id}").get_data(as_text=True)
    assert 'value="compute"' not in page


def test_adding_a_topic_puts_it_last(admin: FlaskClient, session: Session) -> None:
    token = csrf_token(admin.get(URL).get_data(as_text=True))
    response = admin.post(
        URL, data={"csrf_token": token, "slug": "ai-safety", "name_zh": "安全", "name_en": "Safety"}
    )
    assert response.status_code == 302
    added = topic(session, "ai-safety")
    assert added.position == 5
    assert added.active
    assert actions(session) == ["topic.create"]


@pytest.mark.parametrize(
    ("slug", "error"), [("capital", "already a topic"), ("AI Safety", "ai-safety。"), ("", "")]
)
def test_a_bad_or_taken_slug_is_refused(
    admin: FlaskClient, session: Session, slug: str, error: str
) -> None:
    token = csrf_token(admin.get(URL).get_data(as_text=True))
    response = admin.post(
        URL, data={"csrf_token": token, "slug": slug, "name_zh": "x", "name_en": "x"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="field has-error"' in html
    assert error in html
    assert actions(session) == []


def test_a_change_without_the_csrf_token_is_refused(admin: FlaskClient, session: Session) -> None:
    response = admin.post(f"{URL}compute", data={"name_zh": "x", "name_en": "x", "position": "1"})
    assert response.status_code in {400, 422}
    assert topic(session, "compute").name_zh == "算力"


def test_an_unknown_topic_is_404(admin: FlaskClient) -> None:
    assert admin.get(f"{URL}astrology").status_code == 404


def test_the_live_check_answers_json_for_the_latest_issue(
    admin: FlaskClient, session: Session
) -> None:
    create_issue(session, demo_document())
    session.commit()
    token = csrf_token(admin.get(f"{URL}compute").get_data(as_text=True))

    response = admin.post(
        f"{URL}compute/check",
        data={"keywords": "兆瓦\n数据中心"},
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 200
    assert response.json == {
        "issue": "2026-05-11",
        "matches": [
            {
                "section": "今日 Top 4 大事件",
                "title": "青岚云宣布在西部新建 300 兆瓦数据中心，面向大模型训练集群（演示数据）",
                "matched": ["兆瓦", "数据中心"],
            }
        ],
    }
    assert actions(session) == []


def test_the_live_check_refuses_a_bad_keyword_and_a_missing_token(admin: FlaskClient) -> None:
    token = csrf_token(admin.get(f"{URL}compute").get_data(as_text=True))
    bad = admin.post(
        f"{URL}compute/check", data={"keywords": "长" * 81}, headers={"X-CSRFToken": token}
    )
    assert bad.status_code == 422
    assert bad.json == {"error": "line 1: a keyword has at most 80 characters"}
    assert admin.post(f"{URL}compute/check", data={"keywords": "x"}).status_code == 400
