"""The sandbox's Teams side without a browser: who is on Teams, what each Teams person is shown,
and that a click on the Teams page reaches the bot as Teams sends it (an adaptiveCard/action
invoke signed with a Bot Framework token the bot's own authentication accepts)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.domain.bindings import Platform
from bot.policy.errors import ConfigError
from handlers.teams.auth import BotFrameworkAuth, Unauthenticated
from sandbox.local_server import LocalServer
from sandbox.serve import Sandbox
from sandbox.teams.config import DEFAULT_TEAMS_ORGS, tenant_of
from sandbox.teams.setup import teams_orgs_wanted
from tests.sandbox.serving import page_token, serving


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"CIR_SANDBOX_TEAMS", "CIR_EXERCISE"}}
    return env | extra


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, str, aiohttp.ClientSession]]:
    async with serving(tmp_path, _env()) as running_sandbox:
        yield running_sandbox


async def _get(session: aiohttp.ClientSession, url: str, **query: str) -> Any:
    async with session.get(url, params=query) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.json()


async def _people(session: aiohttp.ClientSession, root: str) -> list[dict[str, Any]]:
    found = await _get(session, f"{root}/sandbox/api/teams/people")
    people: list[dict[str, Any]] = found["people"]
    return people


class _CapturedBot(LocalServer):
    """Stands where the bot's /api/messages is: authenticates as the bot does (its own
    BotFrameworkAuth against the sandbox's OpenID metadata) and answers a card."""

    def __init__(self, auth: BotFrameworkAuth) -> None:
        self.auth = auth
        self.received: list[dict[str, Any]] = []
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/messages", self._messages)
        self.url = await self._serve(app) + "/api/messages"

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            claims = await self.auth.verify(request.headers.get("Authorization", ""))
        except Unauthenticated:
            return web.json_response({}, status=401)
        activity = await request.json()
        assert claims.service_url == activity["serviceUrl"]
        self.received.append(activity)
        card = {"type": "AdaptiveCard", "version": "1.5", "body": [], "actions": []}
        return web.json_response(
            {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card}
        )


async def test_one_council_is_on_teams_by_default(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    assert DEFAULT_TEAMS_ORGS == ("bristol",)
    bristol = sandbox.container.ctx.policy.councils["bristol"]
    assert bristol.platform is Platform.TEAMS
    assert bristol.teams is not None
    assert bristol.teams.tenant_id == tenant_of("bristol")
    assert all(c.teams_user for c in bristol.contacts)
    assert sandbox.teams is not None
    assert sandbox.container.settings.teams_app_id == sandbox.teams.standins.app.app_id
    people = await _people(session, root)
    assert [(p["org"], p["role"]) for p in people] == [("Bristol City Council", "council contact")]


async def test_a_teams_person_sees_their_organisations_channel_only(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    _, root, session = running
    (person,) = await _people(session, root)
    screen = await _get(session, f"{root}/sandbox/api/teams/screen", **{"as": person["id"]})
    assert [c["name"] for c in screen["conversations"]] == [
        "Bristol City Council › Cyber incidents"
    ]
    # the app was installed there as Teams tells a bot, and the bot said it is ready
    (ready,) = screen["conversation"]["activities"]
    assert ready["text"].startswith("The CIR bot is ready here")
    async with session.get(f"{root}/sandbox/api/teams/screen", params={"as": "29:nobody"}) as got:
        assert got.status == 409


async def test_the_teams_page_is_served_with_microsofts_renderer(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    _, root, session = running
    async with session.get(f"{root}/sandbox/teams") as page:
        assert page.status == 200
        text = await page.text()
    assert "/sandbox/static/adaptivecards.min.js" in text
    async with session.get(f"{root}/sandbox/static/adaptivecards.min.js") as script:
        assert script.status == 200
        assert "AdaptiveCard" in await script.text()


async def test_a_click_reaches_the_bot_as_a_signed_invoke(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    (person,) = await _people(session, root)
    screen = await _get(session, f"{root}/sandbox/api/teams/screen", **{"as": person["id"]})
    channel = screen["conversation"]["id"]
    assert sandbox.teams is not None
    assert sandbox.teams.desk is not None
    metadata = sandbox.teams.standins.identity.openid_metadata_url
    auth = BotFrameworkAuth(sandbox.teams.standins.app.app_id, metadata_url=metadata)
    click = {
        "as": person["id"],
        "conversation": channel,
        "activity": "1700000000001",
        "verb": "acknowledge",
        "data": {"value": "CIR-2026-0001"},
    }
    async with _CapturedBot(auth) as bot:
        sandbox.teams.desk.bot_url = bot.url
        async with session.post(f"{root}/sandbox/api/teams/act", json=click) as refused:
            assert refused.status == 403  # no page token
        headers = {"X-Sandbox-Token": await page_token(session, root)}
        async with session.post(
            f"{root}/sandbox/api/teams/act", json=click, headers=headers
        ) as answer:
            assert answer.status == 200
            relayed = await answer.json()
    await auth.close()
    (invoke,) = bot.received
    assert invoke["type"] == "invoke"
    assert invoke["name"] == "adaptiveCard/action"
    assert invoke["value"]["action"]["verb"] == "acknowledge"
    assert invoke["value"]["action"]["data"] == {"value": "CIR-2026-0001"}
    assert invoke["replyToId"] == "1700000000001"
    assert invoke["from"]["aadObjectId"] == person["aad"]
    assert invoke["channelData"]["tenant"]["id"] == tenant_of("bristol")
    assert relayed["status"] == 200
    assert relayed["answer"]["type"] == "application/vnd.microsoft.card.adaptive"


async def test_a_conversation_of_another_organisation_is_refused(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    (person,) = await _people(session, root)
    assert sandbox.teams is not None
    standins = sandbox.teams.standins
    elsewhere = standins.connector.add_channel(tenant_of("kent"), standins.app, "General")
    headers = {"X-Sandbox-Token": await page_token(session, root)}
    body = {"as": person["id"], "conversation": elsewhere.id, "text": "status"}
    async with session.post(f"{root}/sandbox/api/teams/say", json=body, headers=headers) as got:
        assert got.status == 409


async def test_a_provider_on_teams_leaves_slack(tmp_path: Path) -> None:
    async with serving(tmp_path, _env(CIR_SANDBOX_TEAMS="kpmg")) as (sandbox, root, session):
        assert sandbox.container.ctx.policy.providers["kpmg"].platform is Platform.TEAMS
        assert sandbox.container.ctx.policy.councils["bristol"].platform is Platform.SLACK
        assert "C0KPMGPAGING" not in sandbox.slack.workspace.channels
        people = await _people(session, root)
        assert ("KPMG responder", "provider responder") in [(p["name"], p["role"]) for p in people]
        escalation = [p for p in people if p["role"] == "provider escalation contact"]
        assert [p["name"] for p in escalation] == ["KPMG CIR escalation"]


async def test_nobody_on_teams(tmp_path: Path) -> None:
    async with serving(tmp_path, _env(CIR_SANDBOX_TEAMS="")) as (sandbox, root, session):
        assert sandbox.teams is None
        assert not sandbox.container.settings.teams_app_id
        async with session.get(f"{root}/sandbox/teams") as page:
            assert page.status == 404


async def test_an_unknown_organisation_stops_the_sandbox(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'atlantis'"):
        async with serving(tmp_path, _env(CIR_SANDBOX_TEAMS="atlantis")):
            pass


@pytest.mark.parametrize(
    ("given", "env", "exercise", "wanted"),
    [
        (None, {}, False, ("bristol",)),
        (None, {}, True, ()),
        (None, {"CIR_SANDBOX_TEAMS": "kpmg, leeds,kpmg"}, True, ("kpmg", "leeds")),
        (None, {"CIR_SANDBOX_TEAMS": ""}, False, ()),
        (["leeds"], {"CIR_SANDBOX_TEAMS": "kpmg"}, False, ("leeds",)),
    ],
)
def test_who_is_on_teams(given: Any, env: dict, exercise: bool, wanted: tuple) -> None:
    assert teams_orgs_wanted(given, env, exercise=exercise) == wanted
