"""Suggest topics for the items of an issue from keyword rules.

A rule maps a topic slug to keywords. Matching is case-insensitive. A keyword written with
Latin letters or digits at an end must match whole words there, so ``ACL`` does not match
inside ``oracle``, while an English plural still matches (``investor`` finds
``investors``); a Chinese keyword matches anywhere, as Chinese has no spaces between words.
A space in a keyword matches any run of spaces, or none next to a Chinese character
(``物理 AI`` also finds ``物理AI``).

One keyword in passing is weak evidence (``算力`` in a funding story, ``隐私`` in a support
assistant's feature list), so a topic is suggested only when at least two of its keywords
occur in the item, or one occurs in the item's title, which names its subject.

Suggestions are what an editor starts from, so every topic records why it was proposed:
the keywords that matched, or ``section:<kind>`` for a topic that a section gives all its
items (every item of the research section is about research).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import pairwise

from newsletter.issues.document import IssueDocument, Item, SectionKind
from newsletter.issues.text import is_cjk
from newsletter.topics.seed import DEFAULT_TOPICS, TopicSeed

#: Keyword rules: topic slug -> keywords.
TopicRules = Mapping[str, Sequence[str]]

#: Matching keywords needed to suggest a topic; a keyword in the title counts twice.
MIN_EVIDENCE = 2
#: Sections whose items are tagged; the others are general and go to every reader.
TAGGED_KINDS = frozenset(
    {SectionKind.EVENTS, SectionKind.SOCIAL, SectionKind.RESEARCH, SectionKind.OTHER}
)
#: Topics every item of a section kind carries, whatever its text says.
SECTION_TOPICS: Mapping[SectionKind, tuple[str, ...]] = {SectionKind.RESEARCH: ("research",)}


def seed_rules(topics: Iterable[TopicSeed] = DEFAULT_TOPICS) -> dict[str, list[str]]:
    """The keyword rules of the seeded topics, for use before a database holds them."""
    return {topic.slug: list(topic.keywords) for topic in topics}


def suggest_topics(
    item: Item, rules: TopicRules, *, min_evidence: int = MIN_EVIDENCE
) -> dict[str, list[str]]:
    """The topics suggested for ``item``, each with the keywords that matched.

    A topic is suggested when its distinct matching keywords, plus one if any of them is in
    the title, reach ``min_evidence``. Topics and keywords keep the order of ``rules``.
    """
    text = item.text_for_matching()
    found: dict[str, list[str]] = {}
    for slug, keywords in rules.items():
        matched = [keyword for keyword in _unique(keywords) if _pattern(keyword).search(text)]
        in_title = any(_pattern(keyword).search(item.title) for keyword in matched)
        if matched and len(matched) + in_title >= min_evidence:
            found[slug] = matched
    return found


def tag_document(doc: IssueDocument, rules: TopicRules) -> None:
    """Set the suggested topics of every taggable item of ``doc``, replacing earlier ones.

    Items of general sections (overview, conclusions, analysis) get no topics. A section
    topic (:data:`SECTION_TOPICS`) is added when ``rules`` has that topic, matched as
    ``section:<kind>``.
    """
    for section in doc.sections:
        if section.kind not in TAGGED_KINDS:
            continue
        for item in section.items:
            matches = suggest_topics(item, rules)
            for slug in SECTION_TOPICS.get(section.kind, ()):
                if slug in rules:
                    matches[slug] = [f"section:{section.kind.value}", *matches.get(slug, [])]
            item.topic_matches = {slug: matches[slug] for slug in rules if slug in matches}
            item.topics = list(item.topic_matches)


def _unique(keywords: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for keyword in keywords:
        folded = keyword.strip().casefold()
        if folded and folded not in seen:
            seen.add(folded)
            unique.append(keyword.strip())
    return unique


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    """The regular expression for one keyword; see the module documentation."""
    words = keyword.split()
    pattern = re.escape(words[0])
    for before, after in pairwise(words):
        gap = r"\s*" if is_cjk(before[-1]) or is_cjk(after[0]) else r"\s+"
        pattern += gap + re.escape(after)
    if _is_word_char(keyword[0]):
        pattern = r"(?<![A-Za-z0-9])" + pattern
    if _is_word_char(keyword[-1]):
        pattern += r"(?:e?s)?(?![A-Za-z0-9])"
    return re.compile(pattern, re.IGNORECASE)


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()
