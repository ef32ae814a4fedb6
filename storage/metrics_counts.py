"""The counts `/metrics` reads at each scrape: two grouped queries on indexed columns
(`incidents.state`; `deadlines (state, due_at)`), whatever the number of incidents, so a
scrape costs the same with 5 incidents open or 500."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.deadlines import DeadlineState
from storage.models import DeadlineRow, IncidentRow


@dataclass(frozen=True)
class ScrapeCounts:
    incidents: dict[str, int]  # by state
    pending: dict[str, int]  # deadlines by kind
    overdue: dict[str, int]  # of those, past their due time


async def scrape_counts(engine: AsyncEngine, now: datetime) -> ScrapeCounts:
    overdue = func.sum(case((DeadlineRow.due_at <= now, 1), else_=0))
    async with engine.connect() as conn:
        states = await conn.execute(
            select(IncidentRow.state, func.count()).group_by(IncidentRow.state)
        )
        incidents = {str(state): int(n) for state, n in states}
        kinds = await conn.execute(
            select(DeadlineRow.kind, func.count(), overdue)
            .where(DeadlineRow.state == DeadlineState.PENDING.value)
            .group_by(DeadlineRow.kind)
        )
        pending: dict[str, int] = {}
        late: dict[str, int] = {}
        for kind, n, past in kinds:
            pending[str(kind)] = int(n)
            late[str(kind)] = int(past or 0)
    return ScrapeCounts(incidents, pending, late)
