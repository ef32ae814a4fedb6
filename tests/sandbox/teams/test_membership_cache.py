"""The edge's membership verdicts against the connector stand-in: one lookup per person and
conversation while the verdict is fresh, a bounded number kept (the least recently used
dropped), a clock set back never stretching one, and a failure never kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.domain.clock import FakeClock
from handlers.teams.activity import Inbound, parse_activity
from handlers.teams.connector import BotConnector
from handlers.teams.membership import GuestRefused, Membership, MembershipUnconfirmed, Verdict
from sandbox.teams import activities
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.standins import TeamsStandIns
from tests.sandbox.teams.conftest import OTHER_TENANT, TENANT, bots_client


@pytest.fixture
async def connector(teams: TeamsStandIns) -> AsyncIterator[BotConnector]:
    async def no_wait(seconds: float) -> None:
        return None

    client = bots_client(teams, no_wait)
    yield client
    await client.close()


def click(teams: TeamsStandIns, where: Conversation, who: Person) -> Inbound:
    origin = activities.Origin(teams.service_url, teams.app)
    return parse_activity(activities.card_action(origin, where, who, "refresh"))


def lookups(teams: TeamsStandIns) -> int:
    return len(teams.connector.calls_to("member"))


async def test_the_least_recently_used_verdict_is_dropped_first(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation
) -> None:
    ann, bob, cat = (teams.connector.add_person(TENANT, n) for n in ("Ann A", "Bob B", "Cat C"))
    members = Membership(connector, FakeClock(), size=2)
    for person in (ann, bob, ann, cat):  # Ann used again, so Bob is the one dropped
        assert await members.verdict(click(teams, channel, person)) is Verdict.MEMBER
    assert lookups(teams) == 3
    await members.verdict(click(teams, channel, ann))
    assert lookups(teams) == 3
    await members.verdict(click(teams, channel, bob))
    assert lookups(teams) == 4


async def test_a_guest_verdict_is_kept_and_a_failure_is_not(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation
) -> None:
    jane = teams.connector.add_guest(TENANT, "Jane Officer", home_tenant_id=OTHER_TENANT)
    members = Membership(connector, FakeClock())
    teams.connector.fail_next(403, operation="member")
    with pytest.raises(MembershipUnconfirmed):
        await members.confirm(click(teams, channel, jane))
    for _ in range(3):
        with pytest.raises(GuestRefused):
            await members.confirm(click(teams, channel, jane))
    assert [c.status for c in teams.connector.calls_to("member")] == [403, 200]


async def test_a_clock_set_back_does_not_stretch_a_verdict(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation, alice: Person
) -> None:
    clock = FakeClock()
    members = Membership(connector, clock, cache_for=timedelta(minutes=10))
    await members.confirm(click(teams, channel, alice))
    clock.advance(timedelta(minutes=-30))
    await members.confirm(click(teams, channel, alice))
    assert lookups(teams) == 2


async def test_each_conversation_is_asked_about_on_its_own(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation, alice: Person
) -> None:
    """Alice is a member of her team, but not of a group chat she is not in."""
    members = Membership(connector, FakeClock())
    await members.confirm(click(teams, channel, alice))
    chat = teams.connector.add_group_chat(TENANT, teams.app, ())
    with pytest.raises(MembershipUnconfirmed):
        await members.confirm(click(teams, chat, alice))
    assert [c.status for c in teams.connector.calls_to("member")] == [200, 404]


async def test_a_lookup_slower_than_its_budget_refuses_and_is_not_kept(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation
) -> None:
    """The budget bounds the whole lookup, its retries included, not each request: Teams gives a
    bot about 5 s to answer a click, and the person must be told nothing was done rather than
    see Teams' own error. (Budget shortened to 0.5 s; three answers of 0.2 s each, 503s that
    are retried at once, so each request is well within the budget and all three are not.)"""
    ann = teams.connector.add_person(TENANT, "Ann A")
    members = Membership(connector, FakeClock(), budget=0.5)
    teams.connector.fail_next(503, 3, operation="member", after=0.2)
    with pytest.raises(MembershipUnconfirmed):
        await members.verdict(click(teams, channel, ann))
    # the failure was not kept: asked again, and answered
    assert await members.verdict(click(teams, channel, ann)) is Verdict.MEMBER
