"""What /readyz answers: the database and its schema (Container.readiness), the deadline sweep
and the chat platforms' authentication.

- The sweep is what fires escalations: a replica whose sweep has made no progress for three
  intervals (stuck on a lock, its loop starved) is not ready, and says how long it has been.
- Slack's auth.test is asked at most once a minute (a balancer probes every few seconds, and
  Slack rate-limits auth.test like any method). A refused token (revoked, wrong workspace) makes
  the replica not ready: it can no longer page anyone. Slack unreachable is reported as a
  warning only: every replica would fail it at once, and the ladder's SMS and email still go.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from handlers.slack.metered_client import error_code

STALLED_AFTER_SWEEPS = 3
AUTH_CACHE_SECONDS = 60.0


@dataclass
class SlackAuthCheck:
    """auth.test, cached: (checked_at monotonic, failure or "" for ok, warning)."""

    client: Any  # slack_sdk's AsyncWebClient
    cache_seconds: float = AUTH_CACHE_SECONDS
    _last: tuple[float, str, str] | None = field(default=None, init=False)

    async def check(self) -> tuple[str, str, float]:
        """(failure, warning, seconds since Slack was asked); failure "" means authenticated."""
        now = time.monotonic()
        if self._last is None or now - self._last[0] > self.cache_seconds:
            failure = warning = ""
            try:
                answer = await self.client.auth_test()
                if not answer.get("ok"):
                    failure = f"refused: {answer.get('error', 'unknown')}"
            except SlackApiError as exc:
                failure = f"refused: {error_code(exc)}"
                if failure.startswith("refused: http_") or "ratelimited" in failure:
                    failure, warning = "", f"Slack answered {error_code(exc)}"
            except Exception as exc:
                warning = f"Slack unreachable ({type(exc).__name__})"
            self._last = (now, failure, warning)
        checked_at, failure, warning = self._last
        return failure, warning, round(now - checked_at, 1)


@dataclass
class ServiceReadiness:
    database: Callable[[], Awaitable[dict[str, str]]]
    sweep_age: Callable[[], float] | None = None  # None: the scheduler is not started here
    sweep_seconds: float = 2.0
    slack: SlackAuthCheck | None = None

    async def __call__(self) -> tuple[dict[str, str], dict[str, Any]]:
        checks = await self.database()
        details: dict[str, Any] = {}
        if self.sweep_age is not None:
            age = self.sweep_age()
            limit = STALLED_AFTER_SWEEPS * self.sweep_seconds
            details["deadline_sweep_age_seconds"] = round(age, 2)
            checks["deadline_sweep"] = (
                "ok"
                if age <= limit
                else f"no progress for {age:.0f}s (sweeps every {self.sweep_seconds:g}s)"
            )
        if self.slack is not None:
            failure, warning, ago = await self.slack.check()
            checks["slack_auth"] = failure or "ok"
            details["slack_auth_checked_seconds_ago"] = ago
            if warning:
                details["slack_warning"] = warning
        return checks, details
