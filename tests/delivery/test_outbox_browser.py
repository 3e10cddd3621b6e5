"""The operators' outbox browser: newest first in pages, one message with its parts, the
HTML in a sandbox under a strict policy, the raw file; nothing outside the outbox readable."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from newsletter.delivery.outbox_browser.store import NotInOutbox, list_messages, message_path
from newsletter.delivery.transports import OutgoingMessage
from newsletter.delivery.transports.outbox import OutboxTransport
from tests.conftest import StaffClient

HTML = (
    "<html><body><h1>今日要闻</h1><script>alert(1)</script>"
    '<img src="https://news.example.org/t/open.gif"></body></html>'
)


def email_bytes(subject: str, to: str = "li@example.org", html: bool = True) -> bytes:
    message = EmailMessage(policy=SMTP.clone(cte_type="7bit"))
    message["From"] = "AI Daily <daily@news.example.org>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Wed, 01 May 2024 08:00:00 +0800"
    message.set_content("今天的文字版。\n", cte="quoted-printable")
    if html:
        message.add_alternative(HTML, subtype="html", cte="quoted-printable")
    return message.as_bytes()


def outbox_of(app: Flask) -> Path:
    return Path(app.config["NEWSLETTER"].outbox_dir)


def write(app: Flask, subject: str, **options: Any) -> tuple[str, str]:
    """Write one message through the outbox transport; its (day, name)."""
    data = email_bytes(subject, **options)
    sent = OutboxTransport(outbox_of(app)).send(OutgoingMessage("d@x.org", "li@example.org", data))
    [path] = outbox_of(app).glob(f"*/{sent.message_id}.eml")
    return path.parent.name, path.name


@pytest.fixture
def operator(staff: StaffClient, operator_user: Any) -> FlaskClient:
    staff.login(operator_user.email)
    return staff.client


def test_operators_see_the_messages_newest_first_with_their_headers(
    app: Flask, operator: FlaskClient
) -> None:
    write(app, "第一期 AI 前沿", to="wang@example.org")
    day, newest = write(app, "第二期 AI 前沿")
    page = operator.get("/admin/outbox/?lang=en").get_data(as_text=True)
    assert page.index("第二期 AI 前沿") < page.index("第一期 AI 前沿")  # decoded, newest first
    assert "wang@example.org" in page
    assert "Wed, 01 May 2024 08:00:00 +0800" in page
    assert f'href="/admin/outbox/{day}/{newest}"' in page
    assert 'href="/admin/outbox/"' in page  # the menu entry


def test_editors_may_not_open_the_outbox(app: Flask, staff: StaffClient, editor_user: Any) -> None:
    day, name = write(app, "x")
    staff.login(editor_user.email)
    assert staff.client.get("/admin/outbox/").status_code == 403
    assert staff.client.get(f"/admin/outbox/{day}/{name}/raw").status_code == 403


def test_the_list_pages_across_days(tmp_path: Path) -> None:
    for day, count in (("2024-05-01", 30), ("2024-05-02", 25)):
        (tmp_path / day).mkdir()
        for number in range(count):
            path = tmp_path / day / f"m{number:03d}.eml"
            path.write_bytes(email_bytes(f"{day} #{number}"))
    first, second = list_messages(tmp_path, 1), list_messages(tmp_path, 2)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (55, 2, 50, 5)
    assert first.items[0].subject == "2024-05-02 #24"
    assert first.items[24].subject == "2024-05-02 #0"
    assert first.items[25].subject == "2024-05-01 #29"
    assert [entry.subject for entry in second.items][-1] == "2024-05-01 #0"
    assert list_messages(tmp_path, 99).number == 2
    assert list_messages(tmp_path / "missing").items == []


def test_a_message_shows_its_headers_text_and_html_in_a_sandbox(
    app: Flask, operator: FlaskClient
) -> None:
    day, name = write(app, "第二期 AI 前沿")
    page = operator.get(f"/admin/outbox/{day}/{name}?lang=en").get_data(as_text=True)
    assert "第二期 AI 前沿" in page
    assert "今天的文字版。" in page
    assert '<iframe class="outbox-html" sandbox referrerpolicy="no-referrer"' in page
    assert f'src="/admin/outbox/{day}/{name}/html"' in page
    assert "<script>alert" not in page  # the HTML only ever comes from its own URL

    framed = operator.get(f"/admin/outbox/{day}/{name}/html")
    assert framed.status_code == 200
    assert "今日要闻" in framed.get_data(as_text=True)
    policy = framed.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    assert "script-src" not in policy  # nothing runs
    assert "img-src data:" in policy  # and no remote image (our pixel) loads
    assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_the_raw_file_downloads_as_written(app: Flask, operator: FlaskClient) -> None:
    day, name = write(app, "raw")
    response = operator.get(f"/admin/outbox/{day}/{name}/raw")
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    assert f"attachment; filename={name}" in response.headers["Content-Disposition"]
    assert response.data == (outbox_of(app) / day / name).read_bytes()
    response.close()


def test_a_message_without_html_says_so(app: Flask, operator: FlaskClient) -> None:
    day, name = write(app, "text only", html=False)
    page = operator.get(f"/admin/outbox/{day}/{name}?lang=en").get_data(as_text=True)
    assert "This message has no HTML part." in page
    assert operator.get(f"/admin/outbox/{day}/{name}/html").status_code == 404


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the outbox that must never be served."""
    path = tmp_path / "outside" / "secret.eml"
    path.parent.mkdir()
    path.write_bytes(email_bytes("SECRET"))
    return path


@pytest.mark.parametrize(
    "url",
    [
        "/admin/outbox/{day}/..%2F..%2Foutside%2Fsecret.eml",
        "/admin/outbox/..%2Foutside/secret.eml",
        "/admin/outbox/{day}/{absolute}",
        "/admin/outbox/{day}/{absolute}/raw",
        "/admin/outbox/{day}/.hidden.eml",
        "/admin/outbox/{day}/linked.eml/raw",
        "/admin/outbox/2024-01-01/secret.eml/raw",
    ],
)
def test_nothing_outside_the_outbox_can_be_read(
    app: Flask, operator: FlaskClient, secret: Path, url: str
) -> None:
    day, _ = write(app, "inside")
    (outbox_of(app) / day / "linked.eml").symlink_to(secret)
    (outbox_of(app) / "2024-01-01").symlink_to(secret.parent)  # a day folder leading out
    response = operator.get(url.format(day=day, absolute=quote(str(secret), safe="")))
    assert response.status_code == 404
    assert b"SECRET" not in response.data
    response.close()
    listed = operator.get("/admin/outbox/").get_data(as_text=True)
    assert "SECRET" not in listed
    assert "inside" in listed


@pytest.mark.parametrize(
    ("day", "name"),
    [("..", "secret.eml"), ("2024-05-01", "../secret.eml"), ("2024-05-01", "/etc/passwd")],
)
def test_names_that_are_not_outbox_names_are_refused(tmp_path: Path, day: str, name: str) -> None:
    with pytest.raises(NotInOutbox):
        message_path(tmp_path, day, name)


def test_the_outbox_speaks_chinese_by_default(app: Flask, operator: FlaskClient) -> None:
    day, name = write(app, "x", html=False)
    assert "发件箱是空的" not in operator.get("/admin/outbox/").get_data(as_text=True)
    page = operator.get(f"/admin/outbox/{day}/{name}").get_data(as_text=True)
    assert "这封邮件没有 HTML 部分。" in page
    assert "下载 .eml 文件" in page
