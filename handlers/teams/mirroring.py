"""What a Teams flow hands to mirroring once its change is committed, as the Slack flows do
(`handlers/slack/mirroring.py`): the timeline payload, shown in the incident's Slack channel as
said by this person for their organisation. Spawned on its own, after the answer to Teams.

The Slack cards are not redrawn here: a Teams flow's `changed()` already redraws every
platform's cards through the composite chat port.

Wiring (one line per flow, after the use case returned):
- status update: `mirror_from_teams(deps, result.incident, actor, result.posted)`
- phase change: `mirror_from_teams(deps, result.incident, actor, phase_changed(result, summary))`
  (`bot.views.mirror.phase_changed`)
- timeline note: `mirror_from_teams(deps, incident, actor, NoteAdded(text=..., source=...))`
- contact made: `contact_made(deps, result)`
"""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.domain.bindings import Platform
from bot.domain.incident import Incident
from bot.usecases.contact import ContactResult
from bot.usecases.mirroring import elsewhere, mirror
from bot.views.mirror import Mirrored, mirror_message
from bot.views.mirror import contact_made as contact_made_by
from handlers.teams.context import TeamsDeps


def mirror_from_teams(
    deps: TeamsDeps, incident: Incident, actor: Actor, what: Mirrored | None
) -> None:
    chats, policy = deps.firing.chats, deps.ctx.policy
    if what is None or not elsewhere(chats, incident, policy, Platform.TEAMS):
        return
    message = mirror_message(incident, actor, what, policy, origin=Platform.TEAMS)
    deps.tasks.spawn(
        mirror(chats, policy, incident, message, origin=Platform.TEAMS, redraw=False),
        name="mirror",
    )


def contact_made(deps: TeamsDeps, result: ContactResult) -> None:
    said = contact_made_by(result)
    if said is not None:
        mirror_from_teams(deps, result.incident, *said)
