"""A campaign's funnel and per-topic engagement, from its snapshot's counts.

Definitions (shown on the page beside the figures):

- *targeted*: rows in the ledger (the audience snapshot); *sent*: rows handed to the
  transport; *delivered*: rows with an SES Delivery event.
- The *base* of engagement rates is delivered rows when SES reports deliveries, otherwise
  sent rows (SMTP and the outbox report none).
- *bounced* counts hard bounces only, over sent rows (as SES does); *complained* is over the
  base; *opened* counts readers with a human open, *machine opens* readers whose message was
  only fetched by a privacy proxy or scanner (kept apart, see the tracking notes); *clicked*
  counts readers with a human click; click-to-open is clicked over opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from newsletter.metrics.snapshots import COUNT_NAMES
from newsletter.topics.keys import parse_variant_key


@dataclass(frozen=True)
class Rate:
    """A share with its parts, so a page can say "3 of 120" as well as 2.5%."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Funnel:
    """Totals of one campaign (or one topic's share of it) and its rates."""

    targeted: int
    states: Mapping[str, int]
    counts: Mapping[str, int]
    # A topic's share of a campaign uses the campaign's base, whatever its own counts say.
    base_hint: str | None = None

    def count(self, name: str) -> int:
        """A total by name: ``targeted``, a ledger state or a counted column."""
        if name == "targeted":
            return self.targeted
        if name in self.counts:
            return int(self.counts[name])
        return int(self.states.get(name, 0))

    @property
    def base_name(self) -> str:
        """``delivered`` when SES reports deliveries for this campaign, else ``sent``."""
        if self.base_hint:
            return self.base_hint
        return "delivered" if self.counts.get("delivered", 0) > 0 else "sent"

    @property
    def base(self) -> int:
        return self.count(self.base_name)

    def rate(self, name: str) -> Rate:
        """The rate of ``name`` over its defined denominator."""
        denominators = {
            "sent": "targeted",
            "delivered": "sent",
            "bounced": "sent",
            "failed": "targeted",
        }
        if name == "click_to_open":
            return Rate(self.count("clicked"), self.count("opened"))
        over = denominators.get(name)
        denominator = self.count(over) if over else self.base
        return Rate(self.count(name), denominator)


def funnel_of(groups: Iterable[Mapping[str, Any]]) -> Funnel:
    """Sum snapshot groups (rows per topic mix and state) into one funnel."""
    states: dict[str, int] = {}
    counts = dict.fromkeys(COUNT_NAMES, 0)
    targeted = 0
    for group in groups:
        targeted += int(group["rows"])
        states[group["state"]] = states.get(group["state"], 0) + int(group["rows"])
        for name in COUNT_NAMES:
            counts[name] += int(group.get(name, 0))
    return Funnel(targeted=targeted, states=states, counts=counts)


#: The key of the per-topic row for readers whose copy carried no topic's items.
GENERAL_ONLY = "-"


def funnels_by_topic(
    groups: Iterable[Mapping[str, Any]], topic_slugs: Iterable[str], base_name: str
) -> dict[str, Funnel]:
    """A funnel per topic over the readers whose copy included that topic's items.

    A reader with several topics counts in each of them; ``GENERAL_ONLY`` collects the
    readers whose copy had only the general parts.
    """
    slugs = list(topic_slugs)
    members: dict[str, list[Mapping[str, Any]]] = {slug: [] for slug in [*slugs, GENERAL_ONLY]}
    for group in groups:
        topics = parse_variant_key(str(group["variant"]))
        chosen = slugs if topics is None else [s for s in slugs if s in topics]
        for slug in chosen or ([GENERAL_ONLY] if topics is not None and not topics else []):
            members[slug].append(group)
    return {slug: replace(funnel_of(rows), base_hint=base_name) for slug, rows in members.items()}
