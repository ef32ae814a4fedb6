"""The notifications checklist through Slack: done with a reference, not needed with a reason, and
untouchable by an outsider."""

from __future__ import annotations

from tests.integration.slack_response_steps import (
    COUNCIL,
    OUTSIDER,
    PROVIDER,
    checklist,
    ephemerals,
    events,
    opened,
    responding,
    slash,
    submit,
)
from tests.integration.slack_response_steps import env as env


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
