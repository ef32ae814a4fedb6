"""The Memorandum of Understanding gate before activation.

The provider sends the MoU to the council by email and says so in-channel; the provider or the
council itself records the signature. An assessor may override a missing signature, with a
reason, when waiting would harm the council: the override is on the timeline for audit.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.incident import Incident, MouStatus
from bot.ports import UnitOfWork
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.context import CoreContext

SENT_BY = "Only the provider the incident was put to can record that the MoU was sent."
SIGNED_BY = "Only the provider or the council itself can record that the MoU was signed."
OVERRIDE_BY = "Only MHCLG's configured CIR assessors can override the MoU."


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
        if status is MouStatus.SENT:
            rule = (Act.RECORD_MOU_SENT, Who.PROVIDER, SENT_BY)
        else:
            rule = (Act.RECORD_MOU_SIGNED, Who.PROVIDER_OR_COUNCIL, SIGNED_BY)
        incident = await authorised(uow, ctx, cmd.actor, cmd.incident, *rule)
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
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.OVERRIDE_MOU, Who.ASSESSOR, OVERRIDE_BY
        )
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
