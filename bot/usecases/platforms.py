"""Which chat platforms an incident is on, and which of its organisations are on Teams.

MHCLG is always on Slack, so every incident is; the council and each assigned provider add the
platform config gives them (`Council.platform`, `Provider.platform`). The composite chat port,
mirroring and the Teams adapter all read it here, so they agree on who is reached where.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.actors import OrgKind
from bot.domain.bindings import Platform
from bot.domain.incident import Incident
from bot.policy.model import Policy, TeamsPlace


@dataclass(frozen=True)
class TeamsOrganisation:
    """An organisation of the incident that takes part on Teams."""

    kind: OrgKind
    id: str
    name: str
    place: TeamsPlace | None

    @property
    def organisation(self) -> str:
        """As `Actor.organisation` spells it (`provider:kpmg`): also its address on Teams."""
        return f"{self.kind.value}:{self.id}"


def teams_organisations(incident: Incident, policy: Policy) -> list[TeamsOrganisation]:
    """The council (if on Teams), then each assigned provider on Teams, in assignment order."""
    found: list[TeamsOrganisation] = []
    council = policy.councils.get(incident.council_id)
    if council is not None and council.platform is Platform.TEAMS:
        found.append(TeamsOrganisation(OrgKind.COUNCIL, council.id, council.name, council.teams))
    for provider_id in incident.provider_ids:
        provider = policy.providers.get(provider_id)
        if provider is not None and provider.platform is Platform.TEAMS:
            found.append(
                TeamsOrganisation(OrgKind.PROVIDER, provider.id, provider.name, provider.teams)
            )
    return found


def platforms_of(incident: Incident, policy: Policy) -> tuple[Platform, ...]:
    """Slack first (MHCLG is there), then Teams if any organisation of the incident is on it."""
    if teams_organisations(incident, policy):
        return (Platform.SLACK, Platform.TEAMS)
    return (Platform.SLACK,)


def teams_organisation_of(organisation: str, policy: Policy) -> TeamsOrganisation | None:
    """`provider:kpmg` or `council:leeds` → the organisation if config puts it on Teams."""
    kind, _, org_id = organisation.partition(":")
    if kind == OrgKind.PROVIDER.value and org_id in policy.providers:
        p = policy.providers[org_id]
        if p.platform is Platform.TEAMS:
            return TeamsOrganisation(OrgKind.PROVIDER, p.id, p.name, p.teams)
    if kind == OrgKind.COUNCIL.value and org_id in policy.councils:
        c = policy.councils[org_id]
        if c.platform is Platform.TEAMS:
            return TeamsOrganisation(OrgKind.COUNCIL, c.id, c.name, c.teams)
    return None


def teams_home_of(user: str, policy: Policy) -> TeamsOrganisation | None:
    """The Teams organisation whose configured contact has this Entra object id: a personal
    chat is created in that organisation's tenant."""
    wanted = user.lower()
    for p in policy.providers.values():
        if any(c.teams_user.lower() == wanted for c in p.escalation_contacts if c.teams_user):
            return TeamsOrganisation(OrgKind.PROVIDER, p.id, p.name, p.teams)
    for c in policy.councils.values():
        if any(k.teams_user.lower() == wanted for k in c.contacts if k.teams_user):
            return TeamsOrganisation(OrgKind.COUNCIL, c.id, c.name, c.teams)
    return None
