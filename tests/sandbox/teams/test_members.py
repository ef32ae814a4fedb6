"""The connector stand-in's member lookup (GET v3/conversations/{id}/members/{memberId}) answers
as Teams does: a member's or a B2B guest's `TeamsChannelAccount`, 404
MemberNotFoundInConversation for someone not in the roster, the conversation's own refusals,
401 without the bot's token, and the faults a test queues. And the bot's own client reads it."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from handlers.teams.connector import BotConnector, ConnectorError
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.standins import TeamsStandIns
from tests.sandbox.teams.conftest import OTHER_TENANT, TENANT, Bot, bots_client, q


def path(conversation_id: str, member_id: str) -> str:
    return f"v3/conversations/{q(conversation_id)}/members/{quote(member_id, safe='')}"


async def test_a_member_is_a_user_of_the_conversations_tenant(
    bot: Bot, channel: Conversation, alice: Person
) -> None:
    status, account, _ = await bot.call("GET", path(channel.id, alice.user_id))
    assert status == 200
    assert account["id"] == alice.user_id
    assert account["aadObjectId"] == alice.aad_object_id
    assert account["name"] == "Alice Council"
    assert account["userRole"] == "user"
    assert account["tenantId"] == TENANT
    assert "#EXT#" not in account["userPrincipalName"]
    assert account["userPrincipalName"].endswith(".onmicrosoft.com")


async def test_a_guest_is_named_as_entra_names_guests(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    jane = teams.connector.add_guest(TENANT, "Jane Officer", home_tenant_id=OTHER_TENANT)
    status, account, _ = await bot.call("GET", path(channel.id, jane.user_id))
    assert status == 200
    assert account["userRole"] == "guest"
    assert account["tenantId"] == TENANT  # the host's: the guest account lives there
    home, _, host = account["userPrincipalName"].partition("#EXT#@")
    assert home == account["email"].replace("@", "_")
    assert host.endswith(".onmicrosoft.com")
    assert host not in account["email"]


async def test_a_member_is_found_by_object_id_and_user_principal_name_too(
    bot: Bot, channel: Conversation, alice: Person
) -> None:
    for member_id in (alice.aad_object_id, alice.user_principal_name):
        status, account, _ = await bot.call("GET", path(channel.id, member_id))
        assert (status, account["id"]) == (200, alice.user_id)


async def test_someone_not_in_the_conversation_is_404(
    teams: TeamsStandIns, bot: Bot, channel: Conversation, alice: Person
) -> None:
    stranger = teams.connector.add_person(OTHER_TENANT, "Sam Stranger")
    status, answer, _ = await bot.call("GET", path(channel.id, stranger.user_id))
    assert status == 404
    assert answer["error"]["code"] == "MemberNotFoundInConversation"
    teams.connector.remove_member(channel.id, alice)
    status, answer, _ = await bot.call("GET", path(channel.id, alice.user_id))
    assert (status, answer["error"]["code"]) == (404, "MemberNotFoundInConversation")


async def test_a_group_chat_has_only_its_own_members(
    teams: TeamsStandIns, bot: Bot, alice: Person
) -> None:
    bob = teams.connector.add_person(TENANT, "Bob Council")
    chat = teams.connector.add_group_chat(TENANT, teams.app, (alice,))
    assert (await bot.call("GET", path(chat.id, alice.user_id)))[0] == 200
    assert (await bot.call("GET", path(chat.id, bob.user_id)))[0] == 404


async def test_the_conversations_refusals_and_the_bots_token(
    teams: TeamsStandIns, bot: Bot, alice: Person
) -> None:
    status, answer, _ = await bot.call("GET", path("19:nothing@thread.tacv2", alice.user_id))
    assert (status, answer["error"]["code"]) == (404, "ConversationNotFound")
    elsewhere = teams.connector.add_channel(TENANT, None, "General")
    status, answer, _ = await bot.call("GET", path(elsewhere.id, alice.user_id))
    assert (status, answer["error"]["code"]) == (403, "BotNotInConversationRoster")
    channel = teams.connector.add_channel(TENANT, teams.app, "Cyber incidents")
    for authorization in ("", "Bearer not-a-token"):
        status, _, _ = await bot.call(
            "GET", path(channel.id, alice.user_id), authorization=authorization
        )
        assert status == 401
    assert [c.status for c in teams.connector.calls_to("member")] == [404, 403, 401, 401]


async def test_faults_apply_to_the_lookup_and_it_changes_nothing(
    teams: TeamsStandIns, bot: Bot, channel: Conversation, alice: Person
) -> None:
    version = teams.connector.version
    teams.connector.fail_next(502, operation="send")  # another operation's: not this one
    teams.connector.throttle_next(retry_after=4, operation="member")
    teams.connector.fail_next(503)
    status, _, headers = await bot.call("GET", path(channel.id, alice.user_id))
    assert (status, headers["Retry-After"]) == (429, "4")
    status, answer, _ = await bot.call("GET", path(channel.id, alice.user_id))
    assert (status, answer["error"]["code"]) == (503, "ServiceUnavailable")
    assert (await bot.call("GET", path(channel.id, alice.user_id)))[0] == 200
    assert teams.connector.version == version  # a read: the sandbox page does not redraw


# --- the bot's own client -------------------------------------------------------------------


@pytest.fixture
def waited() -> list[float]:
    return []


@pytest.fixture
async def client(teams: TeamsStandIns, waited: list[float]) -> BotConnector:
    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    return bots_client(teams, sleep)


async def test_the_client_reads_a_member(
    teams: TeamsStandIns, client: BotConnector, channel: Conversation, alice: Person
) -> None:
    try:
        account = await client.member(teams.service_url, channel.id, alice.user_id, patience=2)
    finally:
        await client.close()
    assert (account["id"], account["userRole"]) == (alice.user_id, "user")


async def test_the_client_waits_only_as_long_as_a_click_can(
    teams: TeamsStandIns,
    client: BotConnector,
    channel: Conversation,
    alice: Person,
    waited: list[float],
) -> None:
    teams.connector.throttle_next(retry_after=1, operation="member")
    teams.connector.throttle_next(retry_after=30, operation="member")
    try:
        with pytest.raises(ConnectorError) as refused:
            await client.member(teams.service_url, channel.id, alice.user_id, patience=2)
        assert (refused.value.status, refused.value.code) == (429, "Throttled")
        assert waited == [1.0]  # Retry-After 1 waited out; 30 is not, and not asked again
        teams.connector.remove_member(channel.id, alice)
        with pytest.raises(ConnectorError) as missing:
            await client.member(teams.service_url, channel.id, alice.user_id, patience=2)
        assert (missing.value.status, missing.value.code, missing.value.final) == (
            404,
            "MemberNotFoundInConversation",
            True,
        )
    finally:
        await client.close()
    assert [c.status for c in teams.connector.calls_to("member")] == [429, 429, 404]


async def test_a_lookup_teams_does_not_answer_is_given_up_quickly(
    teams: TeamsStandIns,
    client: BotConnector,
    channel: Conversation,
    alice: Person,
    waited: list[float],
) -> None:
    """Not the 30 seconds a message may take: a person is waiting on the click."""
    teams.connector.delay_next(6.0, operation="member")
    try:
        with pytest.raises(ConnectorError) as unanswered:
            await client.member(teams.service_url, channel.id, alice.user_id, patience=0.5)
    finally:
        await client.close()
    assert unanswered.value.status == 0  # nothing answered
    assert waited == []  # a 1 s backoff is more than the patience: not asked again
