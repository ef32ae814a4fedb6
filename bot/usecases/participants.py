"""Who belongs to an incident: MHCLG, the providers assigned to it and the affected council.

NCSC and GC3 liaisons may read (they receive the report) but take no part in the response, and a
council never reaches another council's incident: data goes to relevant bodies only.
"""

from __future__ import annotations

from bot.domain.actors import Actor, OrgKind
from bot.domain.incident import Incident
from bot.policy.model import Policy

MHCLG_ORGANISATION = f"{OrgKind.MHCLG.value}:mhclg"
OBSERVERS = frozenset({OrgKind.NCSC, OrgKind.GC3})


def is_incident_provider(actor: Actor, incident: Incident) -> bool:
    return actor.org_kind is OrgKind.PROVIDER and actor.org_id in incident.provider_ids


def is_incident_council(actor: Actor, incident: Incident) -> bool:
    return actor.org_kind is OrgKind.COUNCIL and actor.org_id == incident.council_id


def is_participant(actor: Actor, incident: Incident) -> bool:
    """May write to the incident: notes, checklist, lessons learned."""
    return (
        actor.org_kind is OrgKind.MHCLG
        or is_incident_provider(actor, incident)
        or is_incident_council(actor, incident)
    )


def can_view(actor: Actor, incident: Incident) -> bool:
    """May read the incident and its post-incident report."""
    return is_participant(actor, incident) or actor.org_kind in OBSERVERS


def is_responder(actor: Actor, incident: Incident) -> bool:
    """May run the response (phases, status updates): the incident's provider or MHCLG."""
    return actor.org_kind is OrgKind.MHCLG or is_incident_provider(actor, incident)


def organisations(incident: Incident) -> tuple[str, ...]:
    """Every organisation in the incident, as `Actor.organisation` spells them."""
    return (
        MHCLG_ORGANISATION,
        *(f"{OrgKind.PROVIDER.value}:{p}" for p in incident.provider_ids),
        f"{OrgKind.COUNCIL.value}:{incident.council_id}",
    )


def organisation_name(organisation: str, policy: Policy) -> str:
    """A person-readable name for a "kind:id" organisation, for reminders that name names."""
    kind, _, org_id = organisation.partition(":")
    if kind == OrgKind.MHCLG.value:
        return "MHCLG"
    if kind == OrgKind.PROVIDER.value and org_id in policy.providers:
        return policy.providers[org_id].name
    if kind == OrgKind.COUNCIL.value and org_id in policy.councils:
        return policy.councils[org_id].name
    return org_id or organisation
