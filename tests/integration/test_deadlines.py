"""Deadlines fire exactly once: on time, after a restart, across engines and OS processes, and
never after "contact made" has been stored."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.app.scheduler import DeadlineScheduler
from bot.domain.clock import SystemClock
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.ladder import contact_ladder
from bot.usecases.context import CoreContext
from bot.usecases.referral import open_referral
from storage.deadlines import SqlDeadlineRepository
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import referral_cmd

WORKER = Path(__file__).with_name("deadline_worker.py")
LOG_FIRING = text("INSERT INTO fired_log (deadline_id, worker_id) VALUES (:deadline, :worker)")


class Recorder:
    """A fire handler that remembers what it was called with, and can fail on purpose."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.calls: list[Deadline] = []
        self.failing = failing or set()

    async def __call__(self, deadline: Deadline, uow: SqlUnitOfWork) -> None:
        if deadline.id in self.failing:
            raise RuntimeError("Slack is down")
        self.calls.append(deadline)


async def new_incident(uows: SqlUnitOfWorkFactory, ctx: CoreContext) -> str:
    return (await open_referral(referral_cmd(ctx.clock), uows(), ctx)).id  # type: ignore[arg-type]


async def store(uows: SqlUnitOfWorkFactory, deadlines: list[Deadline]) -> None:
    async with uows() as uow:
        await SqlDeadlineRepository(uow.session).add_all(deadlines)
        await uow.commit()


async def load(uows: SqlUnitOfWorkFactory, deadline_id: str) -> Deadline:
    async with uows() as uow:
        found = await SqlDeadlineRepository(uow.session).get(deadline_id)
    assert found is not None
    return found


async def count(uows: SqlUnitOfWorkFactory, state: DeadlineState | None = None) -> int:
    async with uows() as uow:
        return await SqlDeadlineRepository(uow.session).count(state)


def deadline(incident_id: str, due_at: datetime, now: datetime) -> Deadline:
    return Deadline(
        id=uuid.uuid4().hex,
        incident_id=incident_id,
        kind=DeadlineKind.CONTACT_ESCALATION,
        due_at=due_at,
        level=1,
        created_at=now,
    )


async def test_the_ladder_fires_step_by_step_and_each_step_once(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    ladder = contact_ladder(incident_id, clock.now(), ctx.policy.ladder, ctx.new_id)
    await store(uow_factory, ladder)
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")

    assert await scheduler.fire_due() == 0
    clock.advance(minutes=19, seconds=59)
    assert await scheduler.fire_due() == 0 and handler.calls == []

    clock.advance(seconds=1)
    assert await scheduler.fire_due() == 1
    assert [d.kind for d in handler.calls] == [DeadlineKind.CONTACT_REMINDER]
    reminder = await load(uow_factory, ladder[0].id)
    assert reminder.state is DeadlineState.FIRED and reminder.fired_at == clock.now()
    assert reminder.claimed_by == "w1" and reminder.attempts == 1

    clock.advance(hours=3)
    assert await scheduler.fire_due() == 4
    assert [d.level for d in handler.calls[1:]] == [1, 2, 3, 4]
    assert await scheduler.fire_due() == 0
    assert len(handler.calls) == 5 and len({d.id for d in handler.calls}) == 5
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
    assert handler.calls == [] and await count(uow_factory, DeadlineState.CANCELLED) == 5


async def test_a_failing_handler_leaves_the_deadline_for_the_next_sweep(
    uow_factory, ctx, clock, caplog
) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    poison, healthy = (deadline(incident_id, clock.now(), clock.now()) for _ in range(2))
    await store(uow_factory, [poison, healthy])
    handler = Recorder(failing={poison.id})
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1")

    with caplog.at_level(logging.WARNING, logger="bot.app.scheduler"):
        assert await scheduler.fire_due() == 1
    assert [d.id for d in handler.calls] == [healthy.id]
    stuck = await load(uow_factory, poison.id)
    assert stuck.state is DeadlineState.PENDING and stuck.attempts == 1
    [record] = [r for r in caplog.records if r.name == "bot.app.scheduler"]
    assert poison.id in record.getMessage() and "contact_escalation" in record.getMessage()

    handler.failing.clear()
    assert await scheduler.fire_due() == 1
    fired = await load(uow_factory, poison.id)
    assert fired.state is DeadlineState.FIRED and fired.attempts == 2
    assert [d.id for d in handler.calls] == [healthy.id, poison.id]


async def test_a_handler_can_cancel_instead_of_sending(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    first, second = (deadline(incident_id, clock.now(), clock.now()) for _ in range(2))
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
        assert row.state is DeadlineState.CANCELLED and row.fired_at is None
    assert (await load(uow_factory, first.id)).payload["cancelled_at"] == clock.now().isoformat()


async def test_a_deadline_missed_while_down_fires_on_start(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    missed = deadline(incident_id, clock.now() - timedelta(minutes=10), clock.now())
    later = deadline(incident_id, clock.now() + timedelta(minutes=10), clock.now())
    await store(uow_factory, [missed, later])
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1", sweep_seconds=3600)
    await scheduler.start()
    try:
        assert [d.id for d in handler.calls] == [missed.id]
    finally:
        await scheduler.stop()
    assert (await load(uow_factory, later.id)).state is DeadlineState.PENDING


async def wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline_at = time.monotonic() + seconds
    while time.monotonic() < deadline_at:
        if await condition():
            return True
        await asyncio.sleep(0.05)
    return await condition()


async def test_wake_ups_fire_on_time_even_when_late(uow_factory, ctx) -> None:
    """With a one-hour sweep only the wake-ups can fire; the late one would be dropped by
    APScheduler's default one-second misfire grace."""
    real = SystemClock()
    ctx = CoreContext(clock=real, policy=ctx.policy)
    incident_id = await new_incident(uow_factory, ctx)
    soon = deadline(incident_id, real.now() + timedelta(seconds=0.5), real.now())
    await store(uow_factory, [soon])
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, real, handler, worker_id="w1", sweep_seconds=3600)
    await scheduler.start()  # schedules a wake-up for `soon` by itself
    try:
        assert handler.calls == []
        assert await wait_for(lambda: _fired(handler, 1), 3)
        late = deadline(incident_id, real.now() - timedelta(seconds=5), real.now())
        await store(uow_factory, [late])
        scheduler.wake_at(late.due_at)
        assert await wait_for(lambda: _fired(handler, 2), 3)
    finally:
        await scheduler.stop()
    assert [d.id for d in handler.calls] == [soon.id, late.id]
    fired_at = (await load(uow_factory, soon.id)).fired_at
    assert fired_at is not None and fired_at >= soon.due_at


async def _fired(handler: Recorder, n: int) -> bool:
    return len(handler.calls) >= n
