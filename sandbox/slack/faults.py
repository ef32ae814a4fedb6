"""Faults a test asks for, per Web API method, used in order: an error answer, a rate limit, an
HTTP status, or a delay before the real answer."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fault:
    kind: str  # "error" | "ratelimit" | "status" | "delay"
    value: Any


class Faults:
    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = defaultdict(deque)

    def add(self, method: str, kind: str, value: Any, times: int) -> None:
        self._queued[method].extend([Fault(kind, value)] * times)

    def take(self, method: str) -> Fault | None:
        queued = self._queued[method]
        return queued.popleft() if queued else None
