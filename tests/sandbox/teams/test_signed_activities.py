"""The activities the stand-ins send to a bot are ones botbuilder reads as Teams activities,
signed so that Bot Framework's authentication accepts them (and refuses a changed signature)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.schema import Activity
from botframework.connector.auth import (
    ChannelValidation,
    JwtTokenValidation,
    SimpleCredentialProvider,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from sandbox.local_server import LocalServer
from sandbox.teams import activities
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.standins import TeamsStandIns


class _Bot(LocalServer):
    """A bare endpoint that authenticates as botbuilder does, in a thread (its metadata fetch
    blocks), and keeps the activities it accepted."""

    def __init__(self, teams: TeamsStandIns) -> None:
        self.teams = teams
        self.accepted: list[Activity] = []
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/messages", self._messages)
        self.url = await self._serve(app) + "/api/messages"

    async def _messages(self, request: web.Request) -> web.Response:
        activity = Activity().deserialize(await request.json())
        header = request.headers.get("Authorization", "")
        try:
            await asyncio.to_thread(self._authenticate, activity, header)
        except Exception:  # botframework refuses with PermissionError, jwt errors or its own
            return web.json_response({"error": "unauthorised"}, status=401)
        self.accepted.append(activity)
        return web.json_response({}, status=200)

    def _authenticate(self, activity: Activity, header: str) -> None:
        async def run() -> None:
            ChannelValidation.open_id_metadata_endpoint = self.teams.identity.openid_metadata_url
            JwtTokenExtractor.metadataCache.clear()
            try:
                await JwtTokenValidation.authenticate_request(
                    activity, header, SimpleCredentialProvider(self.teams.app.app_id, "")
                )
            finally:
                ChannelValidation.open_id_metadata_endpoint = None

        asyncio.run(run())


async def _post(teams: TeamsStandIns, bot: _Bot, activity: dict[str, Any], **kw: Any) -> int:
    async with aiohttp.ClientSession() as http:
        status, _ = await activities.post_signed(http, bot.url, activity, teams.identity, **kw)
    return status


async def test_a_card_action_is_read_and_authenticated(
    teams: TeamsStandIns, channel: Conversation, alice: Person
) -> None:
    origin = activities.Origin(teams.service_url, teams.app)
    invoke = activities.card_action(
        origin, channel, alice, "acknowledge", {"value": "INC-1"}, reply_to="1700000000000"
    )
    async with _Bot(teams) as bot:
        assert await _post(teams, bot, invoke) == 200
    (read,) = bot.accepted
    assert read.type == "invoke"
    assert read.name == "adaptiveCard/action"
    assert read.value["action"]["verb"] == "acknowledge"
    assert read.from_property.aad_object_id == alice.aad_object_id
    assert read.channel_data["tenant"]["id"] == channel.tenant_id
    assert read.recipient.id == teams.app.bot_id
    assert read.channel_id == "msteams"


async def test_a_message_and_an_install_are_authenticated(
    teams: TeamsStandIns, channel: Conversation, alice: Person
) -> None:
    origin = activities.Origin(teams.service_url, teams.app)
    async with _Bot(teams) as bot:
        assert await _post(teams, bot, activities.message(origin, channel, alice, "status")) == 200
        assert await _post(teams, bot, activities.bot_installed(origin, channel, alice)) == 200
    message, installed = bot.accepted
    assert message.text == "<at>CIR</at> status"
    assert installed.members_added[0].id == teams.app.bot_id


async def test_a_tampered_signature_is_refused(
    teams: TeamsStandIns, channel: Conversation, alice: Person
) -> None:
    origin = activities.Origin(teams.service_url, teams.app)
    activity = activities.message(origin, channel, alice, "status")
    token = teams.identity.mint(teams.app.app_id, teams.service_url)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    async with _Bot(teams) as bot:
        assert await _post(teams, bot, activity, authorization=f"Bearer {tampered}") == 401
    assert bot.accepted == []
