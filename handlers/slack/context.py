"""What every Slack listener needs, built complete once by `handlers.slack.app.build_slack`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.actors import Actor
from bot.ports import UnitOfWorkFactory
from bot.ports.wake import Wake
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.org_bindings import LearntTeams
from handlers.acting import Asker
from handlers.slack.chat import SlackChat
from handlers.slack.identity import Identity
from handlers.slack.refusals import tell_person
from handlers.slack.room import SlackRoom
from handlers.tasks import BackgroundTasks


@dataclass
class SlackDeps:
    client: AsyncWebClient
    uow: UnitOfWorkFactory
    ctx: CoreContext
    identity: Identity
    room: SlackRoom
    tasks: BackgroundTasks
    chat: SlackChat
    firing_chat: SlackChat  # no client-side retries: used under the incident lock
    wake: Wake  # the deadline scheduler: new due times, and pages to fire at once
    firing: FiringDeps  # chat + Notify, for announcements after a commit
    learnt_teams: LearntTeams  # councils' confirmed workspaces, cached

    # --- what `handlers.acting.acting` needs of an edge ----------------------------------------

    async def actor_of(self, asker: Asker) -> Actor:
        return await self.identity.actor(asker.user, asker.team)

    async def tell(self, asker: Asker, text: str) -> None:
        """An ephemeral answer to one person where they acted; else a direct message."""
        await tell_person(self.client, asker.user, asker.channel, text)

    def wake_for(self, due: Iterable[datetime]) -> None:
        for when in due:
            self.wake.wake_at(when)
