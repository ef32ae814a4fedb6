"""Runtime wiring: the chat platforms the core can reach, the deadline scheduler and its firing
handler. Kept apart from the HTTP server so tests and benchmarks can build the same runtime."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from bot.app.chats import Chats
from bot.app.container import Container
from bot.app.metering import MeteredChat, MeteredNotifier, count_firing
from bot.app.purge import DatabasePurge
from bot.app.scheduler import DeadlineScheduler
from bot.domain.bindings import Platform
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.ports.chat import ChatDelivery, ChatPort, OutboundMessage
from bot.ports.notify import Notifier
from bot.usecases.firing import FiringDeps, fire
from bot.usecases.firing.monthly_figures import MonthlyFiguresPort
from bot.usecases.firing.retention_purge import purged_by
from handlers.notify.client import DisabledNotifier, NotifyNotifier
from handlers.notify.marked import MarkedNotifier
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


class NoChat:
    """No chat platform is configured: every delivery reports that, honestly, so the timeline
    says an escalation could not be posted rather than pretending it was."""

    async def _none(self, route: str) -> ChatDelivery:
        return ChatDelivery(False, route, "no chat platform is configured", final=True)

    async def to_incident(self, incident_id: str, message: OutboundMessage) -> ChatDelivery:
        return await self._none("chat:incident")

    async def to_channel(self, channel: str, message: OutboundMessage) -> ChatDelivery:
        return await self._none(f"chat:{channel}")

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        return await self._none(f"chat:dm:{user}")

    async def invite_provider(self, incident_id: str, provider_id: str) -> ChatDelivery:
        return await self._none(f"chat:invite:{provider_id}")

    async def refresh_incident(self, incident_id: str) -> None:
        return None


def for_firings(notifier: Notifier) -> Notifier:
    """The notifier deadline firings use: one short attempt per send where the notifier can be
    told so. A firing sends while it holds the incident's lock ("contact made" waits for it),
    and the scheduler retries a firing that delivered nothing, with a backoff."""
    if isinstance(notifier, NotifyNotifier | DisabledNotifier | MarkedNotifier):
        return notifier.single_attempt()
    return notifier


# Firings whose record the incident card shows: the card is redrawn once they are committed.
REDRAW_CARD_AFTER = frozenset({DeadlineKind.REPORT_DELIVERY_CHECK})


@dataclass
class Runtime:
    firing: FiringDeps
    scheduler: DeadlineScheduler


def build_runtime(
    container: Container,
    chat: ChatPort | None,
    *,
    sweep_seconds: float = 2.0,
    figures: MonthlyFiguresPort | None = None,
    teams: ChatPort | None = None,
) -> Runtime:
    """`chat` is Slack's port and `teams` Teams' (each None when not configured): firings reach
    an incident on every platform it is on, and a Teams organisation on Teams."""
    metrics = container.ctx.metrics
    ports: dict[Platform, ChatPort] = {}
    if chat is not None:
        ports[Platform.SLACK] = MeteredChat(chat, metrics)
    if teams is not None:
        ports[Platform.TEAMS] = MeteredChat(teams, metrics)
    chats = Chats(ports, container.uow, container.ctx.policy)
    deps = FiringDeps(
        ctx=container.ctx,
        # with no platform yet it answers as NoChat does; Teams may be attached after this
        chat=chats,
        chats=chats,
        notifier=MeteredNotifier(for_firings(container.notifier), metrics),
        figures=figures,
        purge=DatabasePurge(),
    )

    async def handler(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    scheduler = DeadlineScheduler(
        container.uow,
        container.ctx.clock,
        handler,
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        sweep_seconds=sweep_seconds,
    )
    chat_port = deps.chat

    async def after_commit(deadline: Deadline) -> None:
        count_firing(deadline, metrics)
        if deadline.kind in REDRAW_CARD_AFTER:
            await chat_port.refresh_incident(deadline.incident_id)
        # the pinned card and the triage card are the bot's own messages: redrawn, a purged
        # incident's no longer show its personal data (one card failing stops none of the rest)
        for incident_id in purged_by(deadline):
            try:
                await chat_port.refresh_incident(incident_id)
            except Exception as exc:
                log.warning(
                    "purged incident %s not redrawn: %s",
                    incident_id,
                    type(exc).__name__,
                    exc_info=True,
                )

    scheduler.after_commit = after_commit
    return Runtime(firing=deps, scheduler=scheduler)


# A firing holds the incident's lock while it sends ("contact made" waits for it), so on Teams it
# waits out at most this much throttling (the connector's own retries, each wait capped); what
# is still refused then is retried as a deadline row, with its outcome on the timeline.
TEAMS_ATTEMPTS = 3
TEAMS_LONGEST_WAIT = 5.0  # seconds


async def _short_sleep(seconds: float) -> None:
    await asyncio.sleep(min(seconds, TEAMS_LONGEST_WAIT))


def attach_teams(container: Container, runtime: Runtime) -> Callable[[], Awaitable[None]] | None:
    """When Teams is configured (MICROSOFT_APP_ID and _PASSWORD): TeamsChat becomes the Teams
    side of the runtime's chats, so firings, mirroring and card redraws reach Teams; returns
    what closes its connections at shutdown."""
    settings = container.settings
    chats = runtime.firing.chats
    if not settings.teams_enabled or not isinstance(chats, Chats):
        return None
    from handlers.teams.chat import TeamsChat
    from handlers.teams.connector import DEFAULT_TOKEN_URL, BotConnector

    connector = BotConnector(
        app_id=settings.teams_app_id,
        app_password=settings.teams_app_password,
        tenant_id=settings.teams_tenant_id,
        token_url=settings.teams_token_url or DEFAULT_TOKEN_URL,
        sleep=_short_sleep,
        attempts=TEAMS_ATTEMPTS,
    )
    teams = TeamsChat(connector, container.uow, container.ctx, app_id=settings.teams_app_id)
    chats.attach(Platform.TEAMS, MeteredChat(teams, container.ctx.metrics))
    chats.policy = container.ctx.policy
    redraw_with_slack(container, chats)
    return connector.close


def redraw_with_slack(container: Container, chats: Chats) -> None:
    """A Slack flow's redraw of an incident's cards redraws its cards on the other platforms."""
    if container.slack is not None:
        container.slack.room.elsewhere = partial(
            chats.refresh_incident, except_platform=Platform.SLACK
        )
