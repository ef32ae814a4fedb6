"""A form opens while the service is busy: a press's `views.open` never queues behind the work
that waits for a pause in the answers (card refreshes, channel lines), because its trigger id
lives three seconds and Slack refuses it after that (`expired_trigger_id`: no form at all).

Seen driving the service without pauses: a "Start threshold check" press right after the card
appeared sometimes opened no form within 20 s. The form's work was ordinary work, so while the
ladder fired (or answers went on) it trickled one task at a time behind every card refresh.
Here the trickle is held on purpose (an event nobody sets until the end), so the form can only
open if it does not wait in that queue: no clock decides the outcome.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.domain.incident import Incident
from bot.domain.states import State
from bot.usecases import authz
from bot.views.actions import Action
from handlers.slack.listeners import flows
from sandbox.slack import signed_requests as sr
from storage.repositories import SqlIncidentRepository
from tests.integration.slack_activation_steps import awaiting_mou, ephemeral_to
from tests.integration.slack_harness import (
    ASSESSOR,
    SECRET,
    TRIAGE,
    SlackEnv,
    referral_submission,
)
from tests.integration.waiting import until, within

QUEUED_CARD_REFRESHES = 40


async def _busy(env: SlackEnv) -> asyncio.Event:
    """The contact ladder firing (ordinary work trickles one at a time) and a card refresh in
    progress that holds the trickle until the returned event is set, with more queued behind."""
    env.tasks.also_busy_when(lambda: True)
    release, started = asyncio.Event(), asyncio.Event()

    async def card_refresh() -> None:
        started.set()
        await release.wait()

    for _ in range(QUEUED_CARD_REFRESHES):
        env.tasks.spawn(card_refresh(), name="card refresh")
    await within(started.wait(), "the first queued card refresh to start")
    return release


async def _opened(env: SlackEnv, trigger: str) -> bool:
    return any(call.get("trigger_id") == trigger for call in env.slack.calls_to("views.open"))


async def test_a_start_threshold_check_press_opens_its_form_while_the_cards_wait(
    slack_env: SlackEnv,
) -> None:
    env = slack_env
    await env.send(referral_submission())  # the card appears
    incident = await env.only_incident()
    release = await _busy(env)
    try:
        trigger = f"press-{incident.id}"
        press = sr.block_actions(
            Action.START_THRESHOLD_CHECK.value, incident.id, user_id=ASSESSOR, trigger_id=trigger
        )
        status, _ = await sr.post(env.session, env.url, press, SECRET)
        assert status == 200
        await until(
            lambda: _opened(env, trigger),
            "the questionnaire to open while card refreshes are queued",
            seconds=10,
        )
        [view] = [c["view"] for c in env.slack.calls_to("views.open")]
        assert view["callback_id"] == "questionnaire_form"
    finally:
        release.set()
        await env.tasks.drain(within=15)


async def test_a_slash_command_form_opens_while_the_cards_wait(slack_env: SlackEnv) -> None:
    """`/cir assess` goes the same way as the button."""
    env = slack_env
    await env.send(referral_submission())
    incident = await env.only_incident()
    release = await _busy(env)
    try:
        trigger = f"command-{incident.id}"
        command = sr.slash_command(
            text=f"assess {incident.reference}", user_id=ASSESSOR, trigger_id=trigger
        )
        status, _ = await sr.post(env.session, env.url, command, SECRET)
        assert status == 200
        await until(lambda: _opened(env, trigger), "the questionnaire from /cir assess", seconds=10)
    finally:
        release.set()
        await env.tasks.drain(within=15)


async def test_a_subcommand_that_opens_a_form_opens_it_while_the_cards_wait(
    slack_env: SlackEnv,
) -> None:
    """`/cir override-mou` is a listener module's subcommand (`opens_form=True`)."""
    env = slack_env
    await env.send(referral_submission())
    incident = await env.only_incident()
    release = await _busy(env)
    try:
        trigger = f"override-{incident.id}"
        command = sr.slash_command(
            text=f"override-mou {incident.reference}", user_id=ASSESSOR, trigger_id=trigger
        )
        status, _ = await sr.post(env.session, env.url, command, SECRET)
        assert status == 200
        await until(lambda: _opened(env, trigger), "the override form", seconds=10)
    finally:
        release.set()
        await env.tasks.drain(within=15)


async def test_a_start_held_by_the_database_does_not_hold_its_form(
    slack_env: SlackEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threshold check's start (a write, the incident locked) is held until the form has
    opened, as a database busy with the ladder's firings can hold it: the form opens anyway,
    on a read, and the start is recorded behind it."""
    env = slack_env
    await env.send(referral_submission())
    incident = await env.only_incident()
    form_opened = asyncio.Event()
    original = SqlIncidentRepository.get_for_update

    async def held(repo: SqlIncidentRepository, incident_id: str) -> Incident | None:
        await form_opened.wait()
        return await original(repo, incident_id)

    monkeypatch.setattr(SqlIncidentRepository, "get_for_update", held)
    trigger = f"held-{incident.id}"
    press = sr.block_actions(
        Action.START_THRESHOLD_CHECK.value, incident.id, user_id=ASSESSOR, trigger_id=trigger
    )
    status, _ = await sr.post(env.session, env.url, press, SECRET)
    assert status == 200
    await until(lambda: _opened(env, trigger), "the questionnaire, its start still held", 10)
    assert (await env.only_incident()).state is State.REFERRAL_RECEIVED  # not started yet
    form_opened.set()
    await env.tasks.drain(within=15)

    async def started() -> bool:
        return (await env.only_incident()).state is State.THRESHOLD_CHECK

    await until(started, "the start recorded behind the open form")
    assert len(env.slack.calls_to("views.open")) == 1
    assert not [m for m in env.slack.calls_to("chat.postEphemeral") if "threshold" in str(m)]


async def test_a_held_start_that_will_be_refused_opens_no_form_and_is_told_once(
    slack_env: SlackEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the window the form opens only if the use case's own rule would let the check
    start: an incident already decided gets no form, and its refusal once, from the start."""
    env = slack_env
    incident_id, _ = await awaiting_mou(env)
    opened_before = len(env.slack.calls_to("views.open"))
    let_go = asyncio.Event()
    original = SqlIncidentRepository.get_for_update

    async def held(repo: SqlIncidentRepository, key: str) -> Incident | None:
        await let_go.wait()
        return await original(repo, key)

    monkeypatch.setattr(SqlIncidentRepository, "get_for_update", held)
    looked = asyncio.Event()
    look = authz.may_open  # what the flow calls, as flows imported it

    async def looking(*args: Any) -> Incident:
        try:
            return await look(*args)
        finally:
            looked.set()

    monkeypatch.setattr(flows, "may_open", looking)
    press = sr.block_actions(
        Action.START_THRESHOLD_CHECK.value, incident_id, user_id=ASSESSOR, channel_id=TRIAGE
    )
    status, _ = await sr.post(env.session, env.url, press, SECRET)
    assert status == 200
    await within(looked.wait(), "the read the form does once its window passed")
    let_go.set()
    await env.tasks.drain(within=15)

    async def told() -> bool:
        return any("threshold check is only run" in t for t in ephemeral_to(env, ASSESSOR))

    await until(told, "the refusal")
    refusals = [t for t in ephemeral_to(env, ASSESSOR) if "threshold check is only run" in t]
    assert len(refusals) == 1
    assert len(env.slack.calls_to("views.open")) == opened_before
