"""The Memorandum of Understanding gate before activation.

The provider sends the MoU to the council by email and says so in-channel; the provider or the
council itself records the signature. An assessor may override a missing signature, with a
reason, when waiting would harm the council: the override is on the timeline for audit.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.actors import Actor, OrgKind
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.incident import Incident, MouStatus
from bot.ports import UnitOfWork
from bot.usecases.authz import is_assessor, refuse
from bot.usecases.context import CoreContext
from bot.usecases.loading import load_incident

SENT_BY = "Only the provider (assigned, or on duty today) can record that the MoU was sent."
SIGNED_BY = "Only the provider or the council itself can record that the MoU was signed."
OVERRIDE_BY = "Only MHCLG's configured CIR assessors can override the MoU."


def is_incident_provider(actor: Actor, incident: Incident, ctx: CoreContext) -> bool:
    """Before activation no provider is assigned yet, so the one on duty today may act."""
    if actor.org_kind is not OrgKind.PROVIDER:
        return False
    on_duty = {p.id for p in ctx.policy.providers_on_duty(ctx.clock.now())}
    return actor.org_id in set(incident.provider_ids) | on_duty


def is_incident_council(actor: Actor, incident: Incident) -> bool:
    return actor.org_kind is OrgKind.COUNCIL and actor.org_id == incident.council_id


@dataclass(frozen=True)
class RecordMou:
    actor: Actor
    incident: str  # id or CIR reference
    status: str  # "sent" | "signed"


async def record_mou(cmd: RecordMou, uow: UnitOfWork, ctx: CoreContext) -> Incident:
    try:
        status = MouStatus(cmd.status.strip().lower())
    except ValueError:
        status = MouStatus.NOT_SENT
    if status is MouStatus.NOT_SENT:
        raise InvalidInput(
            "Record the MoU as sent or signed.", {"status": "Choose sent or signed."}
        )
    async with uow:
        incident = await load_incident(uow, cmd.incident, for_update=True)
        provider = is_incident_provider(cmd.actor, incident, ctx)
        if status is MouStatus.SENT and not provider:
            raise await refuse(uow, incident, cmd.actor, "record_mou_sent", SENT_BY, ctx)
        if status is MouStatus.SIGNED and not (
            provider or is_incident_council(cmd.actor, incident)
        ):
            raise await refuse(uow, incident, cmd.actor, "record_mou_signed", SIGNED_BY, ctx)
        if incident.mou_status is MouStatus.SIGNED and status is MouStatus.SENT:
            raise DomainError(f"The MoU for {incident.reference} is already signed.")
        incident.record_mou(status, cmd.actor, ctx.clock.now())
        await uow.commit()
    return incident


@dataclass(frozen=True)
class OverrideMou:
    actor: Actor
    incident: str
    reason: str


async def override_mou(cmd: OverrideMou, uow: UnitOfWork, ctx: CoreContext) -> Incident:
    async with uow:
        incident = await load_incident(uow, cmd.incident, for_update=True)
        if not is_assessor(cmd.actor, ctx):
            raise await refuse(uow, incident, cmd.actor, "override_mou", OVERRIDE_BY, ctx)
        if incident.mou_status is MouStatus.SIGNED:
            raise DomainError(
                f"The council has signed the MoU for {incident.reference}; no override is needed."
            )
        if incident.mou_override_reason:
            raise DomainError(
                f"The MoU for {incident.reference} is already overridden: "
                f"{incident.mou_override_reason}"
            )
        incident.override_mou(cmd.reason, cmd.actor, ctx.clock.now())
        await uow.commit()
    return incident
