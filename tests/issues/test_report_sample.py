"""The shared sample report (2026-04-07) is read completely and exactly."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.issues.document import IssueDocument, SectionKind
from newsletter.issues.problems import Problem
from newsletter.issues.report import parse_report

EVENT_LABELS = ["发生了什么", "关键信息", "为什么重要", "对产业/企业的启发"]
SOCIAL_LABELS = ["类型", "验证状态", "一句话判断"]
RESEARCH_LABELS = ["做了什么", "新在哪里", "潜在应用方向", "一句话判断"]

#: (section index, item title, line of the title, labels in order, line of each label)
ITEMS = [
    (2, "OpenAI 完成 1220 亿美元新融资，资本门槛被再次抬高", 24, EVENT_LABELS, [26, 28, 32, 34]),
    (2, "Anthropic 与 Google、Broadcom 签下多吉瓦级下一代 TPU 协议，长期算力预留战升级", 38,
     EVENT_LABELS, [40, 42, 44, 46]),
    (2, "欧盟 GPAI Code 在 2026-04-01 更新签署名单，合规分层开始公开化", 50, EVENT_LABELS,
     [52, 54, 56, 58]),
    (2, "NVIDIA 与 ABB 把“物理 AI”推进到工业交付层，Foxconn 已开始试点", 62, EVENT_LABELS,
     [64, 66, 68, 70]),
    (2, "Meta 将 AI support assistant 推向 Facebook 与 Instagram 全球场景，"
        "AI 开始接管平台运维前台", 74, EVENT_LABELS, [76, 78, 80, 84]),
    (4, "@danielnewmanUV：OpenAI 能在 8520 亿美元估值上继续完成超大融资，"
        "说明市场正在押注“少数超级平台”", 98, SOCIAL_LABELS, [100, 102, 104]),
    (4, "@elonmusk：Google 正在上线“惊人规模”的 AI 算力，多数人低估了这个量级", 108, SOCIAL_LABELS,
     [110, 112, 114]),
    (4, "@kloss_xyz : Anthropic 通过课程、subagents、Claude Code 文档与 workflows 教育，"
        "正在把“使用 Claude”变成组织能力建设", 118, SOCIAL_LABELS, [120, 122, 124]),
    (5, "AgentHazard : 把“电脑操作型 agent 的有害行为”做成系统化基准", 130, RESEARCH_LABELS,
     [132, 134, 136, 138]),
    (5, "OSExpert : 让 computer-use agent 通过探索学习“专业技能”", 142, RESEARCH_LABELS,
     [144, 146, 150, 152]),
    (5, "Transparency as Architecture：AI Act 的透明度要求，可能需要从系统设计层重写", 156,
     RESEARCH_LABELS, [158, 160, 162, 164]),
]  # fmt: skip

#: The three sentences that the sample breaks across an empty line, rejoined.
REJOINED = [
    (2, 0, "关键信息",
     "官方披露，本轮由 Amazon、NVIDIA、SoftBank 等战略伙伴锚定，Microsoft 继续参与；同时首次通过"
     "银行渠道向个人投资者募集超过 30 亿美元。OpenAI 还表示，公司当前月收入已达到 20 亿美元，"
     "ChatGPT 周活用户超过 9 亿。"),
    (2, 4, "为什么重要",
     "这说明消费者平台已经把 AI 从内容生成工具转向“支持系统 + 执行系统 + 治理系统”。"
     "真正的大规模 AI 价值，不一定来自一个新模型发布，而可能来自把原本高人力密度的"
     "支持与审核运营替换成持续在线的 AI 流程。"),
    (5, 1, "新在哪里",
     "作者强调，很多 UI agent 不是不会推理，而是不掌握足够稳定的程序性技能。论文报告称，该方法在 "
     "OSExpert-Eval 上带来约 20% 的性能提升，并显著缩小与人类专家的效率差距。"),
]  # fmt: skip

SOURCES = [
    [("OpenAI", "OpenAI raises $122 billion to accelerate the next phase of AI",
      "https://openai.com/index/accelerating-the-next-phase-ai/"),
     ("Axios", "OpenAI lets investors buy stock ahead of expected IPO",
      "https://www.axios.com/2026/03/31/openai-ai-stock-investors-ipo")],
    [("Anthropic",
      "Anthropic expands partnership with Google and Broadcom for multiple gigawatts of "
      "next-generation compute",
      "https://www.anthropic.com/news/google-broadcom-partnership-compute"),
     ("Google Cloud", "Ironwood TPUs and new Axion-based VMs for your AI workloads",
      "https://cloud.google.com/blog/products/compute/"
      "ironwood-tpus-and-new-axion-based-vm-for-your-ai-workloads")],
    [("European Commission", "The General-Purpose AI Code of Practice",
      "https://digital-strategy.ec.europa.eu/en/policies/contents-code-gpai"),
     ("European Commission", "General-Purpose AI Code of Practice now available",
      "https://digital-strategy.ec.europa.eu/en/news/general-purpose-ai-code-practice-now-available"),
     ("Reuters via TradingView",
      "Microsoft likely to sign EU AI code of practice, Meta rebuffs guidelines",
      "https://www.tradingview.com/news/reuters.com%2C2025%3Anewsml_L8N3TF1VB%3A0-microsoft-"
      "likely-to-sign-eu-ai-code-of-practice-meta-rebuffs-guidelines/")],
    [("NVIDIA",
      "ABB Robotics Taps NVIDIA Omniverse to Deliver Industrial-Grade Physical AI at Scale",
      "https://blogs.nvidia.com/blog/abb-robotics-omniverse/")],
    [("Meta", "Boosting Your Support and Safety on Meta's Apps With AI",
      "https://about.fb.com/news/2026/03/boosting-your-support-and-safety-on-metas-apps-with-ai/")],
    [("x.com", "Daniel Newman on X", "https://x.com/danielnewmanUV/status/2039101770870214917"),
     ("openai.com", "OpenAI 官方融资公告", "https://openai.com/index/accelerating-the-next-phase-ai/")],
    [("x.com", "Elon Musk on X", "https://x.com/elonmusk/status/2035231532949152207"),
     ("Google Cloud", "Ironwood TPUs",
      "https://cloud.google.com/blog/products/compute/"
      "ironwood-tpus-and-new-axion-based-vms-for-your-ai-workloads"),
     ("anthropic.com", "Anthropic 官方公告",
      "https://www.anthropic.com/news/google-broadcom-partnership-compute")],
    [("x.com", "kloss_xyz on X", "https://x.com/kloss_xyz/status/2035599526652678618"),
     ("Anthropic Docs", "Subagents", "https://docs.anthropic.com/en/docs/claude-code/sub-agents"),
     ("Anthropic Webinar", "Claude Code Advanced Patterns",
      "https://www.anthropic.com/webinars/claude-code-advanced-patterns")],
    [("arXiv", "AgentHazard: A Benchmark for Evaluating Harmful Behavior in Computer-Use Agents",
      "https://arxiv.org/abs/2604.02947")],
    [("arXiv", "OSExpert: Computer-Use Agents Learning Professional Skills via Exploration",
      "https://arxiv.org/abs/2603.07978")],
    [("arXiv",
      "Transparency as Architecture: Structural Compliance Gaps in EU AI Act Article 50 II",
      "https://arxiv.org/abs/2603.26983")],
]  # fmt: skip


def _after_label(line: str) -> str:
    return line.split("：", 1)[1].strip()


def test_the_title_date_time_zone_and_window_are_read(sample_doc: IssueDocument) -> None:
    assert sample_doc.title == "AI前沿发展日报"
    assert sample_doc.date == dt.date(2026, 4, 7)
    assert sample_doc.timezone == "Asia/Shanghai"
    assert sample_doc.window == (
        "重点核查 2026-04-01 至 2026-04-07 期间新增、更新或仍具战略影响的公开高信号信息"
    )


def test_the_sections_come_in_order_with_their_kinds_titles_and_lines(
    sample_doc: IssueDocument,
) -> None:
    assert [(s.kind, s.title, s.line) for s in sample_doc.sections] == [
        (SectionKind.OVERVIEW, "今日总览", 8),
        (SectionKind.CONCLUSIONS, "今日三条结论", 16),
        (SectionKind.EVENTS, "今日 Top 5 大事件", 22),
        (SectionKind.ANALYSIS, "商业与应用解读", 88),
        (SectionKind.SOCIAL, "X 平台高信号观点", 96),
        (SectionKind.RESEARCH, "前沿研究速递", 128),
    ]


@pytest.mark.parametrize(("section", "lines"), [(0, [10, 12, 14]), (3, [90, 92, 94])])
def test_overview_and_analysis_paragraphs_are_the_sample_lines(
    sample_doc: IssueDocument, sample_lines: list[str], section: int, lines: list[int]
) -> None:
    assert sample_doc.sections[section].paragraphs == [sample_lines[n] for n in lines]
    assert sample_doc.sections[section].items == []


def test_overview_paragraphs_start_and_end_as_written(sample_doc: IssueDocument) -> None:
    first, second, third = sample_doc.sections[0].paragraphs
    assert first.startswith("4月第一周最值得关注的，不是单一模型能力再刷新一次")
    assert first.endswith("则把前沿模型竞争进一步推向长期算力合约。")
    assert second.startswith("另一条主线是规则和落地开始变得更具体。")
    assert second.endswith("持续交付”的阶段。")
    assert third == (
        "短期看，企业决策会继续向头部平台和成熟交付体系集中。中期看，真正的分水岭不只是模型分数，"
        "而是谁能同时占住融资能力、算力预留、合规证明、行业 workflow 和终端级分发。"
    )


def test_analysis_paragraphs_start_and_end_as_written(sample_doc: IssueDocument) -> None:
    first, second, third = sample_doc.sections[3].paragraphs
    assert first.startswith("对大模型公司而言，最新一周最清晰的信号是“规模化壁垒”在继续上升。")
    assert first.endswith("而是谁能同时保证资金不断、算力不断、合规材料不断。")
    assert second.startswith("对 agent / coding / workflow automation 赛道，")
    assert second.endswith("整合成可持续运营的流程层。")
    assert third.startswith("对中国企业与内容服务场景，当前更实际的动作有三类。")
    assert third.endswith("因为这些环节的 ROI 通常比单纯的创意生成更快兑现。")


def test_all_three_conclusions_are_read_without_their_bullets(sample_doc: IssueDocument) -> None:
    assert sample_doc.sections[1].paragraphs == [
        "2026 年的头部 AI 竞争，本质上已经变成资本与算力的先发锁仓战；没有长期供给保障，"
        "模型领先会越来越难维持。",
        "合规正在从“政策风险”变成“市场准入工具”；谁能更快给出透明、版权和安全的可验证证明，"
        "谁就更容易拿下欧洲与受监管行业订单。",
        "AI 的新增价值正在从聊天入口外溢到两端：一端是工厂、机器人和仿真系统，另一端是社交平台、"
        "客服和内容治理基础设施。",
    ]


def test_every_item_has_its_title_and_line(sample_doc: IssueDocument) -> None:
    found = [
        (index, item.title, item.line)
        for index, section in enumerate(sample_doc.sections)
        for item in section.items
    ]
    assert found == [(section, title, line) for section, title, line, _, _ in ITEMS]


@pytest.mark.parametrize(("section", "title", "line", "labels", "label_lines"), ITEMS)
def test_every_field_keeps_its_label_order_and_text(
    sample_doc: IssueDocument,
    sample_lines: list[str],
    section: int,
    title: str,
    line: int,
    labels: list[str],
    label_lines: list[int],
) -> None:
    items = sample_doc.sections[section].items
    index = [item.line for item in items].index(line)
    assert list(items[index].fields) == labels
    rejoined = {(s, i, label) for s, i, label, _ in REJOINED}
    for label, label_line in zip(labels, label_lines, strict=True):
        if (section, index, label) not in rejoined:
            assert items[index].fields[label] == _after_label(sample_lines[label_line])


@pytest.mark.parametrize(("section", "index", "label", "text"), REJOINED)
def test_sentences_broken_across_an_empty_line_are_joined_back(
    sample_doc: IssueDocument, section: int, index: int, label: str, text: str
) -> None:
    assert sample_doc.sections[section].items[index].fields[label] == text


def test_the_joins_are_reported_as_warnings_and_nothing_else_is(sample_text: str) -> None:
    warnings: list[Problem] = []
    parse_report(sample_text, warnings=warnings)
    assert [(w.line, w.message) for w in warnings] == [
        (30, "this line continues the unfinished sentence of line 28; the two were joined"),
        (82, "this line continues the unfinished sentence of line 80; the two were joined"),
        (148, "this line continues the unfinished sentence of line 146; the two were joined"),
    ]


def test_some_fields_in_full(sample_doc: IssueDocument) -> None:
    events, social, research = (sample_doc.sections[i].items for i in (2, 4, 5))
    assert events[0].fields["发生了什么"] == (
        "OpenAI 于 2026-03-31 宣布完成最新一轮融资，承诺资本总额达到 1220 亿美元，"
        "投后估值 8520 亿美元。"
    )
    assert (
        events[2].fields["对产业/企业的启发"].startswith("面向欧洲市场的模型提供方、平台方和 SaaS")
    )
    assert events[3].fields["关键信息"] == (
        "官方称，ABB 的虚拟控制器与真实机器人可实现约 99% 的仿真一致性，定位误差可降至约 "
        "0.5 毫米；Foxconn 已在消费电子装配场景进行试点，Workr 则面向中小制造商接入该体系。"
    )
    assert social[0].fields["类型"] == "趋势信号"
    assert social[1].fields["一句话判断"] == (
        "算力建设已经不是后台资源扩张，而是直接决定模型公司未来几年竞争位置的前台变量。"
    )
    assert research[2].fields["潜在应用方向"] == (
        "适合生成内容平台、模型中台、合成数据供应商与面向欧洲市场的 AI 产品设计。"
    )


def test_the_slash_in_a_label_is_normalised_whatever_its_spacing(
    sample_doc: IssueDocument,
) -> None:
    for item in sample_doc.sections[2].items:
        assert "对产业/企业的启发" in item.fields
        assert "对产业 / 企业的启发" not in item.fields


def test_all_twenty_sources_are_read_with_publisher_title_and_url(
    sample_doc: IssueDocument,
) -> None:
    found = [[(s.publisher, s.title, s.url) for s in item.sources] for item in sample_doc.items()]
    assert found == SOURCES
    assert sum(len(sources) for sources in found) == 20


def test_nothing_is_tagged_by_parsing_alone(sample_doc: IssueDocument) -> None:
    assert all(item.topics == [] for item in sample_doc.items())


def test_reading_the_bytes_gives_the_same_document(sample_text: str) -> None:
    assert parse_report(sample_text.encode("utf-8")) == parse_report(sample_text)
