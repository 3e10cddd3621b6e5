"""The five topics a fresh installation starts with, and their starting keyword rules.

Admins edit names and keywords in the web UI afterwards; this is only the seed. How keywords
match is described in :mod:`newsletter.issues.tagging`: case-insensitively, Latin keywords as
whole words, Chinese ones anywhere, and a topic needs two keywords (or one in the title).

Keywords name the subject, not the companies: a chip maker appears in funding news as an
investor and in robotics news as a partner, so company names would pull items into the
wrong topic. Words that are common in any business text (收入, 自动化, 供应链, 提出) are left
out for the same reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A topic slug: lower-case ASCII words joined by single hyphens (``industrial-ai``).
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_topic_slug(text: str) -> bool:
    """Whether ``text`` is shaped like a topic slug (not whether that topic exists)."""
    return SLUG_PATTERN.fullmatch(text) is not None


@dataclass(frozen=True)
class TopicSeed:
    """A topic as seeded: slug, names in both languages and keyword rules."""

    slug: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    keywords: tuple[str, ...]


# Keyword lists read best packed, many to a line.
# fmt: off
DEFAULT_TOPICS: tuple[TopicSeed, ...] = (
    TopicSeed(
        slug="capital",
        name_zh="资本",
        name_en="Capital",
        description_zh="融资、估值、并购、上市与投资动向",
        description_en="Funding rounds, valuations, M&A, IPOs and investment",
        keywords=(
            "融资", "估值", "投资", "投资者", "募资", "募集", "并购", "收购", "上市", "IPO", "股价",
            "市值", "资本", "投后", "领投", "跟投", "基金", "增资", "独角兽", "招股书", "funding",
            "raises", "valuation", "investor", "acquisition", "acquire", "stock", "Series A",
            "Series B", "Series C", "venture", "unicorn",
        ),
    ),
    TopicSeed(
        slug="compute",
        name_zh="算力",
        name_en="Compute",
        description_zh="芯片、数据中心、云与算力合约",
        description_en="Chips, data centres, cloud capacity and compute deals",
        keywords=(
            "算力", "芯片", "GPU", "TPU", "NPU", "ASIC", "数据中心", "智算中心", "超算", "吉瓦",
            "兆瓦", "集群", "服务器", "推理成本", "训练集群", "云厂商", "半导体", "晶圆", "HBM",
            "加速卡", "compute", "data center", "datacenter", "gigawatt", "Ironwood", "Blackwell",
            "capacity reservation", "accelerator", "semiconductor",
        ),
    ),
    TopicSeed(
        slug="regulation",
        name_zh="监管与合规",
        name_en="Regulation & compliance",
        description_zh="法规、政策、合规要求与执法",
        description_en="Laws, policy, compliance duties and enforcement",
        keywords=(
            "监管", "合规", "法规", "法案", "政策", "欧盟", "AI Act", "GPAI", "Code of Practice",
            "版权", "隐私", "审计", "执法", "罚款", "立法", "委员会", "出口管制", "透明度",
            "regulation", "compliance", "regulator", "policy", "lawsuit", "copyright", "GDPR",
            "antitrust", "export control", "Commission",
        ),
    ),
    TopicSeed(
        slug="industrial-ai",
        name_zh="工业 AI",
        name_en="Industrial AI",
        description_zh="制造、机器人、仿真与物理世界中的 AI",
        description_en="Manufacturing, robotics, simulation and AI in the physical world",
        keywords=(
            "工业", "制造", "工厂", "机器人", "仿真", "物理 AI", "具身智能", "数字孪生", "产线",
            "装配", "控制器", "工业自动化", "sim-to-real", "Omniverse", "robot", "robotics",
            "manufacturing", "factory", "industrial", "physical AI", "digital twin", "embodied",
            "humanoid",
        ),
    ),
    TopicSeed(
        slug="research",
        name_zh="前沿研究",
        name_en="Research",
        description_zh="论文、基准与新方法",
        description_en="Papers, benchmarks and new methods",
        keywords=(
            "论文", "研究", "基准", "评测", "数据集", "算法", "实验", "预印本", "arXiv",
            "benchmark", "paper", "dataset", "preprint", "ICLR", "NeurIPS", "ICML", "ACL", "CVPR",
        ),
    ),
)
# fmt: on
