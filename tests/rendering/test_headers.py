"""Hand-built headers: RFC 2047 words that round-trip exactly, folded within 76 characters."""

from __future__ import annotations

import base64
import email
import re
from email import policy
from email.header import decode_header, make_header

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsletter.rendering.headers import address, check_address, list_id, unstructured

ENCODED_WORD = re.compile(r"=\?utf-8\?b\?[A-Za-z0-9+/=]*\?=")
GH_92081_SUBJECT = "AI前沿发展日报 | OpenAI 完成 1220 亿美元新融资"


def reparse(header_lines: str) -> email.message.EmailMessage:
    raw = (header_lines + "\r\nbody\r\n").encode("ascii")
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def assert_well_folded(header: str) -> None:
    assert header.endswith("\r\n")
    lines = header[:-2].split("\r\n")
    assert all(len(line) <= 76 for line in lines), lines
    assert all(line.startswith(" ") for line in lines[1:])
    assert all(len(word) <= 75 for word in ENCODED_WORD.findall(header))


def test_cjk_subject_with_latin_words_keeps_its_spaces() -> None:
    header = unstructured("Subject", GH_92081_SUBJECT)

    assert_well_folded(header)
    assert len(header[:-2].split("\r\n")) == 2  # long enough to fold: the gh-92081 case
    assert reparse(header)["Subject"] == GH_92081_SUBJECT


@given(
    st.text(
        alphabet=st.sampled_from(list("AI前沿发展日报 OpenAI完成亿美元|：，、-0123456789😀éß")),
        min_size=1,
        max_size=120,
    )
)
def test_any_mixed_subject_round_trips(subject: str) -> None:
    expected = " ".join(subject.split())
    header = unstructured("Subject", subject)
    assert_well_folded(header)
    assert reparse(header)["Subject"] == expected


def test_long_ascii_subject_folds_at_spaces_and_unfolds_exactly() -> None:
    subject = " ".join(["newsletter"] * 20)
    header = unstructured("Subject", subject)
    assert "=?" not in header
    assert_well_folded(header)
    assert reparse(header)["Subject"] == subject


def test_a_word_too_long_to_fold_is_encoded_in_pieces() -> None:
    subject = "x" * 2000
    header = unstructured("Subject", subject)
    assert_well_folded(header)
    assert reparse(header)["Subject"] == subject


def test_ascii_text_that_looks_like_an_encoded_word_is_encoded() -> None:
    header = unstructured("Subject", "=?utf-8?b?AAAA?= trick")
    assert reparse(header)["Subject"] == "=?utf-8?b?AAAA?= trick"


def test_line_breaks_cannot_inject_headers() -> None:
    header = unstructured("Subject", "hello\r\nBcc: victim@example.org")
    assert header.count("\r\n") == 1
    assert reparse(header)["Bcc"] is None


def test_cjk_display_name_is_encoded_and_decodes() -> None:
    header = address("To", "zhang@example.org", "张三")
    message = reparse(header)
    assert message["To"].addresses[0].display_name == "张三"
    assert message["To"].addresses[0].addr_spec == "zhang@example.org"


def test_ascii_display_name_is_quoted() -> None:
    header = address("From", "daily@example.com", 'Ann "The Reader", Lee')
    assert header == 'From: "Ann \\"The Reader\\", Lee" <daily@example.com>\r\n'
    assert reparse(header)["From"].addresses[0].display_name == 'Ann "The Reader", Lee'


def test_long_display_name_folds_and_decodes_per_rfc_2047() -> None:
    name = "非常长的名字" * 6
    header = address("To", "someone.with.a.long.address@example.org", name)
    assert_well_folded(header)
    # Python 3.11's modern parser puts a space between adjacent encoded words inside an
    # address (CPython gh-128110), so decode the way RFC 2047 section 6.2 says.
    value = header.split(":", 1)[1].replace("\r\n", "")
    assert (
        str(make_header(decode_header(value)))
        == f"{name} <someone.with.a.long.address@example.org>"
    )


def test_encoded_words_break_after_spaces_not_inside_numbers() -> None:
    header = unstructured("Subject", GH_92081_SUBJECT)
    words = [base64.b64decode(word[10:-2]).decode() for word in ENCODED_WORD.findall(header)]
    assert words == ["AI前沿发展日报 | OpenAI 完成 ", "1220 亿美元新融资"]


def test_address_without_name() -> None:
    assert address("To", "a@example.org", "") == "To: <a@example.org>\r\n"


def test_idn_domain_becomes_punycode() -> None:
    assert check_address("info@例子.中国") == "info@xn--fsqu00a.xn--fiqs8s"


@pytest.mark.parametrize(
    "bad", ["no-at-sign", "张@example.org", "a@b.org\r\nBcc: x@y.org", "a b@c.org", "<a@b.org>"]
)
def test_unusable_addresses_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="address"):
        check_address(bad)


def test_list_id_has_an_encoded_phrase_and_the_label() -> None:
    header = list_id("AI前沿发展日报", "daily.news.example.com")
    assert header.endswith(" <daily.news.example.com>\r\n")
    assert str(reparse(header)["List-Id"]) == "AI前沿发展日报 <daily.news.example.com>"
    with pytest.raises(ValueError, match="list id"):
        list_id("x", "not a label")
