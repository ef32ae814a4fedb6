"""Email and SMS through GOV.UK Notify, with retries, reported back as a Delivery.

Notify sends with templates. We use one generic email template whose personalisation is
`subject` and `body` (the template reads "((subject))" / "((body))") and one SMS template with
`body`, as many government services do for free-form alerts, so the wording stays in the bot's
view models and not in the Notify dashboard. Files (the post-incident report) need a third
template, the generic one plus a `((link_to_file))` placeholder: Notify puts the file's
download link there (NOTIFY_FILE_TEMPLATE_ID). The upload is built with the official client's
`prepare_upload`, so its size check and body shape are Notify's own.

Retries: 5xx, 429, timeouts and connection failures are retried with exponential backoff; 4xx
(bad request, bad key) are not, since sending the same request again cannot help. Notify has no
idempotency key, so a send that timed out may in fact have gone out: a retry can then duplicate
it. For an escalation, a duplicate is better than nothing. Deadline firings use
`single_attempt()`: they send while holding the incident's lock, and the scheduler retries the
whole firing later with a backoff instead.

The official client is synchronous (requests): each send would take a worker thread, and under a
burst of escalations (thousands of SMS and emails) those threads held the interpreter's lock
for long stretches while the event loop waited with pages and acknowledgements. So the requests
are sent on the event loop with aiohttp, speaking the same REST API the official client speaks
(its endpoints and bodies, and its own code for the signed token), on one connection pool.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from notifications_python_client import __version__ as CLIENT_VERSION
from notifications_python_client.authentication import create_jwt_token, epoch_seconds
from notifications_python_client.utils import prepare_upload

from bot.ports.notify import (
    NOTIFY_STATUSES,
    Attachment,
    Delivery,
    DeliveryState,
    DeliveryStatus,
    Notifier,
    Route,
)
from bot.views.sanitise import clean

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]

_KEY_SHAPE = re.compile(r".+-[0-9a-fA-F-]{36}-[0-9a-fA-F-]{36}")
_MAX_ERROR_CHARS = 200
NOT_CONFIGURED = "GOV.UK Notify is not configured (NOTIFY_API_KEY)"
NO_FILE_TEMPLATE = "sending files by email is not set up (NOTIFY_FILE_TEMPLATE_ID)"
# What a failure says when Notify (or a proxy in front of it) gave no error of its own: the
# status is the cause to record, never a parsing error of ours.
NO_ERROR_GIVEN = "(Notify answered without an error message)"
FILE_PLACEHOLDER = "link_to_file"  # the file template's ((link_to_file))
_NOTIFICATION_ID = re.compile(r"[0-9a-fA-F-]{36}")
# Per request, for a firing's single attempt: Notify answers in well under a second when well.
FIRING_TIMEOUT = 3.0


class _Failure(Exception):
    """One failed attempt, already reduced to safe text and whether a retry could help."""

    def __init__(
        self, text: str, retryable: bool, retry_after: float | None = None, code: str = "request"
    ) -> None:
        super().__init__(text)
        self.text = text
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code  # Notify's error name, or what went wrong: a metric label


def _ignore_error(method: str, error: str) -> None:
    return None


def _error_code(status: int, message: object) -> str:
    """Notify's first error name (`BadRequestError`, `RateLimitError`, ...), else the status:
    a closed set, fit for a metric's label."""
    if isinstance(message, list) and message and isinstance(message[0], dict):
        name = str(message[0].get("error", ""))
        if name.isidentifier() and len(name) <= 40:
            return name
    return f"http_{status}"


@functools.lru_cache(maxsize=8)
def _token(secret: str, service_id: str, second: int) -> str:
    """The signed token for requests made in `second`, by the official client's own code.
    Its only claim that changes is `iat`, in whole seconds, so every token made within one
    second is the same one: it is signed once per second instead of once per request (48 us
    each, and an incident's escalations send 17 emails and texts). Notify accepts an `iat`
    within 30 seconds of its clock."""
    del second  # the cache's key: create_jwt_token reads the clock itself
    token: str = create_jwt_token(secret, service_id)  # type: ignore[no-untyped-call]
    return token


class _Pool:
    """One aiohttp session for a notifier and its copies, opened on the running loop at the
    first send (never at import or construction) and closed by the composition root."""

    def __init__(self) -> None:
        self.session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession()
        return self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        self.session = None


class NotifyNotifier:
    def __init__(
        self,
        api_key: str,
        base_url: str,
        email_template_id: str,
        sms_template_id: str,
        *,
        file_template_id: str = "",
        max_attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        timeout: float = 5.0,
        sleep: Sleep = asyncio.sleep,
        _pool: _Pool | None = None,
    ) -> None:
        if not _KEY_SHAPE.fullmatch(api_key):
            # The key itself stays out of the message: it would end up in a startup log.
            raise ValueError("NOTIFY_API_KEY must look like {key_name}-{service_id}-{secret_key}")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._api_key = api_key
        self._secret = api_key[-36:]
        self._service_id = api_key[-73:-37]
        self._base_url = base_url
        self._email_template_id = email_template_id
        self._sms_template_id = sms_template_id
        self._file_template_id = file_template_id
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._timeout = timeout
        self._sleep = sleep
        self._pool = _pool or _Pool()
        # Told of each refusal or failed request, as (method, error code): the operators'
        # metrics (handlers.metrics). Never the message, which may quote what was sent.
        self.on_api_error: Callable[[str, str], None] = _ignore_error

    def with_attempts(self, attempts: int, *, timeout: float | None = None) -> NotifyNotifier:
        """A copy that tries each send `attempts` times (and waits `timeout` per request, if
        given); this notifier is unchanged."""
        copy = NotifyNotifier(
            self._api_key,
            self._base_url,
            self._email_template_id,
            self._sms_template_id,
            file_template_id=self._file_template_id,
            max_attempts=attempts,
            base_delay=self._base_delay,
            max_delay=self._max_delay,
            timeout=self._timeout if timeout is None else timeout,
            sleep=self._sleep,
            _pool=self._pool,
        )
        copy.on_api_error = self.on_api_error
        return copy

    async def close(self) -> None:
        """Close the connection pool (shared with this notifier's copies)."""
        await self._pool.close()

    def single_attempt(self, timeout: float = FIRING_TIMEOUT) -> NotifyNotifier:
        """For deadline firings: they hold the incident's lock while they send, and their
        retries come from the scheduler's backoff, so one short try per firing is enough."""
        return self.with_attempts(1, timeout=timeout)

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        """Control and bidi characters are removed from the whole message here (the typed parts
        were sanitised in full, links defanged, where the message was composed)."""
        notification = {
            "email_address": to,
            "template_id": self._email_template_id,
            "personalisation": {"subject": clean(subject), "body": clean(body)},
            "reference": reference,
        }
        return await self._send("email", to, reference, notification)

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        notification = {
            "phone_number": to,
            "template_id": self._sms_template_id,
            "personalisation": {"body": clean(body)},
            "reference": reference,
        }
        return await self._send("sms", to, reference, notification)

    async def send_file(
        self, to: str, subject: str, body: str, file: Attachment, *, reference: str
    ) -> Delivery:
        if not self._file_template_id:
            return Delivery(False, "email", to, error=NO_FILE_TEMPLATE, attempts=0)
        try:
            upload = prepare_upload(  # type: ignore[no-untyped-call]  # Notify leaves it unannotated
                io.BytesIO(file.content),
                filename=file.filename,
                confirm_email_before_download=file.confirm_email,
                retention_period=f"{file.retention_weeks} weeks",
            )
        except ValueError as exc:  # "File is larger than 2MB": no request could succeed
            return Delivery(False, "email", to, error=str(exc), attempts=0)
        notification = {
            "email_address": to,
            "template_id": self._file_template_id,
            "personalisation": {
                "subject": clean(subject),
                "body": clean(body),
                FILE_PLACEHOLDER: upload,
            },
            "reference": reference,
        }
        return await self._send("email", to, reference, notification)

    async def status(self, notification_id: str) -> DeliveryStatus:
        """One request (the caller polls again later rather than this retrying)."""
        if not _NOTIFICATION_ID.fullmatch(notification_id):
            return DeliveryStatus(DeliveryState.UNKNOWN, "no notification id")
        try:
            answer = await self._request("GET", f"/v2/notifications/{notification_id}", None)
        except _Failure as failure:
            return DeliveryStatus(DeliveryState.UNKNOWN, failure.text)
        status = str(answer.get("status", "")) if isinstance(answer, dict) else ""
        state = NOTIFY_STATUSES.get(status, DeliveryState.UNKNOWN)
        return DeliveryStatus(state, status or "no status in Notify's answer")

    async def _send(
        self, route: Route, to: str, reference: str, notification: dict[str, Any]
    ) -> Delivery:
        failure = _Failure("not attempted", retryable=False)
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = await self._request("POST", f"/v2/notifications/{route}", notification)
            except _Failure as exc:
                failure = exc
            else:
                notification_id = str(response.get("id", "")) if isinstance(response, dict) else ""
                log.info(
                    "notify %s sent for %s (id %s, attempt %d)",
                    route,
                    reference,
                    notification_id,
                    attempt,
                )
                return Delivery(True, route, to, notification_id=notification_id, attempts=attempt)
            if not failure.retryable or attempt == self._max_attempts:
                break
            delay = self._delay(attempt, failure.retry_after)
            log.warning(
                "notify %s for %s failed on attempt %d/%d (%s); retrying in %.2fs",
                route,
                reference,
                attempt,
                self._max_attempts,
                failure.text,
                delay,
            )
            await self._sleep(delay)
        log.warning(
            "notify %s for %s not delivered after %d attempt(s): %s",
            route,
            reference,
            attempt,
            failure.text,
        )
        return Delivery(False, route, to, error=failure.text, attempts=attempt)

    def _headers(self) -> dict[str, str]:
        token = _token(self._secret, self._service_id, epoch_seconds())  # type: ignore[no-untyped-call]
        return {
            "Content-type": "application/json",
            "Authorization": f"Bearer {token}",
            "User-agent": f"NOTIFY-API-PYTHON-CLIENT/{CLIENT_VERSION}",
        }

    async def _request(self, method: str, path: str, payload: dict[str, Any] | None) -> Any:
        """One request; every failure becomes a _Failure with safe text (and is counted)."""
        try:
            return await self._request_once(method, path, payload)
        except _Failure as failure:
            api_method = path.rsplit("/", 1)[-1] if method == "POST" else "status"
            self.on_api_error(api_method, failure.code)
            raise

    async def _request_once(self, method: str, path: str, payload: dict[str, Any] | None) -> Any:
        url = self._base_url.rstrip("/") + path
        try:
            async with self._pool.get().request(
                method,
                url,
                data=None if payload is None else json.dumps(payload),
                headers=self._headers(),
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                status, text = response.status, await response.text()
                retry_after = response.headers.get("Retry-After", "")
        except TimeoutError:
            raise _Failure(
                f"timed out after {self._timeout:g}s", retryable=True, code="timeout"
            ) from None
        except aiohttp.ClientConnectorError:
            raise _Failure("could not connect to Notify", True, code="connection") from None
        except (aiohttp.InvalidURL, ValueError) as exc:  # a malformed NOTIFY_BASE_URL
            raise _Failure(f"request failed ({type(exc).__name__})", False) from None
        except aiohttp.ClientError as exc:  # a dropped connection and the like: may mend
            raise _Failure(f"request failed ({type(exc).__name__})", True) from None
        if status >= 400:
            retryable = status == 429 or status >= 500
            said = _message(text)
            text = self._safe(f"{status} {_describe(said)}")
            wait = _retry_after(retry_after) if retryable else None
            raise _Failure(text, retryable, wait, code=_error_code(status, said))
        try:
            return json.loads(text) if status != 204 else None
        except ValueError:
            # Notify answered 2xx but not with JSON: the message may have gone, so do not resend.
            raise _Failure(
                self._safe(f"{status} unreadable answer"), False, code="unreadable"
            ) from None

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self._max_delay)
        return float(min(self._base_delay * 2 ** (attempt - 1), self._max_delay))

    def _safe(self, text: str) -> str:
        """Notify does not echo keys, but a proxy's error page might; never pass one on."""
        text = text.replace(self._api_key, "[redacted]").replace(self._secret, "[redacted]")
        return text[:_MAX_ERROR_CHARS]


def _describe(message: object) -> str:
    """Notify's errors are [{"error": "AuthError", "message": "..."}]; keep them readable."""
    if isinstance(message, list):
        parts = [
            f"{item.get('error', 'Error')}: {item.get('message', '')}"
            for item in message
            if isinstance(item, dict)
        ]
        return "; ".join(parts) or "error"
    return str(message)


def _message(text: str) -> object:
    """What Notify (or a proxy in front of it) said: its JSON errors, or the text itself."""
    try:
        answer = json.loads(text)
    except ValueError:  # a proxy's error page, say: its HTML is no use in a timeline
        return NO_ERROR_GIVEN
    if isinstance(answer, dict):
        return answer.get("message", answer.get("errors")) or NO_ERROR_GIVEN
    return NO_ERROR_GIVEN


def _retry_after(raw: str) -> float | None:
    try:
        return float(raw) if raw else None
    except ValueError:  # an HTTP date: rare enough that our own backoff is good enough
        return None


class DisabledNotifier:
    """Used when NOTIFY_API_KEY is not set, so the caller records that nothing could be sent."""

    def with_attempts(self, attempts: int, *, timeout: float | None = None) -> DisabledNotifier:
        return self

    async def close(self) -> None:
        return None

    def single_attempt(self, timeout: float = 0.0) -> DisabledNotifier:
        return self

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        return Delivery(False, "email", to, error=NOT_CONFIGURED, attempts=0)

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return Delivery(False, "sms", to, error=NOT_CONFIGURED, attempts=0)

    async def send_file(
        self, to: str, subject: str, body: str, file: Attachment, *, reference: str
    ) -> Delivery:
        return Delivery(False, "email", to, error=NOT_CONFIGURED, attempts=0)

    async def status(self, notification_id: str) -> DeliveryStatus:
        return DeliveryStatus(DeliveryState.UNKNOWN, NOT_CONFIGURED)


def build_notifier(
    api_key: str,
    base_url: str,
    email_template_id: str,
    sms_template_id: str,
    file_template_id: str = "",
) -> Notifier:
    """The composition root's one call: a real notifier when configured, else DisabledNotifier."""
    if not api_key:
        return DisabledNotifier()
    if not (email_template_id and sms_template_id):
        raise ValueError(
            "NOTIFY_API_KEY is set but NOTIFY_EMAIL_TEMPLATE_ID or NOTIFY_SMS_TEMPLATE_ID is not"
        )
    if not file_template_id:
        # not fatal: alerts still go; only the report cannot be sent, and each share says why
        log.warning("NOTIFY_FILE_TEMPLATE_ID is not set: the post-incident report cannot be sent")
    return NotifyNotifier(
        api_key, base_url, email_template_id, sms_template_id, file_template_id=file_template_id
    )
