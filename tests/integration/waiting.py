"""Waiting for something to happen, not for time to pass. Each wait has a generous safety net
(PATIENCE) so that a hang fails with a message saying what never happened; no test asserts how
long anything took (speed is measured in benchmarks/)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import text

from bot.domain.incident import Incident
from storage.repositories import SqlIncidentRepository
from storage.uow import SqlUnitOfWorkFactory

T = TypeVar("T")

PATIENCE = 30.0  # seconds; a safety net against a hang, never a speed claim
POLL = 0.05


async def within(work: Awaitable[T], what: str, seconds: float = PATIENCE) -> T:
    """`await work`, failing with `what` instead of hanging if it never finishes."""
    try:
        return await asyncio.wait_for(work, seconds)
    except TimeoutError:
        raise AssertionError(f"still waiting after {seconds:g}s for {what}") from None


async def until(
    condition: Callable[[], Awaitable[bool]], what: str, seconds: float = PATIENCE
) -> None:
    """Poll `condition` (a database, another process: nothing that could set an Event) until
    it holds, failing with `what` if it never does."""

    async def poll() -> None:
        while not await condition():  # noqa: ASYNC110 (the condition lives outside this loop)
            await asyncio.sleep(POLL)

    await within(poll(), what, seconds)


class LockRequests:
    """Counts the calls that ask for an incident's lock (SqlIncidentRepository.get_for_update),
    so a test can wait for a command to reach the lock a firing holds, instead of sleeping."""

    def __init__(self) -> None:
        self.count = 0
        self._asked = asyncio.Event()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> LockRequests:
        original = SqlIncidentRepository.get_for_update

        async def counted(repo: SqlIncidentRepository, incident_id: str) -> Incident | None:
            self.count += 1
            self._asked.set()
            return await original(repo, incident_id)

        monkeypatch.setattr(SqlIncidentRepository, "get_for_update", counted)
        return self

    async def reach(self, n: int, what: str) -> None:
        """Wait until the lock has been asked for `n` times in all."""

        async def counted() -> None:
            while self.count < n:
                self._asked.clear()
                await self._asked.wait()

        await within(counted(), what)


async def waiting_on_a_lock(uows: SqlUnitOfWorkFactory, n: int = 1) -> None:
    """On PostgreSQL: wait until `n` sessions of this database are blocked on a row lock (what
    "contact made" does while an escalation holds the incident). SQLite cannot be asked."""
    if uows.engine.dialect.name != "postgresql":
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )

    async def blocked() -> bool:
        async with uows() as uow:
            return int(await uow.session.scalar(query) or 0) >= n

    await until(blocked, f"{n} session(s) to wait on the incident's lock")
