"""One service, two platforms: the real aiohttp app as `bot serve` builds it (Slack mounted on
/slack/events, Teams on /api/messages, the deadline scheduler, GOV.UK Notify), with Slack's Web
API stand-in, the Bot Connector and Bot Framework identity stand-ins, and Notify's stand-in.

MHCLG is on Slack (its assessors, its duty manager, the triage channel). London Borough of
Hackney, the council, is on Teams in its own Microsoft 365 tenant; KPMG, the provider on duty,
is on Teams in another. Each has the CIR app installed in a team channel (learnt from the signed
`conversationUpdate` Teams sends), and KPMG's escalation contact is a Teams user the bot reaches
by a personal chat it opens itself.

Everything a person does reaches the service as the platforms send it: Slack's signed requests,
Teams' signed activities. Time moves only on the service's injected clock (`fire_due`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app.container import build_container
from bot.app.server import RUNTIME, build_web_app
from bot.app.settings import load_settings
from bot.domain.bindings import Platform
from bot.domain.clock import FakeClock
from bot.domain.incident import Incident
from bot.policy.model import Contact, Policy, TeamsPlace
from handlers.tasks import BackgroundTasks
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack.api import FakeSlackApi
from sandbox.teams import activities
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.standins import TeamsStandIns
from tests.factories import TIMELINE_KEY_TEXT
from tests.integration.slack_harness import (
    ASSESSOR,
    ASSESSOR_2,
    SECRET,
    TRIAGE,
    SlackEnv,
    notify_settings,
)

__all__ = ["HACKNEY_TENANT", "KPMG_TENANT", "STRANGER_TENANT", "AcrossEnv", "across_env"]

HACKNEY_TENANT = "11111111-1111-4111-8111-111111111111"
KPMG_TENANT = "22222222-2222-4222-8222-222222222222"
STRANGER_TENANT = "33333333-3333-4333-8333-333333333333"  # no organisation of the service's
DUTY_MANAGER = "U0DUTYMGR"  # config/mhclg.yml
MESSAGE = "application/vnd.microsoft.activity.message"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


@dataclass
class People:
    hana: Person  # Hackney's CISO, on Teams
    kim: Person  # a KPMG responder, on Teams
    kai: Person  # KPMG's escalation contact, on Teams (reached by a personal chat)
    hackney: Conversation  # Hackney's team channel with the CIR app
    kpmg: Conversation  # KPMG's


@dataclass
class AcrossEnv(SlackEnv):
    teams: TeamsStandIns | None = None
    notify: FakeNotifyApi | None = None
    people: People | None = None
    teams_statuses: list[int] = field(default_factory=list)

    # --- Teams, as Teams sends --------------------------------------------------------------

    @property
    def t(self) -> TeamsStandIns:
        assert self.teams is not None
        return self.teams

    @property
    def p(self) -> People:
        assert self.people is not None
        return self.people

    @property
    def teams_url(self) -> str:
        return str(self.server.make_url("/api/messages"))

    @property
    def origin(self) -> activities.Origin:
        return activities.Origin(self.t.service_url, self.t.app)

    def installed(self, where: Conversation, by: Person) -> dict[str, Any]:
        return activities.bot_installed(self.origin, where, by)

    def invoke(
        self, where: Conversation, who: Person, verb: str, value: str, **inputs: str
    ) -> dict[str, Any]:
        return activities.card_action(self.origin, where, who, verb, {"value": value, **inputs})

    async def teams_post(
        self, activity: dict[str, Any] | bytes, authorization: str | None = None
    ) -> tuple[int, Any]:
        """POST to /api/messages signed for the bot as Bot Framework signs (or with
        `authorization` as given); then the work it started is let finish."""
        if isinstance(activity, bytes):
            header = authorization or self.t.identity.authorization(
                self.t.app.app_id, self.t.service_url
            )
            async with self.session.post(
                self.teams_url,
                data=activity,
                headers={"Authorization": header, "Content-Type": "application/json"},
            ) as response:
                status, text = response.status, await response.text()
            try:
                body: Any = json.loads(text) if text else None
            except ValueError:
                body = text
        else:
            status, body = await activities.post_signed(
                self.session, self.teams_url, activity, self.t.identity, authorization=authorization
            )
        self.teams_statuses.append(status)
        await self.tasks.drain(within=15)
        return status, body

    async def press(
        self, where: Conversation, who: Person, verb: str, value: str, **inputs: str
    ) -> dict[str, Any]:
        """A button or a form's submit on a Teams card; the invoke's answer (status 200)."""
        status, body = await self.teams_post(self.invoke(where, who, verb, value, **inputs))
        assert status == 200, (status, body)
        assert body["statusCode"] == 200, body
        return dict(body)

    # --- what each platform's stand-in holds ------------------------------------------------

    def cards(self, where: Conversation) -> list[dict[str, Any]]:
        """Every Adaptive Card in a Teams conversation as it is shown now, oldest first."""
        return self.t.connector.cards(where.id)

    async def incident_card(self, where: Conversation, incident_id: str) -> dict[str, Any]:
        """The incident's card in a Teams conversation, as drawn now (the one activity the bot
        keeps updating in place there)."""
        async with self.container.uow() as uow:
            stored = await uow.teams_cards.get(incident_id, where.id)
        assert stored is not None, f"no incident card in {where.name}"
        posted = {p.id: p for p in self.t.connector.posted(where.id)}[stored.activity_id]
        [card] = [a["content"] for a in posted.activity["attachments"]]
        return dict(card)

    def card_texts(self, where: Conversation) -> list[str]:
        return [card_words(c) for c in self.cards(where)]

    def slack_texts(self, channel: str) -> list[str]:
        return self.texts(channel)

    def slack_card(self, channel: str) -> str:
        """The incident card as last drawn in a Slack channel."""
        updates = [c for c in self.slack.calls_to("chat.update") if c["channel"] == channel]
        assert updates, f"no card was redrawn in {channel}"
        return self.slack.message_text(updates[-1])

    async def incident(self, incident_id: str) -> Incident:
        async with self.container.uow() as uow:
            incident = await uow.incidents.get(incident_id)
        assert incident is not None
        return incident

    async def slack_channel(self, incident_id: str) -> str:
        async with self.container.uow() as uow:
            binding = await uow.channels.for_incident(incident_id, Platform.SLACK)
        assert binding is not None, "the incident has no Slack channel"
        return binding.channel_id


def card_words(node: Any) -> str:
    """Every text a person reads on a card (texts, titles, facts, labels, choices)."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key in ("text", "title", "value", "label", "placeholder"):
                if isinstance(item.get(key), str):
                    found.append(item[key])
            for key, child in item.items():
                if key not in {"refresh", "data"}:
                    walk(child)
        elif isinstance(item, list):
            for child in item:
                walk(child)

    walk(node)
    return "\n".join(found)


def buttons(card: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(title, verb, data.value) of every Action.Execute a person can press on a card."""
    found: list[tuple[str, str, str]] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            if item.get("type") == "Action.Execute" and isinstance(item.get("verb"), str):
                data = item.get("data") or {}
                found.append((str(item.get("title", "")), item["verb"], str(data.get("value", ""))))
            for key, child in item.items():
                if key != "refresh":
                    walk(child)
        elif isinstance(item, list):
            for child in item:
                walk(child)

    walk(card)
    return found


def on_teams(policy: Policy, service_url: str, people: People) -> Policy:
    """Hackney and KPMG on Teams, each in its tenant; their first contact a Teams user."""
    hackney = policy.councils["hackney"]
    hana = replace(hackney.contacts[0], teams_user=people.hana.aad_object_id)
    kpmg = policy.providers["kpmg"]
    kai = Contact(
        name="Kai Escalation",
        email="cir-escalation@kpmg.example",
        phone="07700 900002",
        teams_user=people.kai.aad_object_id,
    )
    councils = {
        **policy.councils,
        "hackney": replace(
            hackney,
            platform=Platform.TEAMS,
            teams=TeamsPlace(HACKNEY_TENANT, service_url),
            contacts=(hana, *hackney.contacts[1:]),
        ),
    }
    providers = {
        **policy.providers,
        "kpmg": replace(
            kpmg,
            platform=Platform.TEAMS,
            paging_channel="",
            teams=TeamsPlace(KPMG_TENANT, service_url),
            escalation_contacts=(kai,),
        ),
    }
    return replace(policy, councils=councils, providers=providers)


@pytest.fixture
async def across_env(database_url: str) -> AsyncIterator[AcrossEnv]:
    async with FakeSlackApi() as slack, TeamsStandIns() as teams, FakeNotifyApi() as notify:
        slack.add_channel(TRIAGE, "cir-triage")
        slack.add_user(ASSESSOR, "T0MHCLG", "Ada Assessor", "ada@mhclg.example")
        slack.add_user(ASSESSOR_2, "T0MHCLG", "Bea Assessor", "bea@mhclg.example")
        slack.add_user(DUTY_MANAGER, "T0MHCLG", "Dee Duty", "cir-duty@mhclg.example")
        connector = teams.connector
        people = People(
            hana=connector.add_person(HACKNEY_TENANT, "Hana Council"),
            kim=connector.add_person(KPMG_TENANT, "Kim Responder"),
            kai=connector.add_person(KPMG_TENANT, "Kai Escalation"),
            hackney=connector.add_channel(HACKNEY_TENANT, teams.app, "Cyber incident"),
            kpmg=connector.add_channel(KPMG_TENANT, teams.app, "CIR pages"),
        )
        settings = load_settings(
            {
                "DATABASE_URL": database_url,
                "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.base_url,
                **notify_settings(notify),
                **teams.env(),
            }
        )
        clock = FakeClock(datetime.now(UTC))
        container = build_container(settings, clock=clock)
        policy = on_teams(container.ctx.policy, teams.service_url, people)
        container.ctx = replace(container.ctx, clock=clock, policy=policy)
        for provider in policy.providers.values():
            if provider.paging_channel:
                slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
        tasks = BackgroundTasks()
        web_app = build_web_app(container, tasks, start_scheduler=False, sweep_seconds=3600)
        server = TestServer(web_app)
        await server.start_server()
        async with aiohttp.ClientSession() as session:
            env = AcrossEnv(
                slack,
                container,
                server,
                session,
                tasks,
                clock,
                web_app[RUNTIME],
                teams=teams,
                notify=notify,
                people=people,
            )
            yield env
        await server.close()
        # whatever it was sent, the bot never answered Teams with a 500
        assert not [s for s in env.teams_statuses if s >= 500], env.teams_statuses
        refused = [
            f"{call.method}: {answer}"
            for call, answer in slack.refusals
            if not (call.method == "users.info" and answer.get("error") == "user_not_found")
        ]
        assert env.refusals_expected or not refused, "Slack refused the bot:\n" + "\n".join(refused)
