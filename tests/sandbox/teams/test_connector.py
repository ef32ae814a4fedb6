"""The Bot Connector stand-in answers as the v3 REST API does: what it accepts, what it refuses
and with which code, and what it records per conversation."""

from __future__ import annotations

import pytest

from sandbox.teams.directory import Conversation
from sandbox.teams.rules import MESSAGE_SIZE_LIMIT, activity_size
from sandbox.teams.standins import TeamsStandIns
from tests.sandbox.teams.conftest import TENANT, Bot, card, q


async def test_send_then_update_in_place_then_reply(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    status, answer, _ = await bot.send(channel.id, card())
    assert status == 201
    first = answer["id"]
    status, answer, _ = await bot.call(
        "PUT",
        f"v3/conversations/{q(channel.id)}/activities/{first}",
        card(body=[{"type": "TextBlock", "text": "acknowledged"}]),
    )
    assert (status, answer) == (200, {"id": first})
    status, answer, _ = await bot.call(
        "POST",
        f"v3/conversations/{q(channel.id)}/activities/{first}",
        {"type": "message", "text": "a reply"},
    )
    assert status == 201
    posted = teams.connector.posted(channel.id)
    assert [p.id for p in posted] == [first, answer["id"]]
    assert len(posted[0].versions) == 2
    assert teams.connector.cards(channel.id)[0]["body"][0]["text"] == "acknowledged"
    assert posted[1].reply_to == first


async def test_update_of_an_unknown_activity_is_404_and_changes_nothing(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    status, answer, _ = await bot.call(
        "PUT", f"v3/conversations/{q(channel.id)}/activities/123456", card()
    )
    assert status == 404
    assert answer["error"]["code"] == "ActivityNotFoundInConversation"
    assert teams.connector.posted(channel.id) == []


async def test_unknown_conversation_is_404(bot: Bot) -> None:
    status, answer, _ = await bot.send("19:nothing@thread.tacv2", card())
    assert status == 404
    assert answer["error"]["code"] == "ConversationNotFound"


async def test_a_conversation_without_the_bot_is_403(teams: TeamsStandIns, bot: Bot) -> None:
    elsewhere = teams.connector.add_channel(TENANT, None, "General")
    status, answer, _ = await bot.send(elsewhere.id, card())
    assert status == 403
    assert answer["error"]["code"] == "BotNotInConversationRoster"
    assert teams.connector.posted(elsewhere.id) == []


async def test_uninstalled_then_403(teams: TeamsStandIns, bot: Bot, channel: Conversation) -> None:
    assert (await bot.send(channel.id, card()))[0] == 201
    teams.connector.remove_bot(channel.id, teams.app)
    status, answer, _ = await bot.send(channel.id, card())
    assert status == 403
    assert answer["error"]["code"] == "BotNotInConversationRoster"


async def test_another_bots_channel_is_403(teams: TeamsStandIns, bot: Bot) -> None:
    other = teams.identity.register_app()
    theirs = teams.connector.add_channel(TENANT, other)
    status, _, _ = await bot.send(theirs.id, card())
    assert status == 403


@pytest.mark.parametrize(
    "authorization",
    ["", "Basic abc", "Bearer ", "Bearer not.a.token", "Bearer eyJhbGciOiJub25lIn0.e30."],
)
async def test_no_token_it_issued_is_401(
    teams: TeamsStandIns, bot: Bot, channel: Conversation, authorization: str
) -> None:
    path = f"v3/conversations/{q(channel.id)}/activities"
    status, answer, _ = await bot.call("POST", path, card(), authorization=authorization)
    assert status == 401
    assert answer == {"message": "Authorization has been denied for this request."}
    assert teams.connector.posted(channel.id) == []


async def test_a_token_signed_by_teams_channel_key_is_not_a_connector_token(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    """A token of the right shape signed by another key (here the one Teams signs activities
    with) is refused: only tokens from the token endpoint open the connector."""
    forged = teams.identity.mint(
        teams.app.app_id, teams.service_url, audience="https://api.botframework.com"
    )
    status, _, _ = await bot.call(
        "POST",
        f"v3/conversations/{q(channel.id)}/activities",
        card(),
        authorization=f"Bearer {forged}",
    )
    assert status == 401


async def test_a_revoked_token_is_401(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    assert (await bot.send(channel.id, card()))[0] == 201
    teams.identity.revoke(bot.token)
    assert (await bot.send(channel.id, card()))[0] == 401


def _padded(size: int) -> dict:
    activity = {"type": "message", "text": ""}
    activity["text"] = "x" * (size - activity_size(activity))
    assert activity_size(activity) == size
    return activity


async def test_over_the_size_limit_is_413_and_at_it_is_accepted(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    status, answer, _ = await bot.send(channel.id, _padded(MESSAGE_SIZE_LIMIT + 1))
    assert status == 413
    assert answer["error"]["code"] == "MessageSizeTooBig"
    assert teams.connector.posted(channel.id) == []
    status, _, _ = await bot.send(channel.id, _padded(MESSAGE_SIZE_LIMIT))
    assert status == 201


async def test_an_update_over_the_limit_is_413_and_the_card_stays(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    _, answer, _ = await bot.send(channel.id, card())
    big = card(body=[{"type": "TextBlock", "text": "é" * MESSAGE_SIZE_LIMIT}])
    status, _, _ = await bot.call(
        "PUT", f"v3/conversations/{q(channel.id)}/activities/{answer['id']}", big
    )
    assert status == 413
    assert teams.connector.cards(channel.id)[0]["body"][0]["text"] == "hi"


def test_size_counts_utf8_bytes_of_compact_json() -> None:
    assert activity_size({"text": "é"}) == len('{"text":"é"}'.encode())


@pytest.mark.parametrize(
    ("activity", "code"),
    [
        ([1, 2], "BadSyntax"),
        ({"text": "no type"}, "BadArgument"),
        ({"type": "carrierPigeon", "text": "x"}, "BadArgument"),
        ({"type": "message"}, "BadArgument"),
        ({"type": "message", "text": 5}, "BadSyntax"),
        ({"type": "message", "attachments": {"contentType": "x"}}, "BadSyntax"),
        ({"type": "message", "attachments": [{"content": {}}]}, "BadArgument"),
        (card(version=None), "BadArgument"),
        (card(version="one"), "BadArgument"),
        (card(type="HeroCard"), "BadArgument"),
    ],
)
async def test_malformed_activities_are_400(
    teams: TeamsStandIns, bot: Bot, channel: Conversation, activity: object, code: str
) -> None:
    status, answer, _ = await bot.send(channel.id, activity)
    assert status == 400
    assert answer["error"]["code"] == code
    assert teams.connector.posted(channel.id) == []


async def test_a_card_without_type_or_version_keys_is_400(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    activity = card()
    del activity["attachments"][0]["content"]["version"]
    assert (await bot.send(channel.id, activity))[0] == 400
    activity = card()
    del activity["attachments"][0]["content"]["type"]
    assert (await bot.send(channel.id, activity))[0] == 400


async def test_invalid_json_is_400(bot: Bot, channel: Conversation) -> None:
    status, answer, _ = await bot.call(
        "POST", f"v3/conversations/{q(channel.id)}/activities", raw=b"{not json"
    )
    assert status == 400
    assert answer["error"]["code"] == "BadSyntax"


async def test_throttled_twice_with_retry_after_then_accepted(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    teams.connector.throttle_next(times=2, retry_after=3)
    answers = [await bot.send(channel.id, card()) for _ in range(3)]
    assert [a[0] for a in answers] == [429, 429, 201]
    assert answers[0][2]["Retry-After"] == "3"
    assert answers[0][1]["error"]["code"] == "Throttled"
    assert len(teams.connector.posted(channel.id)) == 1
    assert [c.status for c in teams.connector.calls_to("send")] == [429, 429, 201]


@pytest.mark.parametrize(
    ("status", "code"),
    [(412, "PreconditionFailed"), (502, "ServiceError"), (504, "GatewayTimeout")],
)
async def test_transient_failures_on_demand(
    teams: TeamsStandIns, bot: Bot, channel: Conversation, status: int, code: str
) -> None:
    teams.connector.fail_next(status)
    answer = await bot.send(channel.id, card())
    assert (answer[0], answer[1]["error"]["code"]) == (status, code)
    assert teams.connector.posted(channel.id) == []
    assert (await bot.send(channel.id, card()))[0] == 201


async def test_a_fault_for_one_operation_leaves_the_others(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    teams.connector.fail_next(502, operation="update")
    status, answer, _ = await bot.send(channel.id, card())
    assert status == 201
    path = f"v3/conversations/{q(channel.id)}/activities/{answer['id']}"
    assert (await bot.call("PUT", path, card()))[0] == 502
    assert (await bot.call("PUT", path, card()))[0] == 200


async def test_a_refused_token_does_not_use_up_a_fault(
    teams: TeamsStandIns, bot: Bot, channel: Conversation
) -> None:
    teams.connector.fail_next(502)
    path = f"v3/conversations/{q(channel.id)}/activities"
    assert (await bot.call("POST", path, card(), authorization="Bearer x"))[0] == 401
    assert (await bot.send(channel.id, card()))[0] == 502


async def test_delete(teams: TeamsStandIns, bot: Bot, channel: Conversation) -> None:
    _, answer, _ = await bot.send(channel.id, card())
    path = f"v3/conversations/{q(channel.id)}/activities/{answer['id']}"
    assert (await bot.call("DELETE", path))[0] == 200
    assert teams.connector.posted(channel.id) == []
    assert (await bot.call("DELETE", path))[0] == 404
