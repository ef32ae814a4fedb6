"""The Bot Connector client over real HTTP against the sandbox's stand-ins (`sandbox/teams/`),
which answer as Teams does: a token from the token endpoint, fetched once and reused; send,
update in place and personal chats as the v3 REST API takes them; throttling retried through
the injected sleep; refusals final."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.teams.connector import BotConnector, ConnectorError
from sandbox.teams.directory import Conversation
from sandbox.teams.standins import TeamsStandIns

TENANT = "44444444-4444-4444-8444-444444444444"
MESSAGE = {"type": "message", "text": "hi", "textFormat": "plain"}


@pytest.fixture
async def teams() -> AsyncIterator[TeamsStandIns]:
    async with TeamsStandIns() as standins:
        yield standins


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
async def connector(teams: TeamsStandIns, slept: list[float]) -> AsyncIterator[BotConnector]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    env = teams.env()
    client = BotConnector(
        app_id=env["MICROSOFT_APP_ID"],
        app_password=env["MICROSOFT_APP_PASSWORD"],
        token_url=env["MICROSOFT_TOKEN_URL"],
        sleep=sleep,
    )
    yield client
    await client.close()


@pytest.fixture
def channel(teams: TeamsStandIns) -> Conversation:
    return teams.connector.add_channel(TENANT, teams.app, "Cyber incident")


async def test_send_update_and_personal_chat_share_one_token(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation
) -> None:
    sent = await connector.send(teams.service_url, channel.id, MESSAGE)
    await connector.update(teams.service_url, channel.id, sent, {**MESSAGE, "text": "edited"})
    hana = teams.connector.add_person(TENANT, "Hana Council")
    chat = await connector.create_personal(
        teams.service_url, TENANT, teams.app.bot_id, hana.aad_object_id
    )
    (posted,) = teams.connector.posted(channel.id)
    assert posted.id == sent
    assert [v["text"] for v in posted.versions] == ["hi", "edited"]
    assert chat == teams.connector.personal_chat_with(hana).id  # type: ignore[union-attr]
    # Teams answers the same chat when asked again
    again = await connector.create_personal(
        teams.service_url, TENANT, teams.app.bot_id, hana.aad_object_id
    )
    assert again == chat
    assert [s for _, s in teams.identity.token_requests] == [200]


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_transient_answers_are_retried_with_backoff(
    teams: TeamsStandIns,
    connector: BotConnector,
    channel: Conversation,
    slept: list[float],
    status: int,
) -> None:
    teams.connector.fail_next(status, times=2)
    await connector.send(teams.service_url, channel.id, MESSAGE)
    assert len(teams.connector.posted(channel.id)) == 1
    assert slept == [1.0, 2.0]


async def test_throttled_waits_for_retry_after(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation, slept: list[float]
) -> None:
    teams.connector.throttle_next(retry_after=7)
    await connector.send(teams.service_url, channel.id, MESSAGE)
    assert slept == [7.0]
    assert len(teams.connector.posted(channel.id)) == 1


async def test_still_throttled_after_every_attempt_is_not_final(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation, slept: list[float]
) -> None:
    teams.connector.throttle_next(times=4, retry_after=1)
    with pytest.raises(ConnectorError) as raised:
        await connector.send(teams.service_url, channel.id, MESSAGE)
    assert (raised.value.status, raised.value.final) == (429, False)
    assert slept == [1.0, 1.0, 1.0]
    assert teams.connector.posted(channel.id) == []


async def test_a_conversation_without_the_bot_is_a_final_403(
    teams: TeamsStandIns, connector: BotConnector, slept: list[float]
) -> None:
    elsewhere = teams.connector.add_channel(TENANT, None)
    with pytest.raises(ConnectorError) as raised:
        await connector.send(teams.service_url, elsewhere.id, MESSAGE)
    assert (raised.value.status, raised.value.code) == (403, "BotNotInConversationRoster")
    assert raised.value.final is True
    assert slept == []


async def test_an_unknown_conversation_is_a_final_404(
    teams: TeamsStandIns, connector: BotConnector
) -> None:
    with pytest.raises(ConnectorError) as raised:
        await connector.send(teams.service_url, "19:gone@thread.tacv2", MESSAGE)
    assert (raised.value.status, raised.value.final) == (404, True)


async def test_a_message_over_teams_size_limit_is_a_final_413(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation, slept: list[float]
) -> None:
    with pytest.raises(ConnectorError) as raised:
        await connector.send(teams.service_url, channel.id, {**MESSAGE, "text": "x" * 40_000})
    assert (raised.value.status, raised.value.final) == (413, True)
    assert slept == []


async def test_a_malformed_activity_is_a_final_400(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation
) -> None:
    with pytest.raises(ConnectorError) as raised:
        await connector.send(teams.service_url, channel.id, {"text": "no type"})
    assert (raised.value.status, raised.value.final) == (400, True)


async def test_a_revoked_token_is_renewed_once(
    teams: TeamsStandIns, connector: BotConnector, channel: Conversation
) -> None:
    await connector.send(teams.service_url, channel.id, MESSAGE)
    teams.identity.revoke(connector._token)
    await connector.send(teams.service_url, channel.id, MESSAGE)
    assert len(teams.connector.posted(channel.id)) == 2
    assert [s for _, s in teams.identity.token_requests] == [200, 200]


async def test_a_wrong_secret_is_a_final_refusal(
    teams: TeamsStandIns, channel: Conversation
) -> None:
    env = teams.env()
    client = BotConnector(
        app_id=env["MICROSOFT_APP_ID"], app_password="wrong", token_url=env["MICROSOFT_TOKEN_URL"]
    )
    try:
        with pytest.raises(ConnectorError) as raised:
            await client.send(teams.service_url, channel.id, MESSAGE)
    finally:
        await client.close()
    assert raised.value.final is True
    assert teams.connector.posted(channel.id) == []


async def test_a_single_tenant_bot_asks_its_own_tenant() -> None:
    async with TeamsStandIns(tenant_id=TENANT) as teams:
        env = teams.env()
        client = BotConnector(
            app_id=env["MICROSOFT_APP_ID"],
            app_password=env["MICROSOFT_APP_PASSWORD"],
            tenant_id=TENANT,
            token_url=env["MICROSOFT_TOKEN_URL"],
        )
        try:
            channel = teams.connector.add_channel(TENANT, teams.app)
            await client.send(teams.service_url, channel.id, MESSAGE)
        finally:
            await client.close()
        assert len(teams.connector.posted(channel.id)) == 1
    default = BotConnector(app_id="a", app_password="b", tenant_id="t-1")
    assert default._token_url == "https://login.microsoftonline.com/t-1/oauth2/v2.0/token"
    await default.close()
