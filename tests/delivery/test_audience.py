"""The audience snapshot: who is in a campaign's ledger, with which topic mix."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery import audience, lifecycle
from newsletter.models import (
    Campaign,
    Delivery,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    utcnow,
)
from newsletter.topics import variant_key
from tests.delivery.helpers import OPERATOR, issue_with_topics, keys_by_reader
from tests.factories import make_subscriber

# Today's issue: one item on capital, one on compute and regulation; nothing on research.
ISSUE_TOPICS = (["capital"], ["compute", "regulation"], [])


def campaign_for(session: Session, rule: dict[str, object] | None = None) -> Campaign:
    issue = issue_with_topics(session, *ISSUE_TOPICS)
    return lifecycle.create_campaign(session, issue, actor=OPERATOR, audience=rule)


def reader(session: Session, name: str, topics: tuple[str, ...] = (), **columns: object) -> int:
    subscriber = make_subscriber(session, f"{name}@example.org", topics)
    for column, value in columns.items():
        setattr(subscriber, column, value)
    session.flush()
    return subscriber.id


def test_each_reader_gets_the_key_of_their_topics_in_todays_issue(session: Session) -> None:
    campaign = campaign_for(session)
    expected = {
        reader(session, "cap", ("capital",)): "capital",
        reader(session, "cap-research", ("capital", "research")): "capital",
        reader(session, "compute-cap", ("compute", "capital")): "capital+compute",
        reader(
            session, "three", ("regulation", "compute", "capital")
        ): "capital+compute+regulation",
        reader(session, "research", ("research",)): "-",
        reader(session, "none"): "-",
    }

    made = audience.snapshot(session, campaign)

    assert made == len(expected)
    assert keys_by_reader(session, campaign.id) == expected


def test_the_keys_are_the_ones_the_renderer_makes(session: Session) -> None:
    campaign = campaign_for(session)
    mixes = [(), ("capital",), ("research", "compute"), ("regulation", "industrial-ai")]
    for i, mix in enumerate(mixes):
        reader(session, f"r{i}", mix)
    audience.snapshot(session, campaign)

    used = {"capital", "compute", "regulation"}
    for subscriber in session.scalars(select(Subscriber)):
        row = session.scalars(select(Delivery).where(Delivery.subscriber_id == subscriber.id)).one()
        assert row.variant_key == variant_key(subscriber.topic_slugs(), used)


@pytest.mark.parametrize(
    "status",
    [SubscriberStatus.PENDING, SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED,
     SubscriberStatus.COMPLAINED],
)  # fmt: skip
def test_only_confirmed_readers_are_in_it(session: Session, status: SubscriberStatus) -> None:
    campaign = campaign_for(session)
    confirmed = reader(session, "yes")
    make_subscriber(session, "no@example.org", status=status)

    assert audience.snapshot(session, campaign) == 1
    assert list(keys_by_reader(session, campaign.id)) == [confirmed]


def test_suppressed_addresses_are_left_out_until_the_entry_is_lifted(session: Session) -> None:
    blocked = reader(session, "blocked")
    lifted = reader(session, "lifted")
    session.add_all([
        Suppression(email="blocked@example.org", reason=SuppressionReason.HARD_BOUNCE),
        Suppression(email="lifted@example.org", reason=SuppressionReason.MANUAL,
                    lifted_at=utcnow()),
    ])  # fmt: skip
    campaign = campaign_for(session)

    audience.snapshot(session, campaign)

    assert set(keys_by_reader(session, campaign.id)) == {lifted}
    assert blocked not in keys_by_reader(session, campaign.id)


def test_readers_pausing_issues_now_are_left_out(session: Session) -> None:
    now = utcnow()
    pausing = reader(session, "pausing", paused_until=now + dt.timedelta(days=7))
    back = reader(session, "back", paused_until=now - dt.timedelta(hours=1))
    campaign = campaign_for(session)

    audience.snapshot(session, campaign)

    assert set(keys_by_reader(session, campaign.id)) == {back}
    assert pausing not in keys_by_reader(session, campaign.id)


def test_the_empty_issue_choice_is_honoured(session: Session) -> None:
    wants_all = reader(session, "wants", ("research",), receive_empty_issues=True)
    reader(session, "declines", ("research",), receive_empty_issues=False)
    has_items = reader(session, "items", ("capital",), receive_empty_issues=False)
    # Chose no topic at all: asked for the general parts, so the choice does not apply.
    general = reader(session, "general", (), receive_empty_issues=False)
    campaign = campaign_for(session)

    audience.snapshot(session, campaign)

    assert keys_by_reader(session, campaign.id) == {
        wants_all: "-", has_items: "capital", general: "-",
    }  # fmt: skip


def test_an_issue_without_topic_items_reaches_only_those_who_want_empty_issues(
    session: Session,
) -> None:
    issue = issue_with_topics(session, [], [])
    campaign = lifecycle.create_campaign(session, issue, actor=OPERATOR)
    wants = reader(session, "wants", ("capital",))
    reader(session, "declines", ("capital",), receive_empty_issues=False)

    audience.snapshot(session, campaign)

    assert keys_by_reader(session, campaign.id) == {wants: "-"}


def test_a_topic_rule_of_any_needs_one_of_its_topics(session: Session) -> None:
    campaign = campaign_for(session, {"topics": ["capital", "regulation"], "match": "any"})
    cap = reader(session, "cap", ("capital",))
    reg = reader(session, "reg", ("regulation", "research"))
    reader(session, "compute", ("compute",))
    reader(session, "none")

    audience.snapshot(session, campaign)

    assert keys_by_reader(session, campaign.id) == {cap: "capital", reg: "regulation"}


def test_a_topic_rule_of_all_needs_every_one_of_its_topics(session: Session) -> None:
    campaign = campaign_for(session, {"topics": ["capital", "compute"], "match": "all"})
    both = reader(session, "both", ("capital", "compute", "research"))
    reader(session, "cap", ("capital",))
    reader(session, "compute", ("compute",))

    audience.snapshot(session, campaign)

    assert keys_by_reader(session, campaign.id) == {both: "capital+compute"}


def test_readers_who_join_later_are_not_in_it(session: Session) -> None:
    early = reader(session, "early", ("capital",))
    campaign = campaign_for(session)
    lifecycle.start(session, campaign, actor=OPERATOR)
    session.commit()

    reader(session, "late", ("capital",))
    lifecycle.pause(session, campaign, actor=OPERATOR, reason="check")
    lifecycle.resume(session, campaign, actor=OPERATOR)
    session.commit()

    assert list(keys_by_reader(session, campaign.id)) == [early]
    assert campaign.recipients_count == 1


def test_a_second_snapshot_adds_no_reader_twice(session: Session) -> None:
    campaign = campaign_for(session)
    reader(session, "one")
    assert audience.snapshot(session, campaign) == 1
    assert audience.snapshot(session, campaign) == 0
    assert len(keys_by_reader(session, campaign.id)) == 1


def test_the_rule_reads_in_words() -> None:
    assert audience.describe({}) == "every reader"
    assert audience.describe({"topics": ["capital", "compute"], "match": "all"}) == (
        "all of capital, compute"
    )
