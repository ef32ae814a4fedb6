"""The response through Slack, by signed requests: phase changes and who may make them, the
council's recovery opt-in, status updates in the channel and the triage thread with their
prompt, the notifications checklist, and timeline notes by /cir note and the message shortcut."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.domain.bindings import MessagePurpose, Platform
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from handlers.slack.identity import Identity
from sandbox.slack import signed_requests as sr
from tests.factories import ASSESSOR as ASSESSOR_ACTOR
from tests.integration.slack_harness import ASSESSOR, SlackEnv, referral_submission

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
    policy = deps.ctx.policy
    hackney = replace(policy.councils["hackney"], slack_team_id=COUNCIL_TEAM)
    deps.identity = Identity(
        deps.client, replace(policy, councils={**policy.councils, "hackney": hackney})
    )
    return slack_env


# --- helpers, shared with test_slack_lessons_report ---------------------------------------------


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


# --- phases -------------------------------------------------------------------------------------


async def test_the_provider_moves_containment_to_eradication_with_a_summary(env) -> None:
    incident_id, channel = await responding(env)
    await press(env, "change_phase", incident_id, PROVIDER, channel)
    view = opened(env, f"TRIG-change_phase-{PROVIDER}")
    assert view["callback_id"] == "phase_form"
    [target] = [b for b in view["blocks"] if b.get("block_id") == "target"]
    assert [o["value"] for o in target["element"]["options"]] == ["eradication"]

    answer = await change_phase(
        env, incident_id, channel, PROVIDER, "eradication", "Encrypted hosts isolated; C2 blocked."
    )
    assert answer == {}
    assert await state_of(env, incident_id) is State.ERADICATION
    [changed] = [
        e
        for e in await events(env, incident_id, "StateChanged")
        if e.data["to_state"] == "eradication"
    ]
    assert changed.organisation == "provider:kpmg"
    assert changed.data["summary"] == "Encrypted hosts isolated; C2 blocked."
    said = "\n".join(env.texts(channel))
    assert "moved from Containment to Eradication by Kim Responder" in said
    assert "Encrypted hosts isolated; C2 blocked." in said
    card = [c for c in env.slack.calls_to("chat.update") if c["channel"] == channel]
    assert card and "Eradication" in env.slack.message_text(card[-1])


async def test_an_outsider_cannot_change_the_phase_and_the_attempt_is_recorded(env) -> None:
    incident_id, channel = await responding(env)
    answer = await change_phase(env, incident_id, channel, OUTSIDER, "eradication", "I fixed it.")
    assert answer == {}  # the form closes; the refusal is said privately
    assert await state_of(env, incident_id) is State.CONTAINMENT
    assert any("not found, or it is not yours" in t for t in ephemerals(env, OUTSIDER))
    [refused] = await events(env, incident_id, "ActionRefused")
    assert refused.data["action"] == "change_phase"
    assert refused.actor_id == f"slack:{OUTSIDER_TEAM}:{OUTSIDER}"


async def test_recovery_waits_for_the_councils_opt_in(env) -> None:
    incident_id, channel = await responding(env)
    await change_phase(env, incident_id, channel, PROVIDER, "eradication", "Contained.")

    answer = await change_phase(env, incident_id, channel, PROVIDER, "recovery", "Rebuilding.")
    assert answer["response_action"] == "errors"
    assert "council has not opted in" in answer["errors"]["target"]
    assert await state_of(env, incident_id) is State.ERADICATION

    await press(env, "recovery_opt_in", incident_id, PROVIDER, channel)  # not the council
    assert any("Only the affected council" in t for t in ephemerals(env, PROVIDER))
    assert not await events(env, incident_id, "RecoveryOptInRecorded")

    await press(env, "recovery_opt_in", incident_id, COUNCIL, channel)
    [opt_in] = await events(env, incident_id, "RecoveryOptInRecorded")
    assert opt_in.organisation == "council:hackney"
    assert any("opt-in to recovery" in t for t in env.texts(channel))

    answer = await change_phase(env, incident_id, channel, PROVIDER, "recovery", "Rebuilding.")
    assert answer == {}
    assert await state_of(env, incident_id) is State.RECOVERY


async def test_only_mhclg_closes_and_closing_asks_for_lessons_learned(env) -> None:
    incident_id, channel = await responding(env)
    await change_phase(env, incident_id, channel, PROVIDER, "eradication", "Contained.")

    answer = await change_phase(env, incident_id, channel, PROVIDER, "closed", "All done.")
    assert answer == {}
    assert any("Only MHCLG can close" in t for t in ephemerals(env, PROVIDER))
    assert await state_of(env, incident_id) is State.ERADICATION

    answer = await change_phase(env, incident_id, channel, ASSESSOR, "closed", "Service restored.")
    assert answer == {}
    assert await state_of(env, incident_id) is State.CLOSED
    assert await events(env, incident_id, "LessonsRequested")
    [request] = [
        m for m in env.slack.messages(channel) if "Lessons learned are now asked" in m["text"]
    ]
    buttons = [e for b in request["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("give_lessons", incident_id)]


async def test_a_summary_is_required_and_its_limit_is_named(env) -> None:
    incident_id, channel = await responding(env)
    answer = await change_phase(env, incident_id, channel, PROVIDER, "eradication", "x" * 3001)
    assert answer["response_action"] == "errors"
    assert "the limit is 3000" in answer["errors"]["summary"]
    answer = await change_phase(env, incident_id, channel, PROVIDER, "eradication", "  ")
    assert "required" in answer["errors"]["summary"]
    assert await state_of(env, incident_id) is State.CONTAINMENT


# --- status updates -------------------------------------------------------------------------------


async def test_a_status_update_goes_to_the_channel_and_the_triage_thread(env) -> None:
    incident_id, channel = await responding(env)
    await env.send(slash("update", PROVIDER, channel, trigger="TRIG-UPDATE"))
    view = opened(env, "TRIG-UPDATE")
    assert view["callback_id"] == "status_update_form"
    inputs = [
        b
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    ]
    assert [b["element"]["max_length"] for b in inputs] == [3000, 3000, 3000]

    answer = await submit(
        env,
        submission(
            "status_update_form",
            incident_id,
            channel,
            PROVIDER,
            what_changed="Backups verified clean.",
            impact="Benefits payments still down.",
            next_steps="Restore payments server tonight.",
        ),
    )
    assert answer == {}
    [posted] = [
        m
        for m in env.slack.messages(channel)
        if "Backups verified clean." in env.slack.message_text(m)
    ]
    assert "Restore payments server tonight." in env.slack.message_text(posted)
    async with env.container.uow() as uow:
        triage = await uow.messages.get(incident_id, Platform.SLACK, MessagePurpose.TRIAGE_CARD)
    assert triage is not None
    [threaded] = [m for m in env.slack.messages(triage.channel_id) if m.get("thread_ts")]
    assert threaded["thread_ts"] == triage.message_ts
    assert "Backups verified clean." in env.slack.message_text(threaded)
    [recorded] = await events(env, incident_id, "StatusUpdatePosted")
    assert recorded.data["impact"] == "Benefits payments still down."


async def test_four_hours_without_an_update_prompts_the_provider(env) -> None:
    incident_id, channel = await responding(env)
    await submit(
        env,
        submission(
            "status_update_form",
            incident_id,
            channel,
            PROVIDER,
            what_changed="Scoping done.",
            impact="Email down.",
            next_steps="Reset credentials.",
        ),
    )
    await env.fire_due(hours=3, minutes=59)
    assert not [t for t in env.texts(channel) if "Status update due" in t]
    await env.fire_due(minutes=1)
    [prompt] = [t for t in env.texts(channel) if "Status update due" in t]
    assert "/cir update" in prompt
    assert await events(env, incident_id, "UpdatePromptSent")


async def test_an_outsider_cannot_post_a_status_update(env) -> None:
    incident_id, channel = await responding(env)
    body = submission(
        "status_update_form", incident_id, channel, OUTSIDER,
        what_changed="All fine.", impact="None.", next_steps="None.",
    )  # fmt: skip
    assert await submit(env, body) == {}
    assert any("not found, or it is not yours" in t for t in ephemerals(env, OUTSIDER))
    assert not await events(env, incident_id, "StatusUpdatePosted")


# --- the notifications checklist ------------------------------------------------------------------


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


async def test_the_checklist_records_done_with_a_reference_and_not_needed_with_a_reason(
    env,
) -> None:
    incident_id, channel = await responding(env)
    await env.send(slash("checklist", COUNCIL, channel, trigger="TRIG-CHECK"))
    view = opened(env, "TRIG-CHECK")
    [items] = [b for b in view["blocks"] if b.get("block_id") == "item"]
    assert [o["value"] for o in items["element"]["options"]] == [
        "ico",
        "action_fraud",
        "warp",
        "ncsc",
    ]

    answer = await submit(env, checklist(incident_id, channel, COUNCIL, "ico", "done"))
    assert answer["response_action"] == "errors"
    assert "reference" in answer["errors"]

    await submit(
        env, checklist(incident_id, channel, COUNCIL, "ico", "done", reference="ICO-00123")
    )
    await submit(
        env,
        checklist(
            incident_id, channel, PROVIDER, "warp", "not_needed", reason="Council is not in a WARP."
        ),
    )
    updates = [
        e
        for e in await events(env, incident_id, "NotificationItemUpdated")
        if e.actor_id != "system"  # the NCSC's referral, ticked by the bot at referral
    ]
    assert [(e.data["item"], e.data["status"]) for e in updates] == [
        ("ico", "done"),
        ("warp", "not_needed"),
    ]
    assert updates[0].data["reference"] == "ICO-00123"
    assert updates[1].data["reason"] == "Council is not in a WARP."
    latest = [t for t in env.texts(channel) if "notifications checklist updated" in t][-1]
    assert "ref ICO-00123" in latest
    assert "Outstanding:* Action Fraud / National Crime Agency (NCA)\n" in latest + "\n"
    card = env.slack.message_text(
        [c for c in env.slack.calls_to("chat.update") if c["channel"] == channel][-1]
    )
    assert "Action Fraud / National Crime Agency (NCA): outstanding" in card
    assert "Regional WARP: not needed (Council is not in a WARP.)" in card
    assert "ref ICO-00123" in card


async def test_an_outsider_cannot_touch_the_checklist(env) -> None:
    incident_id, channel = await responding(env)
    await submit(env, checklist(incident_id, channel, OUTSIDER, "ico", "done", reference="X"))
    assert any("not found, or it is not yours" in t for t in ephemerals(env, OUTSIDER))
    updates = await events(env, incident_id, "NotificationItemUpdated")
    assert [e.actor_id for e in updates] == ["system"]  # only the bot's ticks at referral


# --- timeline notes -----------------------------------------------------------------------------


async def test_cir_note_in_the_channel_adds_a_note(env) -> None:
    incident_id, channel = await responding(env)
    await env.send(
        slash("note Spoke to the CISO:  <!channel> firewall\nlogs sent", PROVIDER, channel)
    )
    [note] = await events(env, incident_id, "NoteAdded")
    assert note.data == {
        "text": "Spoke to the CISO:  <!channel> firewall\nlogs sent",
        "source": "slash",
    }
    assert note.organisation == "provider:kpmg"
    posted = [t for t in env.texts(channel) if "Timeline note from Kim Responder" in t]
    assert posted and "\uff20channel" in posted[0] and "<!channel>" not in posted[0]
    assert any("Added to the timeline" in t for t in ephemerals(env, PROVIDER))


async def test_the_message_shortcut_records_the_message_once(env) -> None:
    incident_id, channel = await responding(env)

    def body() -> str:  # each call is a new click: its own trigger_id, so its own delivery
        return sr.message_action(
            "add_to_timeline",
            "Attacker's ransom note mentions LockBit.",
            channel,
            "1700000000.000100",
            user_id=COUNCIL,
            team_id=COUNCIL_TEAM,
        )

    await env.send(body())
    await env.send(body())  # the same message again
    [note] = await events(env, incident_id, "NoteAdded")
    assert note.data == {
        "text": "Attacker's ransom note mentions LockBit.",
        "source": "message_shortcut",
    }
    assert note.organisation == "council:hackney"
    said = ephemerals(env, COUNCIL)
    assert any("Added to the timeline" in t for t in said)
    assert any("already on the timeline" in t for t in said)


async def test_an_outsiders_note_is_refused_and_the_attempt_recorded(env) -> None:
    incident_id, channel = await responding(env)
    await env.send(slash("note I was here", OUTSIDER, channel))
    assert not await events(env, incident_id, "NoteAdded")
    [refused] = await events(env, incident_id, "ActionRefused")
    assert refused.data["action"] == "add_note"
    assert any("not found, or it is not yours" in t for t in ephemerals(env, OUTSIDER))


async def test_an_over_long_note_is_refused_naming_the_limit(env) -> None:
    incident_id, channel = await responding(env)
    await env.send(slash("note " + "a" * 3001, PROVIDER, channel))
    assert not await events(env, incident_id, "NoteAdded")
    assert any("the limit is 3000" in t for t in ephemerals(env, PROVIDER))


async def test_a_note_outside_an_incident_channel_says_where_to_run_it(env) -> None:
    await responding(env)
    await env.send(slash("note Something", PROVIDER, "C0TRIAGE"))
    assert any("incident's channel" in t for t in ephemerals(env, PROVIDER))
