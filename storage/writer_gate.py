"""SQLite's one writer, taken in turn by this process's transactions.

SQLite lets one connection write at a time. A connection that finds the write lock taken does
not queue: its busy handler sleeps and tries again, the sleeps growing to 100 ms, and whoever
tries at the right moment wins. Under a burst (an exercise's twenty councils at once) that is
both slow and unfair: the lock sits idle while the waiters sleep, and a request that arrives
late often wins over one that has been waiting for seconds, so a few answers wait far past
Slack's 3 seconds while the writer is mostly free (measured: answers up to 3.9 s for twenty
councils at once; benchmarks/exercise_mass_event.py).

So on SQLite a session takes this process's gate just before its first write and gives it back
when its transaction ends (commit, rollback or close); the gate hands the writer over in the
order the waiters came. Deadline firings (`URGENT`: a provider's page, the contact ladder) do
not queue at the gate: they ask SQLite's lock directly, where they meet one answer at most
(the one holding the gate), so they are never behind every answer of a burst (queued with the
answers, 500 activations at once left escalations a minute and a half late). Reads never take
it (WAL lets them run beside the writer). SQLite's own lock still guards against other
processes; within one process nobody waits on it any more.
PostgreSQL has row locks and many writers, and does not use the gate.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from contextvars import ContextVar
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

# as long as SQLite's busy_timeout (storage.database): a transaction that cannot get the
# writer within it fails the same way as before, "database is locked"
GATE_TIMEOUT = 30.0
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# Set while firing a deadline (a provider's page, a step of the contact ladder): its transaction
# does not queue at the gate but asks SQLite directly, where it competes with one answer at
# most instead of with every answer of a burst (see bot.app.scheduler).
URGENT: ContextVar[bool] = ContextVar("cir_urgent_writes", default=False)
# Set while opening a form (handlers.tasks.BackgroundTasks.spawn_form): a press's trigger id
# lives 3 s, so its writes (a threshold check started) queue ahead of the answers at the gate,
# behind the one writer holding it at most.
AHEAD: ContextVar[bool] = ContextVar("cir_writes_ahead", default=False)


class _Turns:
    """The writer of one event loop: who holds it and who waits, a form's writes (AHEAD) first."""

    def __init__(self) -> None:
        self.held = False
        self.urgent: deque[asyncio.Future[None]] = deque()
        self.others: deque[asyncio.Future[None]] = deque()

    async def acquire(self, urgent: bool) -> None:
        if not self.held and not self.urgent and not self.others:
            self.held = True
            return
        waiter = asyncio.get_running_loop().create_future()
        queue = self.urgent if urgent else self.others
        queue.append(waiter)
        try:
            await waiter  # release() hands the writer over: held stays True
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed over just as it was given up: pass it on
            elif waiter in queue:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        for queue in (self.urgent, self.others):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self.held = False


class WriterGate:
    """One per engine; its turns are per event loop (tests run one loop each)."""

    def __init__(self) -> None:
        self._turns: dict[asyncio.AbstractEventLoop, _Turns] = {}

    def turns(self) -> _Turns:
        loop = asyncio.get_running_loop()
        found = self._turns.get(loop)
        if found is None:
            for old in [k for k in self._turns if k.is_closed()]:
                del self._turns[old]
            found = self._turns[loop] = _Turns()
        return found


def _writes(statement: Any) -> bool:
    if isinstance(statement, UpdateBase):
        return True
    if isinstance(statement, TextClause | str):
        return str(statement).lstrip().upper().startswith(_WRITES)
    return False


class GatedSession(AsyncSession):
    """An AsyncSession that takes the writer gate before its first write (see module doc)."""

    def __init__(self, *args: Any, gate: WriterGate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = gate
        self._held: _Turns | None = None

    def _pending(self) -> bool:
        return bool(self.new or self.dirty or self.deleted)

    async def _take(self) -> None:
        if self._held is not None or URGENT.get():
            return
        turns = self._gate.turns()
        try:
            async with asyncio.timeout(GATE_TIMEOUT):
                await turns.acquire(AHEAD.get())
        except TimeoutError:
            raise OperationalError("(writer gate)", {}, Exception("database is locked")) from None
        self._held = turns

    def _give(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if _writes(statement) or self._pending():
            await self._take()
        return await super().execute(statement, *args, **kwargs)

    async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if _writes(statement) or self._pending():
            await self._take()
        return await super().scalar(statement, *args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        if self._pending():  # autoflush writes first
            await self._take()
        return await super().get(*args, **kwargs)

    async def flush(self, objects: Any = None) -> None:
        if self._pending():
            await self._take()
        await super().flush(objects)

    async def commit(self) -> None:
        if self._pending():
            await self._take()
        try:
            await super().commit()
        finally:
            self._give()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self._give()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._give()


_GATES: weakref.WeakKeyDictionary[Any, WriterGate] = weakref.WeakKeyDictionary()


def writer_gate(engine: AsyncEngine) -> WriterGate:
    """The engine's gate: every unit-of-work factory on one engine shares it."""
    return _GATES.setdefault(engine.sync_engine, WriterGate())
