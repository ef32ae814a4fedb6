"""The Teams edge built complete, once, when the server mounts `/api/messages` (only when
MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD are set)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.ports import UnitOfWorkFactory
from bot.ports.chat import ChatPort
from bot.ports.wake import Wake
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from handlers.tasks import BackgroundTasks
from handlers.teams.auth import DEFAULT_OPENID_METADATA_URL, BotFrameworkAuth
from handlers.teams.cards import Cards, RenderedCards
from handlers.teams.connector import DEFAULT_TOKEN_URL, BotConnector
from handlers.teams.context import TeamsDeps
from handlers.teams.endpoint import mount
from handlers.teams.membership import Membership


@dataclass(frozen=True)
class TeamsCredentials:
    app_id: str
    app_password: str
    tenant_id: str = ""
    openid_metadata_url: str = ""  # "" = Bot Framework's own
    token_url: str = ""  # "" = Entra's (the tenant's for a single-tenant bot)


def mount_teams(
    web_app: web.Application,
    credentials: TeamsCredentials,
    *,
    uow: UnitOfWorkFactory,
    ctx: CoreContext,
    chat: ChatPort,
    wake: Wake,
    firing: FiringDeps,
    tasks: BackgroundTasks,
    cards: Cards | None = None,
) -> TeamsDeps:
    connector = BotConnector(
        app_id=credentials.app_id,
        app_password=credentials.app_password,
        tenant_id=credentials.tenant_id,
        token_url=credentials.token_url or DEFAULT_TOKEN_URL,
    )
    auth = BotFrameworkAuth(
        credentials.app_id,
        metadata_url=credentials.openid_metadata_url or DEFAULT_OPENID_METADATA_URL,
    )
    deps = TeamsDeps(
        uow=uow,
        ctx=ctx,
        connector=connector,
        cards=cards if cards is not None else RenderedCards(),
        chat=chat,
        wake=wake,
        firing=firing,
        tasks=tasks,
        members=Membership(connector, ctx.clock),
    )
    mount(web_app, deps, auth)

    async def close(_app: web.Application) -> None:
        await connector.close()

    web_app.on_cleanup.append(close)
    return deps
