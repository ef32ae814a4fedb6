"""The service with Teams configured reaches Teams on its own, through the real wiring and the
sandbox's Teams stand-ins: KPMG (a provider on Teams) adds the app; its page goes out as an
Adaptive Card in that channel as soon as the incident is activated, and the missed-deadline
escalation reaches it from another replica started later on the same database (conversations
and deadlines are rows, not memory). And what a provider says on Teams is mirrored to the
incident's Slack side, marked with who said it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from aiohttp.test_utils import TestServer

from bot.app.chats import Chats
from bot.app.container import build_container
from bot.app.server import RUNTIME, build_web_app
from bot.domain.bindings import Platform
from bot.domain.clock import FakeClock
from handlers.tasks import BackgroundTasks
from tests.fakes.chat import RecordingChat
from tests.integration.activation_steps import activated
from tests.integration.response_steps import responding
from tests.integration.teams_harness import TeamsEnv, teams_policy


def cards_in(env: TeamsEnv, conversation: str) -> list[str]:
    """The Adaptive Cards the bot posted in a conversation (as first posted), oldest first."""
    return [
        json.dumps(card)
        for posted in env.teams.connector.posted(conversation)
        for attachment in posted.versions[0].get("attachments", [])
        for card in [attachment["content"]]
    ]


async def test_a_teams_provider_is_paged_then_escalated_to_from_another_replica(
    teams_env: TeamsEnv,
) -> None:
    env = teams_env
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    result = await activated(env.container.uow, env.container.ctx)
    assert result.incident.provider_ids == ("kpmg",)
    await env.runtime.scheduler.fire_due()
    await env.tasks.drain(within=15)
    [page] = [c for c in cards_in(env, env.kpmg.id) if "assigned KPMG" in c]
    assert '"verb": "acknowledge_page"' in page

    # another replica, started later on the same database, fires the escalation at 30 minutes
    clock = FakeClock(env.clock.now() + timedelta(minutes=31))
    other = build_container(env.container.settings, clock=clock)
    policy = teams_policy(other.ctx.policy, env.teams.service_url)
    other.ctx = replace(other.ctx, clock=clock, policy=policy)
    tasks = BackgroundTasks()
    app = build_web_app(other, tasks, start_scheduler=False, sweep_seconds=3600)
    server = TestServer(app)
    await server.start_server()
    try:
        await app[RUNTIME].scheduler.fire_due()
        await tasks.drain(within=15)
    finally:
        await server.close()
    escalations = [c for c in cards_in(env, env.kpmg.id) if "Contact deadline missed" in c]
    assert len(escalations) == 1  # committed once: nothing sent twice
    async with env.container.uow() as uow:
        events = list(await uow.timeline.for_incident(result.incident.id))
    [sent] = [e for e in events if e.kind == "EscalationSent"]
    routes = sent.data["routes"]
    by_recipient = {r["recipient"]: r for r in routes if r["route"].startswith("teams")}
    assert by_recipient["KPMG"]["ok"] is True
    # Hackney has not added the app: on the record, saying what to do, and retried as a row
    assert by_recipient["London Borough of Hackney"]["ok"] is False
    assert "has not been added" in by_recipient["London Borough of Hackney"]["error"]


async def test_a_status_update_on_teams_is_mirrored_to_slack(teams_env: TeamsEnv) -> None:
    env = teams_env
    slack = RecordingChat()  # the Slack side, as a recording (this service has no Slack)
    chats = env.runtime.firing.chats
    assert isinstance(chats, Chats)
    chats.attach(Platform.SLACK, slack)
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    incident = await responding(env.container.uow, env.container.ctx)
    inputs = {"what_changed": "Servers <!here> isolated", "impact": "Benefits down",
              "next_steps": "Rebuild AD", "personal_data": "not_involved"}  # fmt: skip
    invoke = env.invoke(env.kpmg, env.kim, "status_update_form", incident.id, **inputs)
    assert (await env.post(invoke))[0] == 200
    [mirrored] = slack.to(f"incident:{incident.id}")
    facts = {f.label: (f.value, f.user_text) for f in mirrored.facts}
    assert facts["From"] == ("Kim Responder (KPMG)", True)
    assert facts["What changed"] == ("Servers <!here> isolated", True)
    assert "Microsoft Teams" in mirrored.text
    assert "Servers" not in mirrored.text + mirrored.title
    assert incident.id in slack.refreshed  # the Slack cards show the same state
