"""The preview page: any mix, both languages, two widths, the clip guard and mix sizes."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.issues.storage import create_issue, load_document
from newsletter.models import Issue
from tests.factories import make_subscriber
from tests.issues.helpers import oversized_capital_document


def titles(issue: Issue, topic: str) -> list[str]:
    return [item.title for item in load_document(issue).items() if item.topics == [topic]]


def test_the_frame_shows_exactly_the_items_of_the_chosen_mix(
    editor: FlaskClient, issue: Issue
) -> None:
    page = editor.get(f"/admin/issues/{issue.id}/preview?topics=compute").get_data(as_text=True)
    assert f'src="/admin/issues/{issue.id}/preview/frame?topics=compute&amp;locale=zh-CN' in page
    assert 'sandbox=""' in page

    frame = editor.get(f"/admin/issues/{issue.id}/preview/frame?topics=compute&locale=zh-CN")

    html = frame.get_data(as_text=True)
    assert frame.status_code == 200
    assert all(title in html for title in titles(issue, "compute"))
    assert not any(title in html for title in titles(issue, "capital"))
    assert "/t/o/" not in html  # previews are not tracked


def test_the_frame_is_sandboxed_by_its_own_policy(editor: FlaskClient, issue: Issue) -> None:
    frame = editor.get(f"/admin/issues/{issue.id}/preview/frame")
    policy = frame.headers["Content-Security-Policy"]
    assert "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none'
    assert "default-src 'none'" in policy
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    # The staff pages themselves still refuse to be framed.
    page = editor.get(f"/admin/issues/{issue.id}/preview")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_english_and_phone_width(editor: FlaskClient, issue: Issue) -> None:
    page = editor.get(f"/admin/issues/{issue.id}/preview?locale=en&width=mobile")
    html = page.get_data(as_text=True)
    assert 'class="preview-frame mobile"' in html
    frame = editor.get(f"/admin/issues/{issue.id}/preview/frame?locale=en").get_data(as_text=True)
    assert 'lang="en"' in frame
    assert "Unsubscribe" in frame


def test_unknown_choices_fall_back_to_the_defaults(editor: FlaskClient, issue: Issue) -> None:
    url = f"/admin/issues/{issue.id}/preview?topics=astrology&locale=fr&width=huge"
    html = editor.get(url).get_data(as_text=True)
    assert 'class="preview-frame desktop"' in html
    assert "locale=zh-CN" in html


def test_every_mix_is_listed_with_its_size_and_readers(
    editor: FlaskClient, session: Session, issue: Issue
) -> None:
    make_subscriber(session, "a@example.org", ["capital"])
    make_subscriber(session, "b@example.org", ["capital"])
    make_subscriber(session, "c@example.org", ["capital", "research"])
    session.commit()

    html = editor.get(f"/admin/issues/{issue.id}/preview").get_data(as_text=True)

    assert html.count('<tr class="clip-') == 32  # 31 mixes and all topics
    capital = html[html.index('data-key="capital"') :]
    assert capital[: capital.index("</tr>")].rstrip().endswith("<td>2</td>")
    both = html[html.index('data-key="capital+research"') :]
    assert both[: both.index("</tr>")].rstrip().endswith("<td>1</td>")
    assert 'id="clip-warning"' not in html


def test_an_oversized_mix_is_warned_about_with_how_far_over(
    editor: FlaskClient, session: Session
) -> None:
    big = create_issue(session, oversized_capital_document())
    session.commit()

    capital = editor.get(f"/admin/issues/{big.id}/preview?topics=capital").get_data(as_text=True)
    research = editor.get(f"/admin/issues/{big.id}/preview?topics=research").get_data(as_text=True)

    assert 'id="clip-warning"' in capital
    warning = capital[capital.index('id="clip-warning"') :]
    assert re.search(r"（102 KB）\d+\.\d KB", warning[: warning.index("</div>")])
    assert 'id="clip-warning"' not in research
    # The table names every clipped mix on either page: 16 with capital, plus all topics.
    assert 'id="clipped-mixes"' in research
    assert research.count('class="clip-clipped') == 17
