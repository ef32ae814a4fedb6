"""What every Slack listener needs, built once by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.app.tasks import BackgroundTasks
from bot.ports import UnitOfWorkFactory
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.org_bindings import LearntTeams
from handlers.slack.chat import SlackChat
from handlers.slack.identity import Identity
from handlers.slack.room import SlackRoom


@dataclass
class SlackDeps:
    client: AsyncWebClient
    uow: UnitOfWorkFactory
    ctx: CoreContext
    identity: Identity
    room: SlackRoom
    tasks: BackgroundTasks
    chat: SlackChat
    firing_chat: SlackChat | None = None  # no client-side retries: used under the incident lock
    wake: Callable[[datetime], None] | None = None  # tell the deadline scheduler of a new due time
    firing: FiringDeps | None = None  # chat + Notify, for announcements after a commit
    # fire these due deadlines now (the scheduler's own claim), for a page right after a commit
    fire_now: Callable[[Sequence[str]], Awaitable[int]] | None = None
    learnt_teams: LearntTeams | None = None  # councils' confirmed workspaces, cached
