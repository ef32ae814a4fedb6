"""One aiohttp process on one port: health, Slack (and Teams as it is built)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from aiohttp import web

from bot.app.container import Container
from bot.app.purge import DailyPurge
from bot.app.wiring import Runtime, build_runtime
from handlers import http
from handlers.tasks import BackgroundTasks

log = logging.getLogger(__name__)

CONTAINER = web.AppKey("container", Container)
TASKS = web.AppKey("tasks", BackgroundTasks)
RUNTIME = web.AppKey("runtime", Runtime)


def build_web_app(
    container: Container,
    tasks: BackgroundTasks | None = None,
    *,
    start_scheduler: bool = True,
    sweep_seconds: float = 2.0,
) -> web.Application:
    """Mount every enabled platform and the deadline scheduler. Without Slack credentials the
    service still starts (health, the database and deadlines work), so an operator can check a
    deployment before wiring Slack."""
    tasks = BackgroundTasks() if tasks is None else tasks
    app = web.Application(middlewares=[http.request_id_middleware], client_max_size=2 * 1024**2)
    app[CONTAINER] = container
    app[TASKS] = tasks
    http.register(app, container.readiness)
    settings = container.settings
    if not settings.slack_enabled:
        log.warning("Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): not mounted")
        app[RUNTIME] = runtime = build_runtime(container, None, sweep_seconds=sweep_seconds)
    else:
        from handlers.slack.app import build_slack, slack_outbound
        from handlers.slack.endpoint import mount
        from storage.deliveries import MemoryDeliveryLog, SqlDeliveryLog

        # Slack's outbound side first: the scheduler's firings post through it; then the edge,
        # complete, with the scheduler as its wake-up.
        outbound = slack_outbound(
            token=settings.slack_bot_token,
            api_url=settings.slack_api_url,
            uow=container.uow,
            ctx=container.ctx,
        )
        runtime = build_runtime(container, outbound.firing_chat, sweep_seconds=sweep_seconds)
        app[RUNTIME] = runtime
        bolt, container.slack = build_slack(
            outbound=outbound,
            signing_secret=settings.slack_signing_secret,
            uow=container.uow,
            ctx=container.ctx,
            tasks=tasks,
            wake=runtime.scheduler,
            firing=runtime.firing,
        )
        mount(
            app,
            bolt,
            tasks,
            signing_secret=settings.slack_signing_secret,
            deliveries=(
                MemoryDeliveryLog()
                if container.engine.dialect.name == "sqlite"
                else SqlDeliveryLog(container.engine)
            ),
        )
    # who goes first on the one event loop: answers and pages, the ladder, the rest
    tasks.also_busy_when(lambda: runtime.scheduler.firing_urgent)
    runtime.scheduler.hold_back = tasks.people_waiting
    daily_purge = DailyPurge(
        container.uow,
        container.ctx.policy.retention,
        container.ctx.clock.now,
        runtime.scheduler.worker_id,
        runtime.firing.chat.refresh_incident,
    )

    async def on_startup(_app: web.Application) -> None:
        if container.slack is not None:
            from handlers.slack.app import open_http_session

            await open_http_session(container.slack)
        if start_scheduler:
            await runtime.scheduler.start()
            daily_purge.start()
        # Everything built so far lives for the whole process: keep it out of the collector's
        # generations so full collections do not pause request handling for tens of ms.
        gc.collect()
        gc.freeze()

    async def on_cleanup(_app: web.Application) -> None:
        await runtime.scheduler.stop()
        await daily_purge.stop()
        await tasks.drain(within=10)
        if container.slack is not None:
            from handlers.slack.app import close_http_session

            await close_http_session(container.slack)
        await container.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


async def serve(container: Container) -> None:
    """Run until SIGTERM or SIGINT, then stop taking requests and finish the work in flight."""
    app = build_web_app(container)
    runner = web.AppRunner(app, shutdown_timeout=10)
    await runner.setup()
    site = web.TCPSite(runner, container.settings.host, container.settings.port)
    await site.start()
    log.info("CIR bot listening", extra={"path": f":{container.settings.port}"})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    await runner.cleanup()
