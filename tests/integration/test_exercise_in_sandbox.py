"""A scenario played in the sandbox itself (its complete workspace, which refuses unknown
people and trigger ids as Slack does): the runner's people are the ones the page shows, and
what they say lands in the workspace's channels. Steps are played back to back (the test moves
no clock; nothing in this scenario is due before contact)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.states import State
from handlers.slack.app import PATH
from sandbox.exercise.register import all_scenarios_config
from sandbox.exercise.runner import LazySender, Runner
from sandbox.exercise.scenario import find, load_scenario
from sandbox.exercise.stage import StandInStage
from sandbox.serve import start_sandbox, stop_sandbox
from tests.factories import TIMELINE_KEY_TEXT


async def test_the_ransomware_scenario_plays_in_the_sandbox_as_its_people(tmp_path: Path) -> None:
    config = all_scenarios_config(DEFAULT_CONFIG_DIR, tmp_path / "config")
    env = {
        "CIR_EXERCISE": "1",
        "CIR_SPEED": "10",
        "CIR_CONFIG_DIR": str(config),
        "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
    }
    sandbox, server = await start_sandbox(
        "127.0.0.1", 0, env=env, database_url=f"sqlite:///{tmp_path / 'sandbox.db'}"
    )
    port = server.addresses[0][1]
    send = LazySender(
        lambda: f"http://127.0.0.1:{port}{PATH}", sandbox.container.settings.slack_signing_secret
    )

    async def back_to_back(_when: datetime) -> None:
        return None

    try:
        policy = sandbox.container.ctx.policy
        scenario = load_scenario(find("ransomware"), policy)
        runner = Runner(
            scenario, policy, send, StandInStage(sandbox.slack), sandbox.container.ctx.clock,
            back_to_back, patience=20,
        )  # fmt: skip
        log = await runner.run()
        assert [e.line() for e in log if not e.ok] == []
        async with sandbox.container.uow() as uow:
            [incident] = await uow.incidents.list_open()
        assert incident.state is State.CONTAINMENT
        workspace = sandbox.slack.workspace
        [inject] = [
            m for c in workspace.channels.values() for m in c.messages if "still active" in m.text
        ]
        channel = workspace.conversation(inject.channel)
        assert channel is not None
        assert workspace.can_see(inject.user, channel)
        assert inject.user in workspace.people  # a person the page shows, not a stranger
    finally:
        await send.close()
        await stop_sandbox(sandbox, server)
