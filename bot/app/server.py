"""One aiohttp process on one port: health, metrics, Slack (and Teams as it is built)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web

from bot.app.chats import Chats
from bot.app.container import Container
from bot.app.monthly_post import schedule_monthly_post
from bot.app.purge import schedule_daily_purge
from bot.app.readiness import ServiceReadiness, SlackAuthCheck
from bot.app.wiring import Runtime, attach_teams, build_runtime
from handlers import http
from handlers.metrics.endpoint import register as register_metrics
from handlers.metrics.endpoint import timing_middleware
from handlers.metrics.prometheus import PrometheusMetrics
from handlers.notify.client import NotifyNotifier
from handlers.tasks import BackgroundTasks
from storage.metrics_counts import ScrapeCounter

if TYPE_CHECKING:  # the Teams edge is imported only when Teams is configured
    from handlers.teams.cards import Cards

log = logging.getLogger(__name__)

CONTAINER = web.AppKey("container", Container)
TASKS = web.AppKey("tasks", BackgroundTasks)
RUNTIME = web.AppKey("runtime", Runtime)
METRICS = web.AppKey("metrics", PrometheusMetrics)
READINESS = web.AppKey("readiness", ServiceReadiness)


def build_web_app(
    container: Container,
    tasks: BackgroundTasks | None = None,
    *,
    start_scheduler: bool = True,
    sweep_seconds: float = 2.0,
    teams_cards: Cards | None = None,
) -> web.Application:
    """Mount every enabled platform and the deadline scheduler. Without Slack credentials the
    service still starts (health, the database and deadlines work), so an operator can check a
    deployment before wiring Slack."""
    tasks = BackgroundTasks() if tasks is None else tasks
    metrics = PrometheusMetrics()
    container.ctx = replace(container.ctx, metrics=metrics)  # before any edge is built on it
    if isinstance(container.notifier, NotifyNotifier):
        container.notifier.on_api_error = partial(metrics.api_error, "notify")
    app = web.Application(
        middlewares=[http.request_id_middleware, timing_middleware(metrics)],
        client_max_size=2 * 1024**2,
    )
    app[CONTAINER] = container
    app[TASKS] = tasks
    app[METRICS] = metrics
    readiness = ServiceReadiness(container.readiness, sweep_seconds=sweep_seconds)
    app[READINESS] = readiness
    http.register(app, readiness)
    settings = container.settings
    counter = ScrapeCounter(container.engine)
    register_metrics(
        app, metrics, lambda: counter(container.ctx.clock.now()), settings.metrics_token
    )
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
        from handlers.slack.figures_post import SlackFiguresPost

        figures = SlackFiguresPost(outbound.client, container.ctx.policy.mhclg.triage_channel)
        runtime = build_runtime(
            container, outbound.firing_chat, sweep_seconds=sweep_seconds, figures=figures
        )
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
    close_teams_chat = attach_teams(container, runtime)  # Teams reached on the bot's own
    _mount_teams(app, container, runtime, tasks, teams_cards)
    if start_scheduler:
        readiness.sweep_age = runtime.scheduler.sweep_age
    if container.slack is not None:
        from handlers.slack.app import web_client

        # its own client: no retries and a short timeout, so a probe never waits on Slack
        probe = web_client(
            settings.slack_bot_token,
            settings.slack_api_url,
            retries=False,
            timeout=3,
            metrics=metrics,
        )
        readiness.slack = SlackAuthCheck(probe)
    # who goes first on the one event loop: answers and pages, the ladder, the rest
    tasks.also_busy_when(lambda: runtime.scheduler.firing_urgent)
    runtime.scheduler.hold_back = tasks.people_waiting
    runtime.scheduler.on_coalesced = metrics.wake_up_coalesced

    async def on_startup(_app: web.Application) -> None:
        if container.slack is not None:
            from handlers.slack.app import open_http_session

            await open_http_session(container.slack)
        if start_scheduler:
            # the service's own timed jobs, each a deadline row the scheduler fires
            for job, schedule in (
                ("monthly figures post", schedule_monthly_post),
                ("daily retention purge", schedule_daily_purge),
            ):
                try:
                    await schedule(container.uow, container.ctx)
                except Exception as exc:  # the database is down: the next start-up does it
                    log.warning("%s not scheduled: %s", job, type(exc).__name__, exc_info=True)
            await runtime.scheduler.start()
        # Everything built so far lives for the whole process: keep it out of the collector's
        # generations so full collections do not pause request handling for tens of ms.
        gc.collect()
        gc.freeze()

    async def on_cleanup(_app: web.Application) -> None:
        await runtime.scheduler.stop()
        await tasks.drain(within=10)
        await counter.close()
        if container.slack is not None:
            from handlers.slack.app import close_http_session

            await close_http_session(container.slack)
        await container.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    _then_close(app, close_teams_chat)
    return app


def _then_close(app: web.Application, close: Callable[[], Awaitable[None]] | None) -> None:
    """After the rest of the shutdown (the work in flight may still send): close `close`."""
    if close is not None:
        app.on_cleanup.append(lambda _app: close())


def _mount_teams(
    app: web.Application,
    container: Container,
    runtime: Runtime,
    tasks: BackgroundTasks,
    cards: Cards | None,
) -> None:
    """`/api/messages` on the same app and port as Slack, when MICROSOFT_APP_ID and
    MICROSOFT_APP_PASSWORD are set."""
    settings = container.settings
    if not settings.teams_enabled:
        return
    from handlers.teams.app import TeamsCredentials, mount_teams

    # every platform's cards are redrawn after a change: the composite, Slack's and Teams'
    chats = runtime.firing.chats

    credentials = TeamsCredentials(
        app_id=settings.teams_app_id,
        app_password=settings.teams_app_password,
        tenant_id=settings.teams_tenant_id,
        openid_metadata_url=settings.teams_openid_metadata_url,
        token_url=settings.teams_token_url,
    )
    mount_teams(
        app,
        credentials,
        uow=container.uow,
        ctx=container.ctx,
        chat=chats if isinstance(chats, Chats) else runtime.firing.chat,
        wake=runtime.scheduler,
        firing=runtime.firing,
        tasks=tasks,
        cards=cards,
    )


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
