"""What a Teams flow hands to mirroring once its change is committed, as the Slack flows do
(`handlers/slack/mirroring.py`): the timeline payload, shown in the incident's Slack channel as
said by this person for their organisation. Spawned on its own, after the answer to Teams.
The incident's other organisations on Teams (the council, when the provider spoke, and the
other way round) are sent it in their own conversations too: each has its own.

The Slack cards are not redrawn here: a Teams flow's `changed()` already redraws every
platform's cards through the composite chat port.

Called by `handlers/teams/flows/response.py` and `page.py` after each change.
"""

from __future__ import annotations

import logging

from bot.domain.actors import Actor
from bot.domain.bindings import Platform
from bot.domain.incident import Incident
from bot.ports.chat import ChatPort, OutboundMessage
from bot.usecases.contact import ContactResult
from bot.usecases.mirroring import elsewhere, mirror
from bot.usecases.platforms import teams_organisations
from bot.views.mirror import Mirrored, mirror_message
from bot.views.mirror import contact_made as contact_made_by
from handlers.teams.context import TeamsDeps

log = logging.getLogger(__name__)


def mirror_from_teams(
    deps: TeamsDeps, incident: Incident, actor: Actor, what: Mirrored | None
) -> None:
    chats, policy = deps.firing.chats, deps.ctx.policy
    if what is None:
        return
    # the incident's other organisations on Teams have conversations of their own: a council
    # on Teams does not see what its provider on Teams said in the provider's conversation
    teams = chats.on(Platform.TEAMS) if chats is not None else None
    others = [
        o.organisation
        for o in teams_organisations(incident, policy)
        if o.organisation != actor.organisation
    ]
    slack = elsewhere(chats, incident, policy, Platform.TEAMS)
    if not slack and not (teams is not None and others):
        return
    message = mirror_message(incident, actor, what, policy, origin=Platform.TEAMS)
    if slack:
        deps.tasks.spawn(
            mirror(chats, policy, incident, message, origin=Platform.TEAMS, redraw=False),
            name="mirror",
        )
    if teams is not None:
        for organisation in others:
            deps.tasks.spawn(_to_organisation(teams, organisation, message), name="mirror")


async def _to_organisation(teams: ChatPort, organisation: str, message: OutboundMessage) -> None:
    delivery = await teams.to_channel(organisation, message)
    if not delivery.ok:
        log.warning(
            "mirror not delivered", extra={"route": delivery.route, "status": delivery.error[:200]}
        )


def contact_made(deps: TeamsDeps, result: ContactResult) -> None:
    said = contact_made_by(result)
    if said is not None:
        mirror_from_teams(deps, result.incident, *said)
