"""Log a referral: the first record of an incident, stored before any slow platform work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.errors import ConcurrencyConflict
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.ports import UnitOfWork
from bot.usecases.checklist import init_checklist
from bot.usecases.context import CoreContext
from bot.usecases.directory import authorise_referral
from bot.usecases.validation import FieldErrors

KNOWN_BODIES = {"ncsc", "ico", "action_fraud", "warp"}


@dataclass(frozen=True)
class OpenReferral:
    actor: Actor
    council_id: str
    description: str
    detected_at: datetime | None
    services_affected: str
    attacker_active: str
    contact_name: str
    contact_email: str
    contact_phone: str
    ncsc_reference: str = ""
    bodies_told: tuple[str, ...] = ()
    personal_data_involved: bool = False
    idempotency_key: str = ""


def validate_referral(cmd: OpenReferral, ctx: CoreContext) -> Referral:
    errors = FieldErrors()
    if cmd.council_id not in ctx.policy.councils:
        errors.errors["council_id"] = "Choose a council from the register."
    description = errors.text("description", cmd.description, label="What happened")
    services = errors.text("services_affected", cmd.services_affected, label="Services affected")
    name = errors.text("contact_name", cmd.contact_name, label="Contact name")
    email = errors.email("contact_email", cmd.contact_email, label="Contact email")
    phone = errors.text("contact_phone", cmd.contact_phone, label="Contact phone")
    ncsc = errors.text("ncsc_reference", cmd.ncsc_reference, label="NCSC reference", required=False)
    if cmd.detected_at is None:
        errors.errors["detected_at"] = "Say when the incident was detected."
    elif cmd.detected_at > ctx.clock.now():
        errors.errors["detected_at"] = "The detection time is in the future."
    try:
        attacker = AttackerActive(cmd.attacker_active)
    except ValueError:
        errors.errors["attacker_active"] = (
            "Say whether the attacker is still active (yes/no/unknown)."
        )
        attacker = AttackerActive.UNKNOWN
    unknown = set(cmd.bodies_told) - KNOWN_BODIES
    if unknown:
        errors.errors["bodies_told"] = f"Unknown bodies: {', '.join(sorted(unknown))}."
    errors.raise_if_any()
    assert cmd.detected_at is not None
    return Referral(
        council_id=cmd.council_id,
        description=description,
        detected_at=cmd.detected_at,
        services_affected=services,
        attacker_active=attacker,
        contact_name=name,
        contact_email=email,
        contact_phone=phone,
        ncsc_reference=ncsc,
        bodies_told=tuple(sorted(set(cmd.bodies_told))),
        personal_data_involved=cmd.personal_data_involved,
    )


async def open_referral(cmd: OpenReferral, uow: UnitOfWork, ctx: CoreContext) -> Incident:
    incident, _created = await open_referral_once(cmd, uow, ctx)
    return incident


async def open_referral_once(
    cmd: OpenReferral, uow: UnitOfWork, ctx: CoreContext
) -> tuple[Incident, bool]:
    """MHCLG logs referrals (it monitors NCSC's feed 24/7); other organisations may not.

    With an idempotency key (the modal's nonce) a repeated submission returns the incident the
    first one created instead of opening a second.
    """
    authorise_referral(cmd.actor)
    referral = validate_referral(cmd, ctx)
    now = ctx.clock.now()
    key = f"referral:{cmd.idempotency_key}" if cmd.idempotency_key else ""
    async with uow:
        if key and (seen := await uow.requests.get(key)):
            return await _existing(uow, seen["incident_id"]), False
        reference = await uow.incidents.next_reference(now.year)
        incident = Incident.open(ctx.new_id(), reference, referral, cmd.actor, now)
        await uow.incidents.add(incident)
        # The ICO's 72 hours run from when the council became aware, whatever MHCLG decides.
        await init_checklist(incident, uow, ctx, ctx.policy.followups)
        if key:
            await uow.requests.remember(key, now, {"incident_id": incident.id})
        try:
            await uow.commit()
        except ConcurrencyConflict:
            if not key:
                raise
            duplicate = True
        else:
            duplicate = False
    if duplicate:
        async with uow:
            seen = await uow.requests.get(key)
            if seen is None:
                raise ConcurrencyConflict("The referral could not be saved; please submit again.")
            return await _existing(uow, seen["incident_id"]), False
    return incident, True


async def _existing(uow: UnitOfWork, incident_id: str) -> Incident:
    incident = await uow.incidents.get(incident_id)
    if incident is None:
        raise ConcurrencyConflict("The referral could not be saved; please submit again.")
    incident.pending_events.clear()
    return incident
