"""Scenarios played by the runner against the whole service (signed requests, the Slack and
Notify stand-ins, a real database), the service clock moved by the runner's own waits and the
deadlines fired as the scheduler would: no wall-clock waiting."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader

from bot.domain.states import State
from sandbox.exercise.cast import everyone
from sandbox.exercise.routes import ExerciseControl, mount
from sandbox.exercise.runner import Runner
from sandbox.exercise.scenario import Scenario, find, load_scenario
from sandbox.exercise.stage import StandInStage
from sandbox.notify.api import FakeNotifyApi
from tests.integration.slack_harness import SlackEnv

DUTY_MANAGER_PHONE = "07700 900100"


@pytest.fixture
async def notify_api() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as api:
        yield api


@pytest.fixture
def service_env() -> dict[str, str]:
    return {"CIR_EXERCISE": "1"}


def runner_for(env: SlackEnv, scenario: Scenario) -> tuple[Runner, StandInStage]:
    for person in everyone(env.container.ctx.policy):
        env.slack.add_user(person.user_id, person.team_id, person.name, person.email)
    stage = StandInStage(env.slack)

    async def wait_until(when: datetime) -> None:
        if when > env.clock.now():
            env.clock.set(when)
        await env.fire_due()

    runner = Runner(
        scenario, env.container.ctx.policy, env.send, stage, env.clock, wait_until, patience=5
    )
    return runner, stage


async def test_the_ransomware_scenario_plays_through_to_contact_made_and_the_inject(
    slack_env: SlackEnv, notify_api: FakeNotifyApi
) -> None:
    scenario = load_scenario(find("ransomware"), slack_env.container.ctx.policy)
    runner, stage = runner_for(slack_env, scenario)
    log = await runner.run()
    assert [e.line() for e in log if not e.ok] == []
    assert len(log) == len(scenario.steps)
    incident = await slack_env.only_incident()
    assert incident.state is State.CONTAINMENT  # contact made moves it on
    kinds = [e.kind for e in await slack_env.timeline(incident.id)]
    assert kinds.count("PageAcknowledged") == 1
    assert kinds.count("ContactRecorded") == 1
    assert not any(k == "EscalationSent" for k in kinds)  # contact at 17 minutes after paging
    [inject] = [m for m in stage.said if "still active" in m["text"]]
    assert inject["user"] == "U0HACKNEY1"
    assert inject["channel"] != "C0TRIAGE"
    assert all(e.answered_ms is not None for e in log if e.step.do not in ("say",))


async def test_the_missed_contact_scenario_escalates_up_the_ladder(
    slack_env: SlackEnv, notify_api: FakeNotifyApi
) -> None:
    scenario = load_scenario(find("missed-contact"), slack_env.container.ctx.policy)
    runner, _ = runner_for(slack_env, scenario)
    log = await runner.run()
    assert [e.line() for e in log if not e.ok] == []
    incident = await slack_env.only_incident()
    assert incident.state is State.ACTIVATED  # nobody recorded contact
    events = await slack_env.timeline(incident.id)
    assert [e.data["level"] for e in events if e.kind == "EscalationSent"] == [1, 2, 3]
    texts = [m["content"]["body"] for m in notify_api.sent if m["to"] == DUTY_MANAGER_PHONE]
    assert len(texts) == 3
    assert all(t.startswith("[EXERCISE] ") for t in texts)


async def test_the_routes_show_the_mode_start_a_scenario_and_give_the_downloads(
    slack_env: SlackEnv, notify_api: FakeNotifyApi
) -> None:
    scenario = load_scenario(find("ransomware"), slack_env.container.ctx.policy)
    runner, stage = runner_for(slack_env, scenario)
    assert [e.line() for e in await runner.run() if not e.ok] == []
    control = ExerciseControl(
        slack_env.container.uow, slack_env.container.ctx, slack_env.send, stage
    )
    app = web.Application()
    mount(app, control)
    async with TestClient(TestServer(app)) as client:
        status = await (await client.get("/sandbox/exercise")).json()
        assert status["exercise"] is True
        assert "EXERCISE" in status["banner"]
        assert {"ransomware", "missed-contact", "mass-event"} <= {
            s["name"] for s in status["scenarios"]
        }
        refused = await client.post("/sandbox/exercise/start", json={"scenario": "zombies"})
        assert refused.status == 400
        assert "use one of" in (await refused.json())["error"]
        bad = await client.post("/sandbox/exercise/start", data=b"not json")
        assert bad.status == 400

        timeline = await client.get("/sandbox/exercise/timeline.json")
        assert "attachment" in timeline.headers["Content-Disposition"]
        record = await timeline.json()
        assert record["exercise"] is True
        assert "rehearsal" in record["notice"]
        [incident] = record["incidents"]
        assert incident["marking"].startswith("EXERCISE - ")
        assert incident["verification"]["intact"]
        reference = incident["incident"]["reference"]
        pdf = await client.get(f"/sandbox/exercise/report/{reference}.pdf")
        assert pdf.status == 200
        assert pdf.content_type == "application/pdf"
        pages = PdfReader(io.BytesIO(await pdf.read())).pages
        assert all("EXERCISE - OFFICIAL" in (p.extract_text() or "") for p in pages)
        missing = await client.get("/sandbox/exercise/report/CIR-2026-9999.pdf")
        assert missing.status == 404
        assert "No incident" in (await missing.json())["error"]
        garbage = await client.get("/sandbox/exercise/report/nonsense.pdf")
        assert garbage.status == 404

        started = await client.post("/sandbox/exercise/start", json={"scenario": "ransomware"})
        assert started.status == 202
        assert (await started.json())["playing"] is True
        again = await client.post("/sandbox/exercise/start", json={"scenario": "ransomware"})
        assert again.status == 409
        assert control.task is not None
        control.task.cancel()  # it waits on the test's clock, which nobody moves
