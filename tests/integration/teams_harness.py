"""The whole service with Teams mounted on `/api/messages`, driven by real Bot Framework
activities over HTTP, as the Teams stand-ins (`sandbox/teams/`) send and sign them; the bot's
Bot Connector and token endpoint are the same stand-ins. Hackney is a council on Teams and
KPMG a provider on Teams, each in its own Microsoft 365 tenant, each with its app installed
in a team channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app.container import Container, build_container
from bot.app.server import RUNTIME, build_web_app
from bot.app.settings import load_settings
from bot.app.wiring import Runtime
from bot.domain.bindings import Platform
from bot.domain.clock import FakeClock
from bot.domain.incident import Incident
from bot.policy.model import Policy, TeamsPlace
from handlers.tasks import BackgroundTasks
from sandbox.teams import activities
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.standins import TeamsStandIns
from tests.factories import TIMELINE_KEY_TEXT

HACKNEY_TENANT = "11111111-1111-4111-8111-111111111111"
KPMG_TENANT = "22222222-2222-4222-8222-222222222222"
STRANGER_TENANT = "33333333-3333-4333-8333-333333333333"


def teams_policy(policy: Policy, service_url: str) -> Policy:
    councils = dict(policy.councils)
    councils["hackney"] = replace(
        councils["hackney"], platform=Platform.TEAMS, teams=TeamsPlace(HACKNEY_TENANT, service_url)
    )
    providers = dict(policy.providers)
    providers["kpmg"] = replace(
        providers["kpmg"],
        platform=Platform.TEAMS,
        paging_channel="",
        teams=TeamsPlace(KPMG_TENANT, service_url),
    )
    return replace(policy, councils=councils, providers=providers)


@dataclass
class TeamsEnv:
    teams: TeamsStandIns
    container: Container
    server: TestServer
    session: aiohttp.ClientSession
    tasks: BackgroundTasks
    clock: FakeClock
    runtime: Runtime
    hana: Person  # a Hackney officer
    kim: Person  # a KPMG responder
    hackney: Conversation  # Hackney's team channel with the app
    kpmg: Conversation  # KPMG's
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/api/messages"))

    @property
    def origin(self) -> activities.Origin:
        return activities.Origin(self.teams.service_url, self.teams.app)

    def installed(self, where: Conversation, by: Person) -> dict[str, Any]:
        return activities.bot_installed(self.origin, where, by)

    def invoke(
        self, where: Conversation, who: Person, verb: str, value: str, **inputs: str
    ) -> dict[str, Any]:
        return activities.card_action(self.origin, where, who, verb, {"value": value, **inputs})

    def message(self, where: Conversation, who: Person, text: str) -> dict[str, Any]:
        return activities.message(self.origin, where, who, text)

    async def post(
        self, activity: dict[str, Any] | bytes, authorization: str | None = None
    ) -> tuple[int, Any]:
        """As Teams posts it (signed for the bot, unless `authorization` is given)."""
        if isinstance(activity, bytes):
            header = authorization or self.teams.identity.authorization(
                self.teams.app.app_id, self.teams.service_url
            )
            async with self.session.post(
                self.url,
                data=activity,
                headers={"Authorization": header, "Content-Type": "application/json"},
            ) as response:
                status, text = response.status, await response.text()
            body: Any = await _json(text)
        else:
            status, body = await activities.post_signed(
                self.session, self.url, activity, self.teams.identity, authorization=authorization
            )
        self.statuses.append(status)
        await self.tasks.drain(within=15)
        return status, body

    async def incident(self, incident_id: str) -> Incident:
        async with self.container.uow() as uow:
            incident = await uow.incidents.get(incident_id)
        assert incident is not None
        return incident

    def said(self, where: Conversation) -> list[str]:
        """The bot's text messages in a conversation, oldest first."""
        return [str(p.activity.get("text", "")) for p in self.teams.connector.posted(where.id)]


async def _json(text: str) -> Any:
    import json

    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def card_text(answer: dict[str, Any]) -> str:
    """Every text a person reads on the card an invoke answered with."""
    assert answer["type"] == "application/vnd.microsoft.card.adaptive", answer
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(answer["value"])
    return "\n".join(found)


def verbs(answer: dict[str, Any]) -> list[str]:
    """The verbs of the card's buttons (its actions, overflow included)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and isinstance(node.get("verb"), str):
                found.append(node["verb"])
            for key, child in node.items():
                if key != "refresh":
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(answer["value"])
    return found


@pytest.fixture
def teams_cards() -> Any:
    """The Adaptive Cards the edge answers with (None: teams-cards' renderers)."""
    return None


@pytest.fixture
async def teams_env(database_url: str, teams_cards: Any) -> AsyncIterator[TeamsEnv]:
    async with TeamsStandIns() as teams:
        connector = teams.connector
        env_vars = {
            "DATABASE_URL": database_url,
            "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
            **teams.env(),
        }
        settings = load_settings(env_vars)
        clock = FakeClock(datetime.now(UTC))
        container = build_container(settings, clock=clock)
        policy = teams_policy(container.ctx.policy, teams.service_url)
        container.ctx = replace(container.ctx, clock=clock, policy=policy)
        tasks = BackgroundTasks()
        web_app = build_web_app(
            container, tasks, start_scheduler=False, sweep_seconds=3600, teams_cards=teams_cards
        )
        server = TestServer(web_app)
        await server.start_server()
        async with aiohttp.ClientSession() as session:
            env = TeamsEnv(
                teams,
                container,
                server,
                session,
                tasks,
                clock,
                web_app[RUNTIME],
                hana=connector.add_person(HACKNEY_TENANT, "Hana Council"),
                kim=connector.add_person(KPMG_TENANT, "Kim Responder"),
                hackney=connector.add_channel(HACKNEY_TENANT, teams.app, "Cyber incident"),
                kpmg=connector.add_channel(KPMG_TENANT, teams.app, "CIR pages"),
            )
            yield env
        await server.close()
        # whatever it was sent, the bot never answered Teams with a 500
        assert not [s for s in env.statuses if s >= 500 and s != 501], env.statuses
