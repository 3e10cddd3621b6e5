"""A hand transcription of shared/samples/daily-report-2026-04-07.txt as an IssueDocument.

Stands in for the report importer until it lands; the benchmark loads this file by path when
``newsletter.issues.report_parser`` is not importable. Paragraphs that the sample breaks in the
middle of a sentence are joined the way the importer joins them.
"""

from __future__ import annotations

import datetime as dt

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink

OVERVIEW = [
    "4月第一周最值得关注的，不是单一模型能力再刷新一次，而是 AI 产业的五个约束正在同时收紧："
    "资本、算力、合规、工业落地和大规模应用运维。OpenAI 把融资规模推到 1220 亿美元，说明头部公司"
    "已经进入“先锁住资本与供给，再谈产品份额”的阶段。Anthropic 与 Google、Broadcom 签下多吉瓦级 "
    "TPU 协议，则把前沿模型竞争进一步推向长期算力合约。",
    "另一条主线是规则和落地开始变得更具体。欧盟在 2026-04-01 更新的 GPAI Code 页面，已经把签署者、"
    "部分签署者和合规路径差异公开化；这意味着大模型公司的欧洲策略不再停留在口头表态。与此同时，"
    "NVIDIA 与 ABB 把物理仿真和机器人部署直接接到制造业客户，Meta 也把 AI support assistant 推向 "
    "Facebook 和 Instagram 的全球支持场景，说明 AI 已从“可用”进入“必须能持续运营、持续审计、"
    "持续交付”的阶段。",
    "短期看，企业决策会继续向头部平台和成熟交付体系集中。中期看，真正的分水岭不只是模型分数，而是"
    "谁能同时占住融资能力、算力预留、合规证明、行业 workflow 和终端级分发。",
]

CONCLUSIONS = [
    "2026 年的头部 AI 竞争，本质上已经变成资本与算力的先发锁仓战；没有长期供给保障，模型领先会"
    "越来越难维持。",
    "合规正在从“政策风险”变成“市场准入工具”；谁能更快给出透明、版权和安全的可验证证明，谁就"
    "更容易拿下欧洲与受监管行业订单。",
    "AI 的新增价值正在从聊天入口外溢到两端：一端是工厂、机器人和仿真系统，另一端是社交平台、"
    "客服和内容治理基础设施。",
]

ANALYSIS = [
    "对大模型公司而言，最新一周最清晰的信号是“规模化壁垒”在继续上升。OpenAI 用超大融资补齐资本与"
    "分发，Anthropic 用长期 TPU 合同补齐供给与稳定性，欧盟则把合规证明变成可比较的市场门槛。"
    "接下来头部模型公司的竞争，已经不是谁先做出一个新 feature，而是谁能同时保证资金不断、算力不断、"
    "合规材料不断。",
    "对 agent / coding / workflow automation 赛道，当前更值得关注的是“从工具到运营系统”的迁移。"
    "Meta 的 support assistant 代表 AI 开始接手可量化、可回溯、可升级的支持流程；这和很多企业内部的"
    " "
    "IT 支持、客服、财务审核、法务初筛、本地化内容运营场景非常接近。未来有机会的 agent 产品，不是再"
    "做"
    "一个聊天入口，而是把工单、权限、上下文、执行动作与审计日志整合成可持续运营的流程层。",
    "对中国企业与内容服务场景，当前更实际的动作有三类。第一，面向外部市场的 SaaS 与内容平台，要提前"
    "补足欧盟合规文档、训练数据说明、版权政策与输出标注能力。第二，制造业与供应链软件团队，应把"
    "“仿真先行”的物理 AI 流程视作未来两年的重点增量，而不是只盯通用模型 API。第三，品牌、客服和"
    "内容运营团队，可以优先把申诉、账号健康、规则解释、质检和多语言支持做成 AI workflow，因为这些"
    "环节的 ROI 通常比单纯的创意生成更快兑现。",
]

IMPLICATIONS = "对产业/企业的启发"
OPENAI_FUNDING = "https://openai.com/index/accelerating-the-next-phase-ai/"
ANTHROPIC_COMPUTE = "https://www.anthropic.com/news/google-broadcom-partnership-compute"


def _events() -> list[Item]:
    return [
        Item(
            title="OpenAI 完成 1220 亿美元新融资，资本门槛被再次抬高",
            fields={
                "发生了什么": "OpenAI 于 2026-03-31 宣布完成最新一轮融资，承诺资本总额达到 1220 "
                "亿美元，投后估值 8520 亿美元。",
                "关键信息": "官方披露，本轮由 Amazon、NVIDIA、SoftBank 等战略伙伴锚定，Microsoft "
                "继续参与；同时首次通过银行渠道向个人投资者募集超过 30 亿美元。OpenAI 还表示，公司"
                "当前月收入已达到 20 亿美元，ChatGPT 周活用户超过 9 亿。",
                "为什么重要": "这不是普通意义上的融资新闻，而是前沿模型公司把资本、算力采购权和生态"
                "分发权进一步绑定。行业已经进入“需要超大资产负债表才能继续竞争”的阶段。",
                IMPLICATIONS: "对企业客户而言，选择模型供应商时，不能只看当前能力，还要评估其未来 "
                "12-24 个月的供给稳定性、融资耐力和基础设施兑现能力。对创业公司而言，通用大模型正"
                "变成更像云基础设施的赛道，差异化空间会更多转向垂流程、数据、行业集成和成本结构。",
            },
            sources=[
                SourceLink(
                    "OpenAI",
                    "OpenAI raises $122 billion to accelerate the next phase of AI",
                    OPENAI_FUNDING,
                ),
                SourceLink(
                    "Axios",
                    "OpenAI lets investors buy stock ahead of expected IPO",
                    "https://www.axios.com/2026/03/31/openai-ai-stock-investors-ipo",
                ),
            ],
            topics=["capital"],
        ),
        Item(
            title="Anthropic 与 Google、Broadcom 签下多吉瓦级下一代 TPU 协议，长期算力预留战升级",
            fields={
                "发生了什么": "Anthropic 于 2026-04-06 宣布，已与 Google 和 Broadcom 签署新协议，"
                "锁定自 2027 年起上线的多吉瓦级下一代 TPU 算力。",
                "关键信息": "Anthropic 称这是其迄今最大的一次算力承诺；公司同时披露，2026 年其收入 "
                "run-rate 已超过 300 亿美元，较 2025 年底约 90 亿美元大幅上升，年化消费超过 100 万"
                "美元的企业客户数量已从 500 家增至 1000 家以上。",
                "为什么重要": "这表明前沿模型公司的核心竞争变量，已从“买多少 GPU”上升到“提前锁住"
                "几年后的专用算力路线图”。一旦多吉瓦级产能被头部玩家预定，中型厂商会更容易在训练、"
                "推理成本和可用性上被进一步拉开。",
                IMPLICATIONS: "企业在设计多模型架构时，需要把“供应链韧性”纳入模型选型，而不只是比较"
                " "
                "API 单价。对云厂商、芯片厂商和基础设施服务商而言，未来更高价值的业务不是一次性卖卡"
                "，"
                "而是长期 capacity reservation、跨芯片调度和可交付 SLA。",
            },
            sources=[
                SourceLink(
                    "Anthropic",
                    "Anthropic expands partnership with Google and Broadcom for multiple "
                    "gigawatts of next-generation compute",
                    ANTHROPIC_COMPUTE,
                ),
                SourceLink(
                    "Google Cloud",
                    "Ironwood TPUs and new Axion-based VMs for your AI workloads",
                    "https://cloud.google.com/blog/products/compute/"
                    "ironwood-tpus-and-new-axion-based-vm-for-your-ai-workloads",
                ),
            ],
            topics=["compute"],
        ),
        Item(
            title="欧盟 GPAI Code 在 2026-04-01 更新签署名单，合规分层开始公开化",
            fields={
                "发生了什么": "欧盟委员会数字战略页面在 2026-04-01 更新了 General-Purpose AI Code "
                "of Practice 页面，明确列出 Amazon、Anthropic、Google、Microsoft、OpenAI 等签署者，"
                "并注明 xAI 仅签署 Safety and Security 章节。",
                "关键信息": "欧盟页面明确写出，该 Code 已被 Commission 与 AI Board 认定为可用于证明"
                "符合 AI Act 要求的“adequate voluntary tool”；签署者可借此降低行政负担并获得更高法"
                "律"
                "确定性。Reuters 此前报道，Microsoft 倾向签署，而 Meta 拒绝签署，认为文本带来额外"
                "法律不确定性。",
                "为什么重要": "规则执行开始从抽象原则变成公开、可比较的公司名单和路径分流。对欧洲市"
                "场"
                "而言，模型公司不再只是“支持监管”或“反对监管”，而是要回答自己采用哪条具体合规路线。"
                "",
                IMPLICATIONS: "面向欧洲市场的模型提供方、平台方和 SaaS 团队，需要尽快准备模型文档、"
                "版权政策、风险管理和审计材料。对采购方而言，今后比较供应商时，是否有现成的合规证明"
                "包，"
                "可能会像安全认证一样成为招标前置条件。",
            },
            sources=[
                SourceLink(
                    "European Commission",
                    "The General-Purpose AI Code of Practice",
                    "https://digital-strategy.ec.europa.eu/en/policies/contents-code-gpai",
                ),
                SourceLink(
                    "European Commission",
                    "General-Purpose AI Code of Practice now available",
                    "https://digital-strategy.ec.europa.eu/en/news/"
                    "general-purpose-ai-code-practice-now-available",
                ),
                SourceLink(
                    "Reuters via TradingView",
                    "Microsoft likely to sign EU AI code of practice, Meta rebuffs guidelines",
                    "https://www.tradingview.com/news/reuters.com%2C2025%3Anewsml_L8N3TF1VB%3A0-"
                    "microsoft-likely-to-sign-eu-ai-code-of-practice-meta-rebuffs-guidelines/",
                ),
            ],
            topics=["regulation"],
        ),
        Item(
            title="NVIDIA 与 ABB 把“物理 AI”推进到工业交付层，Foxconn 已开始试点",
            fields={
                "发生了什么": "NVIDIA 与 ABB Robotics 在 2026-03-09 公布合作，把 NVIDIA Omniverse "
                "libraries 直接接入 ABB RobotStudio，推出面向 2026 年下半年发布的 RobotStudio "
                "HyperReality。",
                "关键信息": "官方称，ABB 的虚拟控制器与真实机器人可实现约 99% 的仿真一致性，定位误"
                "差"
                "可降至约 0.5 毫米；Foxconn 已在消费电子装配场景进行试点，Workr 则面向中小制造商接"
                "入"
                "该体系。",
                "为什么重要": "工业 AI 的瓶颈正在从“模型能不能理解世界”转向“仿真结果能不能直接变成"
                "可部署的生产配置”。一旦 sim-to-real 的工程误差足够低，机器人部署周期、试错成本和"
                "项目 ROI 都会发生明显变化。",
                IMPLICATIONS: "制造业软件、工业自动化和机器人集成商的价值链会向“数据生成 + 物理仿真"
                " + "
                "控制器兼容 + 行业模板”上移。对中国制造企业和工业服务团队而言，值得重点跟踪的不是"
                "单个机器人 demo，而是能否把仿真、视觉训练和现场部署做成标准化交付流程。",
            },
            sources=[
                SourceLink(
                    "NVIDIA",
                    "ABB Robotics Taps NVIDIA Omniverse to Deliver Industrial-Grade Physical AI "
                    "at Scale",
                    "https://blogs.nvidia.com/blog/abb-robotics-omniverse/",
                ),
            ],
            topics=["industrial-ai"],
        ),
        Item(
            title="Meta 将 AI support assistant 推向 Facebook 与 Instagram 全球场景，AI 开始接管"
            "平台运维前台",
            fields={
                "发生了什么": "Meta 于 2026-03-19 宣布，开始在 Meta AI 已可用的国家和地区，将 Meta "
                "AI support assistant 推向 Facebook、Instagram App 及桌面 Help Center，并同步扩大 "
                "AI 在内容治理中的作用。",
                "关键信息": "官方称，该助手可处理密码重置、隐私设置、账号问题、违规解释与申诉追踪等"
                "任务，典型响应时间低于 5 秒；Meta 同时表示，未来几年会在诈骗、非法内容等高严重度"
                "治理场景部署更先进的 AI 系统。",
                "为什么重要": "这说明消费者平台已经把 AI 从内容生成工具转向“支持系统 + 执行系统 + "
                "治理系统”。真正的大规模 AI 价值，不一定来自一个新模型发布，而可能来自把原本高人力"
                "密度的支持与审核运营替换成持续在线的 AI 流程。",
                IMPLICATIONS: "对社交、电商、本地生活和内容平台来说，下一波可见 ROI 更可能来自客服"
                "、"
                "申诉、内容审核和风险处置自动化。对品牌和内容服务团队而言，也意味着平台规则解释、"
                "申诉链路和账号运营将越来越受 AI 中介层影响。",
            },
            sources=[
                SourceLink(
                    "Meta",
                    "Boosting Your Support and Safety on Meta's Apps With AI",
                    "https://about.fb.com/news/2026/03/"
                    "boosting-your-support-and-safety-on-metas-apps-with-ai/",
                ),
            ],
            topics=[],
        ),
    ]


def _social_posts() -> list[Item]:
    return [
        Item(
            title="@danielnewmanUV：OpenAI 能在 8520 亿美元估值上继续完成超大融资，说明市场正在"
            "押注“少数超级平台”",
            fields={
                "类型": "趋势信号",
                "验证状态": "帖文观点已被 OpenAI 官方融资公告验证；评论本身属于分析判断。",
                "一句话判断": "资本市场正在把前沿模型公司视作下一代基础设施平台，而不是普通软件公司"
                "。",
            },
            sources=[
                SourceLink(
                    "",
                    "Daniel Newman on X",
                    "https://x.com/danielnewmanUV/status/2039101770870214917",
                ),
                SourceLink("", "OpenAI 官方融资公告", OPENAI_FUNDING),
            ],
        ),
        Item(
            title="@elonmusk：Google 正在上线“惊人规模”的 AI 算力，多数人低估了这个量级",
            fields={
                "类型": "趋势信号",
                "验证状态": "帖文属于个人判断；其关于算力规模的方向性描述，可由 Google Ironwood 发"
                "布"
                "和 Anthropic 多吉瓦 TPU 协议交叉验证。",
                "一句话判断": "算力建设已经不是后台资源扩张，而是直接决定模型公司未来几年竞争位置的"
                "前台变量。",
            },
            sources=[
                SourceLink(
                    "", "Elon Musk on X", "https://x.com/elonmusk/status/2035231532949152207"
                ),
                SourceLink(
                    "Google Cloud",
                    "Ironwood TPUs",
                    "https://cloud.google.com/blog/products/compute/"
                    "ironwood-tpus-and-new-axion-based-vms-for-your-ai-workloads",
                ),
                SourceLink("", "Anthropic 官方公告", ANTHROPIC_COMPUTE),
            ],
        ),
        Item(
            title="@kloss_xyz : Anthropic 通过课程、subagents、Claude Code 文档与 workflows 教育，"
            "正在把“使用 Claude”变成组织能力建设",
            fields={
                "类型": "趋势信号",
                "验证状态": "帖文中关于 Anthropic 教育与 subagents 方向可被 Anthropic 官方文档和"
                "相关 webinar 页面验证；其中收入与采用率延伸判断未完全验证。",
                "一句话判断": "头部模型公司的护城河，正在从模型能力扩展到培训体系、工作流范式和开发"
                "者"
                "习惯。",
            },
            sources=[
                SourceLink(
                    "", "kloss_xyz on X", "https://x.com/kloss_xyz/status/2035599526652678618"
                ),
                SourceLink(
                    "Anthropic Docs",
                    "Subagents",
                    "https://docs.anthropic.com/en/docs/claude-code/sub-agents",
                ),
                SourceLink(
                    "Anthropic Webinar",
                    "Claude Code Advanced Patterns",
                    "https://www.anthropic.com/webinars/claude-code-advanced-patterns",
                ),
            ],
        ),
    ]


def _research() -> list[Item]:
    return [
        Item(
            title="AgentHazard : 把“电脑操作型 agent 的有害行为”做成系统化基准",
            fields={
                "做了什么": "这篇 2026-04-03 提交的论文提出 AgentHazard，专门评估 computer-use "
                "agents 在多步操作中形成有害结果的风险。",
                "新在哪里": "它不只看单步动作是否危险，而是把一系列局部看似合理、整体却会导致越权或"
                "伤害的步骤纳入评测。论文包含 2,653 个实例，覆盖多类攻击与风险模式。",
                "潜在应用方向": "适合代码 agent、浏览器 agent、企业桌面自动化和带执行权限的 copilot"
                " "
                "系统的安全评估。",
                "一句话判断": "随着 agent 获得更多工具权限，安全问题会越来越像“流程攻击面”，而不只"
                "是"
                "输出过滤。",
            },
            sources=[
                SourceLink(
                    "arXiv",
                    "AgentHazard: A Benchmark for Evaluating Harmful Behavior in Computer-Use "
                    "Agents",
                    "https://arxiv.org/abs/2604.02947",
                ),
            ],
            topics=["research"],
        ),
        Item(
            title="OSExpert : 让 computer-use agent 通过探索学习“专业技能”",
            fields={
                "做了什么": "这篇 2026-03-09 提交的论文提出 OSExpert，通过 GUI-DFS 探索算法、动作"
                "原语库和技能组合，让 computer-use agent 先学环境单元技能，再完成更复杂任务。",
                "新在哪里": "作者强调，很多 UI agent 不是不会推理，而是不掌握足够稳定的程序性技能。"
                "论文报告称，该方法在 OSExpert-Eval 上带来约 20% 的性能提升，并显著缩小与人类专家的"
                "效率差距。",
                "潜在应用方向": "适合桌面自动化、企业内部工具操作、RPA 升级与多步骤办公流程代理。",
                "一句话判断": "下一代高价值 agent，更像“先学会一门职业”，而不是只会临场猜答案。",
            },
            sources=[
                SourceLink(
                    "arXiv",
                    "OSExpert: Computer-Use Agents Learning Professional Skills via Exploration",
                    "https://arxiv.org/abs/2603.07978",
                ),
            ],
            topics=["research"],
        ),
        Item(
            title="Transparency as Architecture：AI Act 的透明度要求，可能需要从系统设计层重写",
            fields={
                "做了什么": "这篇 2026-03-27 提交的论文研究欧盟 AI Act 第 50 条第 II 款，讨论 AI "
                "生成内容需要同时满足“人类可理解”和“机器可验证”标记时，会遇到哪些结构性问题。",
                "新在哪里": "论文认为，合规不能只靠事后打标签，而应成为系统架构约束；尤其在事实核查"
                "和"
                "合成数据场景中，现有生成式系统很难天然满足双重透明度要求。",
                "潜在应用方向": "适合生成内容平台、模型中台、合成数据供应商与面向欧洲市场的 AI 产品"
                "设计。",
                "一句话判断": "合规不会只是法务补丁，未来会直接改写产品与模型系统的设计方式。",
            },
            sources=[
                SourceLink(
                    "arXiv",
                    "Transparency as Architecture: Structural Compliance Gaps in EU AI Act "
                    "Article 50 II",
                    "https://arxiv.org/abs/2603.26983",
                ),
            ],
            topics=["research"],
        ),
    ]


def build_sample_issue() -> IssueDocument:
    """The 2026-04-07 sample report as the importer is expected to structure it."""
    return IssueDocument(
        title="AI前沿发展日报",
        date=dt.date(2026, 4, 7),
        window="重点核查 2026-04-01 至 2026-04-07 期间新增、更新或仍具战略影响的公开高信号信息",
        sections=[
            Section(SectionKind.OVERVIEW, "今日总览", paragraphs=list(OVERVIEW)),
            Section(SectionKind.CONCLUSIONS, "今日三条结论", paragraphs=list(CONCLUSIONS)),
            Section(SectionKind.EVENTS, "今日 Top 5 大事件", items=_events()),
            Section(SectionKind.ANALYSIS, "商业与应用解读", paragraphs=list(ANALYSIS)),
            Section(SectionKind.SOCIAL, "X 平台高信号观点", items=_social_posts()),
            Section(SectionKind.RESEARCH, "前沿研究速递", items=_research()),
        ],
    )
