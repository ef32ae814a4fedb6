"""Bot Framework's key endpoint slow or down while strangers send tokens under made-up key ids:
the bot asks it again at most once a minute (not once per stranger's request), and a request
signed by a key already trusted never waits behind those fetches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from handlers.teams.auth import BotFrameworkAuth, Unauthenticated
from sandbox.teams.identity import FakeBotIdentity
from sandbox.teams.keys import fresh_key

SERVICE = "https://smba.trafficmanager.net/uk/"
APP_ID = "00000000-0000-4000-8000-0000000000c1"


@dataclass
class Keys:
    identity: FakeBotIdentity
    server: TestServer
    down: bool = False
    slow: float = 0.0
    asked: int = 0

    @property
    def metadata_url(self) -> str:
        return str(self.server.make_url("/metadata"))


@pytest.fixture
async def keys() -> AsyncIterator[Keys]:
    async with FakeBotIdentity() as identity:
        identity.register_app(APP_ID)
        state: list[Keys] = []

        async def metadata(_request: web.Request) -> web.Response:
            found = state[0]
            found.asked += 1
            await asyncio.sleep(found.slow)
            if found.down:
                return web.Response(status=503)
            return web.json_response({"jwks_uri": str(found.server.make_url("/keys"))})

        async def jwks(_request: web.Request) -> web.Response:
            return web.json_response({"keys": [identity.channel_key.jwk(("msteams",))]})

        app = web.Application()
        app.router.add_get("/metadata", metadata)
        app.router.add_get("/keys", jwks)
        server = TestServer(app)
        await server.start_server()
        state.append(Keys(identity, server))
        yield state[0]
        await server.close()


def stranger(identity: FakeBotIdentity) -> str:
    return f"Bearer {identity.mint(APP_ID, SERVICE, key=fresh_key())}"


async def test_made_up_key_ids_during_an_outage_ask_bot_framework_once_a_minute(
    keys: Keys,
) -> None:
    clock = [1000.0]
    checker = BotFrameworkAuth(APP_ID, metadata_url=keys.metadata_url, now=lambda: clock[0])
    try:
        await checker.verify(keys.identity.authorization(APP_ID, SERVICE))
        keys.down = True
        clock[0] += 61
        for _ in range(5):
            with pytest.raises(Unauthenticated):
                await checker.verify(stranger(keys.identity))
        assert keys.asked == 2  # the first fetch, then one try in the outage: not five
        clock[0] += 61
        with pytest.raises(Unauthenticated):
            await checker.verify(stranger(keys.identity))
        assert keys.asked == 3  # a minute later, one more try
        await checker.verify(keys.identity.authorization(APP_ID, SERVICE))  # still trusted
    finally:
        await checker.close()


async def test_a_trusted_key_does_not_wait_behind_a_slow_fetch(keys: Keys) -> None:
    clock = [1000.0]
    checker = BotFrameworkAuth(APP_ID, metadata_url=keys.metadata_url, now=lambda: clock[0])
    try:
        await checker.verify(keys.identity.authorization(APP_ID, SERVICE))
        keys.slow = 30.0
        clock[0] += 61
        fetching = asyncio.create_task(checker.verify(stranger(keys.identity)))
        await asyncio.sleep(0.2)  # the stranger's fetch is under way
        assert keys.asked == 2
        genuine = keys.identity.authorization(APP_ID, SERVICE)
        await checker.verify(genuine)
        assert not fetching.done()  # Teams' token did not wait for the stranger's fetch
        fetching.cancel()
    finally:
        await checker.close()


async def test_before_any_key_is_fetched_an_outage_is_a_503_each_time(keys: Keys) -> None:
    clock = [1000.0]
    keys.down = True
    checker = BotFrameworkAuth(APP_ID, metadata_url=keys.metadata_url, now=lambda: clock[0])
    try:
        for _ in range(3):
            with pytest.raises(Unauthenticated) as refused:
                await checker.verify(keys.identity.authorization(APP_ID, SERVICE))
            assert refused.value.status == 503  # Teams retries a 503; a 401 it would not
        assert keys.asked == 1
        keys.down = False
        clock[0] += 61
        await checker.verify(keys.identity.authorization(APP_ID, SERVICE))
    finally:
        await checker.close()
