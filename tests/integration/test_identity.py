"""Identity over the real Slack client and the Web API stand-in: fails closed, caches successes
for a short time on the injected clock and never caches a failure, takes the organisation from
the user's own team, and counts only MHCLG's CIR team as MHCLG."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.domain.actors import OrgKind
from bot.domain.clock import FakeClock
from bot.policy.model import Policy
from handlers.slack.app import web_client
from handlers.slack.identity import UNCONFIRMED, Identity, IdentityUnconfirmed
from sandbox.slack.api import FakeSlackApi


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as api:
        api.add_user("U0ASSESSOR1", "T0MHCLG", "Ada Assessor")
        api.add_user("U0DUTYMGR", "T0MHCLG", "Dee Duty")
        api.add_user("U0INTERN", "T0MHCLG", "Ian Intern")
        api.add_user("U0GUEST", "T0MHCLG", "Gus Guest", guest=True)
        api.add_user("U0KPMG1", "T0KPMG", "Kim Responder")
        api.add_user("U0NOBODY", "T0ELSEWHERE", "Nia Nobody")
        yield api


def identity(slack: FakeSlackApi, policy: Policy, clock: FakeClock) -> Identity:
    return Identity(web_client("xoxb-test", slack.base_url), policy, clock=clock)


def users_info_calls(slack: FakeSlackApi) -> int:
    return len(slack.calls_to("users.info"))


async def test_a_failing_lookup_is_no_one_and_is_not_cached(slack, policy, clock) -> None:
    who = identity(slack, policy, clock)
    slack.fail_users_info_for("U0ASSESSOR1")
    with pytest.raises(IdentityUnconfirmed, match="Slack could not confirm who you are"):
        await who.actor("U0ASSESSOR1", "T0MHCLG")  # the payload's team is no evidence
    slack.clear_user_faults()
    actor = await who.actor("U0ASSESSOR1")  # asked again at once: the failure was not kept
    assert actor.org_kind is OrgKind.MHCLG
    assert UNCONFIRMED.endswith("in a minute.")


async def test_a_rate_limit_outlasting_the_retries_is_no_one(slack, policy, clock) -> None:
    who = identity(slack, policy, clock)
    slack.rate_limit_next("users.info", retry_after=0, times=4)  # the client retries 3 times
    with pytest.raises(IdentityUnconfirmed):
        await who.actor("U0ASSESSOR1", "T0MHCLG")
    assert users_info_calls(slack) == 4


async def test_unknown_deleted_and_bot_users_are_no_one(slack, policy, clock) -> None:
    who = identity(slack, policy, clock)
    slack.add_user("U0BOT", "T0MHCLG", "Some bot", is_bot=True)
    for user in ("U0GHOST", "U0BOT", ""):
        with pytest.raises(IdentityUnconfirmed):
            await who.actor(user, "T0MHCLG")


async def test_successes_are_cached_until_they_expire(slack, policy, clock) -> None:
    who = identity(slack, policy, clock)
    await who.actor("U0KPMG1")
    slack.fail_users_info_for("U0KPMG1")
    clock.advance(minutes=4)
    assert (await who.actor("U0KPMG1")).org_id == "kpmg"  # from the cache
    assert users_info_calls(slack) == 1
    clock.advance(minutes=2)  # past five minutes: Slack is asked again, and fails
    with pytest.raises(IdentityUnconfirmed):
        await who.actor("U0KPMG1")
    assert users_info_calls(slack) == 2


async def test_the_organisation_comes_from_the_users_own_team(slack, policy, clock) -> None:
    """In a Slack Connect channel the request names MHCLG's workspace; the user is KPMG's."""
    who = identity(slack, policy, clock)
    actor = await who.actor("U0KPMG1", "T0MHCLG")
    assert (actor.org_kind, actor.org_id) == (OrgKind.PROVIDER, "kpmg")
    assert actor.user_id == "slack:T0KPMG:U0KPMG1"
    assert (await who.actor("U0NOBODY")).org_kind is OrgKind.UNKNOWN


async def test_only_the_cir_team_is_mhclg(slack, policy, clock) -> None:
    who = identity(slack, policy, clock)
    assert (await who.actor("U0ASSESSOR1")).org_kind is OrgKind.MHCLG
    assert (await who.actor("U0DUTYMGR")).org_kind is OrgKind.MHCLG  # on the duty rota
    intern = await who.actor("U0INTERN")  # in MHCLG's workspace, not in its CIR team
    assert intern.org_kind is OrgKind.UNKNOWN
    assert intern.org_id.startswith("mhclg-workspace")
    assert (await who.actor("U0GUEST")).org_kind is OrgKind.UNKNOWN


async def test_the_teams_user_group_counts_and_fails_closed(slack, policy, clock) -> None:
    grouped = replace(policy, mhclg=replace(policy.mhclg, team_usergroup="S0CIR"))
    slack.set_usergroup("S0CIR", ["U0INTERN", "U0GUEST"])
    who = identity(slack, grouped, clock)
    assert (await who.actor("U0INTERN")).org_kind is OrgKind.MHCLG
    assert (await who.actor("U0GUEST")).org_kind is OrgKind.UNKNOWN  # a guest never counts
    cold = identity(slack, grouped, clock)
    slack.fail_next("usergroups.users.list", "fatal_error")
    assert (await cold.actor("U0INTERN")).org_kind is OrgKind.UNKNOWN
