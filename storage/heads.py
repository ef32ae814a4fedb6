"""Reading and writing the keyed chain heads and reference counters (bot.domain.seal)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.seal import Binding, Head
from storage.models import ReferenceCounterRow, TimelineHeadRow


def _head(row: TimelineHeadRow) -> Head:
    binding = Binding(row.reference, row.council_id, tuple(row.provider_ids or ()))
    return Head(row.incident_id, binding, row.seq, row.event_mac, row.mac)


class SqlHeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, incident_id: str) -> Head | None:
        row = (
            await self._session.execute(
                select(TimelineHeadRow).where(TimelineHeadRow.incident_id == incident_id)
            )
        ).scalar_one_or_none()
        return _head(row) if row else None

    async def all(self) -> Sequence[Head]:
        rows = (await self._session.execute(select(TimelineHeadRow))).scalars()
        return [_head(r) for r in rows]

    async def put(self, head: Head) -> None:
        """Insert or move on the head, in the caller's transaction (the one adding events)."""
        dialect = self._session.bind.dialect.name if self._session.bind else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "reference": head.binding.reference,
            "council_id": head.binding.council_id,
            "provider_ids": list(head.binding.provider_ids),
            "seq": head.seq,
            "event_mac": head.event_mac,
            "mac": head.mac,
        }
        stmt = (
            insert(TimelineHeadRow)
            .values(incident_id=head.incident_id, **values)
            .on_conflict_do_update(index_elements=[TimelineHeadRow.incident_id], set_=values)
        )
        await self._session.execute(stmt)

    async def counters(self) -> Sequence[tuple[int, int, str]]:
        rows = await self._session.execute(
            select(ReferenceCounterRow.year, ReferenceCounterRow.last, ReferenceCounterRow.mac)
        )
        return [(r[0], r[1], r[2]) for r in rows]
