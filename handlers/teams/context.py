"""What every Teams flow needs, built once when the server mounts `/api/messages`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.ports import UnitOfWorkFactory
from bot.ports.chat import ChatPort
from bot.ports.wake import Wake
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from handlers.tasks import BackgroundTasks
from handlers.teams.cards import Cards
from handlers.teams.connector import BotConnector
from handlers.teams.membership import Membership


@dataclass
class TeamsDeps:
    uow: UnitOfWorkFactory
    ctx: CoreContext
    connector: BotConnector  # replies and messages in the conversation acted from
    cards: Cards
    chat: ChatPort  # every platform's cards redrawn after a change (refresh_incident)
    wake: Wake  # the deadline scheduler: new due times, and pages to fire at once
    firing: FiringDeps  # chat + Notify, for announcements after a commit
    tasks: BackgroundTasks
    members: Membership  # who may act: members of the host's directory, never its guests

    def wake_for(self, due: Iterable[datetime]) -> None:
        for when in due:
            self.wake.wake_at(when)
