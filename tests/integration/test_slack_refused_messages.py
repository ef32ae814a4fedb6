"""A message Slack refuses is never a silent loss: it is a WARNING with Slack's error, an event
on the incident's timeline, and a plain-words note to the person whose action it was; a card
Slack refuses to redraw becomes its one-line text instead of staying frozen on an old state."""

from __future__ import annotations

import logging

import pytest

from bot.domain.bindings import MessagePurpose, Platform
from bot.domain.states import State
from tests.integration.slack_harness import SlackEnv
from tests.integration.slack_response_steps import (
    PROVIDER,
    change_phase,
    ephemerals,
    events,
    responding,
    state_of,
)
from tests.integration.slack_response_steps import env as env  # the fixture, re-exported


async def test_a_refused_announcement_is_recorded_logged_and_told(
    env: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    incident_id, channel = await responding(env)
    env.slack.fail_next("chat.postMessage", "invalid_blocks")
    with caplog.at_level(logging.WARNING):
        await change_phase(env, incident_id, channel, PROVIDER, "eradication", "Hosts isolated.")

    assert await state_of(env, incident_id) is State.ERADICATION  # the change itself stands
    [refused] = await events(env, incident_id, "MessageRefused")
    assert refused.data == {"platform": "slack", "what": "message", "error": "invalid_blocks"}
    warnings = [r for r in caplog.records if r.getMessage() == "slack refused a message"]
    assert [getattr(r, "status", "") for r in warnings] == ["invalid_blocks"]
    assert "Hosts isolated" not in caplog.text  # incident content never reaches the log
    # a form has no channel to answer in privately: the person is told by direct message
    dms = [m["text"] for m in env.slack.messages(PROVIDER)]
    [told] = [t for t in dms + ephemerals(env, PROVIDER) if "Slack refused" in t]
    assert "saved" in told
    assert "invalid_blocks" in told


async def test_a_card_slack_refuses_to_redraw_shows_its_current_state_as_text(
    env: SlackEnv,
) -> None:
    incident_id, channel = await responding(env)
    async with env.container.uow() as uow:
        card = await uow.messages.get(incident_id, Platform.SLACK, MessagePurpose.CARD)
    assert card is not None
    env.slack.clear()
    env.slack.fail_next("chat.update", "invalid_blocks")
    await change_phase(env, incident_id, channel, PROVIDER, "eradication", "Hosts isolated.")

    updates = [u for u in env.slack.calls_to("chat.update") if u["ts"] == card.message_ts]
    assert len(updates) == 2  # the refused card, then its one-line text
    assert updates[-1]["blocks"] == []
    assert "Eradication" in updates[-1]["text"]
    assert "could not be shown" in updates[-1]["text"]
    [refused] = await events(env, incident_id, "MessageRefused")
    assert refused.data["what"] == "incident card"
