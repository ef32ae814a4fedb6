"""The threshold check through Slack: card button → questionnaire → recommendation → decision."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.deadlines import DeadlineKind
from bot.domain.states import State
from sandbox.slack import signed_requests as sr
from tests.integration.slack_harness import ASSESSOR, ASSESSOR_2, INTERN, referral_submission

RANSOMWARE = {
    "status": ["confirmed"],
    "critical_services": ["benefits", "social_care"],
    "scope": ["whole_network"],
    "attack_type": ["ransomware"],
    "personal_data": ["yes"],
    "attacker_active": ["unknown"],
    "backups": ["destroyed"],
    "ncsc_category": ["c3"],
}
CONTAINED_LAPTOP = {
    "status": ["confirmed"],
    "critical_services": ["none"],
    "scope": ["one_device"],
    "attack_type": ["other"],
    "personal_data": ["no"],
    "attacker_active": ["no"],
    "backups": ["intact"],
    "capability": ["yes"],
    "spread": ["no"],
    "restore_time": ["under_24h"],
    "ncsc_category": ["c6"],
    "reported_to_ncsc": ["yes"],
}


def answers_state(
    answers: dict[str, list[str]], multiple: set[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for qid, picked in answers.items():
        element: dict[str, Any]
        if qid in multiple:
            element = {
                "type": "multi_static_select",
                "selected_options": [{"value": v} for v in picked],
            }
        else:
            element = {"type": "static_select", "selected_option": {"value": picked[0]}}
        state[qid] = {"value": element}
    return state


async def open_incident(env) -> str:
    await env.send(referral_submission())
    return (await env.only_incident()).id


async def assess(env, incident_id: str, answers: dict, user: str = ASSESSOR) -> dict:
    multiple = {q.id for q in env.container.ctx.policy.questionnaire.questions if q.multiple}
    body = sr.view_submission(
        "questionnaire_form",
        answers_state(answers, multiple),
        user_id=user,
        private_metadata=json.dumps({"incident_id": incident_id}),
    )
    status, text = await env.send(body)
    assert status == 200
    return json.loads(text) if text else {}


async def decide(
    env, assessment_id: str, decision: str, rationale: str, missing: str = "", user: str = ASSESSOR
) -> dict:
    values: dict[str, dict[str, dict[str, Any]]] = {
        "decision": {"value": {"type": "radio_buttons", "selected_option": {"value": decision}}},
        "rationale": {"value": {"type": "plain_text_input", "value": rationale}},
        "missing_info": {"value": {"type": "plain_text_input", "value": missing}},
    }
    body = sr.view_submission(
        "decision_form",
        values,
        user_id=user,
        private_metadata=json.dumps({"assessment_id": assessment_id}),
    )
    status, text = await env.send(body)
    assert status == 200
    return json.loads(text) if text else {}


def assessment_id_of(update: dict) -> str:
    assert update["response_action"] == "update", update
    return json.loads(update["view"]["private_metadata"])["assessment_id"]


async def test_card_button_opens_the_questionnaire_and_moves_to_threshold_check(slack_env) -> None:
    incident_id = await open_incident(slack_env)
    status, _ = await slack_env.send(
        sr.block_actions(
            "start_threshold_check", value=incident_id, trigger_id="TRIG1", channel_id="C1"
        )
    )
    assert status == 200
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIG1"]
    view = opened["view"]
    assert view["callback_id"] == "questionnaire_form"
    block_ids = {b.get("block_id") for b in view["blocks"]}
    assert {"status", "critical_services", "attack_type", "ncsc_category", "backups"} <= block_ids
    assert (await slack_env.only_incident()).state is State.THRESHOLD_CHECK


async def test_activate_recommendation_shows_why_and_the_decision_is_recorded(slack_env) -> None:
    incident_id = await open_incident(slack_env)
    await slack_env.send(sr.block_actions("start_threshold_check", value=incident_id))
    update = await assess(slack_env, incident_id, RANSOMWARE)
    shown = json.dumps(update["view"]["blocks"])
    assert "Recommend: *activate*" in shown
    assert "Ransomware" in shown or "ransomware" in shown
    assessment_id = assessment_id_of(update)
    answer = await decide(slack_env, assessment_id, "activate", "C3, benefits down, backups gone.")
    assert answer == {}
    incident = await slack_env.only_incident()
    assert incident.state is State.AWAITING_MOU
    events = await slack_env.timeline(incident_id)
    decided = [e for e in events if e.kind == "ThresholdDecisionRecorded"]
    assert decided[0].data["rationale"] == "C3, benefits down, backups gone."
    assert decided[0].data["recommendation"] == "activate"
    assert any("threshold decision by Ada Assessor" in t for t in slack_env.texts())


async def test_monitor_posts_guidance_and_schedules_a_review_then_reassess(slack_env) -> None:
    incident_id = await open_incident(slack_env)
    await slack_env.send(sr.block_actions("start_threshold_check", value=incident_id))
    update = await assess(slack_env, incident_id, CONTAINED_LAPTOP)
    assert "Recommend: *monitor*" in json.dumps(update["view"]["blocks"])
    await decide(slack_env, assessment_id_of(update), "monitor", "One laptop, contained.")
    incident = await slack_env.only_incident()
    assert incident.state is State.MONITORING
    assert any("Guidance for the council" in t and "ICO" in t for t in slack_env.texts())
    async with slack_env.container.uow() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    [review] = [d for d in pending if d.kind is DeadlineKind.REVIEW_REMINDER]
    assert review.due_at == slack_env.clock.now() + timedelta(hours=24)
    await slack_env.send(sr.block_actions("reassess", value=incident_id))
    assert (await slack_env.only_incident()).state is State.THRESHOLD_CHECK


async def test_need_more_information_requires_what_is_missing(slack_env) -> None:
    incident_id = await open_incident(slack_env)
    await slack_env.send(sr.block_actions("start_threshold_check", value=incident_id))
    update = await assess(slack_env, incident_id, {"status": ["suspected"]})
    assert "need more information" in json.dumps(update["view"]["blocks"])
    assessment_id = assessment_id_of(update)
    refused = await decide(slack_env, assessment_id, "need_more_info", "Too early to say.")
    assert refused["response_action"] == "errors"
    assert "missing_info" in refused["errors"]
    await decide(slack_env, assessment_id, "need_more_info", "Too early.", missing="Scope; backups")
    incident = await slack_env.only_incident()
    assert incident.state is State.THRESHOLD_CHECK
    events = await slack_env.timeline(incident_id)
    assert [e.data["missing"] for e in events if e.kind == "InformationRequested"] == [
        "Scope; backups"
    ]
    async with slack_env.container.uow() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    assert [d.kind for d in pending].count(DeadlineKind.INFO_REMINDER) == 1


async def test_a_decision_cannot_be_recorded_twice(slack_env) -> None:
    incident_id = await open_incident(slack_env)
    await slack_env.send(sr.block_actions("start_threshold_check", value=incident_id))
    assessment_id = assessment_id_of(await assess(slack_env, incident_id, RANSOMWARE))
    await decide(slack_env, assessment_id, "activate", "Clear case.")
    again = await decide(slack_env, assessment_id, "monitor", "Changed my mind.")
    assert again["response_action"] == "errors"
    assert "not in the threshold check" in json.dumps(again) or "already" in json.dumps(again)
    assert (await slack_env.only_incident()).state is State.AWAITING_MOU
    kinds = [e.kind for e in await slack_env.timeline(incident_id)]
    assert kinds.count("ThresholdDecisionRecorded") == 1


async def test_non_assessor_is_refused_and_the_attempt_is_on_the_timeline(slack_env) -> None:
    incident_id = await open_incident(slack_env)
    await slack_env.send(
        sr.block_actions(
            "start_threshold_check", value=incident_id, user_id=INTERN, channel_id="C0TRIAGE"
        )
    )
    [refusal] = slack_env.slack.calls_to("chat.postEphemeral")
    assert refusal["user"] == INTERN
    assert "not found, or it is not yours" in refusal["text"]
    incident = await slack_env.only_incident()
    assert incident.state is State.REFERRAL_RECEIVED
    refused = [e for e in await slack_env.timeline(incident_id) if e.kind == "ActionRefused"]
    assert refused[0].data["action"] == "start_threshold_check"
    assert "U0INTERN" in refused[0].actor_id
    questionnaire_opened = [
        c
        for c in slack_env.slack.calls_to("views.open")
        if c["view"]["callback_id"] == "questionnaire_form"
    ]
    assert questionnaire_opened == []


async def test_bad_answers_show_inline_errors(slack_env) -> None:
    incident_id = await open_incident(slack_env)
    await slack_env.send(sr.block_actions("start_threshold_check", value=incident_id))
    answer = await assess(slack_env, incident_id, {"critical_services": ["none", "benefits"]})
    assert answer["response_action"] == "errors"
    assert "critical_services" in answer["errors"]
    async with slack_env.container.uow() as uow:
        assert await uow.assessments.for_incident(incident_id) == []


@pytest.mark.parametrize("four_eyes", [True])
async def test_four_eyes_needs_a_second_assessor(slack_env, four_eyes) -> None:
    incident_id = await open_incident(slack_env)
    await slack_env.send(sr.block_actions("start_threshold_check", value=incident_id))
    assessment_id = assessment_id_of(await assess(slack_env, incident_id, RANSOMWARE))
    await decide(slack_env, assessment_id, "activate", "Clear case.")
    assert (await slack_env.only_incident()).state is State.THRESHOLD_CHECK
    [proposal] = [
        m for m in slack_env.slack.messages() if "A second assessor must confirm" in m["text"]
    ]
    where = proposal["channel"]  # the Confirm button is pressed where it was posted
    await slack_env.send(
        sr.block_actions(
            "confirm_activation", value=assessment_id, user_id=ASSESSOR, channel_id=where
        )
    )
    [same_person] = slack_env.slack.calls_to("chat.postEphemeral")
    assert "you proposed this activation" in same_person["text"]
    assert (await slack_env.only_incident()).state is State.THRESHOLD_CHECK
    await slack_env.send(
        sr.block_actions(
            "confirm_activation", value=assessment_id, user_id=ASSESSOR_2, channel_id=where
        )
    )
    assert (await slack_env.only_incident()).state is State.AWAITING_MOU
    kinds = [e.kind for e in await slack_env.timeline(incident_id)]
    assert "ActivationProposed" in kinds
    assert "ActivationConfirmed" in kinds
