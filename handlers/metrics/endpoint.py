"""`GET /metrics` in Prometheus' text format, and the middleware that times every answer.

With CIR_METRICS_TOKEN set, a scrape must carry `Authorization: Bearer <token>`; the token is
compared in constant time and anything else is a 401 that says nothing of the metrics. The
gauges that come from the database (incidents per state, deadlines pending and overdue) are
read at the scrape, by two grouped queries (storage.metrics_counts).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.domain.deadlines import DeadlineKind
from bot.domain.states import State
from handlers.metrics.prometheus import PrometheusMetrics
from storage.metrics_counts import ScrapeCounts

log = logging.getLogger(__name__)

PATH = "/metrics"
UNMATCHED = "unmatched"  # any path no route serves: one label, however many paths are tried

Counts = Callable[[], Awaitable[ScrapeCounts]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def route_of(request: web.Request) -> str:
    """The route as registered (`/slack/events`), never the path as sent."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def timing_middleware(metrics: PrometheusMetrics) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            elapsed = time.perf_counter() - started
            metrics.http_answered(route_of(request), request.method, status, elapsed)

    return timed


def _authorised(request: web.Request, token: str) -> bool:
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    # compare_digest on bytes: a non-ASCII header is simply wrong, never a 500
    expected = token.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), expected)


def register(app: web.Application, metrics: PrometheusMetrics, counts: Counts, token: str) -> None:
    async def scrape(request: web.Request) -> web.Response:
        if not _authorised(request, token):
            return web.Response(
                status=401,
                text="unauthorised\n",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        try:
            found = await counts()
        except Exception as exc:  # the database is down: the counters still tell a story
            log.warning("metrics: counts unavailable (%s)", type(exc).__name__, exc_info=True)
        else:
            metrics.set_counts(
                {s.value: found.incidents.get(s.value, 0) for s in State},
                {k.value: found.pending.get(k.value, 0) for k in DeadlineKind},
                {k.value: found.overdue.get(k.value, 0) for k in DeadlineKind},
            )
        body = metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get(PATH, scrape)
