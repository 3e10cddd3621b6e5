"""The five topics a fresh installation starts with, and their starting keyword rules.

Admins edit names and keywords in the web UI afterwards; this is only the seed. Keywords are
matched case-insensitively as substrings of an item's title and fields, so short Latin
abbreviations are spelt with the surrounding spaces or punctuation they need to stay specific.
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


DEFAULT_TOPICS: tuple[TopicSeed, ...] = (
    TopicSeed(
        slug="capital",
        name_zh="资本",
        name_en="Capital",
        description_zh="融资、估值、并购、上市与投资动向",
        description_en="Funding rounds, valuations, M&A, IPOs and investment",
        keywords=(
            "融资", "估值", "投资", "投资者", "募资", "募集", "并购", "收购", "上市", "IPO",
            "股价", "市值", "资本", "投后", "领投", "跟投", "基金", "营收", "收入", "run-rate",
            "funding", "raises", "valuation", "investor", "acquisition", "acquire", "stock",
            "Series A", "Series B", "Series C", "venture",
        ),
    ),
    TopicSeed(
        slug="compute",
        name_zh="算力",
        name_en="Compute",
        description_zh="芯片、数据中心、云与算力合约",
        description_en="Chips, data centres, cloud capacity and compute deals",
        keywords=(
            "算力", "芯片", "GPU", "TPU", "NPU", "ASIC", "数据中心", "吉瓦", "兆瓦", "集群",
            "服务器", "推理成本", "训练集群", "云厂商", "半导体", "晶圆", "HBM", "NVIDIA",
            "英伟达", "Broadcom", "博通", "AMD", "台积电", "TSMC", "compute", "data center",
            "datacenter", "gigawatt", "Ironwood", "Blackwell", "capacity reservation",
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
            "工业", "制造", "工厂", "机器人", "仿真", "物理 AI", "物理AI", "数字孪生", "自动化",
            "供应链", "产线", "装配", "控制器", "sim-to-real", "Omniverse", "robot", "robotics",
            "manufacturing", "factory", "industrial", "physical AI", "digital twin", "ABB",
            "Foxconn", "富士康",
        ),
    ),
    TopicSeed(
        slug="research",
        name_zh="前沿研究",
        name_en="Research",
        description_zh="论文、基准与新方法",
        description_en="Papers, benchmarks and new methods",
        keywords=(
            "论文", "研究", "基准", "评测", "数据集", "算法", "实验", "提出", "arXiv", "benchmark",
            "paper", "dataset", "preprint", "ICLR", "NeurIPS", "ICML", "ACL", "CVPR",
        ),
    ),
)
