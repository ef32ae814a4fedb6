"""Each deadline fires once: the ladder step by step, never once cancelled, retried ever less often
while its handler fails, and cancelled by its handler instead of sent."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.app.scheduler import DeadlineScheduler, retry_backoff
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.ladder import contact_ladder
from storage.deadlines import SqlDeadlineRepository
from storage.uow import SqlUnitOfWork
from tests.integration.deadline_rows import Recorder, count, deadline, load, new_incident, store


async def test_the_ladder_fires_step_by_step_and_each_step_once(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    ladder = contact_ladder(incident_id, clock.now(), ctx.policy.ladder, ctx.new_id)
    await store(uow_factory, ladder)
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")

    assert await scheduler.fire_due() == 0
    clock.advance(minutes=19, seconds=59)
    assert await scheduler.fire_due() == 0
    assert handler.calls == []

    clock.advance(seconds=1)
    assert await scheduler.fire_due() == 1
    assert [d.kind for d in handler.calls] == [DeadlineKind.CONTACT_REMINDER]
    reminder = await load(uow_factory, ladder[0].id)
    assert reminder.state is DeadlineState.FIRED
    assert reminder.fired_at == clock.now()
    assert reminder.claimed_by == "w1"
    assert reminder.attempts == 1

    clock.advance(hours=3)
    assert await scheduler.fire_due() == 4
    # each level once; several loops fire overdue rows at once, so their order is not fixed
    # (seen in CI on PostgreSQL: [2, 1, 3, 4]); ordering a backlog per incident is open work
    assert sorted(d.level for d in handler.calls[1:]) == [1, 2, 3, 4]
    assert await scheduler.fire_due() == 0
    assert len(handler.calls) == 5
    assert len({d.id for d in handler.calls}) == 5
    assert await count(uow_factory, DeadlineState.FIRED) == 5


async def test_cancelled_deadlines_never_fire(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    await store(
        uow_factory, contact_ladder(incident_id, clock.now(), ctx.policy.ladder, ctx.new_id)
    )
    async with uow_factory() as uow:
        repo = SqlDeadlineRepository(uow.session)
        assert await repo.cancel_pending(incident_id, [DeadlineKind.CONTACT_REMINDER]) == 1
        assert len(await repo.pending_for(incident_id)) == 4
        assert await repo.cancel_pending(incident_id) == 4
        assert await repo.cancel_pending(incident_id) == 0
        await uow.commit()
    handler = Recorder()
    clock.advance(hours=3)
    assert await DeadlineScheduler(uow_factory, clock, handler, worker_id="w1").fire_due() == 0
    assert handler.calls == []
    assert await count(uow_factory, DeadlineState.CANCELLED) == 5


async def test_a_failing_handler_leaves_the_deadline_for_the_next_sweep(
    uow_factory, ctx, clock, caplog
) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    poison, healthy = (deadline(incident_id, clock.now(), clock.now()) for _ in range(2))
    await store(uow_factory, [poison, healthy])
    handler = Recorder(failing={poison.id})
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")

    due_at = poison.due_at
    with caplog.at_level(logging.WARNING, logger="bot.app.scheduler"):
        assert await scheduler.fire_due() == 1
    assert [d.id for d in handler.calls] == [healthy.id]
    stuck = await load(uow_factory, poison.id)
    assert stuck.state is DeadlineState.PENDING
    assert stuck.attempts == 1
    assert stuck.due_at == clock.now() + timedelta(seconds=15)  # backed off, not every sweep
    assert stuck.payload["first_due_at"] == due_at.isoformat()
    [record] = [r for r in caplog.records if r.name == "bot.app.scheduler"]
    assert poison.id in record.getMessage()
    assert "contact_escalation" in record.getMessage()

    handler.failing.clear()
    clock.advance(seconds=14)
    assert await scheduler.fire_due() == 0
    clock.advance(seconds=1)
    assert await scheduler.fire_due() == 1
    fired = await load(uow_factory, poison.id)
    assert fired.state is DeadlineState.FIRED
    assert fired.attempts == 2
    assert [d.id for d in handler.calls] == [healthy.id, poison.id]


async def test_a_handler_failing_through_an_outage_is_retried_ever_less_often(
    uow_factory, ctx, clock
) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    down = deadline(incident_id, clock.now(), clock.now())
    await store(uow_factory, [down])
    handler = Recorder(failing={down.id})
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")
    waits = []
    for _ in range(7):
        assert await scheduler.fire_due() == 0
        row = await load(uow_factory, down.id)
        waits.append((row.due_at - clock.now()).total_seconds())
        clock.advance(seconds=waits[-1] - 1)
        assert await scheduler.fire_due() == 0  # not due yet: not even claimed
        assert (await load(uow_factory, down.id)).attempts == row.attempts
        clock.advance(seconds=1)
    assert waits == [15, 30, 60, 120, 240, 300, 300]
    handler.failing.clear()
    assert await scheduler.fire_due() == 1
    fired = await load(uow_factory, down.id)
    assert fired.state is DeadlineState.FIRED
    assert fired.attempts == 8


def test_retry_backoff_doubles_from_15_seconds_to_a_5_minute_cap() -> None:
    assert [retry_backoff(n).total_seconds() for n in range(1, 9)] == [
        15,
        30,
        60,
        120,
        240,
        300,
        300,
        300,
    ]
    assert retry_backoff(10_000) == timedelta(minutes=5)


async def test_a_handler_can_cancel_instead_of_sending(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    first = deadline(incident_id, clock.now() - timedelta(minutes=1), clock.now())
    second = deadline(incident_id, clock.now(), clock.now())
    await store(uow_factory, [first, second])

    async def contact_already_made(due: Deadline, uow: SqlUnitOfWork) -> None:
        repo = SqlDeadlineRepository(uow.session)
        if due.id == first.id:
            assert await repo.mark_cancelled(due, clock.now())
        else:
            await repo.cancel_pending(due.incident_id)

    scheduler = DeadlineScheduler(uow_factory, clock, contact_already_made, worker_id="w1")
    assert await scheduler.fire_due() == 2
    for row in (await load(uow_factory, first.id), await load(uow_factory, second.id)):
        assert row.state is DeadlineState.CANCELLED
        assert row.fired_at is None
    assert (await load(uow_factory, first.id)).payload["cancelled_at"] == clock.now().isoformat()
