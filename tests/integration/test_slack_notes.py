"""Timeline notes through Slack: /cir note in the channel, the "Add to timeline" message shortcut
(once per message), and the refusals: an outsider, an over-long note, outside an incident
channel."""

from __future__ import annotations

from sandbox.slack import signed_requests as sr
from tests.integration.slack_response_steps import (
    COUNCIL,
    COUNCIL_TEAM,
    OUTSIDER,
    PROVIDER,
    ephemerals,
    events,
    responding,
    slash,
)
from tests.integration.slack_response_steps import env as env


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
    assert posted
    assert "\uff20channel" in posted[0]
    assert "<!channel>" not in posted[0]
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
