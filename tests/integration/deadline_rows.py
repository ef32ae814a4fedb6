"""Deadline rows for the scheduler tests: an incident to hang them on, rows due when asked, a fire
handler that records what it was called with, and a log of firings written inside the firing
transaction (so a duplicate firing shows up as a second row)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import text

from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.usecases.context import CoreContext
from bot.usecases.referral import open_referral
from storage.deadlines import SqlDeadlineRepository
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import referral_cmd

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
    return (await open_referral(referral_cmd(ctx.clock), uows(), ctx)).id


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
