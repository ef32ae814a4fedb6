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
from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.states import ALLOWED, State
from bot.ports import UnitOfWork
from bot.usecases.authz import Act, Who, authorised, may_open
from bot.usecases.checklist import ChecklistView, build_checklist_view
from bot.usecases.context import CoreContext
from bot.usecases.validation import FieldErrors


class Ending(StrEnum):
    MONITORING_ENDED = "monitoring_ended"
    DECLINED = "declined"


MHCLG_ONLY = "Only MHCLG's CIR team can end the monitoring of an incident."
COUNCIL_ONLY = "Only the affected council can decline CIR support for its incident."
# who may end an incident each way (`authorised`'s act, rule and refusal)
ENDERS = {
    Ending.MONITORING_ENDED: (Act.CLOSE_MONITORING, Who.MHCLG, MHCLG_ONLY),
    Ending.DECLINED: (Act.DECLINE_SUPPORT, Who.COUNCIL, COUNCIL_ONLY),
}
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


def check_may_end(incident: Incident, ending: Ending) -> None:
    """Raise unless `incident` can end this way now (who may is `ENDERS`'). Forms check before
    opening, so nobody fills in a form that will be refused; the use case checks on submit."""
    if ending is Ending.MONITORING_ENDED:
        if incident.state is not State.MONITORING:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: only a monitored "
                "(below-threshold) incident can be closed as monitoring ended."
            )
        return
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


async def ending_form(
    actor: Actor, key: str, ending: Ending, uow: UnitOfWork, ctx: CoreContext
) -> tuple[Incident, ChecklistView]:
    """What the ending's form shows, for someone who may end the incident this way now; others
    are refused before they fill it in (the submission is checked again)."""
    _, who, refusal = ENDERS[ending]
    async with uow:
        incident = await may_open(uow, ctx, actor, key, who, refusal)
        check_may_end(incident, ending)
        items = await uow.checklist.for_incident(incident.id)
    return incident, build_checklist_view(incident, items, ctx.policy.followups)


async def end_incident(cmd: EndIncident, uow: UnitOfWork, ctx: CoreContext) -> Ended:
    async with uow:
        incident = await authorised(uow, ctx, cmd.actor, cmd.incident, *ENDERS[cmd.ending])
        check_may_end(incident, cmd.ending)
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
