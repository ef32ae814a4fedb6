"""The composition root: builds the engine, the unit of work, the policy and the clock, once,
when the service starts (never at import time)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.settings import Settings
from bot.app.timeline_key import timeline_key
from bot.domain.clock import Clock, SystemClock
from bot.policy.load import load_policy
from bot.ports.notify import Notifier
from bot.usecases.context import CoreContext
from handlers.notify import build_notifier
from storage import migrate
from storage.database import DatabaseTarget, create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory

if TYPE_CHECKING:  # the Slack edge is imported only when Slack is configured
    from handlers.slack.context import SlackDeps


@dataclass
class Container:
    settings: Settings
    target: DatabaseTarget
    engine: AsyncEngine
    uow: SqlUnitOfWorkFactory
    ctx: CoreContext
    notifier: Notifier
    # the Slack edge, built complete when the server mounts it (None when Slack is not set up)
    slack: SlackDeps | None = None

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
            return checks
        try:
            state = await asyncio.to_thread(migrate.status, self.target)
            checks["schema"] = (
                "ok" if state.is_current else f"at {state.current}, need {state.head}"
            )
        except Exception as exc:
            checks["schema"] = f"unknown: {type(exc).__name__}"
        return checks

    async def close(self) -> None:
        closing = getattr(self.notifier, "close", None)  # the Notify adapter's connections
        if closing is not None:
            await closing()
        await self.engine.dispose()


def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Validate everything first; raises ConfigError / DatabaseUrlError / SchemaError clearly."""
    policy = load_policy(settings.config_dir, contact_deadline=settings.contact_deadline)
    target = parse_database_url(settings.database_url)
    key = timeline_key(settings)
    if settings.auto_migrate:
        migrate.upgrade(target, key)
    else:
        migrate.require_current(target)
    engine = create_engine_for(target)
    return Container(
        settings=settings,
        target=target,
        engine=engine,
        uow=SqlUnitOfWorkFactory(engine, key),
        ctx=CoreContext(clock=clock or SystemClock(), policy=policy),
        notifier=build_notifier(
            settings.notify_api_key,
            settings.notify_base_url,
            settings.notify_email_template_id,
            settings.notify_sms_template_id,
            settings.notify_file_template_id,
        ),
    )
