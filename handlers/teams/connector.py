"""The bot's own client of the Bot Connector service (v3 REST): send, update in place, open a
personal chat, and look up one member of a conversation.

Why not botframework-connector's `ConnectorClient`: it is synchronous msrest underneath (a
thread per call), knows no Retry-After, and the archived botbuilder-python will not change;
three REST calls over the aiohttp session the app already runs are easier to keep correct.

Authentication is OAuth2 client credentials against Microsoft Entra (`scope` =
`https://api.botframework.com/.default`); the token is cached until shortly before it expires
and fetched once however many sends wait for it. A 401 from the connector drops the cached
token and tries once more with a new one (a rotated secret, a token revoked early).

Teams throttles (429 with Retry-After) and its front end answers 412, 502, 503, 504 under load:
those are retried with backoff through the injected `sleep` (so tests and the scheduler's virtual
time do not wait). 400, 403, 404 and 413 are final: the same request will never succeed, and a
`ConnectorError` with `final=True` says so to the caller (who records it rather than retrying).
A caller that a person is waiting on (the member lookup behind a click) gives a `patience`: a
Retry-After or backoff longer than that is not waited out, the error is raised at once instead,
and each request is given that long again plus `QUICK_ANSWER` to answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"  # noqa: S105 (a URL, not a secret)
TENANT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"  # noqa: S105
SCOPE = "https://api.botframework.com/.default"

RETRIED = frozenset({412, 429, 500, 502, 503, 504})  # transient: asked again here, with backoff
FINAL = frozenset({400, 401, 403, 404, 413})  # the same request will never succeed
EXPIRY_MARGIN = 300.0  # seconds: a token is renewed this long before Entra says it expires
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is not waited out here
QUICK_ANSWER = 2.0  # seconds: beyond the patience, how long a request a person waits on may take
BASE_BACKOFF = 1.0  # seconds, doubled at each retry


class ConnectorError(Exception):
    """The Bot Connector (or the token endpoint) refused. `status` is the HTTP status (0 when
    nothing answered), `code` the service's error code, `final` is True when no retry helps."""

    def __init__(self, status: int, code: str, message: str = "", *, final: bool) -> None:
        super().__init__(f"Bot Connector answered {status} {code}: {message}".strip())
        self.status = status
        self.code = code
        self.final = final


class BotConnector:
    def __init__(
        self,
        *,
        app_id: str,
        app_password: str,
        tenant_id: str = "",
        token_url: str = DEFAULT_TOKEN_URL,
        session: aiohttp.ClientSession | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        attempts: int = 4,
    ) -> None:
        self._app_id = app_id
        self._app_password = app_password
        # A single-tenant bot takes its tokens from its own tenant, not botframework.com.
        if tenant_id and token_url == DEFAULT_TOKEN_URL:
            token_url = TENANT_TOKEN_URL.format(tenant=quote(tenant_id, safe=""))
        self._token_url = token_url
        self._session = session
        self._owns_session = session is None
        self._sleep = sleep
        self._attempts = max(1, attempts)
        self._token = ""
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        """Post `activity` in the conversation; returns the new activity's id."""
        url = f"{_base(service_url)}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        answer = await self._call("POST", url, activity)
        return str(answer.get("id", ""))

    async def update(
        self,
        service_url: str,
        conversation_id: str,
        activity_id: str,
        activity: dict[str, Any],
    ) -> None:
        """Replace the activity `activity_id` (a card updated in place)."""
        url = (
            f"{_base(service_url)}/v3/conversations/{quote(conversation_id, safe='')}"
            f"/activities/{quote(activity_id, safe='')}"
        )
        await self._call("PUT", url, {**activity, "id": activity_id})

    async def create_personal(
        self, service_url: str, tenant_id: str, bot_id: str, user_id: str
    ) -> str:
        """Open (or find: Teams answers the same id again) the 1:1 chat between the bot and
        `user_id` (an Entra object id or a `29:` id); returns its conversation id."""
        body = {
            "bot": {"id": bot_id},
            "members": [{"id": user_id}],
            "isGroup": False,
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        answer = await self._call("POST", f"{_base(service_url)}/v3/conversations", body)
        conversation_id = str(answer.get("id", ""))
        if not conversation_id:
            raise ConnectorError(200, "NoConversationId", "no id in the answer", final=True)
        return conversation_id

    async def member(
        self, service_url: str, conversation_id: str, member_id: str, *, patience: float
    ) -> dict[str, Any]:
        """One member of a conversation as Teams knows them: its `TeamsChannelAccount` (`id`,
        `name`, `aadObjectId`, `email`, `userPrincipalName`, `tenantId`, `userRole`).

        `GET /v3/conversations/{conversationId}/members/{memberId}`, as botbuilder's
        `TeamsInfo.get_member` asks it (the activity's conversation id, even in a team's
        channel; the member's `29:` id). Someone not in the conversation is a 404
        (`MemberNotFoundInConversation`), final like every 404 here. `patience`: the longest
        single wait (a Retry-After, a backoff) worth making while a person waits."""
        url = (
            f"{_base(service_url)}/v3/conversations/{quote(conversation_id, safe='')}"
            f"/members/{quote(member_id, safe='')}"
        )
        return await self._call("GET", url, None, patience=patience)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    # -- the HTTP exchange -------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
            self._owns_session = True
        return self._session

    async def _call(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None,
        *,
        patience: float = MAX_RETRY_AFTER,
    ) -> dict[str, Any]:
        # the session's 30 s per request, unless a person is waiting
        within = None if patience >= MAX_RETRY_AFTER else patience + QUICK_ANSWER
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                status, retry_after, answer = await self._exchange(method, url, body, within)
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = ConnectorError(0, type(exc).__name__, "no answer", final=False)
                if attempt >= self._attempts or _backoff(attempt) > patience:
                    raise error from exc
                await self._sleep(_backoff(attempt))
                continue
            if status < 300:
                return answer
            if status == 401 and not renewed:
                renewed = True  # once: a token Entra revoked early, or a rotated secret
                self._token = ""
                attempt -= 1
                continue
            error = _error(status, answer)
            delay = _delay(status, retry_after, attempt)
            if error.final or attempt >= self._attempts or delay > patience:
                raise error
            log.info("Bot Connector answered %s; retrying (attempt %s)", status, attempt)
            await self._sleep(delay)

    async def _exchange(
        self, method: str, url: str, body: dict[str, Any] | None, within: float | None = None
    ) -> tuple[int, str, dict[str, Any]]:
        """One request: the status, the Retry-After header ("" if none) and the JSON answer.
        A GET carries no body; `within` (seconds) in place of the session's timeout."""
        token = await self._bearer()
        http = self._http()
        timeout = aiohttp.ClientTimeout(total=within) if within else http.timeout
        async with http.request(
            method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        ) as response:
            retry_after = response.headers.get("Retry-After", "")
            return response.status, retry_after, await _json(response)

    async def _bearer(self) -> str:
        async with self._token_lock:
            if self._token and time.monotonic() < self._token_expires:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self._app_id,
                "client_secret": self._app_password,
                "scope": SCOPE,
            }
            try:
                async with self._http().post(self._token_url, data=form) as response:
                    answer = await _json(response)
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise ConnectorError(
                    0, "TokenUnreachable", type(exc).__name__, final=False
                ) from exc
            token = answer.get("access_token")
            if status != 200 or not isinstance(token, str) or not token:
                # A wrong id or secret (400/401) will not get better by asking again.
                code = str(answer.get("error", "TokenRefused"))
                raise ConnectorError(status, code, "no token", final=status in (400, 401))
            lifetime = _seconds(answer.get("expires_in"), default=3600.0)
            self._token = token
            self._token_expires = time.monotonic() + max(0.0, lifetime - EXPIRY_MARGIN)
            return token


def _base(service_url: str) -> str:
    if not service_url.startswith(("https://", "http://")):
        raise ConnectorError(0, "BadServiceUrl", "serviceUrl is not an http(s) URL", final=True)
    return service_url.rstrip("/")


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _error(status: int, answer: dict[str, Any]) -> ConnectorError:
    """The Bot Connector's `ErrorResponse` (`{"error": {"code", "message"}}`), as an error."""
    detail = answer.get("error")
    code, message = "", ""
    if isinstance(detail, dict):
        code = str(detail.get("code", ""))
        message = str(detail.get("message", ""))
    final = status in FINAL or (status < 500 and status not in RETRIED)
    return ConnectorError(status, code or f"HTTP{status}", message, final=final)


def _delay(status: int, retry_after: str, attempt: int) -> float:
    """Teams' Retry-After when it gives one (a 429), else exponential backoff."""
    wait = _seconds(retry_after, default=-1.0) if retry_after else -1.0
    if wait >= 0:
        return min(wait, MAX_RETRY_AFTER)
    return _backoff(attempt)


def _backoff(attempt: int) -> float:
    return float(BASE_BACKOFF * 2 ** (attempt - 1))


def _seconds(value: object, *, default: float) -> float:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return default
