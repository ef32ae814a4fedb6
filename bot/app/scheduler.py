"""Fires due deadlines. The rows decide what is due; APScheduler only decides when to look.

Every firing runs inside the transaction that claimed the deadline (and, on PostgreSQL, locked its
incident), so the handler's re-check of the incident and its timeline events commit together with
`state = 'fired'`, or not at all. A crash or a lost race leaves the row pending for the next
sweep; a failing handler leaves it pending too, but moved `retry_backoff` later, so an outage is
ridden out with a few attempts spread over minutes instead of one every sweep. Deadlines are
retried, never lost, never fired twice.

A pass reads the list of what is due (one statement outside any transaction) and its loops
claim it, most urgent first. On PostgreSQL several loops run at once, claiming incident by
incident (the claim skips rows and incidents another replica holds, but never a row while an
earlier one of its incident is due: the ladder goes level by level), so one slow route does not
hold up every other incident's escalation; SQLite has a single writer, so there one loop runs
and claims row by row, in the list's order.

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
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.clock import Clock, speed_of
from bot.domain.deadlines import FIRST_RETRY as FIRST_RETRY  # re-exported: tests, benchmarks
from bot.domain.deadlines import MAX_RETRY as MAX_RETRY
from bot.domain.deadlines import URGENT_KINDS, Deadline, DeadlineState
from bot.domain.deadlines import retry_backoff as retry_backoff
from storage.deadlines import SqlDeadlineRepository
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from storage.writer_gate import URGENT

log = logging.getLogger(__name__)

FireHandler = Callable[[Deadline, SqlUnitOfWork], Awaitable[None]]

_JOB_OPTIONS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
SWEEP_JOB_ID = "deadline-sweep"
WAKE_JOB_ID = "deadline-wake"
# 500 activations at once: with 8 loops the ladder's p99 lateness was 1.4-2.6 s, with 16 1.8 s
POSTGRES_LOOPS = 16
# While people are waiting (answers, pages), emails and follow-ups are held back this long.
HOLD_BACK = timedelta(seconds=5)


class _NoSkipLines(logging.Filter):
    """APScheduler's "skipped: maximum number of running instances reached" is counted by the
    scheduler (`_skipped`), not logged: one line per wake-up under a burst said nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in str(record.msg)


_QUIET_SKIPS = logging.getLogger("apscheduler.scheduler.deadlines")
_QUIET_SKIPS.addFilter(_NoSkipLines())


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
        loops: int | None = None,
        stop_timeout: float = 15.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._handler = handler
        self.worker_id = worker_id
        self._sweep_seconds = sweep_seconds
        self._batch = batch
        if loops is None:
            dialect = uow_factory.engine.dialect.name
            loops = POSTGRES_LOOPS if dialect == "postgresql" else 1
        self._loops = max(loops, 1)
        # PostgreSQL claims incident by incident (row locks can make a claim step over a held
        # row); SQLite by id, in the list's order: its claims wait for the writer and skip
        # nothing, and its planner made the incident's claim slower (seconds late under a burst)
        self._by_incident = uow_factory.engine.dialect.name == "postgresql"
        self._stop_timeout = stop_timeout
        self._lock = asyncio.Lock()
        self._stopped = False
        self._armed: datetime | None = None  # the pending wake-up, by the injected clock
        self._first_run: asyncio.Task[None] | None = None
        self._pass: asyncio.Task[None] | None = None  # the pass the jobs started, if running
        self._running: set[asyncio.Task[Any]] = set()
        self._recheck = False  # a wake-up was asked for while a pass was running
        self._scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults=dict(_JOB_OPTIONS), logger=_QUIET_SKIPS
        )
        self._scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)
        # Wake-ups folded into a pass already running (see the module's docstring).
        self.coalesced_wake_ups = 0
        self.on_coalesced: Callable[[], None] = lambda: None
        self._urgent_firing = 0
        # When the sweep last made progress (a pass ended, or a firing settled during a long
        # one), by the monotonic clock: /readyz says not ready when it stalls (sweep_age).
        self._progress_at = time.monotonic()
        self.hold_back: Callable[[], bool] = lambda: False  # see handlers.tasks
        # Told of each deadline fired, after its commit: so a card shows what a firing recorded
        # (see bot.app.wiring). Its failure is logged and changes nothing.
        self.after_commit: Callable[[Deadline], Awaitable[None]] | None = None

    @property
    def sweep_seconds(self) -> float:
        return self._sweep_seconds

    def sweep_age(self) -> float:
        """Seconds since the sweep last made progress (or since it started)."""
        return time.monotonic() - self._progress_at

    @property
    def firing_urgent(self) -> bool:
        """A page or a step of the contact ladder is being fired now."""
        return self._urgent_firing > 0

    async def fire_due(self) -> int:
        """Fire what is due now, up to `batch`; returns how many deadlines were settled (fired,
        or cancelled by the handler). Safe to call concurrently, here and in other processes.
        Once `stop()` was called it returns after the firings in progress.

        A pass reads what is due (one statement, no transaction), then its loops claim it
        in that order: on PostgreSQL incident by incident, each claim taking the incident's
        most urgent row (the claim refuses a row while an earlier one of its incident is due
        and held, so the ladder goes level by level); on SQLite row by row. It used to claim
        "the next due" until each loop found nothing: every pass ended with one empty claim
        per loop, four round trips each, which under 500 activations at once was more than a
        firing of its own per incident. A row or incident another replica holds is replaced
        by the next due row anywhere (both list the same rows); a loop stops at its first
        claim that finds nothing at all, as before.
        What was left is read again when the pass fired something; what stays held elsewhere
        waits for the next sweep."""
        if self._stopped:
            return 0
        async with self._lock:
            failed: set[str] = set()
            settled = 0
            while not self._stopped and settled + len(failed) < self._batch:
                due = await self._due(failed, self._batch - settled - len(failed))
                if not due:
                    break
                fired, skipped = await self._fire_listed(due, failed)
                settled += fired
                if not skipped or not fired:
                    break  # all claimed, or what is left is held elsewhere
            return settled

    async def _due(self, failed: set[str], limit: int) -> list[tuple[str, str]]:
        now = self._clock.now()
        # people are waiting on answers and pages: emails and follow-ups wait a little
        others_before = now - HOLD_BACK if self.hold_back() else None
        async with self._uow_factory().read_only() as uow:
            return await SqlDeadlineRepository(uow.session).due(
                now, limit, exclude=failed, others_due_before=others_before
            )

    async def _fire_listed(self, due: list[tuple[str, str]], failed: set[str]) -> tuple[int, int]:
        """Claim and fire what was listed, with up to `_loops` loops at once; returns how many
        were settled and how many incidents (or rows) could not be claimed. On PostgreSQL each
        loop takes the next incident in the list's order and fires as many of its rows as were
        listed, each claim taking the incident's most urgent row (the ladder level by level);
        a service job, and on SQLite every row, is claimed by its id."""
        listed: dict[str, int] = {}  # incident (or one deadline) -> rows listed, in order
        by_id: set[str] = set()  # keys that are a deadline's id (SQLite; service jobs)
        service: set[str] = set()  # the service's own jobs (no incident)
        for deadline_id, incident_id in due:
            key = incident_id if incident_id and self._by_incident else deadline_id
            listed[key] = listed.get(key, 0) + 1
            if key == deadline_id:
                by_id.add(key)
            if not incident_id:
                service.add(key)
        queue = list(listed)
        fired = skipped = 0

        async def loop() -> None:
            nonlocal fired, skipped
            while not self._stopped and queue:
                key = queue.pop(0)
                for _ in range(listed[key]):
                    if self._stopped:
                        return
                    claimed: list[Deadline] = []
                    outcome = await self._fire_one(
                        failed,
                        only=key if key in by_id else None,
                        incident=None if key in by_id else key,
                        service=key in service,
                        held_back=True,
                        claimed=claimed.append,
                    )
                    self._progress_at = time.monotonic()
                    if outcome is None:
                        # nothing claimable, even in its place: every due incident is held
                        # (by this pass's other loops or another replica); more would be empty
                        skipped += 1
                        return
                    fired += outcome
                    got = [d.id if key in by_id else d.incident_id for d in claimed]
                    if got and got[0] != key:
                        skipped += 1  # held elsewhere: another one was fired in its place
                        break

        loops = {
            asyncio.create_task(loop(), name="deadline-loop")
            for _ in range(min(self._loops, len(queue)))
        }
        try:
            await asyncio.wait(loops)
        finally:
            for task in loops:
                task.cancel()  # only if this pass itself was cancelled (stop's timeout)
            await asyncio.wait(loops)  # their rollbacks done before the pass ends
        failures = [e for t in loops if not t.cancelled() and (e := t.exception()) is not None]
        if failures:
            raise failures[0]  # a loop's failure (the database gone) is the pass's
        return fired, skipped

    async def fire_now(self, deadline_ids: Sequence[str]) -> int:
        """Fire these deadlines now if they are due and nobody holds them; returns how many were
        settled. An activation's page goes out this way as soon as the decision is committed,
        without waiting for a wake-up and a free loop behind a burst of other firings. It is the
        same claim as the loops', so a deadline still fires once: one held elsewhere, failed or
        not yet due stays pending for the loops, the sweep and the backoff. On PostgreSQL the
        claim refuses a row while an earlier one of its incident is due (two providers paged
        at once: the page whose id sorts first goes first), so what was refused is tried
        again after the others, while that makes progress."""
        if self._stopped:
            return 0
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)  # stop() waits for it like for a sweep
        try:
            settled = 0
            waiting = list(deadline_ids)
            while waiting and not self._stopped:
                refused: list[str] = []
                for deadline_id in waiting:
                    if self._stopped:
                        break
                    outcome = await self._fire_one(set(), only=deadline_id)
                    if outcome is None:
                        refused.append(deadline_id)
                    settled += outcome or 0
                if len(refused) == len(waiting):
                    break  # nothing claimable: held elsewhere, or not yet due
                waiting = refused
            return settled
        finally:
            if task is not None:
                self._running.discard(task)

    async def _fire_one(
        self,
        failed: set[str],
        only: str | None = None,
        incident: str | None = None,
        service: bool | None = None,
        held_back: bool = False,
        claimed: Callable[[Deadline], None] | None = None,
    ) -> int | None:
        """Claim one deadline (the most urgent due; `only` that one; `incident` that incident's
        most urgent) and fire it; None when nothing is claimable, 0 when it failed. `service`:
        whether `only` is a service job (see `claim_next_due`). `held_back`:
        a pass's claim, not `fire_now`'s: it waits like any other while people wait, and when
        it finds nothing the next due deadline is claimed in its place. `claimed` is told what
        was claimed."""
        now = self._clock.now()
        # people are waiting on answers and pages: emails and follow-ups wait a little
        holding = (only is None or held_back) and self.hold_back()
        others_before = now - HOLD_BACK if holding else None
        # On SQLite a firing does not queue behind the answers for the writer: deadlines are
        # what the service promises (a page, a contact ladder on time), and the claim picks the
        # most urgent first, holding back the rest while people wait (storage.writer_gate).
        token = URGENT.set(True)
        try:
            return await self._claim_and_fire(
                failed,
                only,
                now,
                others_before,
                incident,
                service=service,
                or_next=held_back,
                claimed=claimed,
            )
        finally:
            URGENT.reset(token)

    async def _claim_and_fire(
        self,
        failed: set[str],
        only: str | None,
        now: datetime,
        others_before: datetime | None,
        incident: str | None = None,
        service: bool | None = None,
        or_next: bool = False,
        claimed: Callable[[Deadline], None] | None = None,
    ) -> int | None:
        async with self._uow_factory() as uow:
            deadlines = SqlDeadlineRepository(uow.session)
            deadline = await deadlines.claim_next_due(
                now,
                self.worker_id,
                exclude=failed,
                only=only,
                others_due_before=others_before,
                service=service,
                incident=incident,
            )
            if deadline is None and or_next:
                # Another replica holds it or fired it (each lists the same rows): claim the
                # next due one instead, so replicas share a burst rather than collide on it.
                deadline = await deadlines.claim_next_due(
                    now, self.worker_id, exclude=failed, others_due_before=others_before
                )
            if deadline is None:
                return None
            if claimed is not None:
                claimed(deadline)
            if deadline.incident_id:
                uow.incidents.held.add(deadline.incident_id)  # the claim locked it
            if deadline.id in failed:
                # Another loop's claim failed and released it a moment before its retry was
                # recorded, after this claim's query was built: leave it to the backoff.
                return 0
            urgent = deadline.kind in URGENT_KINDS
            self._urgent_firing += urgent
            committed = False
            try:
                await self._handler(deadline, uow)
                if deadline.state is DeadlineState.PENDING:
                    # still pending at the commit unless the handler cancelled it through
                    # cancel_pending; stamped now, after its last route
                    uow.fire_on_commit(deadline, self._clock.now())
                await uow.commit()
                committed = True
            except Exception as exc:  # any failure: rolled back, left pending for the backoff
                # Excluded before its locks go, so the other loops do not claim it again; the
                # locks are released before recording the attempt in a new transaction.
                failed.add(deadline.id)
                await uow.session.rollback()
                log.warning(
                    "deadline %s (%s) failed with %s on attempt %d; it stays pending and is "
                    "retried in %ss",
                    deadline.id,
                    deadline.kind.value,
                    type(exc).__name__,
                    deadline.attempts,
                    int(retry_backoff(deadline.attempts).total_seconds()),
                    exc_info=True,
                )
            finally:
                self._urgent_firing -= urgent
        if committed:
            await self._after_commit(deadline)
            return 1
        await self._record_failed_attempt(deadline)
        return 0

    async def _after_commit(self, deadline: Deadline) -> None:
        if self.after_commit is None:
            return
        try:
            await self.after_commit(deadline)
        except Exception as exc:
            log.warning("after deadline %s: %s", deadline.id, type(exc).__name__, exc_info=True)

    async def _record_failed_attempt(self, deadline: Deadline) -> None:
        """If this fails too, the deadline stays due and the next sweep retries it: sooner than
        the backoff, never later."""
        try:
            async with self._uow_factory() as uow:
                await SqlDeadlineRepository(uow.session).record_failed_attempt(
                    deadline.id,
                    self.worker_id,
                    self._clock.now(),
                    retry_backoff(deadline.attempts),
                )
                await uow.commit()
        except Exception as exc:
            log.warning(
                "could not record the failed attempt of %s: %s",
                deadline.id,
                type(exc).__name__,
                exc_info=True,
            )

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
