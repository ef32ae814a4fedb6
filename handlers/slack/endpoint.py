"""The Slack Request URL: verify, check the shape, drop replays, then hand over to Bolt.

Order matters. The signature is checked on the raw bytes first (handlers.slack.verify), so a
stranger's request costs one HMAC and never reaches a parser, a log line above DEBUG or the
database. A signed request that is malformed is a 400 and one WARNING (handlers.slack.shape,
handlers.slack.errors). Only then is the delivery's key claimed (handlers.slack.replay), so
junk cannot fill the table, and only a request that is new reaches Bolt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from handlers.log_context import request_id
from handlers.slack.errors import describe, is_malformed
from handlers.slack.parse import MalformedPayload
from handlers.slack.replay import DeliveryLog, delivery_key
from handlers.slack.shape import check_shape
from handlers.slack.verify import Rejected, SignedRequest, SlackSignature, verify_request
from handlers.tasks import BackgroundTasks
from storage.errors import commits

log = logging.getLogger(__name__)
PATH = "/slack/events"


def refuse(status: int, reason: str) -> web.Response:
    """A short JSON answer; nothing from the request is echoed back."""
    return web.json_response({"ok": False, "error": reason}, status=status)


def is_ssl_check(raw: bytes) -> bool:
    """Slack's certificate probe of a slash command URL, which Bolt answers before checking any
    signature: a 200 that reads nothing, stores nothing and logs nothing."""
    return raw == b"ssl_check=1" or (raw.startswith(b"ssl_check=1&") and b"payload" not in raw)


def malformed(kind: object, reason: str) -> web.Response:
    log.warning("malformed Slack %s: %s", str(kind)[:40], reason)
    return refuse(400, f"malformed request: {reason}")


def bolt_request(request: web.Request, signed: SignedRequest) -> AsyncBoltRequest:
    """Bolt's request for the verified body. Bolt reads any form whose text contains the word
    "payload" as an interaction, so `/cir note payload …` became an empty body; the payload
    parsed in verify is the one that counts."""
    req = AsyncBoltRequest(
        body=signed.text,
        query=request.query_string,
        headers=dict(request.headers),
    )
    if req.body != signed.payload:
        req.body = signed.payload
        req.context = build_async_context(AsyncBoltContext({}), signed.payload)
    return req


def mount(
    web_app: web.Application,
    bolt: AsyncApp,
    tasks: BackgroundTasks,
    *,
    signing_secret: str,
    deliveries: DeliveryLog,
    now: Callable[[], float] = time.time,
) -> None:
    signature = SlackSignature(signing_secret, now)

    async def endpoint(request: web.Request) -> web.StreamResponse:
        """The answer is written out before returning, so the work its listener spawned (and
        everyone else's) starts only once Slack has it (see BackgroundTasks)."""
        raw = await request.read()
        if is_ssl_check(raw):
            return web.Response(status=200)
        try:
            signed = verify_request(signature, request.headers, raw, request.content_type)
            check_shape(signed.payload)
        except Rejected as refusal:
            if refusal.signed:
                return malformed("request", refusal.reason)
            log.debug("refused unsigned Slack request: %s", refusal.reason)
            return refuse(refusal.status, refusal.reason)
        except MalformedPayload as exc:
            return malformed(signed.payload.get("type") or signed.payload.get("command"), str(exc))
        key, expires = delivery_key(signed)
        commits.set(0)  # this request's stores, for telling truthfully what a failure kept
        async with tasks.answering():
            if not await _claim(deliveries, key, expires, datetime.fromtimestamp(now(), UTC)):
                log.info("duplicate Slack delivery ignored")
                response = web.Response(status=200, headers={"X-Slack-No-Retry": "1"})
            else:
                response = await _dispatch(bolt, request, signed, key, deliveries)
            response.headers["X-Request-Id"] = request_id.get()
            await response.prepare(request)
            await response.write_eof()
        return response

    web_app.router.add_post(PATH, endpoint)


async def _claim(deliveries: DeliveryLog, key: str, expires: datetime, at: datetime) -> bool:
    """With the database unreachable the replay check cannot be made; the request is handled
    all the same, so its listener answers and the person is told their action could not be
    stored (a retried delivery then cannot store anything twice either). Refusing it instead
    left Slack showing "dispatch_failed" and nothing in plain words."""
    try:
        return await deliveries.claim(key, expires, at)
    except Exception as exc:
        log.warning(
            "delivery not claimed (%s): handled without the replay check",
            type(exc).__name__,
            exc_info=True,
        )
        return True


async def _release(deliveries: DeliveryLog, key: str) -> None:
    try:
        await deliveries.release(key)
    except Exception as exc:
        log.warning("delivery not released (%s)", type(exc).__name__, exc_info=True)


async def _dispatch(
    bolt: AsyncApp, request: web.Request, signed: SignedRequest, key: str, deliveries: DeliveryLog
) -> web.Response:
    kind = signed.payload.get("type") or signed.payload.get("command")
    try:
        bolt_response = await bolt.async_dispatch(bolt_request(request, signed))
    except Exception as exc:
        if is_malformed(exc):  # raised by Bolt itself while reading the payload
            return malformed(kind, describe(exc))
        await _release(deliveries, key)
        raise
    except BaseException:
        await _release(deliveries, key)
        raise
    if bolt_response.status >= 500:
        await _release(deliveries, key)
    return await to_aiohttp_response(bolt_response)
