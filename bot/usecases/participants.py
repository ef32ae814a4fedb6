"""Who belongs to an incident: MHCLG's CIR team, the provider it was given to and the affected
council.

A provider belongs to an incident once it is assigned (activation), or, before assignment, when
MHCLG has put the incident to it: MHCLG decided to activate (the incident awaits its MoU) and the
provider is on the rota today, so it sends the MoU. Nothing else makes a provider part of an
incident: being on duty does not reach an incident assigned to the other provider, nor a referral
MHCLG is still assessing. NCSC and GC3 liaisons may read (they receive the report) but take no part
in the response, and a council never reaches another council's incident.
"""

from __future__ import annotations

from bot.domain.actors import Actor, OrgKind
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.policy.model import Policy
from bot.usecases.context import CoreContext
from bot.views.clock import LONDON

MHCLG_ORGANISATION = f"{OrgKind.MHCLG.value}:mhclg"
OBSERVERS = frozenset({OrgKind.NCSC, OrgKind.GC3})


def providers_put_to(incident: Incident, ctx: CoreContext) -> frozenset[str]:
    """The providers that may act on `incident` now: its assigned ones, or before assignment
    the ones on duty today once MHCLG has decided to activate (they send the MoU)."""
    if incident.provider_ids:
        return frozenset(incident.provider_ids)
    if incident.state is not State.AWAITING_MOU:
        return frozenset()
    today = ctx.clock.now().astimezone(LONDON).date()
    return frozenset(p.id for p in ctx.policy.providers_on_duty(today))


def is_incident_provider(actor: Actor, incident: Incident, ctx: CoreContext) -> bool:
    return actor.org_kind is OrgKind.PROVIDER and actor.org_id in providers_put_to(incident, ctx)


def is_incident_council(actor: Actor, incident: Incident) -> bool:
    return actor.org_kind is OrgKind.COUNCIL and actor.org_id == incident.council_id


def is_participant(actor: Actor, incident: Incident, ctx: CoreContext) -> bool:
    """May write to the incident: notes, checklist, lessons learned."""
    return (
        actor.org_kind is OrgKind.MHCLG
        or is_incident_provider(actor, incident, ctx)
        or is_incident_council(actor, incident)
    )


def can_view(actor: Actor, incident: Incident, ctx: CoreContext) -> bool:
    """May read the incident and its post-incident report."""
    return is_participant(actor, incident, ctx) or actor.org_kind in OBSERVERS


def is_responder(actor: Actor, incident: Incident, ctx: CoreContext) -> bool:
    """May run the response (phases, status updates): the incident's provider or MHCLG."""
    return actor.org_kind is OrgKind.MHCLG or is_incident_provider(actor, incident, ctx)


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
