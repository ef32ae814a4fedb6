"""The bot's own Bot Connector client and Bot Framework authentication (handlers/teams) work
against the stand-ins as against Teams: tokens fetched and reused, throttling retried as
Retry-After asks, refusals final, and activities signed by the identity stand-in accepted."""

from __future__ import annotations

import pytest

from handlers.teams.auth import BotFrameworkAuth, Unauthenticated
from handlers.teams.connector import BotConnector, ConnectorError
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.keys import fresh_key
from sandbox.teams.rules import MESSAGE_SIZE_LIMIT
from sandbox.teams.standins import TeamsStandIns
from tests.sandbox.teams.conftest import bots_client, card


class Sleeps:
    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


def client(teams: TeamsStandIns, sleep: Sleeps) -> BotConnector:
    return bots_client(teams, sleep)


async def test_send_update_and_open_a_personal_chat(
    teams: TeamsStandIns, channel: Conversation, alice: Person
) -> None:
    connector = client(teams, Sleeps())
    try:
        first = await connector.send(teams.service_url, channel.id, card())
        await connector.update(teams.service_url, channel.id, first, card(body=[]))
        chat = await connector.create_personal(
            teams.service_url, alice.tenant_id, teams.app.bot_id, alice.aad_object_id
        )
        await connector.send(teams.service_url, chat, {"type": "message", "text": "Escalation"})
    finally:
        await connector.close()
    assert [len(p.versions) for p in teams.connector.posted(channel.id)] == [2]
    assert teams.connector.personal_chat_with(alice) is not None
    assert [s for _, s in teams.identity.token_requests] == [200]  # one token, reused


async def test_throttling_is_retried_as_retry_after_says(
    teams: TeamsStandIns, channel: Conversation
) -> None:
    sleeps = Sleeps()
    teams.connector.throttle_next(times=2, retry_after=7)
    connector = client(teams, sleeps)
    try:
        await connector.send(teams.service_url, channel.id, card())
    finally:
        await connector.close()
    assert sleeps.waited == [7, 7]
    assert [c.status for c in teams.connector.calls_to("send")] == [429, 429, 201]
    assert len(teams.connector.posted(channel.id)) == 1


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_transient_failures_are_retried(
    teams: TeamsStandIns, channel: Conversation, status: int
) -> None:
    teams.connector.fail_next(status)
    connector = client(teams, Sleeps())
    try:
        await connector.send(teams.service_url, channel.id, card())
    finally:
        await connector.close()
    assert [c.status for c in teams.connector.calls_to("send")] == [status, 201]


async def test_too_big_is_final_and_not_retried(
    teams: TeamsStandIns, channel: Conversation
) -> None:
    connector = client(teams, Sleeps())
    big = {"type": "message", "text": "x" * MESSAGE_SIZE_LIMIT}
    try:
        with pytest.raises(ConnectorError) as raised:
            await connector.send(teams.service_url, channel.id, big)
    finally:
        await connector.close()
    assert (raised.value.status, raised.value.code, raised.value.final) == (
        413,
        "MessageSizeTooBig",
        True,
    )
    assert len(teams.connector.calls_to("send")) == 1


async def test_not_in_the_roster_is_final(teams: TeamsStandIns, channel: Conversation) -> None:
    teams.connector.remove_bot(channel.id, teams.app)
    connector = client(teams, Sleeps())
    try:
        with pytest.raises(ConnectorError) as raised:
            await connector.send(teams.service_url, channel.id, card())
    finally:
        await connector.close()
    assert (raised.value.status, raised.value.code) == (403, "BotNotInConversationRoster")
    assert raised.value.final


async def test_a_revoked_token_is_replaced(teams: TeamsStandIns, channel: Conversation) -> None:
    connector = client(teams, Sleeps())
    try:
        await connector.send(teams.service_url, channel.id, card())
        for token in teams.identity.issued:
            teams.identity.revoke(token)
        await connector.send(teams.service_url, channel.id, card())
    finally:
        await connector.close()
    assert [c.status for c in teams.connector.calls_to("send")] == [201, 401, 201]
    assert [s for _, s in teams.identity.token_requests] == [200, 200]


async def test_the_bots_authentication_accepts_what_teams_signs(teams: TeamsStandIns) -> None:
    auth = BotFrameworkAuth(teams.app.app_id, metadata_url=teams.identity.openid_metadata_url)
    try:
        claims = await auth.verify(
            teams.identity.authorization(teams.app.app_id, teams.service_url)
        )
        assert claims.service_url == teams.service_url
        assert "msteams" in claims.endorsements
        stranger = teams.identity.mint(teams.app.app_id, teams.service_url, key=fresh_key())
        with pytest.raises(Unauthenticated):
            await auth.verify(f"Bearer {stranger}")
    finally:
        await auth.close()
