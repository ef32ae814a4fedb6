"""Response phases: containment, eradication, optionally recovery, then closure.

The provider runs the response, so it (or MHCLG) moves the phases; closing ends the funded
service, so only MHCLG closes. Recovery is council-funded: the aggregate refuses it until the
council's opt-in is on record. Every change carries a short summary of what was done, because the
post-incident report's "actions taken" is written from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.actors import Actor
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.states import ACTIVE_RESPONSE_STATES, State
from bot.policy.followups import Followups
from bot.ports import UnitOfWork
from bot.usecases.authz import Act, Who, authorised, check
from bot.usecases.context import CoreContext
from bot.usecases.lessons import start_lessons_collection
from bot.usecases.status_updates import schedule_update_prompt
from bot.usecases.validation import FieldErrors

PHASES = frozenset({State.CONTAINMENT, State.ERADICATION, State.RECOVERY, State.CLOSED})
RESPONDERS_ONLY = "Only the incident's provider or MHCLG can change its phase."
MHCLG_CLOSES = "Only MHCLG can close an incident."
COUNCIL_ONLY = "Only the affected council can opt in to recovery: it is council-funded."


@dataclass(frozen=True)
class ChangePhase:
    actor: Actor
    incident: str  # id or CIR reference
    target: State
    summary: str


@dataclass
class PhaseChanged:
    incident: Incident
    previous: State
    # New deadlines (the next update prompt, or the lessons reminders on closure): the edge
    # asks the scheduler to wake at their due times once this has committed.
    deadlines: list[Deadline] = field(default_factory=list)


async def change_phase(
    cmd: ChangePhase, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> PhaseChanged:
    if cmd.target not in PHASES:
        raise DomainError(
            f"'{cmd.target.label}' is not a response phase; choose containment, eradication, "
            "recovery or closed."
        )
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.CHANGE_PHASE, Who.RESPONDER, RESPONDERS_ONLY
        )
        if cmd.target is State.CLOSED:
            await check(uow, ctx, cmd.actor, incident, Act.CLOSE_INCIDENT, Who.MHCLG, MHCLG_CLOSES)
        if incident.state is cmd.target:
            raise DomainError(
                f"{incident.reference} is already in {cmd.target.label.lower()}; nothing changed."
            )
        if incident.state not in ACTIVE_RESPONSE_STATES:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: phases change only "
                "during an active response."
            )
        errors = FieldErrors()
        summary = errors.text("summary", cmd.summary, label="Summary of what was done")
        errors.raise_if_any()
        previous = incident.state
        now = ctx.clock.now()
        incident.move_to(cmd.target, cmd.actor, now, summary=summary)
        result = PhaseChanged(incident=incident, previous=previous)
        if cmd.target is State.CLOSED:
            await uow.deadlines.cancel_pending(incident.id, [DeadlineKind.UPDATE_PROMPT])
            result.deadlines = await start_lessons_collection(
                incident, cmd.actor, uow, ctx, followups
            )
        else:
            result.deadlines = [await schedule_update_prompt(incident, uow, ctx, followups)]
        await uow.commit()
    return result


@dataclass(frozen=True)
class RecordRecoveryOptIn:
    actor: Actor
    incident: str


async def record_recovery_opt_in(
    cmd: RecordRecoveryOptIn, uow: UnitOfWork, ctx: CoreContext
) -> Incident:
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.RECOVERY_OPT_IN, Who.COUNCIL, COUNCIL_ONLY
        )
        if incident.state not in ACTIVE_RESPONSE_STATES:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: recovery can only be "
                "chosen during the response."
            )
        incident.record_recovery_opt_in(cmd.actor, ctx.clock.now())
        await uow.commit()
    return incident
