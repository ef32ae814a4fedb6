"""Work that must happen after a platform has been acknowledged (Slack wants 200 in 3 seconds).

Tasks are kept referenced until done (asyncio only keeps weak references), failures are logged
without content, and shutdown waits for what is in flight.

Acknowledgements first: a platform edge marks each request it is answering (`answering()`),
and ordinary work spawned meanwhile starts once no answer has been in progress for `settle`
(a few milliseconds: requests arriving back to back keep it waiting), or after `max_wait` at
the latest. On one event loop every step of background work (a modal's views.open, a card
refresh) otherwise sits between the steps of the next requests' answers. The wait is bounded
well inside the 3 seconds a trigger id lives, and under sustained load it only delays the
start; `urgent` work (a provider's page) never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Any

log = logging.getLogger(__name__)

MAX_WAIT = 0.3  # seconds ordinary work waits at most for the answers to stop
SETTLE = 0.005  # seconds without an answer in progress that count as a pause


class BackgroundTasks:
    """At most `limit` run at once: under a burst (many councils hit at once) the work after
    each acknowledgement queues here instead of taking every database connection, so the
    acknowledgements themselves still find one within Slack's 3 seconds."""

    def __init__(
        self, limit: int = 8, *, max_wait: float = MAX_WAIT, settle: float = SETTLE
    ) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._limit = limit
        self._max_wait = max_wait
        self._settle = settle
        self._slots: asyncio.Semaphore | None = None  # created on the running loop
        self._answering = 0
        self._last_answer = float("-inf")  # loop time the last answer was written

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Around handling a request until its answer is written to the socket."""
        self._answering += 1
        try:
            yield
        finally:
            self._answering -= 1
            self._last_answer = asyncio.get_running_loop().time()

    async def _after_answers(self) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self._max_wait
        while True:
            now = loop.time()
            if self._answering == 0 and now - self._last_answer >= self._settle:
                return
            if now >= give_up:
                return
            await asyncio.sleep(min(self._settle, give_up - now))

    async def _bounded(self, coro: Awaitable[Any]) -> Any:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._limit)
        try:
            await self._after_answers()
        except BaseException:
            if asyncio.iscoroutine(coro):
                coro.close()  # cancelled before it started: no "never awaited" warning
            raise
        async with self._slots:
            return await coro

    def spawn(
        self, coro: Awaitable[Any], *, name: str = "", urgent: bool = False
    ) -> asyncio.Task[Any]:
        """`urgent` work (a provider's page) starts at once instead of waiting for answers in
        flight and for a slot behind the cards and channel messages of a burst; keep it to
        what a person is waiting on, since it is not bounded."""
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
