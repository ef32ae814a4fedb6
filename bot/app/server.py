"""One aiohttp process on one port: health, Slack (and Teams as it is built)."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.app.container import Container
from bot.app.tasks import BackgroundTasks
from handlers import http

log = logging.getLogger(__name__)

CONTAINER = web.AppKey("container", Container)
TASKS = web.AppKey("tasks", BackgroundTasks)


def build_web_app(container: Container, tasks: BackgroundTasks | None = None) -> web.Application:
    """Mount every enabled platform. Without Slack credentials the service still starts (health
    and the database work), so an operator can check a deployment before wiring Slack."""
    tasks = BackgroundTasks() if tasks is None else tasks
    app = web.Application(middlewares=[http.request_id_middleware], client_max_size=2 * 1024**2)
    app[CONTAINER] = container
    app[TASKS] = tasks
    http.register(app, container.readiness)
    settings = container.settings
    if settings.slack_enabled:
        from handlers.slack.app import build_slack, mount

        bolt, deps = build_slack(
            token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret,
            api_url=settings.slack_api_url,
            uow=container.uow,
            ctx=container.ctx,
            tasks=tasks,
        )
        container.slack = deps
        mount(app, bolt)
    else:
        log.warning("Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): not mounted")

    async def on_cleanup(_app: web.Application) -> None:
        await tasks.drain(within=10)
        await container.close()

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
