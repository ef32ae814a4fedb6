"""Mirroring from Slack: a status update, a phase change, a timeline note and contact made on
Slack reach the incident's Teams side (Hackney on Teams here), marked with who said it and for
which organisation, what they typed only as user text; its Teams cards are redrawn; nothing is
sent back to Slack twice, and an incident on Slack alone sends nothing to Teams."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.app.chats import Chats
from bot.domain.actors import Actor, OrgKind
from bot.domain.bindings import Platform
from bot.domain.events import NoteAdded
from bot.policy.model import Policy
from bot.ports.chat import ChatDelivery, OutboundMessage
from bot.usecases.mirroring import mirror
from bot.views.mirror import mirror_message
from tests.integration.slack_activation_steps import (
    KPMG_USER,
    activated,
    contact_form,
)
from tests.integration.slack_activation_steps import notify_api as notify_api  # Notify configured
from tests.integration.slack_activation_steps import submit as submit_form
from tests.integration.slack_harness import SlackEnv
from tests.integration.slack_response_steps import (
    PROVIDER,
    change_phase,
    responding,
    slash,
    submission,
    submit,
)
from tests.integration.slack_response_steps import env as env
from tests.integration.teams_place import TENANT, on_teams, with_teams


@pytest.fixture
def policy_edit() -> Callable[[Policy], Policy]:
    return lambda policy: on_teams(policy, councils=("hackney",))


def facts(message: OutboundMessage) -> dict[str, tuple[str, bool]]:
    return {f.label: (f.value, f.user_text) for f in message.facts}


def only_teams_message(teams, incident_id: str) -> OutboundMessage:
    [message] = teams.to(f"incident:{incident_id}")
    return message


async def test_a_status_update_on_slack_reaches_the_teams_council(env: SlackEnv) -> None:
    teams = with_teams(env)
    incident_id, channel = await responding(env)
    assert teams.refreshed == [incident_id]  # the Teams council has its card from the referral
    teams.refreshed.clear()
    await submit(
        env,
        submission(
            "status_update_form",
            incident_id,
            channel,
            PROVIDER,
            what_changed="Backups verified <b>clean</b>.",
            impact="Benefits payments still down.",
            next_steps="Restore payments server tonight.",
        ),
    )
    message = only_teams_message(teams, incident_id)
    said = facts(message)
    assert said["From"] == ("Kim Responder (KPMG)", True)
    assert said["What changed"] == ("Backups verified <b>clean</b>.", True)
    assert said["Next steps"] == ("Restore payments server tonight.", True)
    assert "Slack" in message.text
    assert "Backups" not in message.text + message.title  # typed text only in user facts
    assert teams.refreshed == [incident_id]  # the Teams card shows the same state
    # Slack had it once, in the channel (plus the triage thread), never mirrored to itself
    posted = [t for t in env.texts(channel) if "Backups verified" in t]
    assert len(posted) == 1


async def test_a_phase_change_and_a_note_are_mirrored_with_who_and_what(env: SlackEnv) -> None:
    teams = with_teams(env)
    incident_id, channel = await responding(env)
    await change_phase(env, incident_id, channel, PROVIDER, "eradication", "Threat contained.")
    await env.send(slash("note Firewall logs sent to NCSC", PROVIDER, channel))
    phase, note = teams.to(f"incident:{incident_id}")
    assert "from Containment to Eradication" in phase.text
    assert facts(phase)["Summary"] == ("Threat contained.", True)
    assert facts(phase)["From"] == ("Kim Responder (KPMG)", True)
    assert facts(note)["Note"] == ("Firewall logs sent to NCSC", True)
    assert "Firewall" not in note.text


async def test_contact_made_on_slack_reaches_teams(env: SlackEnv, notify_api) -> None:
    teams = with_teams(env)
    incident_id, _channel = await activated(env)
    env.clock.advance(timedelta(minutes=5))
    at = env.clock.now() - timedelta(minutes=1)
    assert await submit_form(env, contact_form(incident_id, at, user=KPMG_USER)) == {}
    message = only_teams_message(teams, incident_id)
    assert message.title.startswith("Contact made")
    assert "within the contact deadline" in message.text
    assert "by phone" in message.text
    assert facts(message)["Notes"] == ("Spoke to the CISO.", True)
    assert facts(message)["From"][0].endswith("(KPMG)")


async def test_a_refusing_teams_delays_and_breaks_nothing_on_slack(env: SlackEnv) -> None:
    class Refusing:
        async def to_incident(self, incident_id: str, message: OutboundMessage) -> ChatDelivery:
            raise ConnectionError("Teams is unreachable")

        async def refresh_incident(self, incident_id: str) -> None:
            raise ConnectionError("Teams is unreachable")

    with_teams(env, Refusing())  # type: ignore[arg-type]
    incident_id, channel = await responding(env)
    await env.send(slash("note Still recorded", PROVIDER, channel))
    assert [t for t in env.texts(channel) if "Still recorded" in t]
    kinds = [e.kind for e in await env.timeline(incident_id)]
    assert "NoteAdded" in kinds


class TestSlackOnly:
    @pytest.fixture
    def policy_edit(self) -> Callable[[Policy], Policy]:
        return lambda policy: policy

    async def test_an_incident_on_slack_alone_sends_nothing_to_teams(self, env: SlackEnv) -> None:
        teams = with_teams(env)
        _incident_id, channel = await responding(env)
        await env.send(slash("note Only on Slack", PROVIDER, channel))
        assert teams.sent == []
        assert teams.refreshed == []
        chats = env.runtime.firing.chats
        assert chats is not None
        assert chats.on(Platform.TEAMS) is teams


async def test_a_note_made_on_teams_reaches_the_slack_channel_escaped(env: SlackEnv) -> None:
    teams = with_teams(env)
    incident_id, channel = await responding(env)
    incident = await env.only_incident()
    policy = env.container.ctx.policy
    actor = Actor(f"teams:{TENANT}:aad-1", "Tara <!here> Teams", OrgKind.COUNCIL, "hackney")
    what = NoteAdded(text="<!channel> logs sent to <https://evil.example|NCSC>", source="slash")
    message = mirror_message(incident, actor, what, policy, origin=Platform.TEAMS)
    [delivery] = await mirror(
        env.runtime.firing.chats, policy, incident, message, origin=Platform.TEAMS
    )
    await env.tasks.drain(within=15)
    assert delivery.ok, delivery.error
    [shown] = [t for t in env.texts(channel) if "Microsoft Teams" in t]
    assert "Tara \uff20here Teams (London Borough of Hackney)" in shown
    assert "<!channel>" not in shown
    assert "<!here>" not in shown
    assert "hxxps://evil[.]example" in shown
    assert teams.sent == []  # not sent back to where it was said
    assert incident_id == incident.id


async def test_the_composite_reaches_each_platform_and_leaves_one_out(env: SlackEnv) -> None:
    teams = with_teams(env)
    incident_id, channel = await responding(env)
    chats = env.runtime.firing.chats
    assert isinstance(chats, Chats)
    note = OutboundMessage(text="The bot's own line.", title="Line")
    both = await chats.to_incident(incident_id, note)
    assert both.ok
    assert [t for t in env.texts(channel) if "The bot's own line." in t]
    assert len(teams.to(f"incident:{incident_id}")) == 1

    slack_only = await chats.to_incident(incident_id, note, except_platform=Platform.TEAMS)
    assert slack_only.ok
    assert len(teams.to(f"incident:{incident_id}")) == 1

    teams.fail(f"incident:{incident_id}", error="Teams answered 502 (BadGateway)")
    partly = await chats.to_incident(incident_id, note)
    assert partly.ok  # it reached Slack: a retry would post it there twice
    assert "Teams answered 502" in partly.error
    assert len([t for t in env.texts(channel) if "The bot's own line." in t]) == 3

    teams.refreshed.clear()
    await chats.refresh_incident(incident_id, except_platform=Platform.SLACK)
    assert teams.refreshed == [incident_id]
