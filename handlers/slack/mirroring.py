"""What a Slack flow hands to mirroring once its change is committed: the same timeline payload
the record holds, shown on the incident's other platforms (Teams) as said by this person for
their organisation. Spawned as its own background task, so a slow or refusing Teams delays no
Slack line and no card. The other platforms' cards are redrawn by the flow's own
`room.refresh` (`SlackRoom.elsewhere`), not here."""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.domain.bindings import Platform
from bot.domain.incident import Incident
from bot.usecases.contact import ContactResult
from bot.usecases.mirroring import elsewhere, mirror
from bot.views.mirror import Mirrored, mirror_message
from bot.views.mirror import contact_made as contact_made_by
from handlers.slack.context import SlackDeps


def mirror_from_slack(deps: SlackDeps, incident: Incident, actor: Actor, what: Mirrored) -> None:
    chats, policy = deps.firing.chats, deps.ctx.policy
    if not elsewhere(chats, incident, policy, Platform.SLACK):
        return  # the incident is on Slack alone: nothing to spawn
    message = mirror_message(incident, actor, what, policy, origin=Platform.SLACK)
    deps.tasks.spawn(
        mirror(chats, policy, incident, message, origin=Platform.SLACK, redraw=False), name="mirror"
    )


def contact_made(deps: SlackDeps, result: ContactResult) -> None:
    said = contact_made_by(result)
    if said is not None:
        mirror_from_slack(deps, result.incident, *said)
