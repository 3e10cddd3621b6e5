"""build_message: the bytes one reader gets, parsed back with the email package."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from email.message import EmailMessage

import pytest

from newsletter.rendering import (
    PreparedVariant,
    Recipient,
    RenderedVariant,
    RenderSettings,
    build_message,
    build_single_message,
)
from newsletter.signing import TokenPurpose, TokenSigner

Parse = Callable[[bytes], EmailMessage]
Prepare = Callable[[RenderedVariant], PreparedVariant]
WHEN = dt.datetime(2026, 4, 7, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SINGLE_HEADERS = [
    "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "List-Id",
    "List-Unsubscribe", "List-Unsubscribe-Post", "Precedence", "Reply-To", "Content-Type",
]  # fmt: skip


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def parts(message: EmailMessage) -> tuple[EmailMessage, EmailMessage]:
    plain, html = message.iter_parts()
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    return plain, html


@pytest.fixture
def prepared(all_topics: RenderedVariant, prepare: Prepare) -> PreparedVariant:
    return prepare(all_topics)


@pytest.fixture
def zhang() -> Recipient:
    return Recipient(delivery_id=12345, email="zhang@example.org", name="张三")


def test_every_header_is_present_once_and_decodes(
    prepared: PreparedVariant, zhang: Recipient, parse_message: Parse, signer: TokenSigner
) -> None:
    raw = build_message(prepared, zhang, message_id="<m1@news.example.com>", date=WHEN)
    message = parse_message(raw)
    token = signer.sign(TokenPurpose.DELIVERY, 12345)

    assert sorted(name for name in message if name in SINGLE_HEADERS) == sorted(SINGLE_HEADERS)
    assert all(len(message.get_all(name, [])) == 1 for name in SINGLE_HEADERS)
    assert message["Subject"] == "AI前沿发展日报 | OpenAI 完成 1220 亿美元新融资"
    assert message["From"].addresses[0].display_name == "AI前沿发展日报"
    assert message["From"].addresses[0].addr_spec == "daily@news.example.com"
    assert message["To"].addresses[0].display_name == "张三"
    assert message["To"].addresses[0].addr_spec == "zhang@example.org"
    assert message["Date"].datetime == WHEN
    assert message["Message-ID"] == "<m1@news.example.com>"
    assert message["MIME-Version"] == "1.0"
    assert message["List-Id"] == "AI前沿发展日报 <daily.news.example.com>"
    assert message["List-Unsubscribe"] == (
        f"<https://news.example.com/u/{token}>, "
        f"<mailto:unsubscribe@news.example.com?subject=unsubscribe%20{token}>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Precedence"] == "bulk"
    assert message["Reply-To"] == "editors@news.example.com"
    assert message.get_content_type() == "multipart/alternative"


def test_text_comes_first_and_both_parts_decode_to_the_filled_variant(
    prepared: PreparedVariant,
    all_topics: RenderedVariant,
    zhang: Recipient,
    parse_message: Parse,
    signer: TokenSigner,
) -> None:
    plain, html = parts(parse_message(build_message(prepared, zhang)))
    expected_html, expected_text = all_topics.personalise(
        signer.sign(TokenPurpose.DELIVERY, 12345), "张三"
    )

    assert plain.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    for part in (plain, html):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "base64"
    assert plain.get_content() == crlf(expected_text)
    assert html.get_content() == crlf(expected_html)
    assert "张三，你好！" in html.get_content()


@pytest.mark.parametrize("delivery_id", [1, 200, 70_000, 2**30, 2**34])
@pytest.mark.parametrize(
    "topics", [None, frozenset({"research"}), frozenset({"capital", "compute"})], ids=str
)
def test_any_token_length_and_mix_decodes_exactly(
    render: Callable[..., RenderedVariant],
    prepare: Prepare,
    parse_message: Parse,
    signer: TokenSigner,
    delivery_id: int,
    topics: frozenset[str] | None,
) -> None:
    variant = render(topics)
    recipient = Recipient(
        delivery_id, "a@example.org", "Ann Lee", topics_label="资本、算力、前沿研究"
    )
    plain, html = parts(parse_message(build_message(prepare(variant), recipient)))
    expected_html, expected_text = variant.personalise(
        signer.sign(TokenPurpose.DELIVERY, delivery_id), "Ann Lee", "资本、算力、前沿研究"
    )
    assert plain.get_content() == crlf(expected_text)
    assert html.get_content() == crlf(expected_html)


def test_bytes_are_seven_bit_crlf_with_short_lines(
    prepared: PreparedVariant, zhang: Recipient
) -> None:
    raw = build_message(prepared, zhang)
    head, _, body = raw.partition(b"\r\n\r\n")

    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    assert max(len(line) for line in body.split(b"\r\n")) <= 76


def test_each_reader_gets_their_own_token_links_and_message_id(
    prepared: PreparedVariant, parse_message: Parse, signer: TokenSigner
) -> None:
    messages = [
        parse_message(build_message(prepared, Recipient(i, f"r{i}@example.org"))) for i in (7, 8)
    ]
    for delivery_id, message in zip((7, 8), messages, strict=True):
        token = signer.sign(TokenPurpose.DELIVERY, delivery_id)
        plain, html = parts(message)
        for link in (f"/u/{token}", f"/p/{token}", f"/t/c/{token}/1", f"/t/o/{token}.gif"):
            assert f"https://news.example.com{link}" in html.get_content()
        assert f"https://news.example.com/u/{token}" in plain.get_content()
        assert signer.verify(TokenPurpose.DELIVERY, token) == (delivery_id,)
    assert messages[0]["Message-ID"] != messages[1]["Message-ID"]
    assert re.fullmatch(r"<7\.[0-9a-f]{18}@news\.example\.com>", messages[0]["Message-ID"])


def test_a_given_token_is_used_as_is_and_checked(
    prepared: PreparedVariant, parse_message: Parse
) -> None:
    message = parse_message(
        build_message(prepared, Recipient(3, "a@example.org", token="T0k3n_abc-XYZ"))
    )
    assert "<https://news.example.com/u/T0k3n_abc-XYZ>" in message["List-Unsubscribe"]
    with pytest.raises(ValueError, match="token"):
        build_message(prepared, Recipient(3, "a@example.org", token="bad token\r\nX: y"))


def test_without_a_signer_a_token_is_required(
    all_topics: RenderedVariant, settings: RenderSettings
) -> None:
    prepared = PreparedVariant(all_topics, settings, signer=None)
    with pytest.raises(ValueError, match="signer"):
        build_message(prepared, Recipient(3, "a@example.org"))


def test_reader_without_a_name_is_greeted_generically(
    prepared: PreparedVariant, parse_message: Parse
) -> None:
    message = parse_message(build_message(prepared, Recipient(3, "a@example.org")))
    plain, html = parts(message)
    assert message["To"] == "a@example.org"
    assert "\r\n你好！\r\n" in plain.get_content()
    assert re.search(r"<p[^>]*>你好！</p>", html.get_content())


def test_a_name_cannot_inject_headers_or_markup(
    prepared: PreparedVariant, parse_message: Parse
) -> None:
    recipient = Recipient(3, "a@example.org", name='Eve\r\nBcc: x@evil.example <b>"hi"</b>')
    message = parse_message(build_message(prepared, recipient))
    assert message["Bcc"] is None
    assert message["To"].addresses[0].display_name == 'Eve Bcc: x@evil.example <b>"hi"</b>'
    assert "<b>" not in parts(message)[1].get_content().split("</head>")[1]


def test_topics_label_override_fills_why_you_receive_this(
    prepared: PreparedVariant, parse_message: Parse
) -> None:
    recipient = Recipient(3, "a@example.org", topics_label="资本、机器人")
    plain, html = parts(parse_message(build_message(prepared, recipient)))
    assert "关注的主题：资本、机器人。" in plain.get_content()
    assert "关注的主题：资本、机器人。" in html.get_content()


def test_without_tracking_the_message_has_no_pixel_but_keeps_unsubscribe(
    render: Callable[..., RenderedVariant], prepare: Prepare, parse_message: Parse
) -> None:
    raw = build_message(prepare(render(None, tracking=False)), Recipient(5, "a@example.org"))
    plain, html = parts(parse_message(raw))
    assert "/t/" not in html.get_content()
    assert "https://openai.com/index/accelerating-the-next-phase-ai/" in html.get_content()
    assert "https://news.example.com/u/" in html.get_content()
    assert "https://news.example.com/p/" in plain.get_content()


@pytest.mark.parametrize("bad", ["<no-at-sign>", "<a@b>\r\nBcc: x@y", "<a b@c>", "<a@b"])
def test_malformed_message_ids_are_refused(
    prepared: PreparedVariant, zhang: Recipient, bad: str
) -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        build_message(prepared, zhang, message_id=bad)


def test_dates_must_be_timezone_aware(prepared: PreparedVariant, zhang: Recipient) -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_message(prepared, zhang, date=dt.datetime(2026, 4, 7, 8, 0))


def test_one_off_messages_carry_list_headers_only_when_asked(
    settings: RenderSettings, parse_message: Parse
) -> None:
    def build(list_token: str | None) -> EmailMessage:
        raw = build_single_message(
            settings,
            to_email="a@example.org",
            subject="主题 subject",
            html_body="<p>你好</p>",
            text_body="你好\n",
            list_token=list_token,
        )
        return parse_message(raw)

    plain_message, listed = build(None), build("tok-12345")

    for header in ("List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Precedence"):
        assert plain_message[header] is None
        assert listed[header] is not None
    assert "<https://news.example.com/u/tok-12345>" in listed["List-Unsubscribe"]
    assert plain_message["Subject"] == "主题 subject"
    text_part, html_part = parts(plain_message)
    assert text_part.get_content() == "你好\r\n"
    assert html_part.get_content() == "<p>你好</p>"


def test_building_messages_never_renders_again(
    all_topics: RenderedVariant, prepare: Prepare, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = prepare(all_topics)

    def forbidden(*_: object, **__: object) -> str:
        raise AssertionError("the compiler or the inliner ran per reader")

    monkeypatch.setattr("newsletter.rendering.compiler.mjml2html", forbidden)
    monkeypatch.setattr("newsletter.rendering.compiler.Premailer", forbidden)
    monkeypatch.setattr("newsletter.rendering.variant.compile_email", forbidden)
    for delivery_id in range(1, 50):
        build_message(prepared, Recipient(delivery_id, "a@example.org", "读者"))
