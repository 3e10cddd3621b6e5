"""render_variant: what readers of each topic mix get, in HTML and text."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable

import lxml.html
import pytest

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind
from newsletter.rendering import (
    GMAIL_CLIP_BYTES,
    RenderedVariant,
    RenderSettings,
    build_link_registry,
    render_variant,
)
from newsletter.rendering.slots import Slot

Render = Callable[..., RenderedVariant]
MIXES = [
    None,
    frozenset(),
    frozenset({"capital"}),
    frozenset({"research"}),
    frozenset({"compute", "regulation"}),
    frozenset({"capital", "industrial-ai", "research"}),
]


def visible_text(html: str) -> str:
    root = lxml.html.document_fromstring(html)
    body = root.find("body")
    assert body is not None
    return " ".join(body.text_content().split())


def hrefs(html: str) -> list[str]:
    return [str(a.get("href")) for a in lxml.html.document_fromstring(html).iter("a")]


def titles(doc: IssueDocument, topics: Iterable[str] | None, *, wanted: bool) -> list[str]:
    chosen = None if topics is None else set(topics)
    result = []
    for item in doc.items():
        gets_it = chosen is None or not item.topics or bool(chosen & set(item.topics))
        if gets_it == wanted:
            result.append(item.title)
    return result


@pytest.mark.parametrize("topics", MIXES, ids=lambda mix: "+".join(sorted(mix or ["ALL"])))
def test_each_mix_carries_its_items_and_no_others(
    render: Render, sample_issue: IssueDocument, topics: frozenset[str] | None
) -> None:
    variant = render(topics)
    html_text, text = visible_text(variant.html), variant.text

    for title in titles(sample_issue, topics, wanted=True):
        assert " ".join(title.split()) in html_text
        assert title in text
    for title in titles(sample_issue, topics, wanted=False):
        assert title not in html_text
        assert title not in text


@pytest.mark.parametrize("topics", MIXES, ids=lambda mix: "+".join(sorted(mix or ["ALL"])))
def test_general_sections_reach_every_reader(
    render: Render, sample_issue: IssueDocument, topics: frozenset[str] | None
) -> None:
    variant = render(topics)
    for section in sample_issue.sections:
        if section.kind in (SectionKind.OVERVIEW, SectionKind.CONCLUSIONS, SectionKind.ANALYSIS):
            assert section.title in visible_text(variant.html)
            for paragraph in section.paragraphs:
                assert paragraph in visible_text(variant.html)
                assert paragraph in variant.text


def test_conclusions_are_a_numbered_list(all_topics: RenderedVariant) -> None:
    root = lxml.html.document_fromstring(all_topics.html)
    items = [li.text_content() for li in root.cssselect("ol.nl-list li")]
    assert items[0].startswith("2026 年的头部 AI 竞争")
    assert len(items) == 3
    assert "\n3. AI 的新增价值正在从聊天入口外溢到两端" in all_topics.text


def test_event_fields_keep_their_labels_and_order(
    all_topics: RenderedVariant, sample_issue: IssueDocument
) -> None:
    first_event = sample_issue.sections[2].items[0]
    text = visible_text(all_topics.html)
    positions = [text.index(f"{label}： {value}") for label, value in first_event.fields.items()]
    assert positions == sorted(positions)
    assert "对产业/企业的启发：对企业客户而言" in all_topics.text


def test_topic_badges_name_topics_in_the_readers_language(render: Render) -> None:
    zh = lxml.html.document_fromstring(render(None).html)
    en = lxml.html.document_fromstring(render(None, locale="en").html)

    assert [b.text for b in zh.cssselect(".nl-badge")][:4] == [
        "资本",
        "算力",
        "监管与合规",
        "工业 AI",
    ]
    assert [b.text for b in en.cssselect(".nl-badge")][:2] == ["Capital", "Compute"]
    assert "[前沿研究]" in render(None).text


def test_tracking_links_name_the_link_by_its_registry_position(
    all_topics: RenderedVariant, links: list[str]
) -> None:
    content = [h for h in hrefs(all_topics.html) if "/t/c/" in h]
    positions = sorted({int(h.rsplit("/", 1)[1]) for h in content})

    assert positions == list(range(1, len(links) + 1))
    assert all(h.startswith(f"https://news.example.com/t/c/{Slot.TOKEN.marker}/") for h in content)
    assert f"https://news.example.com/t/c/{Slot.TOKEN.marker}/1" in all_topics.text
    assert not any(url in all_topics.html for url in links)


def test_tracking_adds_an_open_pixel(all_topics: RenderedVariant) -> None:
    root = lxml.html.document_fromstring(all_topics.html)
    pixel = root.cssselect(f'img[src="https://news.example.com/t/o/{Slot.TOKEN.marker}.gif"]')
    assert len(pixel) == 1
    assert pixel[0].get("alt") == ""
    assert pixel[0].get("width") == "1"


def test_without_tracking_links_go_straight_to_their_targets(
    render: Render, links: list[str]
) -> None:
    variant = render(None, tracking=False)
    targets = hrefs(variant.html)

    assert "/t/" not in variant.html
    assert "/t/" not in variant.text
    assert set(links) <= set(targets)
    assert f"https://news.example.com/u/{Slot.TOKEN.marker}" in targets
    assert f"https://news.example.com/p/{Slot.TOKEN.marker}" in targets
    assert f"https://news.example.com/u/{Slot.TOKEN.marker}" in variant.text


def test_footer_links_and_why_you_receive_this(render: Render) -> None:
    variant = render(frozenset({"research", "capital"}))
    targets = hrefs(variant.html)

    assert f"https://news.example.com/u/{Slot.TOKEN.marker}" in targets
    assert f"https://news.example.com/p/{Slot.TOKEN.marker}" in targets
    assert "https://news.example.com/archive/2026-04-07?topics=capital+research" in targets
    assert variant.topics_label == "资本、前沿研究"
    assert f"关注的主题：{Slot.TOPICS.marker}。" in visible_text(variant.html)
    assert "上海市浦东新区世纪大道 100 号 20 楼" in visible_text(variant.html)
    assert "上海市浦东新区世纪大道 100 号 20 楼" in variant.text


@pytest.mark.parametrize(
    ("topics", "label"),
    [(None, "全部主题"), (frozenset(), "仅通用内容"), (frozenset({"research"}), "前沿研究")],
)
def test_topics_label_per_variant(
    render: Render, topics: frozenset[str] | None, label: str
) -> None:
    assert render(topics).topics_label == label


def test_english_chrome(render: Render) -> None:
    variant = render(frozenset({"compute"}), locale="en")
    assert '<html lang="en"' in variant.html
    assert "Unsubscribe" in visible_text(variant.html)
    assert "Manage preferences" in variant.text
    assert variant.topics_label == "Compute"
    assert "Tuesday, 7 April 2026" in variant.text


def test_subject_leads_with_the_readers_top_story(render: Render) -> None:
    assert render(None).subject == "AI前沿发展日报 | OpenAI 完成 1220 亿美元新融资"
    assert render(frozenset({"compute"})).subject.startswith("AI前沿发展日报 | Anthropic 与 Google")
    assert render(frozenset({"research"})).subject.startswith("AI前沿发展日报 | Meta 将")


def test_editor_subject_and_preheader_win(
    sample_issue: IssueDocument, settings: RenderSettings, links: list[str]
) -> None:
    doc = sample_issue.filtered(None)
    doc.subject, doc.preheader = "本周特别版", "三件事，一分钟读完"
    variant = render_variant(doc, None, settings, links)
    assert variant.subject == "本周特别版"
    assert variant.preheader == "三件事，一分钟读完"
    assert "<title>本周特别版</title>" in variant.html


def test_preheader_is_hidden_preview_text(all_topics: RenderedVariant) -> None:
    root = lxml.html.document_fromstring(all_topics.html)
    body = root.find("body")
    assert body is not None
    first = body.find("div")
    assert first is not None
    assert "display:none" in first.get("style", "").replace(" ", "")
    assert first.text_content().startswith(all_topics.preheader)
    assert all_topics.preheader.startswith("4月第一周最值得关注的")


def test_html_is_a_standards_mode_document_without_external_resources(
    all_topics: RenderedVariant,
) -> None:
    html = all_topics.html
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html
    assert "googleapis" not in html
    assert "data-premailer" not in html
    external = re.findall(r'src="(https?://[^"]+)"', html)
    assert external == [f"https://news.example.com/t/o/{Slot.TOKEN.marker}.gif"]


def test_dark_mode_rules_keep_important(all_topics: RenderedVariant) -> None:
    block = re.search(r"@media \(prefers-color-scheme: dark\) \{(.*?)\n\}", all_topics.html, re.S)
    assert block is not None
    declarations = re.findall(r"[a-z-]+:\s*[^;{}]+;", block.group(1))
    assert len(declarations) >= 12
    assert all(d.rstrip(";").endswith("!important") for d in declarations)
    assert "[data-ogsc] .nl-text > div" in all_topics.html
    assert '<meta name="color-scheme" content="light dark">' in all_topics.html


def test_outlook_desktop_gets_a_cjk_font_of_its_own(all_topics: RenderedVariant) -> None:
    assert "<!--[if mso]><style" in all_topics.html
    assert "font-family: 'Microsoft YaHei'" in all_topics.html


def test_component_css_is_inlined(all_topics: RenderedVariant) -> None:
    root = lxml.html.document_fromstring(all_topics.html)
    badge = root.cssselect(".nl-badge")[0]
    assert "background-color:#e7f0fb" in badge.get("style", "").replace(" ", "")
    link = root.cssselect(".nl-sources a")[0]
    assert "color:#0b5cad" in link.get("style", "").replace(" ", "")


def test_latin_words_between_inline_tags_keep_their_spaces(all_topics: RenderedVariant) -> None:
    text = visible_text(all_topics.html)
    assert "Daniel Newman on X" in text
    assert "退订 · 管理订阅偏好 · 在浏览器中查看" in text


def test_all_topics_html_with_tracking_fits_under_gmail_clip(all_topics: RenderedVariant) -> None:
    assert all_topics.size < GMAIL_CLIP_BYTES
    assert all_topics.warning is None
    assert all_topics.size == len(all_topics.personalise("A" * 24)[0].encode())


def test_every_part_carries_every_reader_slot(all_topics: RenderedVariant) -> None:
    for slot in Slot:
        assert slot.marker in all_topics.html
        assert slot.marker in all_topics.text


def test_personalise_escapes_the_name_in_html_only(all_topics: RenderedVariant) -> None:
    html, text = all_topics.personalise("AbCdEfGhIjKlMnOpQrStUv", "<b>Ann & Co</b>")
    assert "&lt;b&gt;Ann &amp; Co&lt;/b&gt;，你好！" in html
    assert "<b>Ann & Co</b>，你好！" in text
    assert "__NL_" not in html + text


def test_text_part_is_plain_text_from_the_structure(all_topics: RenderedVariant) -> None:
    text = all_topics.text
    assert "<" not in text.replace("<https", "")
    assert "【今日总览】" in text
    assert "\n\n\n" not in text
    assert text.endswith("\n")


def test_content_spelling_a_slot_marker_is_refused(
    settings: RenderSettings, links: list[str]
) -> None:
    doc = IssueDocument(
        title="t", sections=[Section(SectionKind.OVERVIEW, "总览", paragraphs=["__NL_TOKEN__"])]
    )
    with pytest.raises(ValueError, match="reserved marker"):
        render_variant(doc, None, settings, links)


def test_unknown_locale_falls_back_to_the_default(render: Render) -> None:
    assert render(None, locale="fr").locale == "zh-CN"


def test_content_is_escaped_not_interpreted(settings: RenderSettings) -> None:
    hostile = 'AT&T <script>alert(1)</script> "引号" 5 > 3 &amp;'
    doc = IssueDocument(
        title="t", sections=[Section(SectionKind.OVERVIEW, "总览", paragraphs=[hostile])]
    )
    variant = render_variant(doc, None, settings, [])

    assert "<script" not in variant.html
    assert hostile in visible_text(variant.html)
    assert hostile in variant.text


def test_other_sections_render_generically(settings: RenderSettings) -> None:
    doc = IssueDocument(
        title="AI前沿发展日报",
        sections=[
            Section(
                SectionKind.OTHER,
                "附录：术语表",
                paragraphs=["以下术语见 https://example.org/glossary 。"],
                items=[Item("GPAI", fields={"释义": "通用人工智能模型"}, topics=["regulation"])],
            )
        ],
    )
    variant = render_variant(doc, None, settings, build_link_registry(doc), tracking=False)
    text = visible_text(variant.html)

    assert "附录：术语表" in text
    assert "1. GPAI" in text
    assert "释义： 通用人工智能模型" in text
    assert "https://example.org/glossary" in hrefs(variant.html)
    assert "【附录：术语表】" in variant.text


def test_a_configured_logo_is_an_image_with_alt_text(
    sample_issue: IssueDocument, settings: RenderSettings, links: list[str]
) -> None:
    with_logo = dataclasses.replace(settings, logo_url="https://news.example.com/static/logo.png")
    root = lxml.html.document_fromstring(render_variant(sample_issue, None, with_logo, links).html)
    logo = root.cssselect('img[src="https://news.example.com/static/logo.png"]')
    assert len(logo) == 1
    assert logo[0].get("alt") == "AI前沿发展日报"


def test_a_variant_survives_a_json_round_trip(all_topics: RenderedVariant) -> None:
    stored = json.loads(json.dumps(all_topics.to_json()))
    assert RenderedVariant.from_json(stored) == all_topics
