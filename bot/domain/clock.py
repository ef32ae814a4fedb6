"""Time enters the core only through a Clock, so deadlines can be tested without waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time as a timezone-aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand; it never moves on its own."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now = self._now + (delta or timedelta(**kwargs))
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class ScaledClock:
    """The service's clock for an exercise: it starts at the real time and runs `speed` times
    faster, so a council rehearses the 30-minute contact deadline in 3 minutes at 10x. Every
    deadline, reminder and timestamp follows it, because everything reads time from the clock.

    `wall` is the monotonic seconds source it scales (injected so tests never wait on it) and
    `start` the service time at which it begins (the real time by default)."""

    def __init__(
        self,
        speed: float,
        *,
        start: datetime | None = None,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speed > 0:
            raise ValueError("a clock's speed must be above 0")
        self.speed = float(speed)
        self._start = start or datetime.now(UTC)
        if self._start.tzinfo is None:
            raise ValueError("ScaledClock needs a timezone-aware start time")
        self._wall = wall
        self._wall_start = wall()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(self._wall() - self._wall_start) * self.speed)


def speed_of(clock: Clock) -> float:
    """How many service seconds pass per real second: 1 unless the clock is scaled. Whatever
    waits in real time for a service time (the scheduler's wake-ups) divides by it."""
    speed = getattr(clock, "speed", 1.0)
    return float(speed) if isinstance(speed, int | float) and speed > 0 else 1.0
