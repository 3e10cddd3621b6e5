"""Topics readers choose from, and the canonical key of a topic mix."""

from newsletter.topics.keys import ALL_TOPICS_KEY, GENERAL_ONLY_KEY, parse_variant_key, variant_key
from newsletter.topics.seed import DEFAULT_TOPICS, TopicSeed

__all__ = [
    "ALL_TOPICS_KEY",
    "DEFAULT_TOPICS",
    "GENERAL_ONLY_KEY",
    "TopicSeed",
    "parse_variant_key",
    "variant_key",
]
