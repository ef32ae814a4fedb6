"""The whole service with Teams mounted on `/api/messages`, driven by real Bot Framework
activities over HTTP, signed by a local OpenID stand-in's key, with the Bot Connector (and its
token endpoint) a local stand-in too. Hackney is a council on Teams and KPMG a provider on
Teams, each in its own Microsoft 365 tenant."""

from __future__ import annotations

import itertools
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
from bot.ports.chat import OutboundMessage
from bot.views.card import IncidentCard
from handlers.tasks import BackgroundTasks
from tests.factories import TIMELINE_KEY_TEXT
from tests.teams_rig import APP_ID, SECRET, TeamsRig, mint

HACKNEY_TENANT = "11111111-1111-4111-8111-111111111111"
KPMG_TENANT = "22222222-2222-4222-8222-222222222222"
STRANGER_TENANT = "33333333-3333-4333-8333-333333333333"
HACKNEY_CHANNEL = "19:hackney-general@thread.tacv2"
KPMG_CHANNEL = "19:kpmg-cir@thread.tacv2"
HANA = "aaaaaaaa-0000-4000-8000-00000000000a"  # a Hackney officer's Entra object id
KIM = "bbbbbbbb-0000-4000-8000-00000000000b"  # a KPMG responder's
BOT = f"28:{APP_ID}"
_ids = itertools.count(1)


class MiniCards:
    """Just enough of an Adaptive Card for the edge's own tests: what a person would read (the
    reference and state), and one Action.Execute per button with its verb and value."""

    def _card(self, title: str, buttons: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "type": "AdaptiveCard",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": title, "wrap": True}],
            "actions": [
                {"type": "Action.Execute", "verb": verb, "data": {"value": value}}
                for verb, value in buttons
            ],
        }

    def incident_card(self, card: IncidentCard) -> dict[str, Any]:
        lines = [f"{card.reference}: {card.state}"]
        lines += [line for section in card.sections for line in section.lines]
        return self._card("\n".join(lines), [(b.action.value, b.value) for b in card.buttons])

    def outbound_card(self, message: OutboundMessage) -> dict[str, Any]:
        return self._card(message.text, [(b.action.value, b.value) for b in message.buttons])

    def contact_form(self, incident: Incident, now: datetime) -> dict[str, Any]:
        return self._card(f"Contact made: {incident.reference}", [("contact_form", incident.id)])

    def status_update_form(self, incident: Incident) -> dict[str, Any]:
        return self._card(f"Status update: {incident.reference}", [])

    def note_form(self, incident: Incident) -> dict[str, Any]:
        return self._card(f"Note: {incident.reference}", [])

    def phase_form(self, incident: Incident, targets: Any) -> dict[str, Any]:
        return self._card(f"Phase: {incident.reference} to {list(targets)}", [])

    def lessons_form(self, incident: Incident, organisation: str) -> dict[str, Any]:
        return self._card(f"Lessons learned: {incident.reference} for {organisation}", [])

    def decline_form(self, incident: Incident) -> dict[str, Any]:
        return self._card(f"Decline: {incident.reference}", [])


def teams_policy(policy: Policy, service_url: str) -> Policy:
    councils = dict(policy.councils)
    councils["hackney"] = replace(
        councils["hackney"],
        platform=Platform.TEAMS,
        teams=TeamsPlace(HACKNEY_TENANT, service_url),
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
    rig: TeamsRig
    container: Container
    server: TestServer
    session: aiohttp.ClientSession
    tasks: BackgroundTasks
    clock: FakeClock
    runtime: Runtime
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/api/messages"))

    @property
    def service_url(self) -> str:
        return self.rig.url + "/"

    def activity(
        self,
        kind: str,
        *,
        tenant: str = KPMG_TENANT,
        user: str = KIM,
        display: str = "Kim Responder",
        conversation: str = KPMG_CHANNEL,
        conversation_type: str = "channel",
        **extra: Any,
    ) -> dict[str, Any]:
        """An activity as Teams sends one."""
        return {
            "type": kind,
            "id": f"f:{next(_ids)}",
            "timestamp": datetime.now(UTC).isoformat(),
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": f"29:{user}", "name": display, "aadObjectId": user},
            "conversation": {
                "isGroup": conversation_type != "personal",
                "conversationType": conversation_type,
                "tenantId": tenant,
                "id": conversation,
            },
            "recipient": {"id": BOT, "name": "CIR"},
            "channelData": {"tenant": {"id": tenant}},
            **extra,
        }

    def installed(self, **who: Any) -> dict[str, Any]:
        return self.activity("conversationUpdate", membersAdded=[{"id": BOT}], **who)

    def invoke(self, verb: str, value: str, **who: Any) -> dict[str, Any]:
        inputs = who.pop("inputs", {})
        return self.activity(
            "invoke",
            name="adaptiveCard/action",
            value={
                "action": {
                    "type": "Action.Execute",
                    "verb": verb,
                    "data": {"value": value, **inputs},
                },
                "trigger": "manual",
            },
            **who,
        )

    def message(self, text: str, **who: Any) -> dict[str, Any]:
        return self.activity("message", text=text, **who)

    async def post(
        self, activity: dict[str, Any] | bytes, token: str | None = None
    ) -> tuple[int, Any]:
        if token is None:
            token = mint(self.service_url)
        kwargs: dict[str, Any] = (
            {"data": activity} if isinstance(activity, bytes) else {"json": activity}
        )
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.post(self.url, headers=headers, **kwargs) as response:
            text = await response.text()
            body: Any = None
            if text:
                body = await response.json(content_type=None)
            self.statuses.append(response.status)
        await self.tasks.drain(within=15)
        return response.status, body

    async def incident(self, incident_id: str) -> Incident:
        async with self.container.uow() as uow:
            incident = await uow.incidents.get(incident_id)
        assert incident is not None
        return incident


def card_text(answer: dict[str, Any]) -> str:
    assert answer["type"] == "application/vnd.microsoft.card.adaptive", answer
    return "\n".join(block["text"] for block in answer["value"]["body"])


def verbs(answer: dict[str, Any]) -> list[str]:
    return [a["verb"] for a in answer["value"].get("actions", [])]


@pytest.fixture
async def teams_env(database_url: str) -> AsyncIterator[TeamsEnv]:
    async with TeamsRig() as rig:
        settings = load_settings(
            {
                "DATABASE_URL": database_url,
                "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": SECRET,
                "MICROSOFT_OPENID_METADATA_URL": rig.metadata_url,
                "MICROSOFT_TOKEN_URL": rig.token_url,
            }
        )
        clock = FakeClock(datetime.now(UTC))
        container = build_container(settings, clock=clock)
        policy = teams_policy(container.ctx.policy, rig.url + "/")
        container.ctx = replace(container.ctx, clock=clock, policy=policy)
        tasks = BackgroundTasks()
        web_app = build_web_app(
            container, tasks, start_scheduler=False, sweep_seconds=3600, teams_cards=MiniCards()
        )
        server = TestServer(web_app)
        await server.start_server()
        async with aiohttp.ClientSession() as session:
            env = TeamsEnv(rig, container, server, session, tasks, clock, web_app[RUNTIME])
            yield env
        await server.close()
        # whatever it was sent, the bot never answered Teams with a 500
        assert not [s for s in env.statuses if s >= 500 and s != 501], env.statuses
