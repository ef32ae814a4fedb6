"""Answer a form within Slack's 3 seconds even when the use case behind it has to wait.

A form is best answered after its use case ran: a refusal then shows inline, beside the field
it is about. But a use case can wait for a lock (an escalation being sent holds the incident's
lock, by design), and a form answered after 3 seconds shows the person Slack's own error while
their input may well have been stored. So the use case gets a window well inside the 3 seconds:
if it finished, the form is answered with its outcome; if not, the form is acknowledged at once,
the use case carries on, and the person is told the outcome in a message when it is known.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

ACK_WINDOW_SECONDS = 2.0  # leaves a second for the request to reach us and the answer to go back

# asyncio keeps only weak references to tasks: one whose listener was cancelled (the client went
# away) must still run to the end, so it is held here until it is done.
_running: set[asyncio.Task[Any]] = set()


async def within_window(
    work: Coroutine[Any, Any, T], seconds: float = ACK_WINDOW_SECONDS
) -> asyncio.Task[T]:
    """Start `work` and wait for it at most `seconds`. The task comes back either way: done
    (its result or its exception is there to answer inline), or still running, for the caller
    to acknowledge at once and follow up on in the background."""
    task = asyncio.ensure_future(work)
    _running.add(task)
    task.add_done_callback(_running.discard)
    await asyncio.wait({task}, timeout=seconds)
    return task
