"""`python -m bot purge [REFERENCE ...] [--dry-run]`, and the daily purge the service runs.

Without references every closed incident past retention (config/retention.yml) is purged, one
transaction each, and those not yet due are counted. Named references are each purged or
refused with the reason (open, not yet due, record broken): exit 1 if any was refused.

The daily purge is a deadline row per day (bot.domain.daily_purge), fired by the deadline
scheduler like every other (bot.usecases.firing.retention_purge); `DatabasePurge` is its port,
and `schedule_daily_purge` inserts the next day's row at start-up unless it exists.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from bot.app.settings import Settings
from bot.app.timeline_key import timeline_key
from bot.domain.daily_purge import next_purge
from bot.policy.load import load_policy
from bot.policy.retention import Retention
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.usecases.context import CoreContext
from bot.usecases.firing.retention_purge import PurgeRun
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.retention import Outcome, Verdict, closed_incidents, purge_incident
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory


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


class DatabasePurge:
    """The daily purge's port: every closed incident past retention, purged in the firing's
    transaction (the one that claimed the day's row), so the purges and the row's `fired` state
    commit together."""

    async def purge_due(self, uow: UnitOfWork, retention: Retention, now: datetime) -> PurgeRun:
        assert isinstance(uow, SqlUnitOfWork)  # the scheduler's own unit of work
        purged, broken, waiting = [], [], 0
        for reference in await closed_incidents(uow):
            outcome = await purge_incident(uow, reference, retention, now, commit=False)
            if outcome.verdict is Verdict.PURGED:
                purged.append(outcome.incident_id)
            elif outcome.verdict is Verdict.TAMPERED:
                broken.append(reference)
            elif outcome.verdict is Verdict.NOT_DUE:
                waiting += 1
        return PurgeRun(purged=purged, broken=broken, waiting=waiting)


async def schedule_daily_purge(uows: UnitOfWorkFactory, ctx: CoreContext) -> bool:
    """Insert the next daily purge's row unless it exists (its id names its day, so replicas
    starting together insert it once); True if this call inserted it."""
    deadline = next_purge(ctx.policy.retention, ctx.clock.now())
    async with uows() as uow:
        added = await uow.deadlines.add_if_absent(deadline)
        await uow.commit()
    return added
