"""An asyncio event loop whose clock is virtual: `loop.time()` starts at 0 and moves only when
nothing is ready to run, straight to the next timer. Code that waits with `asyncio.sleep`,
`asyncio.timeout` or `loop.call_later` (BackgroundTasks' `max_wait` and `settle`) can then be
tested by the loop's own clock, exactly, however busy the machine is.

Only for code that does no I/O: a real socket or thread would still need the real clock.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

# How long the loop may find nothing to run and no timer to move to: a test waiting on an event
# nobody will set fails with this instead of hanging.
STUCK_AFTER_SECONDS = 30.0


class _FastForward(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        ready: list[tuple[Any, int]] = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer left: only another thread could wake the loop
            ready = super().select(STUCK_AFTER_SECONDS)
            if not ready:
                raise AssertionError("the loop is stuck: nothing to run and no timer armed")
            return ready
        self.now += timeout  # nothing to do until the next timer: move the clock to it
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._fast_forward = _FastForward()
        super().__init__(self._fast_forward)

    def time(self) -> float:
        return self._fast_forward.now


def in_virtual_time(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main()` to its end on a VirtualTimeLoop."""

    async def run() -> T:
        return await main()

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(run())


def virtual_time(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Decorate an async test to run it on a VirtualTimeLoop (fixtures are passed through)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        in_virtual_time(lambda: test(*args, **kwargs))

    return run
