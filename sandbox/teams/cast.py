"""The sandbox's Teams people and places, from the policy the bot runs with: for each council or
provider on Teams, its people in its tenant (a council's contacts; a provider's responder and
escalation contacts) and the team channel where its app is installed, as the connector stand-in
knows them. `install` then tells the bot, as Teams does when an app is added to a team."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import aiohttp

from bot.domain.bindings import Platform
from bot.policy.model import Contact, Policy
from sandbox.teams import activities
from sandbox.teams.config import teams_user_of
from sandbox.teams.connector import FakeBotConnector
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.identity import App, FakeBotIdentity

OrgKind = Literal["council", "provider"]


@dataclass(frozen=True)
class Seat:
    """A person the Teams page lets you be, and what they do."""

    person: Person
    role: str
    org_kind: OrgKind
    org_id: str
    org_name: str


@dataclass
class TeamsCast:
    seats: list[Seat] = field(default_factory=list)
    channels: dict[str, Conversation] = field(default_factory=dict)  # by organisation id

    def seat(self, user_id: str) -> Seat | None:
        return next((s for s in self.seats if s.person.user_id == user_id), None)


def _bare(name: str) -> str:
    return name.replace("(placeholder)", "").strip()


def _contact(connector: FakeBotConnector, tenant: str, org_id: str, contact: Contact) -> Person:
    aad = contact.teams_user or teams_user_of(org_id, contact.name)
    return connector.add_person(tenant, _bare(contact.name), aad)


def build_teams_cast(connector: FakeBotConnector, app: App, policy: Policy) -> TeamsCast:
    cast = TeamsCast()
    for council in policy.councils.values():
        if council.platform is not Platform.TEAMS or council.teams is None:
            continue
        tenant = council.teams.tenant_id
        contacts = council.contacts or (Contact(name=f"IT at {council.name}"),)
        for contact in contacts:
            person = _contact(connector, tenant, council.id, contact)
            cast.seats.append(Seat(person, "council contact", "council", council.id, council.name))
        _channel(connector, app, cast, council.id, tenant, "Cyber incidents")
    for provider in policy.providers.values():
        if provider.platform is not Platform.TEAMS or provider.teams is None:
            continue
        tenant = provider.teams.tenant_id
        responder = connector.add_person(
            tenant, f"{provider.name} responder", teams_user_of(provider.id, "responder")
        )
        cast.seats.append(
            Seat(responder, "provider responder", "provider", provider.id, provider.name)
        )
        for contact in provider.escalation_contacts:
            person = _contact(connector, tenant, provider.id, contact)
            cast.seats.append(
                Seat(person, "provider escalation contact", "provider", provider.id, provider.name)
            )
        _channel(connector, app, cast, provider.id, tenant, "CIR paging")
    return cast


def _channel(
    connector: FakeBotConnector, app: App, cast: TeamsCast, org_id: str, tenant: str, name: str
) -> None:
    channel = connector.add_channel(tenant, app, name)
    channel.member_ids = [s.person.user_id for s in cast.seats if s.org_id == org_id]
    cast.channels[org_id] = channel


async def install(
    cast: TeamsCast,
    origin: activities.Origin,
    identity: FakeBotIdentity,
    bot_url: str,
    session: aiohttp.ClientSession,
) -> list[int]:
    """The app added to each organisation's channel: Teams' conversationUpdate, signed, to the
    bot's /api/messages. Returns the bot's answers (200 each when it learnt the channel)."""
    answers = []
    for org_id, channel in cast.channels.items():
        installer = next(s.person for s in cast.seats if s.org_id == org_id)
        activity = activities.bot_installed(origin, channel, installer)
        status, _ = await activities.post_signed(session, bot_url, activity, identity)
        answers.append(status)
    return answers
