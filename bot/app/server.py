"""One aiohttp process on one port: health now, Slack and Teams endpoints as they are built."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.app.container import Container
from handlers import http

log = logging.getLogger(__name__)

CONTAINER = web.AppKey("container", Container)


def build_web_app(container: Container) -> web.Application:
    app = web.Application(middlewares=[http.request_id_middleware], client_max_size=2 * 1024**2)
    app[CONTAINER] = container
    http.register(app, container.readiness)

    async def on_cleanup(_app: web.Application) -> None:
        await container.close()

    app.on_cleanup.append(on_cleanup)
    return app


async def serve(container: Container) -> None:
    """Run until SIGTERM or SIGINT, then stop taking requests and finish the ones in flight."""
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
