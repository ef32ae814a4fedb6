"""The scheduler's life: what fell due while no process ran fires on start, neither start nor
stop waits for a backlog, stop lets the firing in progress commit, and wake-ups fire without the
sweep."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from bot.app.scheduler import SWEEP_JOB_ID, WAKE_JOB_ID, DeadlineScheduler
from bot.domain.clock import SystemClock
from bot.domain.deadlines import Deadline, DeadlineState
from bot.usecases.context import CoreContext
from storage.deadlines import SqlDeadlineRepository
from storage.uow import SqlUnitOfWork
from tests.integration.deadline_rows import Recorder, count, deadline, load, new_incident, store
from tests.integration.waiting import until, within


async def test_a_deadline_missed_while_down_fires_on_start(uow_factory, ctx, clock) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    missed = deadline(incident_id, clock.now() - timedelta(minutes=10), clock.now())
    later = deadline(incident_id, clock.now() + timedelta(minutes=10), clock.now())
    await store(uow_factory, [missed, later])
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, clock, handler, worker_id="w1", sweep_seconds=3600)
    await scheduler.start()
    try:
        await within(scheduler.caught_up(), "the pass start() began")
        assert [d.id for d in handler.calls] == [missed.id]
    finally:
        await scheduler.stop()
    assert (await load(uow_factory, later.id)).state is DeadlineState.PENDING


async def test_start_returns_at_once_and_stop_promptly_with_a_backlog(
    uow_factory, ctx, clock, caplog
) -> None:
    """A backlog of slow firings neither holds up the server's start nor its shutdown: stop
    lets the firing in progress commit and claims nothing more. The firings after the first two
    are held until the test lets them go: start() returning while they are held shows it does
    not wait for the backlog; letting them go only once stop() was called shows it claims
    nothing more (otherwise all 40 would fire)."""
    incident_id = await new_incident(uow_factory, ctx)
    backlog = [
        deadline(incident_id, clock.now() - timedelta(minutes=5), clock.now()) for _ in range(40)
    ]
    await store(uow_factory, backlog)
    firings = HeldFirings(let_through=2)
    scheduler = DeadlineScheduler(uow_factory, clock, firings, worker_id="w1", sweep_seconds=3600)
    await within(scheduler.start(), "start() to return while the backlog is held")
    assert firings.calls == []
    await until(lambda: firings.held_at_least(1), "a firing after the first two to be held")
    with caplog.at_level(logging.WARNING):
        await firings.stop_then_release(scheduler)
    fired = await count(uow_factory, DeadlineState.FIRED)
    assert 3 <= fired < 40
    assert fired == len(firings.calls)
    assert sorted(firings.calls) == sorted(firings.entered)  # each firing in progress committed
    assert firings.cancelled == []
    assert "CancelledError" not in caplog.text
    assert "Traceback" not in caplog.text
    assert "did not finish" not in caplog.text
    assert await scheduler.fire_due() == 0
    assert len(firings.calls) == fired


async def test_stop_lets_a_sweep_job_finish_its_firing_instead_of_cancelling_it(
    uow_factory, ctx, clock, caplog
) -> None:
    """Shutting APScheduler down cancels its running jobs; stop must wait for them first. The
    first pass ends before the deadlines are stored, so only the sweep job can fire them; its
    firing is held until stop() was called, then let go, and must commit, not be cancelled."""
    incident_id = await new_incident(uow_factory, ctx)
    firings = HeldFirings(let_through=0)
    scheduler = DeadlineScheduler(uow_factory, clock, firings, worker_id="w1", sweep_seconds=0.2)
    await scheduler.start()
    await within(scheduler.caught_up(), "the pass start() began")
    await store(uow_factory, [deadline(incident_id, clock.now(), clock.now()) for _ in range(40)])
    await until(lambda: firings.held_at_least(1), "the sweep job to start a firing")
    with caplog.at_level(logging.WARNING):
        await firings.stop_then_release(scheduler)
    assert firings.cancelled == []
    assert sorted(firings.calls) == sorted(firings.entered)
    assert await count(uow_factory, DeadlineState.FIRED) == len(firings.calls) < 40
    assert "CancelledError" not in caplog.text
    assert "raised an exception" not in caplog.text
    assert "did not finish" not in caplog.text


class HeldFirings:
    """A fire handler that lets the first `let_through` firings go and holds the rest until
    `stop_then_release`, which calls the scheduler's stop() and only then lets them go."""

    def __init__(self, let_through: int) -> None:
        self.let_through = let_through
        self.entered: list[str] = []
        self.calls: list[str] = []
        self.cancelled: list[str] = []
        self.gate = asyncio.Event()

    async def __call__(self, due: Deadline, uow: SqlUnitOfWork) -> None:
        self.entered.append(due.id)
        if len(self.entered) > self.let_through:
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled.append(due.id)
                raise
        self.calls.append(due.id)

    async def held_at_least(self, n: int) -> bool:
        return len(self.entered) - self.let_through >= n

    async def stop_then_release(self, scheduler: DeadlineScheduler) -> None:
        stopping = asyncio.create_task(scheduler.stop())
        await asyncio.sleep(0)  # one turn of the loop: stop() has begun and claims nothing more
        self.gate.set()
        await within(stopping, "stop() to return once the held firings were let go")


async def test_wake_ups_keep_only_the_earliest(uow_factory, clock) -> None:
    scheduler = DeadlineScheduler(
        uow_factory, clock, Recorder(), worker_id="w1", sweep_seconds=3600
    )
    await scheduler.start()
    try:
        soon = clock.now() + timedelta(minutes=1)
        for minutes in (5, 1, 3, 1, 10):
            scheduler.wake_at(clock.now() + timedelta(minutes=minutes))
        jobs = [j for j in scheduler._scheduler.get_jobs() if j.id != SWEEP_JOB_ID]
        assert [j.id for j in jobs] == [WAKE_JOB_ID]
        assert scheduler.armed_wake_up == soon
        clock.advance(minutes=2)  # the armed one is now overdue (its job has not run yet)
        scheduler.wake_at(clock.now() + timedelta(minutes=1))
        assert scheduler.armed_wake_up == soon  # kept: replacing it would delay it
    finally:
        await scheduler.stop()


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
        await until(lambda: _fired(handler, 1), "the wake-up for `soon` (the sweep is hourly)")
        late = deadline(incident_id, real.now() - timedelta(seconds=5), real.now())
        await store(uow_factory, [late])
        scheduler.wake_at(late.due_at)
        await until(lambda: _fired(handler, 2), "the wake-up for the late deadline")
    finally:
        await scheduler.stop()
    assert [d.id for d in handler.calls] == [soon.id, late.id]
    fired_at = (await load(uow_factory, soon.id)).fired_at
    assert fired_at is not None
    assert fired_at >= soon.due_at


async def _fired(handler: Recorder, n: int) -> bool:
    return len(handler.calls) >= n


async def test_asks_while_an_overdue_wake_up_waits_to_run_arm_no_more_jobs(
    uow_factory, ctx, monkeypatch
) -> None:
    """Under a burst each activation asks for a wake-up per deadline it adds, with the armed
    one overdue: it runs at once anyway, so the asks change nothing, and what they were for
    still fires."""
    real = SystemClock()
    ctx = CoreContext(clock=real, policy=ctx.policy)
    incident_id = await new_incident(uow_factory, ctx)
    handler = Recorder()
    scheduler = DeadlineScheduler(uow_factory, real, handler, worker_id="w1", sweep_seconds=3600)
    await scheduler.start()
    try:
        await until(lambda: _no_pass(scheduler), "the start's own pass to end")
        rows = [deadline(incident_id, real.now() - timedelta(seconds=1), real.now())]
        rows += [deadline(incident_id, real.now() + timedelta(hours=h), real.now()) for h in (1, 2)]
        await store(uow_factory, rows)
        armed: list[object] = []
        add_job = scheduler._scheduler.add_job

        def counted(*args: Any, **kwargs: Any) -> Any:
            armed.append(kwargs)
            return add_job(*args, **kwargs)

        monkeypatch.setattr(scheduler._scheduler, "add_job", counted)
        for _ in range(50):  # no await between: the first ask's job has not run yet
            for row in rows:
                scheduler.wake_at(row.due_at)
        assert len(armed) == 1
        await until(lambda: _fired(handler, 1), "the overdue deadline, by the one wake-up")
    finally:
        await scheduler.stop()
    assert [d.id for d in handler.calls] == [rows[0].id]


async def _no_pass(scheduler: DeadlineScheduler) -> bool:
    running = scheduler._pass or scheduler._first_run
    return running is None or running.done()


async def test_a_wake_up_asked_for_while_a_pass_runs_is_not_lost(
    uow_factory, ctx, monkeypatch
) -> None:
    """Seen in CI: a deadline committed (and its wake-up asked for) just after a running
    wake-up pass had read "nothing more is due" was not fired until the hour-long sweep:
    APScheduler skips a job armed while another instance of it runs. Here the wake-up pass that
    fired `soon` is held right after that read while `late` is stored and woken for."""
    from storage.deadlines import SqlDeadlineRepository

    real = SystemClock()
    ctx = CoreContext(clock=real, policy=ctx.policy)
    incident_id = await new_incident(uow_factory, ctx)
    handler = Recorder()
    read, go_on = asyncio.Event(), asyncio.Event()
    next_due_at = SqlDeadlineRepository.next_due_at

    async def held(self: SqlDeadlineRepository) -> datetime | None:
        found = await next_due_at(self)
        if handler.calls and not read.is_set():  # the pass that fired `soon`
            read.set()
            await go_on.wait()
        return found

    monkeypatch.setattr(SqlDeadlineRepository, "next_due_at", held)
    soon = deadline(incident_id, real.now() + timedelta(seconds=0.3), real.now())
    await store(uow_factory, [soon])
    scheduler = DeadlineScheduler(uow_factory, real, handler, worker_id="w1", sweep_seconds=3600)
    await scheduler.start()  # arms a wake-up for `soon`; its pass fires it, then is held
    try:
        await within(read.wait(), "the wake-up pass to read the next due time")
        late = deadline(incident_id, real.now() - timedelta(seconds=1), real.now())
        await store(uow_factory, [late])
        scheduler.wake_at(late.due_at)  # asked for while that pass is still running
        go_on.set()
        await until(lambda: _fired(handler, 2), "the wake-up asked for during the pass")
    finally:
        await scheduler.stop()
    assert [d.id for d in handler.calls] == [soon.id, late.id]
