"""How an incident ends before activation: MHCLG ends the monitoring of a below-threshold
incident, or the council declines CIR support (the service is not mandatory).

Both end in WITHDRAWN, the transition table's one ending before activation: no provider was
sent, so there is no response for lessons learned or a post-incident report to cover (that is
what CLOSED leads to). The StateChanged event says which ending it was and why. Every pending
reminder of the incident stops with it. The council's own obligations (ICO, Action Fraud / NCA,
its WARP, the NCSC) do not end: the result carries the checklist so the edges can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, NotAuthorised, NotFound
from bot.domain.incident import Incident
from bot.domain.states import ALLOWED, State
from bot.ports import UnitOfWork
from bot.usecases.authz import is_mhclg, refuse
from bot.usecases.checklist import ChecklistView, build_checklist_view
from bot.usecases.context import CoreContext
from bot.usecases.loading import NOT_YOURS, load_incident
from bot.usecases.participants import can_view, is_incident_council
from bot.usecases.validation import FieldErrors


class Ending(StrEnum):
    MONITORING_ENDED = "monitoring_ended"
    DECLINED = "declined"


# as the refused attempt is named on the timeline (ActionRefused.action)
ACTIONS = {Ending.MONITORING_ENDED: "close_monitoring", Ending.DECLINED: "decline_support"}
MHCLG_ONLY = "Only MHCLG's CIR team can end the monitoring of an incident."
COUNCIL_ONLY = "Only the affected council can decline CIR support for its incident."
REASON_LABEL = {
    Ending.MONITORING_ENDED: "Why monitoring has ended",
    Ending.DECLINED: "Why the council declines CIR support",
}


@dataclass(frozen=True)
class EndIncident:
    actor: Actor
    incident: str  # id or CIR reference
    ending: Ending
    reason: str


@dataclass
class Ended:
    incident: Incident
    ending: Ending
    previous: State
    reason: str
    checklist: ChecklistView  # the council's own obligations, as they stand


def check_may_end(actor: Actor, incident: Incident, ending: Ending) -> None:
    """Raise unless `actor` may end `incident` this way now. Forms call it before opening, so
    nobody fills in a form that will be refused; the use case calls it again on submit."""
    if ending is Ending.MONITORING_ENDED:
        if not is_mhclg(actor):
            raise NotAuthorised(MHCLG_ONLY)
        if incident.state is not State.MONITORING:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: only a monitored "
                "(below-threshold) incident can be closed as monitoring ended."
            )
        return
    if not is_incident_council(actor, incident):
        raise NotAuthorised(COUNCIL_ONLY)
    if not incident.is_open:
        raise DomainError(
            f"{incident.reference} is {incident.state.label.lower()}: there is nothing left to "
            "decline."
        )
    if State.WITHDRAWN not in ALLOWED[incident.state]:
        raise DomainError(
            f"{incident.reference} is {incident.state.label.lower()}: CIR support can only be "
            "declined before it is activated. To stop a response under way, talk to MHCLG's "
            "CIR team and the provider."
        )


async def _load(uow: UnitOfWork, key: str, *, for_update: bool) -> Incident:
    try:
        return await load_incident(uow, key, for_update=for_update)
    except NotFound:
        raise NotAuthorised(NOT_YOURS) from None


def _refusal(actor: Actor, incident: Incident, exc: NotAuthorised, ctx: CoreContext) -> str:
    """The reason for people who may see the incident; the neutral words for everyone else."""
    return str(exc) if can_view(actor, incident, ctx) else NOT_YOURS


async def ending_form(
    actor: Actor, key: str, ending: Ending, uow: UnitOfWork, ctx: CoreContext
) -> tuple[Incident, ChecklistView]:
    """What the ending's form shows, for someone who may end the incident this way now; others
    are refused before they fill it in (the submission is checked again)."""
    async with uow:
        incident = await _load(uow, key, for_update=False)
        try:
            check_may_end(actor, incident, ending)
        except NotAuthorised as exc:
            raise NotAuthorised(_refusal(actor, incident, exc, ctx)) from None
        items = await uow.checklist.for_incident(incident.id)
    return incident, build_checklist_view(incident, items, ctx.policy.followups)


async def end_incident(cmd: EndIncident, uow: UnitOfWork, ctx: CoreContext) -> Ended:
    async with uow:
        incident = await _load(uow, cmd.incident, for_update=True)
        try:
            check_may_end(cmd.actor, incident, cmd.ending)
        except NotAuthorised as exc:
            action, message = ACTIONS[cmd.ending], _refusal(cmd.actor, incident, exc, ctx)
            raise await refuse(uow, incident, cmd.actor, action, message, ctx) from None
        errors = FieldErrors()
        reason = errors.text("reason", cmd.reason, label=REASON_LABEL[cmd.ending])
        errors.raise_if_any()
        previous, now = incident.state, ctx.clock.now()
        incident.move_to(State.WITHDRAWN, cmd.actor, now, ending=cmd.ending.value, reason=reason)
        await uow.deadlines.cancel_pending(incident.id)
        items = await uow.checklist.for_incident(incident.id)
        await uow.commit()
    view = build_checklist_view(incident, items, ctx.policy.followups)
    return Ended(incident, cmd.ending, previous, reason, view)
