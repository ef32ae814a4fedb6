"""Phase changes through signed Slack requests: the provider moves the response on with a summary,
an outsider cannot, recovery waits for the council's opt-in, and only MHCLG closes."""

from __future__ import annotations

from bot.domain.states import State
from tests.integration.slack_harness import ASSESSOR
from tests.integration.slack_response_steps import (
    COUNCIL,
    OUTSIDER,
    OUTSIDER_TEAM,
    PROVIDER,
    change_phase,
    ephemerals,
    events,
    opened,
    press,
    responding,
    state_of,
)
from tests.integration.slack_response_steps import env as env


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
    assert card
    assert "Eradication" in env.slack.message_text(card[-1])


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
