"""Under a burst the scheduler's log stays useful: a wake-up asked for while a pass runs (one per
activation, hundreds at once) is folded into that pass and counted on /metrics, never a line
of its own. APScheduler used to skip each one with a warning ("maximum number of running
instances reached"): thousands of lines for 500 activations at once. The burst here is counted,
not timed: each wake-up is waited for by the count it leaves, while the firing in progress is
held by an event."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import Deadline, DeadlineState
from handlers.metrics.prometheus import PrometheusMetrics
from storage.uow import SqlUnitOfWork
from tests.integration.deadline_rows import count, deadline, new_incident, store
from tests.integration.waiting import until, within

WAKE_UPS = 200


class HeldFirst:
    """Holds the first firing until `go` is set; the rest fire at once."""

    def __init__(self) -> None:
        self.held, self.go = asyncio.Event(), asyncio.Event()
        self.fired: list[str] = []

    async def __call__(self, due: Deadline, uow: SqlUnitOfWork) -> None:
        if not self.held.is_set():
            self.held.set()
            await self.go.wait()
        self.fired.append(due.id)


async def test_wake_ups_during_a_pass_are_counted_not_logged_and_none_is_lost(
    uow_factory, ctx, clock, caplog
) -> None:
    incident_id = await new_incident(uow_factory, ctx)
    await store(uow_factory, [deadline(incident_id, clock.now(), clock.now()) for _ in range(6)])
    firing = HeldFirst()
    metrics = PrometheusMetrics()
    scheduler = DeadlineScheduler(
        uow_factory, clock, firing, worker_id="w1", sweep_seconds=0.05
    )  # a sweep every 50 ms: its ticks during the held pass are folded in as well
    counted = asyncio.Event()

    def on_coalesced() -> None:
        metrics.wake_up_coalesced()
        counted.set()

    scheduler.on_coalesced = on_coalesced
    caplog.set_level(logging.DEBUG)
    await scheduler.start()
    try:
        await within(firing.held.wait(), "the first firing to be held")
        for asked in range(WAKE_UPS):
            counted.clear()
            scheduler.wake_at(clock.now() - timedelta(seconds=1))
            await within(counted.wait(), f"wake-up {asked + 1} to be folded into the held pass")
        firing.go.set()
        await until(lambda: _all_fired(uow_factory, 6), "every deadline to fire")
    finally:
        await scheduler.stop()
    skipped = [r for r in caplog.records if "maximum number of running" in r.getMessage()]
    assert skipped == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert scheduler.coalesced_wake_ups >= WAKE_UPS
    scrape = metrics.render().decode()
    line = next(x for x in scrape.splitlines() if x.startswith("cir_scheduler_wake_ups_coalesced"))
    assert float(line.split()[-1]) == scheduler.coalesced_wake_ups
    assert len(firing.fired) == 6  # each once


async def _all_fired(uow_factory, n: int) -> bool:
    return await count(uow_factory, DeadlineState.FIRED) == n
