"""Work that must happen after a platform has been acknowledged (Slack wants 200 in 3 seconds).

Tasks are kept referenced until done (asyncio only keeps weak references), failures are logged
without content, and shutdown waits for what is in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    """At most `limit` run at once: under a burst (many councils hit at once) the work after
    each acknowledgement queues here instead of taking every database connection, so the
    acknowledgements themselves still find one within Slack's 3 seconds."""

    def __init__(self, limit: int = 32) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._limit = limit
        self._slots: asyncio.Semaphore | None = None  # created on the running loop

    async def _bounded(self, coro: Awaitable[Any]) -> Any:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._limit)
        async with self._slots:
            return await coro

    def spawn(
        self, coro: Awaitable[Any], *, name: str = "", urgent: bool = False
    ) -> asyncio.Task[Any]:
        """`urgent` work (a provider's page) starts at once instead of queueing for a slot
        behind the cards and channel messages of a burst; keep it to what a person is waiting
        on, since it is not bounded."""
        task = asyncio.ensure_future(coro if urgent else self._bounded(coro))
        task.set_name(name or getattr(coro, "__qualname__", "task"))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "background task failed",
                exc_info=task.exception(),
                extra={"event": task.get_name()},
            )

    async def drain(self, within: float = 10.0) -> None:
        """Wait for in-flight work (graceful shutdown, and tests that assert on its effects)."""
        deadline = asyncio.get_running_loop().time() + within
        while self._tasks:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            await asyncio.wait(set(self._tasks), timeout=remaining)

    def __len__(self) -> int:
        return len(self._tasks)
