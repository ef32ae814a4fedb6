"""A form's writes go ahead of the answers at SQLite's writer gate: a press's trigger id lives
3 s, and under a burst of answers the threshold check it starts (a write) queued behind every
one of them. Order only: who holds the writer is released by the test, no clock involved."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory
from storage.writer_gate import AHEAD, writer_gate
from tests.factories import TIMELINE_KEY
from tests.integration.waiting import within


async def test_a_forms_write_goes_ahead_of_the_answers_waiting(tmp_path: Path) -> None:
    target = parse_database_url(f"sqlite:///{tmp_path / 'cir.db'}")
    migrate.upgrade(target)
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    turns = writer_gate(engine).turns()
    order: list[str] = []
    touch = text("UPDATE incidents SET version = version WHERE id = 'none'")

    async def write(name: str, form: bool) -> None:
        AHEAD.set(form)  # this task's own context, as BackgroundTasks.spawn_form sets it
        async with uows() as uow:
            await uow.session.execute(touch)
            order.append(name)
            await uow.commit()

    try:
        async with uows() as holder:
            await holder.session.execute(touch)  # an answer holds the writer
            writers = [asyncio.create_task(write(f"answer-{n}", False)) for n in range(5)]
            await within(_queued(turns, others=5, ahead=0), "the answers to queue at the gate")
            writers.append(asyncio.create_task(write("form", True)))
            await within(_queued(turns, others=5, ahead=1), "the form's write to queue")
            await holder.commit()
        await within(asyncio.gather(*writers), "every queued write to commit")
        assert order == ["form", *(f"answer-{n}" for n in range(5))]
    finally:
        await engine.dispose()


async def _queued(turns: Any, *, others: int, ahead: int) -> None:
    while (len(turns.others), len(turns.urgent)) != (others, ahead):  # noqa: ASYNC110 (the gate has no event)
        await asyncio.sleep(0)
