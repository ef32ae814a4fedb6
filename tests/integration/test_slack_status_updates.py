"""Status updates through Slack: posted in the channel and the triage thread, a prompt after four
hours without one, and none from an outsider."""

from __future__ import annotations

from bot.domain.bindings import MessagePurpose, Platform
from tests.integration.slack_response_steps import (
    OUTSIDER,
    PROVIDER,
    ephemerals,
    events,
    opened,
    responding,
    slash,
    submission,
    submit,
)
from tests.integration.slack_response_steps import env as env


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
