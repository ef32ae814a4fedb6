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
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Awaitable[Any], *, name: str = "") -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
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
