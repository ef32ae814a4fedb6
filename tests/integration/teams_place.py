"""Put a council or a provider of the shipped config on Microsoft Teams for a test (its first
contact gets a Teams user), and give the running Slack service a Teams side that records what it
was sent, or a real one."""

from __future__ import annotations

from dataclasses import replace

from bot.app.chats import Chats
from bot.app.wiring import redraw_with_slack
from bot.domain.bindings import Platform
from bot.policy.model import Contact, Policy, TeamsPlace
from bot.ports.chat import ChatPort
from tests.fakes.chat import RecordingChat
from tests.integration.slack_harness import SlackEnv

TENANT = "5b1c3f4e-2a77-4c1b-9d7e-0f3e6a1b2c3d"
TEAMS_USERS = {
    "kpmg": "8f0e6a2b-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
    "accenture": "1a2b3c4d-1111-4e5f-8a9b-0c1d2e3f4a5b",
    "hackney": "2b3c4d5e-2222-4e5f-8a9b-0c1d2e3f4a5b",
}


def _teams_contact(people: tuple[Contact, ...], org_id: str) -> tuple[Contact, ...]:
    if not people:
        return (Contact(name=f"{org_id} on Teams", teams_user=TEAMS_USERS[org_id]),)
    first = replace(people[0], teams_user=TEAMS_USERS[org_id], slack_user="")
    return (first, *people[1:])


def on_teams(
    policy: Policy,
    *,
    councils: tuple[str, ...] = (),
    providers: tuple[str, ...] = (),
    service_url: str = "https://smba.example/uk/",
) -> Policy:
    place = TeamsPlace(tenant_id=TENANT, service_url=service_url)
    moved_councils = {
        c: replace(
            policy.councils[c],
            platform=Platform.TEAMS,
            teams=place,
            contacts=_teams_contact(policy.councils[c].contacts, c),
        )
        for c in councils
    }
    moved_providers = {
        p: replace(
            policy.providers[p],
            platform=Platform.TEAMS,
            teams=place,
            paging_channel="",
            escalation_contacts=_teams_contact(policy.providers[p].escalation_contacts, p),
        )
        for p in providers
    }
    return replace(
        policy,
        councils={**policy.councils, **moved_councils},
        providers={**policy.providers, **moved_providers},
    )


def with_teams(env: SlackEnv, teams: ChatPort | None = None) -> RecordingChat:
    """The running service's Teams side becomes a recording chat (or `teams`)."""
    recording = RecordingChat()
    chats = env.runtime.firing.chats
    assert isinstance(chats, Chats)
    chats.attach(Platform.TEAMS, recording if teams is None else teams)
    redraw_with_slack(env.container, chats)  # as the service does when Teams is configured
    return recording
