"""Shutting down under a burst leaves no "coroutine ... was never awaited" behind.

The server drains its background work for 10 s at shutdown; under a burst, work is still queued
after that (card refreshes trickling behind the ladder, pages behind their slots, the work after
an answer in its own task), and `asyncio.run` cancels every task left when the main
coroutine returns. A task cancelled while it waited for its turn had never awaited the
coroutine it was given, and Python warned once per such coroutine at exit. Each test runs a
whole event loop to its end, as the service's process does, and fails on that warning.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Awaitable, Callable

from handlers.tasks import BackgroundTasks
from tests.virtual_time import in_virtual_time


def _unawaited_after(main: Callable[[], Awaitable[None]]) -> list[str]:
    """Run `main` on its own loop to the end (remaining tasks cancelled, as at shutdown) and
    return the "never awaited" warnings it left."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        in_virtual_time(main)
        gc.collect()
    return [str(w.message) for w in caught if "never awaited" in str(w.message)]


async def _card_refresh(release: asyncio.Event) -> None:
    await release.wait()


def test_work_still_queued_at_shutdown_is_closed_not_left_unawaited() -> None:
    async def main() -> None:
        tasks = BackgroundTasks(limit=1, urgent_limit=1, form_limit=1, max_wait=0)
        tasks.also_busy_when(lambda: True)  # ordinary work trickles
        never = asyncio.Event()
        for _ in range(5):
            tasks.spawn(_card_refresh(never), name="card refresh")
            tasks.spawn(_card_refresh(never), name="page", urgent=True)
            tasks.spawn_form(_card_refresh(never), name="form")
        await asyncio.sleep(0.1)  # the first of each has started; the rest wait their turn
        await tasks.drain(within=1)  # the shutdown's drain, timed out

    assert _unawaited_after(main) == []


def test_work_right_after_an_answer_cut_short_at_shutdown_is_closed() -> None:
    """The follow-ups of an answer cut short while the first runs (aiohttp cancels the handlers
    still running when its shutdown timeout ends, and `asyncio.run` the follow-ups' own task):
    the others were never started."""

    async def main() -> None:
        tasks = BackgroundTasks()
        never = asyncio.Event()

        async def request() -> None:
            async with tasks.answering():
                tasks.right_after_answer(_card_refresh(never), name="page 1")
                tasks.right_after_answer(_card_refresh(never), name="page 2")

        handling = asyncio.ensure_future(request())
        await asyncio.sleep(0.1)
        handling.cancel()
        await asyncio.gather(handling, return_exceptions=True)

    assert _unawaited_after(main) == []
