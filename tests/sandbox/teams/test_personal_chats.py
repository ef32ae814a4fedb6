"""POST /v3/conversations: a personal chat with one person, named by the `29:` id or the Entra
object id, in the tenant given in channelData; the same chat each time."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.teams.directory import Person
from sandbox.teams.standins import TeamsStandIns
from tests.sandbox.teams.conftest import OTHER_TENANT, TENANT, Bot, card


def params(
    teams: TeamsStandIns, member_id: str, tenant: str = TENANT, **extra: Any
) -> dict[str, Any]:
    return {
        "bot": {"id": teams.app.bot_id},
        "members": [{"id": member_id}],
        "channelData": {"tenant": {"id": tenant}},
        "isGroup": False,
    } | extra


async def test_by_entra_object_id_or_teams_id_the_same_chat(
    teams: TeamsStandIns, bot: Bot, alice: Person
) -> None:
    status, first, _ = await bot.call(
        "POST", "v3/conversations", params(teams, alice.aad_object_id)
    )
    assert status == 201
    status, second, _ = await bot.call("POST", "v3/conversations", params(teams, alice.user_id))
    assert status == 201
    assert first["id"] == second["id"]
    assert first["id"].startswith("a:")
    chat = teams.connector.personal_chat_with(alice)
    assert chat is not None
    assert chat.id == first["id"]
    assert (await bot.send(first["id"], {"type": "message", "text": "Escalation"}))[0] == 201


async def test_with_a_first_message(teams: TeamsStandIns, bot: Bot, alice: Person) -> None:
    status, answer, _ = await bot.call(
        "POST", "v3/conversations", params(teams, alice.aad_object_id, activity=card())
    )
    assert status == 201
    assert [p.id for p in teams.connector.posted(answer["id"])] == [answer["activityId"]]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.pop("bot"),
        lambda p: p.pop("members"),
        lambda p: p.update(members=[]),
        lambda p: p.update(isGroup=True),
        lambda p: p.update(members=[{"id": "x"}, {"id": "y"}]),
        lambda p: p.update(members=["29:abc"]),
        lambda p: p.update(tenantId=OTHER_TENANT),
    ],
)
async def test_incorrect_parameters_are_400(
    teams: TeamsStandIns, bot: Bot, alice: Person, change: Any
) -> None:
    body = params(teams, alice.user_id)
    change(body)
    status, answer, _ = await bot.call("POST", "v3/conversations", body)
    assert status == 400
    assert answer["error"]["code"] == "BadSyntax"
    assert teams.connector.personal_chat_with(alice) is None


async def test_without_a_tenant_is_400(teams: TeamsStandIns, bot: Bot, alice: Person) -> None:
    body = params(teams, alice.user_id)
    del body["channelData"]
    status, answer, _ = await bot.call("POST", "v3/conversations", body)
    assert status == 400
    assert "tenant" in answer["error"]["message"]


async def test_another_bots_id_is_400(teams: TeamsStandIns, bot: Bot, alice: Person) -> None:
    body = params(teams, alice.user_id, bot={"id": "28:someone-else"})
    assert (await bot.call("POST", "v3/conversations", body))[0] == 400


async def test_a_person_of_another_tenant_is_400(
    teams: TeamsStandIns, bot: Bot, alice: Person
) -> None:
    status, answer, _ = await bot.call(
        "POST", "v3/conversations", params(teams, alice.aad_object_id, tenant=OTHER_TENANT)
    )
    assert status == 400
    assert answer["error"]["message"] == "Invalid user identity in provided tenant"


async def test_without_the_app_installed_for_the_person_is_403(
    teams: TeamsStandIns, bot: Bot
) -> None:
    bob = teams.connector.add_person(TENANT, "Bob", app_installed=False)
    status, _, _ = await bot.call("POST", "v3/conversations", params(teams, bob.aad_object_id))
    assert status == 403
    assert teams.connector.personal_chat_with(bob) is None


async def test_a_blocked_chat_is_403(teams: TeamsStandIns, bot: Bot, alice: Person) -> None:
    _, answer, _ = await bot.call("POST", "v3/conversations", params(teams, alice.user_id))
    teams.connector.block(answer["id"])
    status, refused, _ = await bot.send(answer["id"], {"type": "message", "text": "hello"})
    assert status == 403
    assert refused["error"]["code"] == "ConversationBlockedByUser"
