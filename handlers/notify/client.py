"""Email and SMS through GOV.UK Notify, with retries, reported back as a Delivery.

Notify sends with templates. We use one generic email template whose personalisation is
`subject` and `body` (the template reads "((subject))" / "((body))") and one SMS template with
`body`, as many government services do for free-form alerts, so the wording stays in the bot's
view models and not in the Notify dashboard.

Retries: 5xx, 429, timeouts and connection failures are retried with exponential backoff; 4xx
(bad request, bad key) are not, since sending the same request again cannot help. Notify has no
idempotency key, so a send that timed out may in fact have gone out: a retry can then duplicate
it. For an escalation, a duplicate is better than nothing. Deadline firings use
`single_attempt()`: they send while holding the incident's lock, and the scheduler retries the
whole firing later with a backoff instead.

The official client is synchronous (requests) and not thread-safe, so each worker thread of
asyncio.to_thread gets its own client.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import requests
from notifications_python_client.errors import APIError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from bot.notify_port import Delivery, Notifier, Route

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]

_KEY_SHAPE = re.compile(r".+-[0-9a-fA-F-]{36}-[0-9a-fA-F-]{36}")
_MAX_ERROR_CHARS = 200
NOT_CONFIGURED = "GOV.UK Notify is not configured (NOTIFY_API_KEY)"
# Per request, for a firing's single attempt: Notify answers in well under a second when well.
FIRING_TIMEOUT = 3.0


class _Failure(Exception):
    """One failed attempt, already reduced to safe text and whether a retry could help."""

    def __init__(self, text: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.retryable = retryable
        self.retry_after = retry_after


class NotifyNotifier:
    def __init__(
        self,
        api_key: str,
        base_url: str,
        email_template_id: str,
        sms_template_id: str,
        *,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        timeout: float = 5.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not _KEY_SHAPE.fullmatch(api_key):
            # The key itself stays out of the message: it would end up in a startup log.
            raise ValueError("NOTIFY_API_KEY must look like {key_name}-{service_id}-{secret_key}")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._api_key = api_key
        self._secret = api_key[-36:]
        self._base_url = base_url
        self._email_template_id = email_template_id
        self._sms_template_id = sms_template_id
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._timeout = timeout
        self._sleep = sleep
        self._local = threading.local()

    def with_attempts(self, attempts: int, *, timeout: float | None = None) -> NotifyNotifier:
        """A copy that tries each send `attempts` times (and waits `timeout` per request, if
        given); this notifier is unchanged."""
        return NotifyNotifier(
            self._api_key,
            self._base_url,
            self._email_template_id,
            self._sms_template_id,
            max_attempts=attempts,
            base_delay=self._base_delay,
            max_delay=self._max_delay,
            timeout=self._timeout if timeout is None else timeout,
            sleep=self._sleep,
        )

    def single_attempt(self, timeout: float = FIRING_TIMEOUT) -> NotifyNotifier:
        """For deadline firings: they hold the incident's lock while they send, and their
        retries come from the scheduler's backoff, so one short try per firing is enough."""
        return self.with_attempts(1, timeout=timeout)

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        personalisation = {"subject": subject, "body": body}
        return await self._send(
            "email",
            to,
            reference,
            lambda client: client.send_email_notification(
                email_address=to,
                template_id=self._email_template_id,
                personalisation=personalisation,
                reference=reference,
            ),
        )

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return await self._send(
            "sms",
            to,
            reference,
            lambda client: client.send_sms_notification(
                phone_number=to,
                template_id=self._sms_template_id,
                personalisation={"body": body},
                reference=reference,
            ),
        )

    async def _send(
        self,
        route: Route,
        to: str,
        reference: str,
        call: Callable[[NotificationsAPIClient], Any],
    ) -> Delivery:
        failure = _Failure("not attempted", retryable=False)
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = await asyncio.to_thread(self._call, call)
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

    def _call(self, call: Callable[[NotificationsAPIClient], Any]) -> Any:
        """Runs in a worker thread; turns every failure into a _Failure with safe text."""
        try:
            return call(self._client())
        except InvalidResponse as exc:
            # Notify answered 2xx but not with JSON: the message may have gone, so do not resend.
            raise _Failure(self._safe(f"{exc.status_code} unreadable answer"), False) from None
        except APIError as exc:
            raise self._classify(exc) from None
        except Exception as exc:  # anything else is a bug or an environment fault: report it
            raise _Failure(f"unexpected {type(exc).__name__}", retryable=False) from None

    def _client(self) -> NotificationsAPIClient:
        client: NotificationsAPIClient | None = getattr(self._local, "client", None)
        if client is None:
            client = NotificationsAPIClient(
                self._api_key, base_url=self._base_url, timeout=self._timeout
            )
            self._local.client = client
        return client

    def _classify(self, exc: APIError) -> _Failure:
        response = exc.response
        if response is None:  # no HTTP answer at all; the client reports these as 503
            cause = exc.__cause__
            if isinstance(cause, requests.Timeout):
                return _Failure(f"timed out after {self._timeout:g}s", retryable=True)
            if isinstance(cause, requests.ConnectionError):
                return _Failure("could not connect to Notify", retryable=True)
            # A malformed NOTIFY_BASE_URL will not mend itself; anything else might.
            misconfigured = isinstance(cause, (requests.exceptions.InvalidURL, ValueError))
            return _Failure(f"request failed ({type(cause).__name__})", not misconfigured)
        status = exc.status_code
        text = self._safe(f"{status} {_describe(exc.message)}")
        retryable = status == 429 or status >= 500
        return _Failure(text, retryable, _retry_after(response) if retryable else None)

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


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    try:
        return float(raw) if raw else None
    except ValueError:  # an HTTP date: rare enough that our own backoff is good enough
        return None


class DisabledNotifier:
    """Used when NOTIFY_API_KEY is not set, so the caller records that nothing could be sent."""

    def with_attempts(self, attempts: int, *, timeout: float | None = None) -> DisabledNotifier:
        return self

    def single_attempt(self, timeout: float = 0.0) -> DisabledNotifier:
        return self

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        return Delivery(False, "email", to, error=NOT_CONFIGURED, attempts=0)

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return Delivery(False, "sms", to, error=NOT_CONFIGURED, attempts=0)


def build_notifier(
    api_key: str, base_url: str, email_template_id: str, sms_template_id: str
) -> Notifier:
    """The composition root's one call: a real notifier when configured, else DisabledNotifier."""
    if not api_key:
        return DisabledNotifier()
    if not (email_template_id and sms_template_id):
        raise ValueError(
            "NOTIFY_API_KEY is set but NOTIFY_EMAIL_TEMPLATE_ID or NOTIFY_SMS_TEMPLATE_ID is not"
        )
    return NotifyNotifier(api_key, base_url, email_template_id, sms_template_id)
