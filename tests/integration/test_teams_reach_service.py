"""The service with Teams configured reaches Teams on its own, through the real wiring: KPMG,
a provider on Teams, installs the app; its page goes out as an Adaptive Card in that
conversation as soon as the incident is activated, and the missed-deadline escalation reaches it
from another replica started afterwards on the same database (the conversation and the
deadlines are rows, not memory)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from aiohttp.test_utils import TestServer

from bot.app.container import build_container
from bot.app.server import RUNTIME, build_web_app
from bot.domain.clock import FakeClock
from handlers.tasks import BackgroundTasks
from tests.integration.activation_steps import activated
from tests.integration.teams_harness import TeamsEnv, teams_policy

pytest_plugins = ["tests.integration.teams_harness"]


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
    status, _ = await env.post(env.installed(env.kpmg, env.kim))  # KPMG adds the app to its team
    assert status == 200
    ctx = env.container.ctx
    result = await activated(env.container.uow, ctx)
    assert result.incident.provider_ids == ("kpmg",)
    await env.runtime.scheduler.fire_due()
    await env.tasks.drain(within=15)
    [page] = [c for c in cards_in(env, env.kpmg.id) if "assigned KPMG" in c]
    assert '"verb": "acknowledge_page"' in page
    assert '"type": "AdaptiveCard"' in page

    # another replica, started later on the same database, fires the escalation at 30 minutes
    settings = env.container.settings
    clock = FakeClock(env.clock.now() + timedelta(minutes=31))
    other = build_container(settings, clock=clock)
    other.ctx = replace(
        other.ctx, clock=clock, policy=teams_policy(other.ctx.policy, env.teams.service_url)
    )
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
    assert escalations, cards_in(env, env.kpmg.id)
    async with env.container.uow() as uow:
        events = list(await uow.timeline.for_incident(result.incident.id))
    [sent] = [e for e in events if e.kind == "EscalationSent"]
    by_recipient = {
        r["recipient"]: r for r in sent.data["routes"] if r["route"].startswith("teams")
    }
    assert by_recipient["KPMG"]["ok"] is True
    # Hackney has not added the app: on the record, with what to do, and retried as a row
    assert by_recipient["London Borough of Hackney"]["ok"] is False
    assert "has not been added" in by_recipient["London Borough of Hackney"]["error"]
    assert len(escalations) == 1  # the firing committed: nothing sent twice
