"""`fire_now`: an activation's page fired the moment the decision is committed, by the same
claim as the scheduler's loops, so it still fires exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import text

from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import DeadlineKind, DeadlineState
from tests.integration.deadline_rows import (
    Recorder,
    count,
    deadline,
    fired_log,
    load,
    log_as,
    new_incident,
    store,
)
from tests.integration.waiting import within


async def test_fire_now_fires_a_due_deadline_once(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    due = deadline(incident_id, clock.now(), clock.now())
    later = deadline(incident_id, clock.now() + timedelta(minutes=5), clock.now())
    await store(uow_factory, [due, later])
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")

    assert await scheduler.fire_now([due.id, later.id]) == 1
    assert [d.id for d in handler.calls] == [due.id]  # the later one is not due yet
    assert (await load(uow_factory, due.id)).state is DeadlineState.FIRED
    assert (await load(uow_factory, later.id)).state is DeadlineState.PENDING

    assert await scheduler.fire_now([due.id]) == 0  # already fired: nothing happens
    assert await scheduler.fire_due() == 0
    assert len(handler.calls) == 1


async def test_a_failing_fire_now_leaves_the_deadline_to_the_backoff(uow_factory, ctx, clock):
    incident_id = await new_incident(uow_factory, ctx)
    due = deadline(incident_id, clock.now(), clock.now())
    await store(uow_factory, [due])
    scheduler = DeadlineScheduler(uow_factory, clock, Recorder({due.id}), worker_id="w1")

    assert await scheduler.fire_now([due.id]) == 0
    retried = await load(uow_factory, due.id)
    assert retried.state is DeadlineState.PENDING
    assert retried.attempts == 1
    assert retried.due_at == clock.now() + timedelta(seconds=15)


async def test_fire_now_after_stop_fires_nothing(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    due = deadline(incident_id, clock.now(), clock.now())
    await store(uow_factory, [due])
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")
    await scheduler.stop()

    assert await scheduler.fire_now([due.id]) == 0
    assert handler.calls == []
    assert await count(uow_factory, DeadlineState.PENDING) == 1


async def test_fire_now_racing_the_loops_and_another_replica_fires_once(
    pg_uows, other_uows, ctx, clock
) -> None:
    """Pages fired at once while this replica's loops and another replica sweep the same rows:
    each is in the log exactly once."""
    owners = [await new_incident(pg_uows, ctx) for _ in range(20)]
    rows = [deadline(owners[i % 20], clock.now(), clock.now()) for i in range(200)]
    await store(pg_uows, rows)
    here = DeadlineScheduler(pg_uows, clock, log_as("here"), worker_id="here")
    there = DeadlineScheduler(other_uows, clock, log_as("there"), worker_id="there")
    ids = [r.id for r in rows]
    await asyncio.gather(
        *(here.fire_now(ids[i::10]) for i in range(10)), here.fire_due(), there.fire_due()
    )
    for _ in range(5):  # whatever was skipped while held is picked up by a later pass
        if await count(pg_uows, DeadlineState.PENDING) == 0:
            break
        await here.fire_due()
    log = await fired_log(pg_uows)
    assert sorted(d for d, _ in log) == sorted(ids)


async def test_fire_now_skips_a_deadline_another_transaction_holds(pg_uows, ctx, clock) -> None:
    incident_id = await new_incident(pg_uows, ctx)
    due = deadline(incident_id, clock.now(), clock.now())
    await store(pg_uows, [due])
    handler = Recorder()
    scheduler = DeadlineScheduler(pg_uows, clock, handler, worker_id="w1")
    async with pg_uows() as holder:  # another replica in the middle of firing it
        lock = text("SELECT id FROM deadlines WHERE id = :id FOR UPDATE")
        await holder.session.execute(lock, {"id": due.id})
        assert await within(scheduler.fire_now([due.id]), "fire_now to skip a held row") == 0
    assert handler.calls == []
    assert (await load(pg_uows, due.id)).state is DeadlineState.PENDING


async def test_while_people_wait_emails_are_held_back_up_to_five_seconds(
    uow_factory, ctx, clock
) -> None:
    """Answers and pages in progress: the loops take pages and the contact ladder, and leave
    an email due now until it is five seconds overdue."""
    incident_id = await new_incident(uow_factory, ctx)
    email = replace(
        deadline(incident_id, clock.now(), clock.now()), kind=DeadlineKind.ACTIVATION_EMAIL
    )
    escalation = deadline(incident_id, clock.now(), clock.now())
    await store(uow_factory, [email, escalation])
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")
    scheduler.hold_back = lambda: True

    assert await scheduler.fire_due() == 1
    assert [d.id for d in handler.calls] == [escalation.id]
    clock.advance(seconds=4)
    assert await scheduler.fire_due() == 0
    clock.advance(seconds=1)
    assert await scheduler.fire_due() == 1
    assert [d.id for d in handler.calls] == [escalation.id, email.id]
