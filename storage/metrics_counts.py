"""The counts `/metrics` reads at each scrape: two groupings on indexed columns
(`incidents.state`; `deadlines (state, due_at)`), whatever the number of incidents, so a
scrape costs the same with 5 incidents open or 500."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, event, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.domain.deadlines import DeadlineState
from storage.database import _sqlite_pragmas
from storage.models import DeadlineRow, IncidentRow


@dataclass(frozen=True)
class ScrapeCounts:
    incidents: dict[str, int]  # by state
    pending: dict[str, int]  # deadlines by kind
    overdue: dict[str, int]  # of those, past their due time


async def scrape_counts(engine: AsyncEngine, now: datetime) -> ScrapeCounts:
    """One statement (a UNION ALL of both groupings): one round trip, one connection."""
    overdue = func.sum(case((DeadlineRow.due_at <= now, 1), else_=0))
    by_state = select(
        literal("incident").label("what"),
        IncidentRow.state.label("label"),
        func.count().label("n"),
        literal(0).label("past"),
    ).group_by(IncidentRow.state)
    by_kind = (
        select(
            literal("deadline").label("what"),
            DeadlineRow.kind.label("label"),
            func.count().label("n"),
            overdue.label("past"),
        )
        .where(DeadlineRow.state == DeadlineState.PENDING.value)
        .group_by(DeadlineRow.kind)
    )
    incidents: dict[str, int] = {}
    pending: dict[str, int] = {}
    late: dict[str, int] = {}
    async with engine.connect() as conn:
        for what, label, n, past in await conn.execute(union_all(by_state, by_kind)):
            if what == "incident":
                incidents[str(label)] = int(n)
            else:
                pending[str(label)] = int(n)
                late[str(label)] = int(past or 0)
    return ScrapeCounts(incidents, pending, late)


class ScrapeCounter:
    """The counts on a connection of their own where that is cheaper: the service's SQLite
    engine opens a connection (and aiosqlite a thread) for every use, 3 ms of CPU a scrape;
    this keeps one open for the scrapes, which only read (WAL: they never block a writer).
    On PostgreSQL the service's pool already does that, and is used as it is."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._own = engine.dialect.name == "sqlite"
        if self._own:
            engine = create_async_engine(engine.url, pool_size=1, max_overflow=0)
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        self._engine = engine

    async def __call__(self, now: datetime) -> ScrapeCounts:
        return await scrape_counts(self._engine, now)

    async def close(self) -> None:
        if self._own:
            await self._engine.dispose()
