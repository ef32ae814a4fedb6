"""When deadlines are fired. The rows decide what is due; APScheduler only decides when to look.
How a deadline is claimed and fired, exactly once, is `bot.app.deadline_firing`'s.

APScheduler 3 keeps its jobs in memory only: a job store cannot be shared between processes, and
a persisted wake-up would fire again after a restart. Its default `misfire_grace_time` of one
second silently drops a late job, so every job here sets it to None.

APScheduler's jobs (the sweep, the wake-up) only start a pass, or, while one runs, ask it to look
again before it ends (`_kick`), and return at once. When a job ran the whole pass, APScheduler
skipped each wake-up asked for while it ran with a warning ("maximum number of running instances
reached"): under 500 activations at once, thousands of lines that said nothing. A wake-up folded
into the running pass is counted instead (`coalesced_wake_ups`, and the `on_coalesced` hook:
cir_scheduler_wake_ups_coalesced_total on /metrics).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app.deadline_firing import HOLD_BACK as HOLD_BACK  # re-exported: tests, benchmarks
from bot.app.deadline_firing import POSTGRES_LOOPS as POSTGRES_LOOPS
from bot.app.deadline_firing import DeadlineFiring
from bot.app.deadline_firing import FireHandler as FireHandler
from bot.domain.clock import Clock, speed_of
from bot.domain.deadlines import FIRST_RETRY as FIRST_RETRY
from bot.domain.deadlines import MAX_RETRY as MAX_RETRY
from bot.domain.deadlines import retry_backoff as retry_backoff
from storage.deadlines import SqlDeadlineRepository
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)

_JOB_OPTIONS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
SWEEP_JOB_ID = "deadline-sweep"
WAKE_JOB_ID = "deadline-wake"


class _NoSkipLines(logging.Filter):
    """APScheduler's "skipped: maximum number of running instances reached" is counted by the
    scheduler (`_skipped`), not logged: one line per wake-up under a burst said nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in str(record.msg)


_QUIET_SKIPS = logging.getLogger("apscheduler.scheduler.deadlines")
_QUIET_SKIPS.addFilter(_NoSkipLines())


class DeadlineScheduler(DeadlineFiring):
    def __init__(
        self,
        uow_factory: SqlUnitOfWorkFactory,
        clock: Clock,
        handler: FireHandler,
        *,
        worker_id: str,
        sweep_seconds: float = 2.0,
        batch: int = 200,
        loops: int | None = None,
        stop_timeout: float = 15.0,
    ) -> None:
        super().__init__(uow_factory, clock, handler, worker_id=worker_id, batch=batch, loops=loops)
        self._sweep_seconds = sweep_seconds
        self._stop_timeout = stop_timeout
        self._armed: datetime | None = None  # the pending wake-up, by the injected clock
        self._first_run: asyncio.Task[None] | None = None
        self._pass: asyncio.Task[None] | None = None  # the pass the jobs started, if running
        self._recheck = False  # a wake-up was asked for while a pass was running
        self._scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults=dict(_JOB_OPTIONS), logger=_QUIET_SKIPS
        )
        self._scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)
        # Wake-ups folded into a pass already running (see the module's docstring).
        self.coalesced_wake_ups = 0
        self.on_coalesced: Callable[[], None] = lambda: None

    @property
    def sweep_seconds(self) -> float:
        return self._sweep_seconds

    def wake_at(self, when: datetime) -> None:
        """Ask for a firing at `when` (by the injected clock); call it after the transaction
        creating deadlines commits (before, a wake-up could find no row yet). A wake-up for a
        time already past runs at once: missing one only costs the sweep interval.

        Only the earliest wake-up is kept: each run arms the next one from the rows, so one
        job stands for any number of deadlines instead of one job each queueing on the lock.

        APScheduler waits by wall time, so `when` becomes "this long from now": with a fake
        clock a wake-up for the clock's future must not land in the wall clock's past, where it
        would run at once and re-arm itself in a loop. With a scaled clock (an exercise at
        `--speed 10`) that span is divided by the speed: 30 service minutes are 3 real ones.
        """
        if self._stopped:
            return
        if self._running and asyncio.current_task() not in self._running:
            # A pass is in progress and may have read the next due time before this deadline
            # was committed; APScheduler would skip the job armed below while that pass runs
            # (one instance at a time), so the pass looks again before it ends.
            self._recheck = True
        now = self._clock.now()
        if self._armed is not None and self._armed <= when:
            if self._armed > now or self._pending_at_once():
                return
            when = self._armed  # overdue and not run yet: replacing it must not delay it
        self._armed = when
        self._scheduler.add_job(
            self._wake,
            trigger="date",
            run_date=datetime.now(UTC) + (when - now) / speed_of(self._clock),
            id=WAKE_JOB_ID,
            replace_existing=True,
            **_JOB_OPTIONS,
        )

    def _pending_at_once(self) -> bool:
        """The armed wake-up is overdue and its job is waiting to run at once: nothing to re-arm.
        Each activation asks for a wake-up per deadline it adds, and under a burst the armed one
        is overdue for every ask; re-adding the job each time was most of the cost of asking
        (seven APScheduler jobs built per activation). The job is re-armed when it is gone (a
        wake-up APScheduler skipped, or submitted and `_wake` not yet run) or due later by the
        wall clock than by ours (a test's clock moved ahead)."""
        job = self._scheduler.get_job(WAKE_JOB_ID)
        at = getattr(job, "next_run_time", None)  # a job added before the start has none yet
        return at is not None and at <= datetime.now(UTC)

    @property
    def armed_wake_up(self) -> datetime | None:
        """When the one pending wake-up is for (by the injected clock), if any."""
        return self._armed

    async def _wake(self) -> None:
        self._armed = None
        await self._kick()

    async def _kick(self) -> None:
        """The sweep's and the wake-up's job: start a pass, or ask the one running to look again
        before it ends; either way return at once, so APScheduler never finds the job still
        running and never skips (nor logs) a wake-up."""
        if self._stopped:
            return
        running = self._pass if self._pass is not None else self._first_run
        if running is not None and not running.done():
            self._recheck = True
            self._coalesced()
            return
        self._pass = asyncio.create_task(self._run(), name="deadline-pass")

    def _coalesced(self) -> None:
        self.coalesced_wake_ups += 1
        try:
            self.on_coalesced()
        except Exception as exc:  # a metric must never stop the firing
            log.warning("counting a wake-up failed: %s", type(exc).__name__, exc_info=True)

    def _skipped(self, event: JobSubmissionEvent) -> None:
        """APScheduler found a job still running (a loop stalled past a sweep): counted too."""
        self._coalesced()

    async def start(self) -> None:
        """Start sweeping, and fire whatever fell due while no process was running, in the
        background: a backlog must not hold up the server's start-up."""
        self._scheduler.add_job(
            self._kick,
            trigger="interval",
            seconds=self._sweep_seconds,
            id=SWEEP_JOB_ID,
            replace_existing=True,
            **_JOB_OPTIONS,
        )
        self._scheduler.start()
        self._progress_at = time.monotonic()
        self._first_run = asyncio.create_task(self._run(), name="deadline-first-run")

    async def caught_up(self) -> None:
        """Wait until the pass `start()` began has ended: what fell due while no process was
        running has been fired. Tests wait on this instead of on the wall clock."""
        if self._first_run is not None:
            await asyncio.shield(self._first_run)

    async def stop(self) -> None:
        """Stop after any firing in progress has committed or rolled back: the loops stop
        claiming at once, the firing each is in finishes. APScheduler is shut down only then,
        because shutting it down cancels the jobs still running, mid-firing."""
        self._stopped = True
        if self._scheduler.running:
            self._scheduler.pause()  # no new runs; the running ones see _stopped
        first, self._first_run = self._first_run, None
        kicked, self._pass = self._pass, None
        running = set(self._running) | {t for t in (first, kicked) if t is not None}
        if running:
            _, late = await asyncio.wait(running, timeout=self._stop_timeout)
            for task in late:
                log.warning(
                    "a deadline run did not finish within %ss; cancelled", self._stop_timeout
                )
                task.cancel()
            if late:
                await asyncio.wait(late)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn

    async def _run(self) -> None:
        """The scheduled job. It keeps firing while it makes progress (more fell due during a
        long pass) and then arms a wake-up for the next deadline. What is due but cannot be
        fired now (held by another replica, or its handler failed and was put back) waits for
        the sweep or its backoff rather than spinning. A failure, say the database is
        unreachable, is logged and the next sweep tries again."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            while True:
                self._recheck = False
                await self._run_while_due()
                if self._stopped or not self._recheck:
                    break
        finally:
            if task is not None:
                self._running.discard(task)

    async def _run_while_due(self) -> None:
        while not self._stopped:
            try:
                settled = await self.fire_due()
                if self._stopped:
                    return
                async with self._uow_factory().read_only() as uow:
                    next_due = await SqlDeadlineRepository(uow.session).next_due_at()
            except Exception as exc:
                log.warning(
                    "deadline sweep failed with %s; retrying at the next sweep",
                    type(exc).__name__,
                    exc_info=True,
                )
                return
            if next_due is None:
                return
            if next_due > self._clock.now():
                if self._scheduler.running:
                    self.wake_at(next_due)
                return
            if settled == 0:
                return
