"""The Bot Connector client over real HTTP: a token fetched once and reused, the v3 REST calls
as Teams' service takes them, throttling retried through the injected sleep, refusals final."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.teams.connector import BotConnector, ConnectorError
from tests.teams_rig import APP_ID, SECRET, TeamsRig


@pytest.fixture
async def stand_in() -> AsyncIterator[TeamsRig]:
    async with TeamsRig() as server:
        yield server


@pytest.fixture
async def slept() -> list[float]:
    return []


@pytest.fixture
async def connector(stand_in: TeamsRig, slept: list[float]) -> AsyncIterator[BotConnector]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = BotConnector(
        app_id=APP_ID, app_password=SECRET, token_url=stand_in.token_url, sleep=sleep
    )
    yield client
    await client.close()


CONVERSATION = "19:abc123@thread.tacv2;messageid=1700000000000"


async def test_send_update_and_personal_chat_share_one_token(
    stand_in: TeamsRig, connector: BotConnector
) -> None:
    sent = await connector.send(stand_in.url + "/", CONVERSATION, {"type": "message", "text": "hi"})
    await connector.update(stand_in.url, CONVERSATION, sent, {"type": "message", "text": "edited"})
    chat = await connector.create_personal(stand_in.url, "tenant-1", "28:" + APP_ID, "aad-7")

    assert sent == "act-1"
    assert chat == "a:1on1-aad-7"
    assert stand_in.token_calls == 1
    (m1, p1, b1, _), (m2, p2, b2, _), (m3, p3, b3, _) = stand_in.calls
    assert (m1, p1, b1["text"]) == ("POST", f"/v3/conversations/{CONVERSATION}/activities", "hi")
    assert (m2, p2) == ("PUT", f"/v3/conversations/{CONVERSATION}/activities/act-1")
    assert b2["text"] == "edited"
    assert b2["id"] == "act-1"
    assert (m3, p3) == ("POST", "/v3/conversations")
    assert b3["channelData"] == {"tenant": {"id": "tenant-1"}}
    assert b3["bot"] == {"id": "28:" + APP_ID}


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_transient_answers_are_retried_with_backoff(
    stand_in: TeamsRig, connector: BotConnector, slept: list[float], status: int
) -> None:
    stand_in.queued += [(status, {"error": {"code": "X", "message": "busy"}}, {})] * 2
    assert await connector.send(stand_in.url, "c1", {"type": "message"}) == "act-3"
    assert slept == [1.0, 2.0]


async def test_throttled_waits_for_retry_after(
    stand_in: TeamsRig, connector: BotConnector, slept: list[float]
) -> None:
    stand_in.queued.append((429, {"error": {"code": "Throttled"}}, {"Retry-After": "7"}))
    assert await connector.send(stand_in.url, "c1", {"type": "message"}) == "act-2"
    assert slept == [7.0]


async def test_still_throttled_after_every_attempt_is_not_final(
    stand_in: TeamsRig, connector: BotConnector, slept: list[float]
) -> None:
    stand_in.queued += [(429, {"error": {"code": "Throttled"}}, {"Retry-After": "1"})] * 4
    with pytest.raises(ConnectorError) as raised:
        await connector.send(stand_in.url, "c1", {"type": "message"})
    assert raised.value.status == 429
    assert raised.value.final is False
    assert len(stand_in.calls) == 4
    assert slept == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "BadArgument"), (403, "BotNotInConversationRoster"), (404, "ConversationNotFound"),
     (413, "MessageSizeTooBig")],
)  # fmt: skip
async def test_refusals_are_final_and_not_retried(
    stand_in: TeamsRig, connector: BotConnector, slept: list[float], status: int, code: str
) -> None:
    stand_in.queued.append((status, {"error": {"code": code, "message": "no"}}, {}))
    with pytest.raises(ConnectorError) as raised:
        await connector.send(stand_in.url, "c1", {"type": "message"})
    assert (raised.value.status, raised.value.code, raised.value.final) == (status, code, True)
    assert len(stand_in.calls) == 1
    assert slept == []


async def test_a_revoked_token_is_renewed_once(stand_in: TeamsRig, connector: BotConnector) -> None:
    await connector.send(stand_in.url, "c1", {"type": "message"})
    stand_in.issued.clear()  # the service no longer accepts what it issued
    assert await connector.send(stand_in.url, "c1", {"type": "message"}) == "act-2"
    assert stand_in.token_calls == 2
    assert stand_in.calls[-1][3] == "tok-2"


async def test_wrong_secret_is_a_final_refusal(stand_in: TeamsRig) -> None:
    client = BotConnector(app_id=APP_ID, app_password="wrong", token_url=stand_in.token_url)
    try:
        with pytest.raises(ConnectorError) as raised:
            await client.send(stand_in.url, "c1", {"type": "message"})
    finally:
        await client.close()
    assert raised.value.final is True
    assert stand_in.calls == []


async def test_a_single_tenant_bot_asks_its_own_tenant() -> None:
    client = BotConnector(app_id=APP_ID, app_password=SECRET, tenant_id="t-1")
    assert client._token_url == "https://login.microsoftonline.com/t-1/oauth2/v2.0/token"
    await client.close()
