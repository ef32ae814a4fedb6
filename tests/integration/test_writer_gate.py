"""SQLite's one writer taken in turn (storage.writer_gate): in arrival order, a page first,
never held after a transaction ends, never taken by reads; and many writers at once all
commit, none waiting on SQLite's busy handler."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory
from storage.writer_gate import URGENT, GatedSession, WriterGate, writer_gate
from tests.factories import TIMELINE_KEY


async def test_the_writer_goes_in_arrival_order_an_urgent_waiter_first() -> None:
    turns = WriterGate().turns()
    await turns.acquire(urgent=False)  # held
    order: list[str] = []

    async def wants(name: str, urgent: bool) -> None:
        await turns.acquire(urgent)
        order.append(name)
        await asyncio.sleep(0)
        turns.release()

    arrivals = (("answer-1", False), ("answer-2", False), ("page", True), ("answer-3", False))
    waiting = [asyncio.create_task(wants(name, urgent)) for name, urgent in arrivals]
    await asyncio.sleep(0)
    turns.release()
    await asyncio.gather(*waiting)
    assert order == ["page", "answer-1", "answer-2", "answer-3"]
    assert not turns.held


async def test_a_waiter_that_gives_up_passes_the_writer_on() -> None:
    turns = WriterGate().turns()
    await turns.acquire(urgent=False)
    quitter = asyncio.create_task(turns.acquire(urgent=False))
    patient = asyncio.create_task(turns.acquire(urgent=False))
    await asyncio.sleep(0)
    quitter.cancel()
    turns.release()
    await asyncio.wait_for(patient, 5)  # got it, though the one before it gave up
    assert turns.held
    turns.release()
    assert not turns.held


async def test_on_sqlite_writes_take_the_gate_until_their_transaction_ends_and_reads_never(
    tmp_path: Path,
) -> None:
    target = parse_database_url(f"sqlite:///{tmp_path / 'cir.db'}")
    migrate.upgrade(target)
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    turns = writer_gate(engine).turns()
    try:
        async with uows() as reading:
            assert isinstance(reading.session, GatedSession)
            await reading.session.execute(text("SELECT count(*) FROM incidents"))
            assert not turns.held
        async with uows() as writing:
            await writing.session.execute(text("DELETE FROM incidents WHERE id = 'none'"))
            assert turns.held
            async with uows() as other:  # a read beside the writer is not held up
                await asyncio.wait_for(
                    other.session.execute(text("SELECT count(*) FROM incidents")), 5
                )
            await writing.commit()
            assert not turns.held
        async with uows() as abandoned:  # written, never committed: the gate still comes back
            await abandoned.session.execute(text("DELETE FROM incidents WHERE id = 'none'"))
        assert not turns.held

        async def write(n: int) -> None:
            async with uows() as uow:
                token = URGENT.set(n % 5 == 0)
                try:
                    await uow.session.execute(
                        text("UPDATE incidents SET version = version WHERE id = :id"),
                        {"id": f"none-{n}"},
                    )
                    await asyncio.sleep(0.001)
                    await uow.commit()
                finally:
                    URGENT.reset(token)

        await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(50))), 30)
        assert not turns.held
    finally:
        await engine.dispose()
