"""On PostgreSQL, several engines and several OS processes fire the same rows exactly once, slow
firings of different incidents overlap, and a killed worker's rows are fired by its successor."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from subprocess import PIPE, Popen, TimeoutExpired

import pytest
from sqlalchemy import event, text

from bot.app.scheduler import POSTGRES_LOOPS, DeadlineScheduler
from bot.domain.clock import SystemClock
from bot.domain.deadlines import Deadline, DeadlineState
from bot.usecases.context import CoreContext
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.integration.deadline_rows import count, fired_log, log_as, seed
from tests.integration.waiting import until, within

WORKER = Path(__file__).with_name("deadline_worker.py")


async def test_two_engines_fire_1000_deadlines_exactly_once(pg_uows, other_uows, ctx, clock):
    ids = await seed(pg_uows, ctx, [clock.now() + timedelta(seconds=i % 90) for i in range(1000)])
    clock.advance(minutes=2)
    replicas = [
        DeadlineScheduler(uows, clock, log_as(name), worker_id=name, batch=2000)
        for name, uows in (("a", pg_uows), ("b", other_uows))
    ]
    transactions = 0

    def began(_conn: object) -> None:
        nonlocal transactions
        transactions += 1

    engines = [uows.engine.sync_engine for uows in (pg_uows, other_uows)]
    for engine in engines:
        event.listen(engine, "begin", began)
    try:
        for _ in range(10):  # a pass ends early when every due row is held by the other replica
            await asyncio.gather(*(r.fire_due() for r in replicas))
            if await count(pg_uows, DeadlineState.PENDING) == 0:
                break
    finally:
        for engine in engines:
            event.remove(engine, "begin", began)
    log = await fired_log(pg_uows)
    assert sorted(d for d, _ in log) == sorted(ids)
    assert {w for _, w in log} == {"a", "b"}
    assert await count(pg_uows, DeadlineState.FIRED) == 1000
    # Both replicas list the same due rows; a row the other one took is not a wasted claim
    # (the next due one is claimed in its place), so most transactions fired something:
    # listing and then claiming each by id, with no substitute, opened about 2,000 here.
    assert transactions < 1300, transactions


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
def workers(pg_database_url: str, tmp_path: Path) -> Iterator[Callable[..., Awaitable[Popen[str]]]]:
    started: list[Popen[str]] = []

    def spawn(name: str, wait_for: str | None) -> Popen[str]:
        env = {**os.environ, "DATABASE_URL": pg_database_url, "WORKER_ID": name}
        if wait_for:
            env["WAIT_FOR"] = wait_for
        with (tmp_path / f"{name}.log").open("w") as errors:
            argv = [sys.executable, str(WORKER)]  # our own script, no outside input
            return Popen(argv, env=env, stdout=PIPE, stderr=errors, text=True)  # noqa: S603

    async def start(name: str, wait_for: str | None = None) -> Popen[str]:
        proc = spawn(name, wait_for)
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
    first = await workers("a", wait_for="b")  # a holds its firings, and their locks, until b fires
    start = real.clock.now()
    due = [start + timedelta(seconds=i / 100) for i in range(1000)]
    ids = await seed(pg_uows, real, due, incidents=2 * POSTGRES_LOOPS)
    assert first.stdout is not None
    line = await within(asyncio.to_thread(first.stdout.readline), "worker a to hold a firing")
    assert line.strip() == "holding"
    await workers("b")  # only now: a has claimed first, and b fires while a holds
    log = await wait_for_log(pg_uows, 1000)
    assert sorted(d for d, _ in log) == sorted(ids)
    assert {w for _, w in log} == {"a", "b"}


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
