"""Deadlines fire exactly once: on time, after a restart, across engines and OS processes, and
never after "contact made" has been stored."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from subprocess import PIPE, Popen, TimeoutExpired

import pytest
from sqlalchemy import select, text, update

from bot.app.scheduler import (
    POSTGRES_LOOPS,
    SWEEP_JOB_ID,
    WAKE_JOB_ID,
    DeadlineScheduler,
    retry_backoff,
)
from bot.domain.clock import SystemClock
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.ladder import contact_ladder
from bot.usecases.context import CoreContext
from bot.usecases.referral import open_referral
from storage.deadlines import SqlDeadlineRepository
from storage.models import IncidentRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import referral_cmd
from tests.integration.waiting import until, waiting_on_a_lock, within

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
    # each level once; several loops fire overdue rows at once, so their order is not fixed
    # (seen in CI on PostgreSQL: [2, 1, 3, 4]); ordering a backlog per incident is open work
    assert sorted(d.level for d in handler.calls[1:]) == [1, 2, 3, 4]
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

    due_at = poison.due_at
    with caplog.at_level(logging.WARNING, logger="bot.app.scheduler"):
        assert await scheduler.fire_due() == 1
    assert [d.id for d in handler.calls] == [healthy.id]
    stuck = await load(uow_factory, poison.id)
    assert stuck.state is DeadlineState.PENDING and stuck.attempts == 1
    assert stuck.due_at == clock.now() + timedelta(seconds=15)  # backed off, not every sweep
    assert stuck.payload["first_due_at"] == due_at.isoformat()
    [record] = [r for r in caplog.records if r.name == "bot.app.scheduler"]
    assert poison.id in record.getMessage() and "contact_escalation" in record.getMessage()

    handler.failing.clear()
    clock.advance(seconds=14)
    assert await scheduler.fire_due() == 0
    clock.advance(seconds=1)
    assert await scheduler.fire_due() == 1
    fired = await load(uow_factory, poison.id)
    assert fired.state is DeadlineState.FIRED and fired.attempts == 2
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
    assert fired.state is DeadlineState.FIRED and fired.attempts == 8


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
    assert 3 <= fired < 40 and fired == len(firings.calls)
    assert sorted(firings.calls) == sorted(firings.entered)  # each firing in progress committed
    assert firings.cancelled == []
    assert "CancelledError" not in caplog.text and "Traceback" not in caplog.text
    assert "did not finish" not in caplog.text
    assert await scheduler.fire_due() == 0 and len(firings.calls) == fired


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
    assert "CancelledError" not in caplog.text and "raised an exception" not in caplog.text
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
        assert [j.id for j in jobs] == [WAKE_JOB_ID] and scheduler.armed_wake_up == soon
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
    assert fired_at is not None and fired_at >= soon.due_at


async def _fired(handler: Recorder, n: int) -> bool:
    return len(handler.calls) >= n


# --- PostgreSQL: several engines, several processes, and the race with "contact made" ---------


def log_as(worker: str) -> Callable[[Deadline, SqlUnitOfWork], Awaitable[None]]:
    async def handler(due: Deadline, uow: SqlUnitOfWork) -> None:
        await uow.session.execute(LOG_FIRING, {"deadline": due.id, "worker": worker})

    return handler


async def fired_log(uows: SqlUnitOfWorkFactory) -> list[tuple[str, str]]:
    async with uows() as uow:
        rows = await uow.session.execute(text("SELECT deadline_id, worker_id FROM fired_log"))
        return [(r[0], r[1]) for r in rows]


async def seed(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, due: list[datetime], incidents: int = 10
) -> list[str]:
    """Spread the deadlines over several incidents, as a busy day would."""
    owners = [await new_incident(uows, ctx) for _ in range(incidents)]
    now = ctx.clock.now()
    rows = [deadline(owners[i % incidents], at, now) for i, at in enumerate(due)]
    await store(uows, rows)
    return [r.id for r in rows]


async def test_two_engines_fire_1000_deadlines_exactly_once(pg_uows, other_uows, ctx, clock):
    ids = await seed(pg_uows, ctx, [clock.now() + timedelta(seconds=i % 90) for i in range(1000)])
    clock.advance(minutes=2)
    replicas = [
        DeadlineScheduler(uows, clock, log_as(name), worker_id=name, batch=2000)
        for name, uows in (("a", pg_uows), ("b", other_uows))
    ]
    for _ in range(10):  # a pass ends early when every due row is held by the other replica
        await asyncio.gather(*(r.fire_due() for r in replicas))
        if await count(pg_uows, DeadlineState.PENDING) == 0:
            break
    log = await fired_log(pg_uows)
    assert sorted(d for d, _ in log) == sorted(ids)
    assert {w for _, w in log} == {"a", "b"}
    assert await count(pg_uows, DeadlineState.FIRED) == 1000


async def test_on_postgresql_slow_firings_of_different_incidents_overlap(pg_uows, ctx, clock):
    n = 2 * POSTGRES_LOOPS  # more than the loops, so their number is what caps the overlap
    await seed(pg_uows, ctx, [clock.now()] * n, incidents=n)
    running, most = 0, 0
    all_loops_in = asyncio.Event()

    async def slow(due: Deadline, uow: SqlUnitOfWork) -> None:
        """Held until as many firings as there are loops run at once: one at a time would
        never get there and the test would fail on the safety net."""
        nonlocal running, most
        running += 1
        most = max(most, running)
        if running >= POSTGRES_LOOPS:
            all_loops_in.set()
        await within(all_loops_in.wait(), f"{POSTGRES_LOOPS} firings to overlap")
        running -= 1
        await log_as("w1")(due, uow)

    assert await DeadlineScheduler(pg_uows, clock, slow, worker_id="w1").fire_due() == n
    assert most == POSTGRES_LOOPS
    log = await fired_log(pg_uows)
    assert len(log) == len({d for d, _ in log}) == n


@pytest.fixture
def workers(
    pg_database_url: str, tmp_path: Path
) -> Iterator[Callable[[str], Awaitable[Popen[str]]]]:
    started: list[Popen[str]] = []

    def spawn(name: str) -> Popen[str]:
        env = {**os.environ, "DATABASE_URL": pg_database_url, "WORKER_ID": name}
        with (tmp_path / f"{name}.log").open("w") as errors:
            argv = [sys.executable, str(WORKER)]  # our own script, no outside input
            return Popen(argv, env=env, stdout=PIPE, stderr=errors, text=True)  # noqa: S603

    async def start(name: str) -> Popen[str]:
        proc = spawn(name)
        started.append(proc)
        assert proc.stdout is not None
        line = await asyncio.to_thread(proc.stdout.readline)
        assert line.strip() == "ready", (tmp_path / f"{name}.log").read_text()
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except TimeoutExpired:
                proc.kill()
                proc.wait()


async def wait_for_log(uows: SqlUnitOfWorkFactory, n: int) -> list[tuple[str, str]]:
    async def enough() -> bool:
        return len(await fired_log(uows)) >= n

    await until(enough, f"{n} deadlines to be fired")
    return await fired_log(uows)


async def test_two_processes_fire_1000_deadlines_exactly_once(pg_uows, policy, workers):
    real = CoreContext(clock=SystemClock(), policy=policy)
    await workers("a")
    await workers("b")
    start = real.clock.now()
    ids = await seed(pg_uows, real, [start + timedelta(seconds=i / 100) for i in range(1000)])
    log = await wait_for_log(pg_uows, 1000)
    assert sorted(d for d, _ in log) == sorted(ids)
    assert {w for _, w in log} == {"a", "b"}
    # how late they fire is benchmarks/deadline_lateness.py's to measure, not a test's


async def test_a_killed_worker_loses_nothing_and_its_successor_fires_the_rest(
    pg_uows, policy, workers
):
    real = CoreContext(clock=SystemClock(), policy=policy)
    first = await workers("a")
    start = real.clock.now()
    ids = await seed(pg_uows, real, [start + timedelta(seconds=i / 100) for i in range(300)])
    await wait_for_log(pg_uows, 30)
    first.send_signal(signal.SIGKILL)
    await asyncio.to_thread(first.wait)
    # more fall due while nobody runs (some of the 300 may have too, however fast it was)
    missed = real.clock.now() - timedelta(seconds=1)
    ids += await seed(pg_uows, real, [missed] * 20, incidents=2)
    async with pg_uows() as uow:
        overdue = await uow.session.scalar(
            text("SELECT count(*) FROM deadlines WHERE state = 'pending' AND due_at <= now()")
        )
    assert overdue > 0
    await workers("b")
    log = await wait_for_log(pg_uows, len(ids))
    assert sorted(d for d, _ in log) == sorted(ids)
    assert {w for _, w in log} == {"a", "b"}


async def record_contact(uows: SqlUnitOfWorkFactory, incident_id: str) -> int:
    """What "contact made" does to the rows: lock the incident, cancel the ladder, update the
    incident, commit, all in one transaction. Returns the deadlines it cancelled."""
    async with uows() as uow:
        await uow.session.execute(
            select(IncidentRow.id).where(IncidentRow.id == incident_id).with_for_update()
        )
        cancelled = await SqlDeadlineRepository(uow.session).cancel_pending(incident_id)
        await uow.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident_id)
            .values(version=IncidentRow.version + 1)
        )
        await uow.commit()
    return cancelled


async def test_contact_made_during_an_escalation_waits_and_cancels_nothing(
    pg_uows, other_uows, ctx, clock
):
    incident_id = await new_incident(pg_uows, ctx)
    escalation = deadline(incident_id, clock.now(), clock.now())
    await store(pg_uows, [escalation])
    claimed, release, sent = asyncio.Event(), asyncio.Event(), []

    async def slow_send(due: Deadline, uow: SqlUnitOfWork) -> None:
        claimed.set()
        await release.wait()
        sent.append(due.id)

    firing = asyncio.create_task(
        DeadlineScheduler(pg_uows, clock, slow_send, worker_id="w1").fire_due()
    )
    await within(claimed.wait(), "the escalation to be claimed")
    contact = asyncio.create_task(record_contact(other_uows, incident_id))
    await waiting_on_a_lock(pg_uows)
    assert not contact.done(), "contact must queue behind the escalation that holds the claim"
    release.set()
    assert await firing == 1 and sent == [escalation.id]
    assert await contact == 0
    assert (await load(pg_uows, escalation.id)).state is DeadlineState.FIRED


async def test_contact_stored_first_means_the_escalation_is_never_sent(pg_uows, ctx, clock):
    incident_id = await new_incident(pg_uows, ctx)
    escalation = deadline(incident_id, clock.now(), clock.now())
    await store(pg_uows, [escalation])
    assert await record_contact(pg_uows, incident_id) == 1
    handler = Recorder()
    assert await DeadlineScheduler(pg_uows, clock, handler, worker_id="w1").fire_due() == 0
    assert handler.calls == []


async def test_contact_and_escalation_racing_never_both_happen(pg_uows, other_uows, ctx, clock):
    incidents = [await new_incident(pg_uows, ctx) for _ in range(20)]
    rows = [deadline(i, clock.now(), clock.now()) for i in incidents]
    await store(pg_uows, rows)
    scheduler = DeadlineScheduler(pg_uows, clock, log_as("w1"), worker_id="w1")
    _, *cancelled = await asyncio.gather(
        scheduler.fire_due(), *(record_contact(other_uows, i) for i in incidents)
    )
    sent = {d for d, _ in await fired_log(pg_uows)}
    for row, cancels in zip(rows, cancelled, strict=True):
        assert (row.id in sent) != (cancels == 1), f"escalation sent and cancelled: {row.id}"
        state = (await load(pg_uows, row.id)).state
        assert state is (DeadlineState.FIRED if row.id in sent else DeadlineState.CANCELLED)


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
