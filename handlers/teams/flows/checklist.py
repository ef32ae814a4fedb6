"""The council's notifications checklist on Teams (who it has told: the ICO, Action Fraud / the
NCA, its WARP, the NCSC): the form in place of the card, then its submit."""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.domain.errors import InvalidInput
from bot.usecases import checklist as checklist_uc
from bot.usecases.authz import Who
from bot.views.actions import Action, Form
from handlers.acting import Asker, acting
from handlers.teams.flows.common import card_of, changed, viewable
from handlers.teams.identity import TeamsEdge
from handlers.teams.invoke import Flow
from handlers.teams.render.inputs import ChecklistInput, uk_date_time

GIVE_WHEN = "Give both the date and the time they were told, or neither."


@acting
async def checklist_form(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    incident = await viewable(edge, actor, key, Who.PARTICIPANT, checklist_uc.PARTICIPANTS_ONLY)
    followups = edge.deps.ctx.policy.followups
    view = await checklist_uc.checklist_view(edge.deps.uow(), incident.id, followups)
    edge.answer = edge.deps.cards.checklist_form(incident, view)


@acting
async def checklist_submitted(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    day, clock = data.get(ChecklistInput.DATE, ""), data.get(ChecklistInput.TIME, "")
    done_at = uk_date_time(day, clock) if day or clock else None
    if (day or clock) and done_at is None:
        raise InvalidInput(GIVE_WHEN, {ChecklistInput.DATE.value: GIVE_WHEN})
    cmd = checklist_uc.UpdateChecklistItem(
        actor,
        key,
        item=data.get(ChecklistInput.ITEM, ""),
        status=data.get(ChecklistInput.STATUS, ""),
        reference=data.get(ChecklistInput.REFERENCE, ""),
        reason=data.get(ChecklistInput.REASON, ""),
        done_at=done_at,
    )
    deps = edge.deps
    result = await checklist_uc.update_checklist_item(
        cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups
    )
    changed(edge, result.incident.id, (d.due_at for d in result.deadlines))
    await card_of(edge, result.incident.id)


FLOWS: dict[str, Flow] = {
    Action.UPDATE_CHECKLIST: checklist_form,
    Form.CHECKLIST: checklist_submitted,
}
