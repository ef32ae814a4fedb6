"""Every incident can end, through Slack by signed requests: a monitored incident is reminded for
review until MHCLG closes it with a reason, and a council declines CIR support before activation,
MHCLG is told and the council still sees its own obligations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.bindings import MessagePurpose, Platform
from bot.domain.deadlines import DeadlineKind
from bot.domain.states import State
from sandbox.slack import signed_requests as sr
from tests.integration.slack_harness import ASSESSOR, SlackEnv, referral_submission
from tests.integration.slack_response_steps import (
    COUNCIL,
    PROVIDER,
    ephemerals,
    events,
    opened,
    press,
    slash,
    state_of,
    submission,
    submit,
)
from tests.integration.slack_response_steps import env as response_env  # noqa: F401
from tests.integration.test_slack_threshold import (
    CONTAINED_LAPTOP,
    RANSOMWARE,
    assess,
    assessment_id_of,
    decide,
)

TRIAGE = "C0TRIAGE"


@pytest.fixture
async def env(response_env: SlackEnv) -> SlackEnv:  # noqa: F811
    """The response tests' harness (a council user, an outsider), with MHCLG's triage channel,
    which the bot is in: it is told of every ending there."""
    response_env.slack.add_channel(TRIAGE, "cir-triage")
    return response_env


async def referred(env: SlackEnv, **override: Any) -> tuple[str, str]:
    """A referral through Slack; returns (incident id, its channel)."""
    await env.send(referral_submission(**override))
    incident_id = (await env.only_incident()).id
    async with env.container.uow() as uow:
        binding = await uow.channels.for_incident(incident_id, Platform.SLACK)
    assert binding is not None
    return incident_id, binding.channel_id


async def monitored(env: SlackEnv) -> tuple[str, str]:
    incident_id, channel = await referred(env)
    await env.send(sr.block_actions("start_threshold_check", value=incident_id))
    update = await assess(env, incident_id, CONTAINED_LAPTOP)
    await decide(env, assessment_id_of(update), "monitor", "One laptop, contained.")
    assert await state_of(env, incident_id) is State.MONITORING
    return incident_id, channel


def card_actions(env: SlackEnv, channel: str) -> list[str]:
    """The action ids of the incident card as last drawn in `channel`."""
    drawn = [c for c in env.slack.calls_to("chat.update") if c["channel"] == channel]
    drawn = drawn or [m for m in env.slack.messages(channel) if m.get("blocks")][:1]
    blocks = drawn[-1]["blocks"]
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def pending_kinds(env: SlackEnv, incident_id: str) -> list[DeadlineKind]:
    async with env.container.uow() as uow:
        return [d.kind for d in await uow.deadlines.pending_for(incident_id)]


def reason(text: str) -> dict[str, object]:
    return {"type": "plain_text_input", "value": text}


def said(env: SlackEnv, channel: str, phrase: str) -> list[str]:
    return [t for t in env.texts(channel) if phrase in t]


# --- a monitored incident ------------------------------------------------------------------------


async def test_a_monitored_incident_is_reminded_twice_and_then_closed(env) -> None:
    incident_id, channel = await monitored(env)
    assert {"reassess", "close_monitoring", "decline_support"} <= set(card_actions(env, channel))

    await env.fire_due(hours=23, minutes=59)
    assert not await events(env, incident_id, "ReviewReminderSent")
    await env.fire_due(minutes=1)
    await env.fire_due(hours=24)
    reviews = await events(env, incident_id, "ReviewReminderSent")
    assert [e.data["review"] for e in reviews] == [1, 2]
    assert len(said(env, channel, "Monitoring review due")) == 2
    assert "repeats every 24 hours" in said(env, channel, "Monitoring review due")[-1]
    assert DeadlineKind.REVIEW_REMINDER in await pending_kinds(env, incident_id)  # a third

    # Only MHCLG closes: the council's press is answered, and no form opens.
    await press(env, "close_monitoring", incident_id, COUNCIL, channel)
    assert any("Only MHCLG's CIR team" in t for t in ephemerals(env, COUNCIL))
    assert not [c for c in env.slack.calls_to("views.open") if c["trigger_id"].endswith(COUNCIL)]

    await press(env, "close_monitoring", incident_id, ASSESSOR, channel)
    view = opened(env, f"TRIG-close_monitoring-{ASSESSOR}")
    assert view["callback_id"] == "close_monitoring_form"
    form = "close_monitoring_form"
    answer = await submit(env, submission(form, incident_id, channel, ASSESSOR, reason="  "))
    assert answer["response_action"] == "errors"
    assert "required" in answer["errors"]["reason"]
    assert await state_of(env, incident_id) is State.MONITORING

    why = "Laptop rebuilt; no spread after 48 hours."
    assert await submit(env, submission(form, incident_id, channel, ASSESSOR, reason=why)) == {}
    assert await state_of(env, incident_id) is State.WITHDRAWN
    [ended] = [
        e
        for e in await events(env, incident_id, "StateChanged")
        if e.data["to_state"] == "withdrawn"
    ]
    assert ended.data["ending"] == "monitoring_ended"
    assert ended.data["reason"] == why
    assert ended.organisation == "mhclg:mhclg"
    assert await pending_kinds(env, incident_id) == []
    [closed] = said(env, channel, "monitoring ended by Ada Assessor")
    assert why in closed
    assert said(env, TRIAGE, "monitoring ended by Ada Assessor")
    card = [c for c in env.slack.calls_to("chat.update") if c["channel"] == channel][-1]
    assert "Closed before activation" in env.slack.message_text(card)

    await env.fire_due(hours=24)
    assert len(await events(env, incident_id, "ReviewReminderSent")) == 2  # no more


async def test_close_monitoring_is_only_for_a_monitored_incident(env) -> None:
    incident_id, channel = await referred(env)
    await env.send(slash(f"close-monitoring {incident_id}", ASSESSOR, channel, trigger="TRIG-CM"))
    assert any("only a monitored" in t for t in ephemerals(env, ASSESSOR))
    body = submission("close_monitoring_form", incident_id, channel, ASSESSOR, reason="Done.")
    answer = await submit(env, body)  # a form kept open from earlier: refused inline
    assert answer["response_action"] == "errors"
    assert "only a monitored" in answer["errors"]["reason"]
    assert await state_of(env, incident_id) is State.REFERRAL_RECEIVED


# --- a council declines --------------------------------------------------------------------------


async def test_a_council_declines_cir_support_and_mhclg_is_told(env) -> None:
    incident_id, channel = await referred(env)
    assert DeadlineKind.ICO_REMINDER in await pending_kinds(env, incident_id)
    assert "decline_support" in card_actions(env, channel)

    # MHCLG cannot decline for the council, nor can the provider.
    await press(env, "decline_support", incident_id, ASSESSOR, channel)
    assert any("Only the affected council" in t for t in ephemerals(env, ASSESSOR))
    refused = submission("decline_support_form", incident_id, channel, PROVIDER, reason="No.")
    assert await submit(env, refused) == {}
    # the provider is not part of an incident before activation: told only "not yours"
    assert any("not found, or it is not yours" in t for t in ephemerals(env, PROVIDER))
    assert [e.data["action"] for e in await events(env, incident_id, "ActionRefused")] == [
        "decline_support"
    ]

    await env.send(slash("decline", COUNCIL, channel, trigger="TRIG-DECLINE"))
    view = opened(env, "TRIG-DECLINE")
    assert view["callback_id"] == "decline_support_form"
    shown = json.dumps(view["blocks"])
    assert "not mandatory" in shown
    assert "0300 123 2040" in shown

    why = "Our insurer's own responders are already on site."
    body = submission("decline_support_form", incident_id, channel, COUNCIL, reason=why)
    assert await submit(env, body) == {}

    assert await state_of(env, incident_id) is State.WITHDRAWN
    [ended] = [
        e
        for e in await events(env, incident_id, "StateChanged")
        if e.data["to_state"] == "withdrawn"
    ]
    assert ended.data == {
        "from_state": "referral_received",
        "to_state": "withdrawn",
        "ending": "declined",
        "reason": why,
    }
    assert ended.organisation == "council:hackney"
    assert await pending_kinds(env, incident_id) == []  # the ICO reminders stop too

    [in_channel] = said(env, channel, "declined CIR support")
    for obligation in ("Information Commissioner", "0300 123 2040", "ISfL", "NCSC", why):
        assert obligation in in_channel, obligation
    async with env.container.uow() as uow:
        triage = await uow.messages.get(incident_id, Platform.SLACK, MessagePurpose.TRIAGE_CARD)
    [told] = [m for m in env.slack.messages(TRIAGE) if "declined CIR support" in m["text"]]
    assert why in env.slack.message_text(told)
    assert triage is None or told.get("thread_ts") is None  # on its own line, not in a thread

    # Once declined there is nothing left to decline.
    await env.send(slash("decline", COUNCIL, channel, trigger="TRIG-AGAIN"))
    assert any("nothing left to decline" in t for t in ephemerals(env, COUNCIL))


async def test_a_council_cannot_decline_once_support_is_activated(env) -> None:
    from tests.integration.slack_response_steps import responding

    incident_id, channel = await responding(env)
    await press(env, "decline_support", incident_id, COUNCIL, channel)
    assert any("can only be declined before it is activated" in t for t in ephemerals(env, COUNCIL))
    assert await state_of(env, incident_id) is State.CONTAINMENT


# --- what is learnt, through Slack ---------------------------------------------------------------


async def test_a_yes_to_personal_data_in_the_threshold_check_marks_the_card(env) -> None:
    no = {"type": "radio_buttons", "selected_option": {"value": "no"}}
    incident_id, _ = await referred(env, personal_data=no)
    assert (await env.only_incident()).marking.value == "OFFICIAL"
    await env.send(sr.block_actions("start_threshold_check", value=incident_id))
    await assess(env, incident_id, RANSOMWARE)  # personal data: yes
    assert (await env.only_incident()).marking.value == "OFFICIAL-SENSITIVE"
    assert DeadlineKind.ICO_REMINDER in await pending_kinds(env, incident_id)
    topics = [c["topic"] for c in env.slack.calls_to("conversations.setTopic")]
    assert topics[-1].startswith("[OFFICIAL-SENSITIVE]")


async def test_the_ncsc_cannot_be_marked_not_needed(env) -> None:
    from tests.integration.slack_response_steps import checklist, responding

    incident_id, channel = await responding(env)
    body = checklist(incident_id, channel, COUNCIL, "ncsc", "not_needed", reason="Police told.")
    answer = await submit(env, body)
    assert answer["response_action"] == "errors"
    assert "report every cyber incident to the NCSC" in answer["errors"]["status"]


async def test_a_status_update_that_personal_data_is_involved_raises_the_marking(env) -> None:
    from tests.integration.slack_response_steps import responding

    no = {"type": "radio_buttons", "selected_option": {"value": "no"}}
    incident_id, channel = await responding(env, personal_data=no)
    assert (await env.only_incident()).marking.value == "OFFICIAL"
    ticked = {"type": "checkboxes", "selected_options": [{"value": "involved"}]}
    body = submission(
        "status_update_form", incident_id, channel, PROVIDER,
        what_changed="HR share found encrypted.", impact="Payroll down.",
        next_steps="Tell the DPO.", personal_data=ticked,
    )  # fmt: skip
    assert await submit(env, body) == {}
    incident = await env.only_incident()
    assert incident.marking.value == "OFFICIAL-SENSITIVE"
    [learnt] = await events(env, incident_id, "PersonalDataInvolved")
    assert learnt.data == {"source": "status_update"}
    assert learnt.organisation == "provider:kpmg"
    assert DeadlineKind.ICO_REMINDER in await pending_kinds(env, incident_id)
    [update] = said(env, channel, "HR share found encrypted.")
    assert "OFFICIAL-SENSITIVE" in update
    assert "72 hours" in update
