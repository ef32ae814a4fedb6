"""`python -m bot purge [REFERENCE ...] [--dry-run]`, and the daily purge the service runs.

Without references every closed incident past retention (config/retention.yml) is purged, one
transaction each, and those not yet due are counted. Named references are each purged or
refused with the reason (open, not yet due, record broken): exit 1 if any was refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.app.settings import Settings
from bot.app.timeline_key import timeline_key
from bot.policy.load import load_policy
from bot.policy.retention import Retention
from bot.views.clock import LONDON
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.retention import (
    Outcome,
    Verdict,
    claim_service_deadline,
    closed_incidents,
    purge_incident,
)
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
DAILY_KIND = "retention_purge"


async def purge(
    uows: SqlUnitOfWorkFactory,
    retention: Retention,
    now: datetime,
    references: Sequence[str] = (),
    *,
    dry_run: bool = False,
) -> list[Outcome]:
    if not references:
        async with uows() as uow:
            references = await closed_incidents(uow)
    outcomes = []
    for reference in references:
        async with uows() as uow:
            outcomes.append(
                await purge_incident(
                    uow, reference.strip().upper(), retention, now, dry_run=dry_run
                )
            )
    return outcomes


def report(outcomes: Sequence[Outcome], named: bool, out: TextIO) -> int:
    waiting = [o for o in outcomes if o.verdict is Verdict.NOT_DUE]
    for outcome in outcomes:
        if named or outcome.verdict is not Verdict.NOT_DUE:
            print(outcome.message, file=out)
    done = sum(o.verdict in {Verdict.PURGED, Verdict.WOULD_PURGE} for o in outcomes)
    verb = "would purge" if any(o.verdict is Verdict.WOULD_PURGE for o in outcomes) else "purged"
    print(f"{verb} {done} incident(s); {len(waiting)} closed but not yet due", file=out)
    refused = [o for o in outcomes if o.refused or o.verdict is Verdict.UNKNOWN]
    return 1 if named and refused else 0


async def _run(settings: Settings, references: Sequence[str], dry_run: bool) -> int:
    policy = load_policy(settings.config_dir, contact_deadline=settings.contact_deadline)
    target = parse_database_url(settings.database_url)
    migrate.require_current(target)
    engine = create_engine_for(target)
    try:
        uows = SqlUnitOfWorkFactory(engine, timeline_key(settings))
        now = datetime.now(UTC)  # the composition root's clock read
        outcomes = await purge(uows, policy.retention, now, references, dry_run=dry_run)
    finally:
        await engine.dispose()
    return report(outcomes, bool(references), sys.stdout)


def run_purge(settings: Settings, references: Sequence[str], dry_run: bool) -> int:
    return asyncio.run(_run(settings, references, dry_run))


def next_daily(retention: Retention, now: datetime) -> datetime:
    """The next `daily_at` in London time strictly after `now`."""
    local = now.astimezone(LONDON)
    day = local.date()
    for _ in range(3):
        candidate = datetime.combine(day, retention.daily_at, tzinfo=LONDON)
        if candidate > local:
            return candidate.astimezone(UTC)
        day += timedelta(days=1)
    raise AssertionError("unreachable")


async def run_daily_if_due(
    uows: SqlUnitOfWorkFactory,
    retention: Retention,
    now: datetime,
    worker: str,
    after_purge: Callable[[str], Awaitable[None]] | None = None,
) -> list[Outcome] | None:
    """The daily deadline row: the replica that claims it purges; the others get None."""
    async with uows() as uow:
        claimed = await claim_service_deadline(
            uow, DAILY_KIND, now, next_daily(retention, now), worker
        )
    if not claimed:
        return None
    outcomes = await purge(uows, retention, now)
    purged = [o for o in outcomes if o.verdict is Verdict.PURGED]
    log.info("daily purge: %d incident(s) purged", len(purged))
    for outcome in outcomes:
        if outcome.verdict is Verdict.TAMPERED:
            log.warning("daily purge skipped %s: record broken", outcome.reference)
    if after_purge is not None:
        for outcome in purged:
            await after_purge(outcome.incident_id)
    return outcomes


class DailyPurge:
    """Asks the daily row every `check_seconds` in the running service; the replica that
    claims it purges, then has each purged incident's cards redrawn (the pinned card and the
    triage card are the bot's own messages: redrawn, they no longer show the personal data).
    A run cut short (the process killed) leaves the rest for the next day's run."""

    def __init__(
        self,
        uows: SqlUnitOfWorkFactory,
        retention: Retention,
        clock: Callable[[], datetime],
        worker: str,
        after_purge: Callable[[str], Awaitable[None]] | None = None,
        check_seconds: float = 60.0,
    ) -> None:
        self._args = (uows, retention)
        self._clock, self._worker, self._after = clock, worker, after_purge
        self._every = check_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="daily-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        uows, retention = self._args
        while True:
            try:
                await run_daily_if_due(uows, retention, self._clock(), self._worker, self._after)
            except Exception as exc:  # the database away: the next check tries again
                log.warning(
                    "daily purge failed with %s; trying at the next check", type(exc).__name__
                )
            await asyncio.sleep(self._every)
