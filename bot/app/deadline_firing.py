"""Claims and fires due deadlines: the half of the deadline scheduler that touches the rows.

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

When to fire is `bot.app.scheduler`'s (APScheduler's jobs, the wake-ups, start and stop), which
builds on this class; the split keeps each half readable on its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.domain.clock import Clock
from bot.domain.deadlines import URGENT_KINDS, Deadline, DeadlineState, retry_backoff
from storage.deadlines import SqlDeadlineRepository
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from storage.writer_gate import URGENT

# the scheduler's name: operators' log filters and alerts name it
log = logging.getLogger("bot.app.scheduler")

FireHandler = Callable[[Deadline, SqlUnitOfWork], Awaitable[None]]

# 500 activations at once: with 8 loops the ladder's p99 lateness was 1.4-2.6 s, with 16 1.8 s
POSTGRES_LOOPS = 16
# While people are waiting (answers, pages), emails and follow-ups are held back this long.
HOLD_BACK = timedelta(seconds=5)


class DeadlineFiring:
    """What is due, claimed and fired. `_stopped` (set by the scheduler's `stop`) makes the
    loops stop claiming; `_running` holds the tasks `stop` waits for (a `fire_now` adds its
    own)."""

    def __init__(
        self,
        uow_factory: SqlUnitOfWorkFactory,
        clock: Clock,
        handler: FireHandler,
        *,
        worker_id: str,
        batch: int = 200,
        loops: int | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._handler = handler
        self.worker_id = worker_id
        self._batch = batch
        if loops is None:
            dialect = uow_factory.engine.dialect.name
            loops = POSTGRES_LOOPS if dialect == "postgresql" else 1
        self._loops = max(loops, 1)
        # PostgreSQL claims incident by incident (row locks can make a claim step over a held
        # row); SQLite by id, in the list's order: its claims wait for the writer and skip
        # nothing, and its planner made the incident's claim slower (seconds late under a burst)
        self._by_incident = uow_factory.engine.dialect.name == "postgresql"
        self._lock = asyncio.Lock()
        self._stopped = False
        self._running: set[asyncio.Task[Any]] = set()
        self._urgent_firing = 0
        # When the sweep last made progress (a pass ended, or a firing settled during a long
        # one), by the monotonic clock: /readyz says not ready when it stalls (sweep_age).
        self._progress_at = time.monotonic()
        self.hold_back: Callable[[], bool] = lambda: False  # see handlers.tasks
        # Told of each deadline fired, after its commit: so a card shows what a firing recorded
        # (see bot.app.wiring). Its failure is logged and changes nothing.
        self.after_commit: Callable[[Deadline], Awaitable[None]] | None = None

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
