"""The event loop a long-running service runs on: uvloop where it is installed (Linux and macOS),
asyncio's own loop elsewhere.

One loop serves every answer, page, escalation and card of a process, and under a mass event
its own bookkeeping (the selector, scheduling each step) is a good part of the CPU an incident
costs: the same code spent 68.8 ms per incident on uvloop and 72.8 ms on asyncio's loop, in two
runs one after the other (500 activations at once on PostgreSQL,
`benchmarks/activation_escalation.py --unmetered`, before the pool kept its connections).
Nothing here depends on which loop runs: both are asyncio's interface, and the end-to-end tests
drive the served process on this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's loop if the package is there, else asyncio's default."""
    try:
        import uvloop
    except ImportError:  # not built for this platform (Windows): asyncio's loop does the same
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the service's loop."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
