"""Build the Bolt app: a Web API client on SLACK_API_URL that retries rate limits and server
errors, the listeners grouped by kind, and one error handler for malformed payloads. The HTTP
endpoint in front of it (signature, shape, replays) is handlers.slack.endpoint."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.exercise import ServiceMode
from bot.ports import UnitOfWorkFactory
from bot.ports.metrics import NULL_METRICS, Metrics
from bot.ports.wake import Wake
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.org_bindings import LearntTeams
from handlers.slack.chat import SlackChat
from handlers.slack.context import SlackDeps
from handlers.slack.endpoint import PATH as PATH
from handlers.slack.errors import on_error
from handlers.slack.identity import Identity
from handlers.slack.listeners import (
    activation,
    buttons,
    commands,
    ending,
    events,
    forms,
    lessons,
    notes,
    options,
    report,
    response,
    workspaces,
)
from handlers.slack.listeners.subcommands import Subcommand
from handlers.slack.marked import MarkedWebClient
from handlers.slack.metered_client import MeteredWebClient
from handlers.slack.refusals import remember_acting
from handlers.slack.room import SlackRoom
from handlers.tasks import BackgroundTasks

log = logging.getLogger(__name__)
# Listener modules by kind; each has register(app, deps) and may offer SUBCOMMANDS for /cir.
GROUPS: tuple[ModuleType, ...] = (
    forms,
    buttons,
    events,
    options,
    activation,
    response,
    ending,
    notes,
    lessons,
    report,
    workspaces,
)


WEB_API_LOG = logging.getLogger("handlers.slack.webapi")


def web_client(
    token: str,
    api_url: str,
    *,
    retries: bool = True,
    timeout: int = 10,
    metrics: Metrics = NULL_METRICS,
    mode: ServiceMode | None = None,
) -> AsyncWebClient:
    """With `retries`, 429s (after Retry-After), 5xx and connection errors are retried. The
    client for deadline firings has none and a short timeout: a firing holds the incident's
    lock while it sends, and its retries come from the deadline's own backoff instead."""
    base = api_url if api_url.endswith("/") else api_url + "/"
    # An explicit level: slack_sdk formats every request (modals included) for its debug log
    # when its own logger's level is unset, which costs CPU on the hot path.
    WEB_API_LOG.setLevel(logging.WARNING)
    handlers = [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=3),
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
    ]
    options: dict[str, Any] = dict(
        metrics=metrics,
        logger=WEB_API_LOG,
        token=token,
        base_url=base,
        timeout=timeout,
        retry_handlers=handlers if retries else [],
    )
    if mode is not None and mode.marked:  # an exercise or a fast clock: shown on every screen
        return MarkedWebClient(mode=mode, **options)
    return MeteredWebClient(**options)


@dataclass(frozen=True)
class SlackOutbound:
    """Slack as the core's firings reach it, made before the deadline scheduler (which is
    given `firing_chat`) and then handed, whole, to `build_slack`."""

    client: AsyncWebClient
    room: SlackRoom
    chat: SlackChat
    firing_chat: SlackChat  # no client-side retries: used under the incident lock


def slack_outbound(
    *, token: str, api_url: str, uow: UnitOfWorkFactory, ctx: CoreContext
) -> SlackOutbound:
    client = web_client(token, api_url, metrics=ctx.metrics, mode=ctx.mode)
    room = SlackRoom(client, uow, ctx)
    firing_client = web_client(
        token, api_url, retries=False, timeout=5, metrics=ctx.metrics, mode=ctx.mode
    )
    return SlackOutbound(
        client=client,
        room=room,
        chat=SlackChat(client, uow, ctx, room),
        firing_chat=SlackChat(firing_client, uow, ctx, room),
    )


def build_slack(
    *,
    outbound: SlackOutbound,
    signing_secret: str,
    uow: UnitOfWorkFactory,
    ctx: CoreContext,
    tasks: BackgroundTasks,
    wake: Wake,
    firing: FiringDeps,
) -> tuple[AsyncApp, SlackDeps]:
    """The Bolt app and its listeners' dependencies, complete: nothing is set on them later."""
    client = outbound.client
    # process_before_response: the listener decides when to answer (ack), and everything slow is
    # spawned as a background task, so the HTTP response never waits for the Web API.
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
        # handlers.slack.endpoint is the only way in, and it has checked the signature on the
        # raw bytes already; a second HMAC and parse per request in Bolt buys nothing
        request_verification_enabled=False,
    )
    app.middleware(remember_acting)  # who to tell if Slack refuses what their action posts
    app.error(on_error)
    # work after an acknowledged action that fails is told to the person acting, in their channel
    tasks.when_failed(outbound.room.refusals.tell)
    learnt = LearntTeams(uow, ctx)
    deps = SlackDeps(
        client=client,
        uow=uow,
        ctx=ctx,
        identity=Identity(client, ctx.policy, clock=ctx.clock, learnt=learnt.council_for),
        room=outbound.room,
        tasks=tasks,
        chat=outbound.chat,
        firing_chat=outbound.firing_chat,
        wake=wake,
        firing=firing,
        learnt_teams=learnt,
    )
    extra: dict[str, Subcommand] = {}
    for group in GROUPS:
        extra.update(getattr(group, "SUBCOMMANDS", {}))
    # Bolt tries listeners in registration order: /cir is the hot path, so it goes first.
    commands.register(app, deps, extra)
    for group in GROUPS:
        group.register(app, deps)
    return app, deps


async def open_http_session(deps: SlackDeps) -> None:
    """Long-lived HTTP sessions for the Web API: slack_sdk otherwise opens a new session (and,
    in production, a new TLS connection) for every call.

    One per client, each with that client's own timeout: slack_sdk applies `timeout` only to
    a session it opens itself, so with one shared session (10 s) the firing client's 5 s was
    lost, and a firing could hold the incident's lock, and "contact made" with it, for 10 s
    of a stuck Slack. Separate connection pools also keep a page from waiting for a
    connection behind the listeners' calls (cards, channels, invitations) under a burst."""
    for client in _clients(deps):
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))


def _clients(deps: SlackDeps) -> list[AsyncWebClient]:
    clients = [deps.client, deps.firing_chat.client]
    return clients[:1] if clients[0] is clients[1] else clients


async def close_http_session(deps: SlackDeps) -> None:
    for client in _clients(deps):
        if client.session is not None:
            await client.session.close()
        client.session = None
