"""What the Teams flows share: the card as it stands, and the work after a change."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.bindings import Platform
from bot.domain.incident import Incident
from bot.usecases.authz import NOT_YOURS, Who, may_open
from bot.usecases.presence import presence
from handlers.acting import Asker, acting
from handlers.teams.identity import TeamsEdge

log = logging.getLogger(__name__)


async def viewable(
    edge: TeamsEdge, actor: Actor, key: str, who: Who = Who.VIEWER, refusal: str = NOT_YOURS
) -> Incident:
    """The incident, if `actor` may act on it by `who`; someone who may see it but not do this
    hears `refusal` (the use case's words, as on Slack), someone outside it only "not found, or
    not yours"."""
    async with edge.deps.uow() as uow:
        return await may_open(uow, edge.deps.ctx, actor, key, who, refusal)


async def card_of(edge: TeamsEdge, incident_id: str) -> None:
    """Answer with the incident's card as it stands now; Teams refreshes it for the person
    whenever they look at it again."""
    deps = edge.deps
    shown = await presence(deps.uow(), deps.ctx, incident_id, Platform.TEAMS)
    edge.answer = deps.cards.incident_card(shown.card(), [edge.activity.from_id])


@acting
async def show(edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]) -> None:
    """The card for whoever views it (Teams' `refresh`, a replayed click, the end of a flow)."""
    incident = await viewable(edge, actor, key)
    await card_of(edge, incident.id)


def changed(edge: TeamsEdge, incident_id: str, due: Iterable[datetime] = ()) -> None:
    """After a committed change: the scheduler woken for new deadlines, and every platform's
    cards of the incident redrawn once the person has their answer."""
    edge.deps.wake_for(due)
    edge.deps.tasks.spawn(edge.deps.chat.refresh_incident(incident_id))
