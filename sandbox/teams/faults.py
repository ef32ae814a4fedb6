"""Failures a test asks the connector stand-in for, used in order: Teams' throttling (429 with
Retry-After), its front end's 412, 502 and 504 (or any status), or a delay before the real
answer; each for any operation or only one (send, reply, update, delete, create, member)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from sandbox.teams.rules import Refusal

# Teams' error codes and messages for the statuses it answers under load
CODES = {
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    429: ("Throttled", "Too many requests."),
    500: ("InternalServerError", "An error has occurred."),
    502: ("ServiceError", "Unknown"),
    503: ("ServiceUnavailable", "Service unavailable."),
    504: ("GatewayTimeout", "Request timed out."),
}


class Throttled(Refusal):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(429, "Throttled", message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fault:
    status: int  # 0: only a delay
    retry_after: float | None
    delay: float
    operation: str | None


class Faults:
    def __init__(self) -> None:
        self._queued: deque[Fault] = deque()

    def add(self, fault: Fault, times: int) -> None:
        self._queued.extend([fault] * times)

    async def apply(self, operation: str) -> None:
        """Waits or raises as the first fault queued for `operation` says (and uses it up)."""
        fault = next((f for f in self._queued if f.operation in (None, operation)), None)
        if fault is None:
            return
        self._queued.remove(fault)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if not fault.status:
            return
        code, message = CODES.get(fault.status, ("ServiceError", "Unknown"))
        if fault.status == 429:
            raise Throttled(message, 1.0 if fault.retry_after is None else fault.retry_after)
        raise Refusal(fault.status, code, message)
