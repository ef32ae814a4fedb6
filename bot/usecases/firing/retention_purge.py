"""The daily retention purge, fired like every other deadline row (one per day, no incident).

It runs inside the transaction that claimed the row: the purge of every incident past
retention (config/retention.yml), `state = 'fired'` and the next day's row commit together, or
not at all. So two replicas never both purge (the claim), and a run that fails, say the
database went away half-way, leaves nothing half-purged and is retried with the scheduler's
backoff like any firing; the next day's row is scheduled only by a run that succeeded. An
incident whose record fails the integrity check is not purged (the purge must never vouch for
changed content) and is logged; it does not fail the run.

The purge itself is the edge's (storage.retention, through `PurgePort`): it reaches every table
of an incident. The ids of the incidents purged go into the row's payload, so that after the
commit their cards are redrawn without the personal data (bot.app.wiring) and the row records
what each day's run did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.domain.daily_purge import next_purge
from bot.domain.deadline_payloads import RetentionPurgeDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.policy.retention import Retention
from bot.ports import UnitOfWork

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeRun:
    purged: list[str]  # ids of the incidents purged
    broken: list[str]  # references whose record failed the integrity check: not purged
    waiting: int  # closed, not yet past retention


class PurgePort(Protocol):
    async def purge_due(self, uow: UnitOfWork, retention: Retention, now: datetime) -> PurgeRun:
        """Purge every closed incident past retention in `uow`'s transaction (not committed)."""
        ...


async def fire_retention_purge(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    ctx = deps.ctx
    retention = ctx.policy.retention
    now = ctx.clock.now()
    if deps.purge is None:
        log.warning("retention purge of %s not run: no purge is wired", deadline.id)
    else:
        run = await deps.purge.purge_due(uow, retention, now)
        log.info(
            "daily purge: %d incident(s) purged; %d closed but not yet due",
            len(run.purged),
            run.waiting,
        )
        for reference in run.broken:
            log.warning("daily purge skipped %s: record broken", reference)
        ran = replace(RetentionPurgeDue.of(deadline), purged=tuple(run.purged))
        await uow.deadlines.replace_payload(deadline, ran.data())
    await uow.deadlines.add_if_absent(next_purge(retention, max(now, deadline.due_at)))


def purged_by(deadline: Deadline) -> list[str]:
    """The incidents a fired purge row purged (their cards are redrawn after the commit)."""
    if deadline.kind is not DeadlineKind.RETENTION_PURGE:
        return []
    return list(RetentionPurgeDue.of(deadline).purged or ())


HANDLERS: dict[DeadlineKind, FireFn] = {DeadlineKind.RETENTION_PURGE: fire_retention_purge}
