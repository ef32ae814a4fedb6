"""The response through Slack: the harness plus a council user and an outsider (the `env`
fixture), an incident in response, and the forms, presses and readers the response, ending,
lessons, report sharing and refusal tests share."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.domain.bindings import Platform
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from handlers.slack.identity import Identity
from sandbox.slack import signed_requests as sr
from tests.factories import ASSESSOR as ASSESSOR_ACTOR
from tests.integration.slack_harness import SlackEnv, referral_submission

PROVIDER, PROVIDER_TEAM = "U0KPMG1", "T0KPMG"


COUNCIL, COUNCIL_TEAM = "U0HK1", "T0HACKNEY"


OUTSIDER, OUTSIDER_TEAM = "U0OUTSIDER", "T0ELSEWHERE"


MHCLG_TEAM = "T0MHCLG"


TEAMS = {PROVIDER: PROVIDER_TEAM, COUNCIL: COUNCIL_TEAM, OUTSIDER: OUTSIDER_TEAM}


@pytest.fixture
async def env(slack_env: SlackEnv) -> SlackEnv:
    """The harness, plus a council user and an outsider. The shipped councils.yml has no Slack
    team for Hackney, so identity gets a policy that gives it one (the core's policy is as is)."""
    slack_env.slack.add_user(COUNCIL, COUNCIL_TEAM, "Hana Council", "hana@hackney.example")
    slack_env.slack.add_user(OUTSIDER, OUTSIDER_TEAM, "Oscar Outsider", "oscar@else.example")
    deps = slack_env.container.slack
    assert deps is not None, "the harness builds the Slack edge"
    policy = deps.ctx.policy
    hackney = replace(policy.councils["hackney"], slack_team_id=COUNCIL_TEAM)
    deps.identity = Identity(
        deps.client, replace(policy, councils={**policy.councils, "hackney": hackney})
    )
    return slack_env


async def responding(env: SlackEnv, **referral: Any) -> tuple[str, str]:
    """A referral made through Slack (`referral` overrides its form's fields), then moved by the
    aggregate to containment with KPMG assigned (activation has its own edge and tests).
    Returns (incident id, its channel)."""
    await env.send(referral_submission(**referral))
    incident_id = (await env.only_incident()).id
    async with env.container.uow() as uow:
        incident = await uow.incidents.get_for_update(incident_id)
        assert incident is not None
        now = env.clock.now()
        incident.move_to(State.THRESHOLD_CHECK, ASSESSOR_ACTOR, now)
        incident.move_to(State.AWAITING_MOU, ASSESSOR_ACTOR, now)
        incident.override_mou("Council's mail is down; MoU by phone follows.", ASSESSOR_ACTOR, now)
        incident.provider_ids = ("kpmg",)
        incident.move_to(State.ACTIVATED, ASSESSOR_ACTOR, now)
        incident.move_to(State.CONTAINMENT, ASSESSOR_ACTOR, now)
        await uow.commit()
        binding = await uow.channels.for_incident(incident_id, Platform.SLACK)
    assert binding is not None
    return incident_id, binding.channel_id


def meta(incident_id: str, channel: str) -> str:
    return json.dumps({"incident_id": incident_id, "channel": channel, "nonce": "n-" + channel})


def submission(form: str, incident_id: str, channel: str, user: str, **fields: Any) -> str:
    values = {}
    for block, value in fields.items():
        if isinstance(value, dict):
            values[block] = {"value": value}
        else:
            values[block] = {"value": {"type": "plain_text_input", "value": value}}
    team = TEAMS.get(user, MHCLG_TEAM)
    return sr.view_submission(
        form, values, user_id=user, team_id=team, private_metadata=meta(incident_id, channel)
    )


def chosen(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"value": value}}


async def submit(env: SlackEnv, body: str) -> dict[str, Any]:
    status, text = await env.send(body)
    assert status == 200
    return json.loads(text) if text else {}


async def change_phase(
    env: SlackEnv, incident_id: str, channel: str, user: str, target: str, summary: str
) -> dict[str, Any]:
    body = submission(
        "phase_form", incident_id, channel, user, target=chosen(target), summary=summary
    )
    return await submit(env, body)


async def press(env: SlackEnv, action: str, value: str, user: str, channel: str) -> None:
    body = sr.block_actions(
        action,
        value=value,
        user_id=user,
        user_team_id=TEAMS.get(user, MHCLG_TEAM),
        channel_id=channel,
        trigger_id=f"TRIG-{action}-{user}",
    )
    status, _ = await env.send(body)
    assert status == 200


async def state_of(env: SlackEnv, incident_id: str) -> State:
    async with env.container.uow() as uow:
        incident = await uow.incidents.get(incident_id)
    assert incident is not None
    return incident.state


async def events(env: SlackEnv, incident_id: str, kind: str) -> list[TimelineEvent]:
    return [e for e in await env.timeline(incident_id) if e.kind == kind]


def ephemerals(env: SlackEnv, user: str) -> list[str]:
    return [c["text"] for c in env.slack.calls_to("chat.postEphemeral") if c["user"] == user]


def opened(env: SlackEnv, trigger: str) -> dict[str, Any]:
    [call] = [c for c in env.slack.calls_to("views.open") if c["trigger_id"] == trigger]
    return call["view"]


def slash(text: str, user: str, channel: str, trigger: str = "") -> str:
    return sr.slash_command(text=text, user_id=user, channel_id=channel, trigger_id=trigger or None)


def checklist(
    incident_id: str, channel: str, user: str, item: str, status: str, **more: Any
) -> str:
    return submission(
        "checklist_form",
        incident_id,
        channel,
        user,
        item=chosen(item),
        status=chosen(status, "radio_buttons"),
        **more,
    )
