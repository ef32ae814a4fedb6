"""Health endpoints: /healthz says the process is alive, /readyz that it can do its job
(database reachable and on the current schema, deadline sweep running, Slack accepting the
token: bot.app.readiness)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from handlers.log_context import request_id

log = logging.getLogger(__name__)

# (checks, details): every check must read "ok" to be ready; details are figures beside them
ReadinessCheck = Callable[[], Awaitable[tuple[dict[str, str], dict[str, Any]]]]


@web.middleware
async def request_id_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    rid = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]
    token = request_id.set(rid)
    started = time.perf_counter()
    try:
        response = await handler(request)
        response.headers["X-Request-Id"] = rid
        return response
    finally:
        log.debug(
            "request done",
            extra={
                "path": request.path,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        request_id.reset(token)


def register(app: web.Application, readiness: ReadinessCheck) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_request: web.Request) -> web.Response:
        checks, details = await readiness()
        ok = all(v == "ok" for v in checks.values())
        body: dict[str, Any] = {"status": "ready" if ok else "not ready", "checks": checks}
        if details:
            body["details"] = details
        return web.json_response(body, status=200 if ok else 503)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
