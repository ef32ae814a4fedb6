"""Per-incident memory that cannot grow with every incident the process ever handled.

A long-running replica sees thousands of incidents; what it keeps per incident must go once the
incident is done with. `KeyedLocks` keeps a lock only while someone holds or waits for it;
`Recent` keeps the most recently used entries up to a bound (and `forget` drops one at once,
when its incident closes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

V = TypeVar("V")
RECENT = 2048  # entries kept per cache: every incident open at once, with room to spare


class KeyedLocks:
    """One asyncio.Lock per key, existing only while it is held or waited for."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def users(self, key: str) -> int:
        """How many hold or wait for `key`'s lock."""
        return self._locks.get(key, (None, 0))[1]

    def __len__(self) -> int:
        return len(self._locks)


class Recent(Generic[V]):
    """A mapping of at most `bound` entries; the least recently used goes first."""

    def __init__(self, bound: int = RECENT) -> None:
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._bound = bound

    def get(self, key: str) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: str, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._bound:
            self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
