"""Work that must happen after a platform has been acknowledged (Slack wants 200 in 3 seconds).

Tasks are kept referenced until done (asyncio only keeps weak references), failures are logged
without content, and shutdown waits for what is in flight. A failure is also told to the person
whose action it was (`when_failed`: each platform edge knows who is acting in the task's
context), in plain words and truthfully: whether anything of it was stored (see
`storage.errors`). Without that, an action acknowledged to Slack and then lost to a database
outage was lost silently.

One event loop serves everything, so who goes first is decided here, in tiers:

1. answers to the platforms (`answering()`), and the work right after them or `urgent`: a
   provider's page; and forms (`spawn_form`): work that ends in a `views.open`, whose trigger id
   Slack refuses three seconds after the press (`expired_trigger_id`, and no form at all);
2. the contact ladder (the deadline scheduler, told by `also_busy_when`);
3. ordinary work: channel lines, invitations, card refreshes.

Ordinary work starts once no answer has been in progress for `settle` (a few milliseconds:
requests arriving back to back keep it waiting), or after `max_wait` at the latest, so answers
that never pause cannot starve it. While tiers 1 or 2 are busy it runs one task at a time
instead of `limit`: under a mass event (hundreds of councils at once) the cards fall behind by
seconds, the pages and escalations do not. A form must never wait in that queue: driven without
pauses, a "Start threshold check" press queued behind the card refreshes long enough for its
trigger id to expire, and no form opened (tests/integration/test_forms_under_load.py). The
scheduler itself asks `people_waiting()` to hold back its own ordinary deadlines (emails,
follow-ups) in the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

from bot.views.failures import failure_words
from storage.errors import commits, is_unavailable
from storage.writer_gate import AHEAD

log = logging.getLogger(__name__)

MAX_WAIT = 0.3  # seconds ordinary work waits at most for the answers to stop
SETTLE = 0.005  # seconds without an answer in progress that count as a pause
# seconds a request's follow-up (a page) holds its connection: past it the next request is read
HOLD = 0.5
_RIGHT_AFTER: ContextVar[list[Awaitable[Any]] | None] = ContextVar("right_after", default=None)
# Told what to say to the person whose action failed; runs in the failed task's context.
FailureHook = Callable[[str], Awaitable[None]]


class BackgroundTasks:
    """At most `limit` ordinary tasks and `urgent_limit` urgent ones run at once: under a burst
    the work after each acknowledgement queues here instead of taking every database
    connection the acknowledgements need (measured with 500 activations at once: unbounded
    pages pushed answers to 9.7 s; eight page slots queued the pages for 5.6 s)."""

    def __init__(
        self,
        limit: int = 8,
        *,
        urgent_limit: int = 32,
        form_limit: int = 16,
        max_wait: float = MAX_WAIT,
        settle: float = SETTLE,
        hold: float = HOLD,
    ) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._limit, self._urgent_limit, self._form_limit = limit, urgent_limit, form_limit
        self._max_wait, self._settle, self._hold = max_wait, settle, hold
        # created on the running loop, at first use
        self._slots: asyncio.Semaphore | None = None
        self._trickle: asyncio.Semaphore | None = None
        self._urgent_slots: asyncio.Semaphore | None = None
        self._form_slots: asyncio.Semaphore | None = None
        self._answering = 0
        self._urgent_running = 0
        self._last_answer = float("-inf")  # loop time the last answer was written
        self._paused: asyncio.Event | None = None  # set once answers paused for `settle`
        self._busy: Callable[[], bool] = lambda: False
        self._failure_hooks: list[FailureHook] = []

    def when_failed(self, hook: FailureHook) -> None:
        """`hook(words)` runs, in the failed task's context, when spawned or queued work
        raises: a platform edge tells the person acting there (and nobody, outside a request)."""
        self._failure_hooks.append(hook)

    async def _reporting(self, work: Awaitable[Any]) -> Any:
        """Run `work`; if it raises, tell the person whose action it was, then re-raise."""
        commits.set(0)
        try:
            return await work
        except Exception as exc:
            words = failure_words(unavailable=is_unavailable(exc), stored=commits.get() > 0)
            for hook in self._failure_hooks:
                try:
                    await hook(words)
                except Exception as told:  # telling must never hide the failure itself
                    log.warning(
                        "could not tell of a failure: %s", type(told).__name__, exc_info=True
                    )
            raise

    def also_busy_when(self, busy: Callable[[], bool]) -> None:
        """Tier 2: ordinary work trickles while `busy()` (the contact ladder firing)."""
        self._busy = busy

    def people_waiting(self) -> bool:
        """Tier 1 is busy: an answer is being written or a page is going out."""
        return self._answering > 0 or self._urgent_running > 0

    @contextlib.asynccontextmanager
    async def answering(self) -> AsyncIterator[None]:
        """Around handling a request until its answer is written to the socket; then the work
        queued with `right_after_answer` runs, ahead of anything of tier 3, and the request
        waits for it (up to `hold`) before it ends."""
        self._answering += 1
        self._pause_event().clear()
        queued: list[Awaitable[Any]] = []
        token = _RIGHT_AFTER.set(queued)
        try:
            yield
        finally:
            _RIGHT_AFTER.reset(token)
            try:
                await self._run_queued(queued)
            finally:
                self._answering -= 1
                loop = asyncio.get_running_loop()
                self._last_answer = loop.time()
                if self._answering == 0:
                    loop.call_later(self._settle, self._note_pause)

    def _pause_event(self) -> asyncio.Event:
        if self._paused is None:
            self._paused = asyncio.Event()
        return self._paused

    def _quiet(self) -> bool:
        elapsed = asyncio.get_running_loop().time() - self._last_answer
        return self._answering == 0 and elapsed >= self._settle * 0.999  # timers run early

    def right_after_answer(self, coro: Awaitable[Any], *, name: str = "") -> None:
        """Tier 1 work that follows this request's answer (a provider's page). It starts once
        the answer is written, so it never delays that answer, and the request waits for it
        before ending. aiohttp reads a connection's next request only after this one's
        handler returns, so under a burst the intake slows to what the service can page,
        instead of answers outrunning pages (measured with 500 activations at once: pages
        p99 1.0 s after the decision, answers within 1.8 s; as separate tasks, pages p99
        2.8 s and answers up to 5 s). The request waits `hold` at most, then the work goes on
        without it: a page waiting for SQLite's one writer held the next request on its
        connection for up to 1.4 s, and with that request's own 2-second window the answer
        came after Slack's 3 s (500 activations at once on SQLite: answers up to 3.4 s).
        It runs in the urgent slots, so pages that outlast their hold (a slow Slack) queue
        there instead of each taking a database connection. Outside a request it starts as
        urgent work."""
        queued = _RIGHT_AFTER.get(None)
        if queued is None:
            self.spawn(coro, name=name, urgent=True)
        else:
            queued.append(coro)

    async def _run_queued(self, queued: list[Awaitable[Any]]) -> None:
        """The follow-ups in their own task (drain() waits for it), in order, which this
        request waits for up to `hold`."""
        if not queued:
            return
        follow_ups = asyncio.ensure_future(self._in_order(queued))
        follow_ups.set_name("after answer")
        self._tasks.add(follow_ups)
        follow_ups.add_done_callback(self._tasks.discard)
        await asyncio.wait({follow_ups}, timeout=self._hold)

    async def _in_order(self, queued: list[Awaitable[Any]]) -> None:
        try:
            async with self._urgent_slots_now():
                for work in queued:
                    try:
                        with self._urgent_work():
                            await self._reporting(work)
                    except Exception as exc:
                        log.error("work after an answer failed", exc_info=exc)
        finally:
            for work in queued:  # cut short (shutdown): the rest never started
                _close_unstarted(work)

    def _note_pause(self) -> None:
        if self._quiet():
            self._pause_event().set()

    async def _after_answers(self) -> None:
        """One timer per pause wakes every waiter, rather than each waiter polling."""
        if self._quiet():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._max_wait):
                await self._pause_event().wait()

    async def _urgent(self, coro: Awaitable[Any]) -> Any:
        AHEAD.set(False)
        async with self._urgent_slots_now():
            with self._urgent_work():
                return await self._reporting(coro)

    def _urgent_slots_now(self) -> asyncio.Semaphore:
        if self._urgent_slots is None:
            self._urgent_slots = asyncio.Semaphore(self._urgent_limit)
        return self._urgent_slots

    @contextlib.contextmanager
    def _urgent_work(self) -> Iterator[None]:
        """Counted in `people_waiting()` while it runs."""
        self._urgent_running += 1
        try:
            yield
        finally:
            self._urgent_running -= 1

    async def _bounded(self, coro: Awaitable[Any]) -> Any:
        if self._slots is None or self._trickle is None:
            self._slots, self._trickle = asyncio.Semaphore(self._limit), asyncio.Semaphore(1)
        AHEAD.set(False)  # a card refresh a form spawned does not inherit the form's place
        await self._after_answers()
        async with contextlib.AsyncExitStack() as held:
            if self.people_waiting() or self._busy():
                await held.enter_async_context(self._trickle)
            await held.enter_async_context(self._slots)
            return await self._reporting(coro)

    def spawn(
        self, coro: Awaitable[Any], *, name: str = "", urgent: bool = False
    ) -> asyncio.Task[Any]:
        """`urgent` work (a provider's page) is tier 1: it does not wait for the answers and
        has slots of its own; keep it to what a person is waiting on."""
        task = asyncio.ensure_future(self._urgent(coro) if urgent else self._bounded(coro))
        return self._track(task, coro, name or getattr(coro, "__qualname__", "task"))

    def spawn_form(self, coro: Awaitable[Any], *, name: str = "") -> asyncio.Task[Any]:
        """Tier 1 work that opens a form (its `views.open` must reach Slack within the trigger
        id's 3 seconds): it starts at once, in slots of its own, neither waiting for a pause in
        the answers nor queueing behind ordinary work or pages. While it runs, people are
        waiting (`people_waiting()`). Keep it to the reads before the `views.open`; what follows
        the form (a card refresh) is spawned as ordinary work."""
        task = asyncio.ensure_future(self._form(coro))
        return self._track(task, coro, name or getattr(coro, "__qualname__", "form"))

    def _track(self, task: asyncio.Task[Any], coro: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._done, coro))
        return task

    async def _form(self, coro: Awaitable[Any]) -> Any:
        if self._form_slots is None:
            self._form_slots = asyncio.Semaphore(self._form_limit)
        AHEAD.set(True)  # this task's own context: its writes go ahead of the answers' (SQLite)
        async with self._form_slots:
            with self._urgent_work():
                return await self._reporting(coro)

    def _done(self, coro: Awaitable[Any], task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        _close_unstarted(coro)  # cancelled while it waited for its turn (shutdown)
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
        if self._tasks:  # one line, not one per task: at shutdown the rest is cancelled
            log.warning("%d background tasks unfinished after %gs", len(self._tasks), within)

    def __len__(self) -> int:
        return len(self._tasks)


def _close_unstarted(work: Awaitable[Any]) -> None:
    """Close a coroutine that never started. Work still waiting for its turn when the process
    stops (the shutdown's drain timed out under a burst, and `asyncio.run` cancelled the tasks
    left) never ran, and Python warned "coroutine ... was never awaited" for each at exit."""
    if inspect.iscoroutine(work) and inspect.getcoroutinestate(work) == inspect.CORO_CREATED:
        work.close()
