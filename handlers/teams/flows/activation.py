"""Before and around activation on Teams: the MoU (sent by the provider, signed as the council
confirms) and the council's recovery opt-in."""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.usecases.mou import RecordMou, record_mou
from bot.usecases.phases import RecordRecoveryOptIn, record_recovery_opt_in
from bot.views.actions import Action
from handlers.acting import Asker, acting
from handlers.teams.flows.common import card_of, changed
from handlers.teams.identity import TeamsEdge
from handlers.teams.invoke import Flow


def _mou(status: str) -> Flow:
    @acting
    async def recorded(
        edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
    ) -> None:
        incident = await record_mou(RecordMou(actor, key, status), edge.deps.uow(), edge.deps.ctx)
        changed(edge, incident.id)
        await card_of(edge, incident.id)

    return recorded


@acting
async def recovery_opt_in(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    cmd = RecordRecoveryOptIn(actor, key)
    incident = await record_recovery_opt_in(cmd, edge.deps.uow(), edge.deps.ctx)
    changed(edge, incident.id)
    await card_of(edge, incident.id)


FLOWS: dict[str, Flow] = {
    Action.MOU_SENT: _mou("sent"),
    Action.MOU_SIGNED: _mou("signed"),
    Action.RECOVERY_OPT_IN: recovery_opt_in,
}
