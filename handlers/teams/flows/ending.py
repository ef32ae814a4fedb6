"""The council declines CIR support on Teams: the form (with its reason) in place of the card,
for a council that may decline now, then its submit."""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.usecases.ending import EndIncident, Ending, end_incident, ending_form
from bot.views.actions import Action, Form
from handlers.acting import Asker, acting
from handlers.teams.flows.common import card_of, changed
from handlers.teams.identity import TeamsEdge
from handlers.teams.invoke import Flow
from handlers.teams.render.inputs import EndingInput


@acting
async def decline_form(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    incident, view = await ending_form(actor, key, Ending.DECLINED, edge.deps.uow(), edge.deps.ctx)
    council = edge.deps.ctx.policy.councils.get(incident.council_id)
    edge.answer = edge.deps.cards.decline_form(incident, view, council)


@acting
async def decline_submitted(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    cmd = EndIncident(actor, key, Ending.DECLINED, data.get(EndingInput.REASON, ""))
    result = await end_incident(cmd, edge.deps.uow(), edge.deps.ctx)
    changed(edge, result.incident.id)
    await card_of(edge, result.incident.id)


FLOWS: dict[str, Flow] = {
    Action.DECLINE_SUPPORT: decline_form,
    Form.DECLINE_SUPPORT: decline_submitted,
}
