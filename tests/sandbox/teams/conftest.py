"""The Teams stand-ins on loopback, a tenant with people, and a way to call the connector as a
bot does (a token from the token endpoint, then the v3 REST API)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from handlers.teams.connector import BotConnector
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.identity import App
from sandbox.teams.standins import TeamsStandIns

TENANT = "8f1c2a55-0d4e-4b3a-9c11-5e6f7a8b9c0d"
OTHER_TENANT = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
async def teams() -> AsyncIterator[TeamsStandIns]:
    async with TeamsStandIns() as standins:
        yield standins


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def alice(teams: TeamsStandIns) -> Person:
    return teams.connector.add_person(TENANT, "Alice Council")


@pytest.fixture
def channel(teams: TeamsStandIns) -> Conversation:
    return teams.connector.add_channel(TENANT, teams.app, "Cyber incidents")


def bots_client(teams: TeamsStandIns, sleep: Callable[[float], Awaitable[None]]) -> BotConnector:
    """The bot's own connector client (handlers.teams.connector), as the service builds it,
    against these stand-ins; `sleep` stands in for its waits (Retry-After, backoff)."""
    return BotConnector(
        app_id=teams.app.app_id,
        app_password=teams.app.password,
        token_url=teams.identity.token_url(),
        sleep=sleep,
    )


@dataclass
class Bot:
    """Calls the connector as a bot does: token first, then the REST call."""

    teams: TeamsStandIns
    http: aiohttp.ClientSession
    app: App
    token: str = ""

    async def get_token(
        self, password: str | None = None, scope: str | None = None
    ) -> tuple[int, Any]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app.app_id,
            "client_secret": self.app.password if password is None else password,
            "scope": "https://api.botframework.com/.default" if scope is None else scope,
        }
        url = self.teams.identity.token_url(self.app.tenant_id or "botframework.com")
        async with self.http.post(url, data=form) as response:
            if response.content_type != "application/json":
                return response.status, await response.text()
            return response.status, await response.json()

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        authorization: str | None = None,
    ) -> tuple[int, Any, Any]:
        if authorization is None:
            if not self.token:
                status, answer = await self.get_token()
                assert status == 200, answer
                self.token = answer["access_token"]
            authorization = f"Bearer {self.token}"
        headers = {"Authorization": authorization, "Content-Type": "application/json"}
        url = self.teams.service_url + path
        data = raw if raw is not None else (None if body is None else _json(body))
        async with self.http.request(method, url, data=data, headers=headers) as response:
            text = await response.text()
            answer = await response.json(content_type=None) if text else None
            return response.status, answer, response.headers

    async def send(self, conversation_id: str, activity: Any) -> tuple[int, Any, Any]:
        return await self.call(
            "POST", f"v3/conversations/{q(conversation_id)}/activities", activity
        )


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()


def q(conversation_id: str) -> str:
    """A conversation id in a URL path (it holds ':', '@' and ';')."""
    return quote(conversation_id, safe="")


@pytest.fixture
def bot(teams: TeamsStandIns, http: aiohttp.ClientSession) -> Bot:
    return Bot(teams, http, teams.app)


def card(**overrides: Any) -> dict[str, Any]:
    content = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "hi"}],
    }
    content.update(overrides)
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": content}
        ],
    }
