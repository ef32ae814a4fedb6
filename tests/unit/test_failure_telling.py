"""Work after an acknowledged action that fails is told to the person acting, truthfully:
whether the database was the cause, and whether anything of the action was stored."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

from sqlalchemy.exc import OperationalError

from handlers.slack.caches import KeyedLocks, Recent
from handlers.tasks import BackgroundTasks
from storage.errors import commits, is_unavailable

acting: ContextVar[str] = ContextVar("acting", default="nobody")


def refused_connection() -> OperationalError:
    return OperationalError("connect", {}, ConnectionRefusedError("connection refused"))


def test_a_refused_or_dropped_connection_is_the_database_being_unavailable() -> None:
    assert is_unavailable(refused_connection())
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = ConnectionResetError("reset")
    assert is_unavailable(wrapped)
    assert not is_unavailable(KeyError("field"))


async def test_the_person_acting_is_told_nothing_was_stored() -> None:
    tasks = BackgroundTasks()
    told: list[tuple[str, str]] = []

    async def tell(words: str) -> None:
        told.append((acting.get(), words))

    tasks.when_failed(tell)

    async def save_note() -> None:
        raise refused_connection()

    acting.set("U0KIM")  # as the Slack middleware sets it for the request
    tasks.spawn(save_note())
    acting.set("U0SOMEONE_ELSE")
    await tasks.drain(within=5)
    [(who, words)] = told
    assert who == "U0KIM"
    assert "could not be saved" in words
    assert "cannot reach its database" in words
    assert "Nothing of it was recorded" in words


async def test_a_failure_after_part_was_stored_says_so() -> None:
    tasks = BackgroundTasks()
    told: list[str] = []

    async def tell(words: str) -> None:
        told.append(words)

    tasks.when_failed(tell)

    async def store_then_fail() -> None:
        commits.set(commits.get() + 1)  # as a unit of work's commit does
        raise RuntimeError("a bug after the store")

    tasks.spawn(store_then_fail())
    await tasks.drain(within=5)
    [words] = told
    assert words.startswith("Part of what you just did was saved")
    assert "Check the incident's timeline" in words


async def test_locks_exist_only_while_held_or_awaited() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def hold(name: str) -> None:
        async with locks.hold("incident-1"):
            order.append(name)
            await asyncio.sleep(0)

    await asyncio.gather(hold("a"), hold("b"), hold("c"))
    assert order == ["a", "b", "c"]
    assert len(locks) == 0


def test_recent_keeps_the_most_recently_used_up_to_its_bound() -> None:
    recent: Recent[int] = Recent(bound=2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now the most recent
    recent.put("c", 3)
    assert recent.get("b") is None
    assert recent.get("a") == 1
    assert len(recent) == 2
    recent.forget("a")
    assert recent.get("a") is None
    assert len(recent) == 1
