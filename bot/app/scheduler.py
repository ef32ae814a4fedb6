"""Fires due deadlines. The rows decide what is due; APScheduler only decides when to look.

Every firing runs inside the transaction that claimed the deadline (and, on PostgreSQL, locked its
incident), so the handler's re-check of the incident and its timeline events commit together with
`state = 'fired'`, or not at all. A crash, a failing handler or a lost race leaves the row pending
for the next sweep: deadlines are retried, never lost, never fired twice.

APScheduler 3 keeps its jobs in memory only: a job store cannot be shared between processes, and
a persisted wake-up would fire again after a restart. Its default `misfire_grace_time` of one
second silently drops a late job, so every job here sets it to None.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.clock import Clock
from bot.domain.deadlines import Deadline, DeadlineState
from storage.deadlines import DeadlineNotPending, SqlDeadlineRepository
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

log = logging.getLogger(__name__)

FireHandler = Callable[[Deadline, SqlUnitOfWork], Awaitable[None]]

_JOB_OPTIONS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
SWEEP_JOB_ID = "deadline-sweep"


class DeadlineScheduler:
    def __init__(
        self,
        uow_factory: SqlUnitOfWorkFactory,
        clock: Clock,
        handler: FireHandler,
        *,
        worker_id: str,
        sweep_seconds: float = 2.0,
        batch: int = 200,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._handler = handler
        self.worker_id = worker_id
        self._sweep_seconds = sweep_seconds
        self._batch = batch
        self._lock = asyncio.Lock()
        self._stopped = False
        self._scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=dict(_JOB_OPTIONS))

    async def fire_due(self) -> int:
        """Fire what is due now, up to `batch`; returns how many deadlines were settled (fired,
        or cancelled by the handler). Safe to call concurrently, here and in other processes."""
        async with self._lock:
            settled = 0
            failed: set[str] = set()
            while settled + len(failed) < self._batch:
                outcome = await self._fire_one(failed)
                if outcome is None:
                    break
                settled += outcome
            return settled

    async def _fire_one(self, failed: set[str]) -> int | None:
        """Claim one deadline and fire it; None when nothing is claimable, 0 when it failed."""
        async with self._uow_factory() as uow:
            deadlines = SqlDeadlineRepository(uow.session)
            deadline = await deadlines.claim_next_due(
                self._clock.now(), self.worker_id, exclude=failed
            )
            if deadline is None:
                return None
            try:
                await self._handler(deadline, uow)
                if deadline.state is DeadlineState.PENDING:
                    # DeadlineNotPending: the handler cancelled it through cancel_pending.
                    with contextlib.suppress(DeadlineNotPending):
                        await deadlines.mark_fired(deadline, self._clock.now())
                await uow.commit()
                return 1
            except Exception as exc:
                # Release the claim's locks before recording the attempt in a new transaction.
                await uow.session.rollback()
                log.warning(
                    "deadline %s (%s) failed with %s; it stays pending and will be retried",
                    deadline.id,
                    deadline.kind.value,
                    type(exc).__name__,
                )
        failed.add(deadline.id)
        await self._record_failed_attempt(deadline)
        return 0

    async def _record_failed_attempt(self, deadline: Deadline) -> None:
        try:
            async with self._uow_factory() as uow:
                await SqlDeadlineRepository(uow.session).record_failed_attempt(
                    deadline.id, self.worker_id
                )
                await uow.commit()
        except Exception as exc:
            log.warning(
                "could not record the failed attempt of %s: %s", deadline.id, type(exc).__name__
            )

    def wake_at(self, when: datetime) -> None:
        """Ask for a firing at `when` (by the injected clock); call it after the transaction
        creating deadlines commits (before, a wake-up could find no row yet). A wake-up for a
        time already past runs at once: missing one only costs the sweep interval.

        APScheduler waits by wall time, so `when` becomes "this long from now": with a fake
        clock a wake-up for the clock's future must not land in the wall clock's past, where it
        would run at once and re-arm itself in a loop.
        """
        run_date = datetime.now(UTC) + (when - self._clock.now())
        self._scheduler.add_job(
            self._run,
            trigger="date",
            run_date=run_date,
            id=f"deadline-wake-{when.timestamp()}",
            replace_existing=True,
            **_JOB_OPTIONS,
        )

    async def start(self) -> None:
        """Start sweeping, and fire at once whatever fell due while no process was running."""
        self._scheduler.add_job(
            self._run,
            trigger="interval",
            seconds=self._sweep_seconds,
            id=SWEEP_JOB_ID,
            replace_existing=True,
            **_JOB_OPTIONS,
        )
        self._scheduler.start()
        await self._run()

    async def stop(self) -> None:
        """Stop after any firing in progress has committed or rolled back."""
        async with self._lock:
            self._stopped = True
            if self._scheduler.running:
                self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn

    async def _run(self) -> None:
        """The scheduled job. It keeps firing while it makes progress (more fell due during a
        long pass) and then arms a wake-up for the next deadline. What is due but cannot be
        fired now (held by another replica, or its handler keeps failing) waits for the sweep
        rather than spinning. A failure, say the database is unreachable, is logged and the
        next sweep tries again."""
        while not self._stopped:
            try:
                settled = await self.fire_due()
                async with self._uow_factory() as uow:
                    next_due = await SqlDeadlineRepository(uow.session).next_due_at()
            except Exception as exc:
                log.warning(
                    "deadline sweep failed with %s; retrying at the next sweep",
                    type(exc).__name__,
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
