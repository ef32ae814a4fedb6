"""Reading and writing the keyed chain heads and reference counters (bot.domain.seal)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.seal import Binding, Head
from storage import statements
from storage.database import dialect_of
from storage.models import ReferenceCounterRow, TimelineHeadRow


def _head(row: TimelineHeadRow | Row[Any]) -> Head:
    binding = Binding(row.reference, row.council_id, tuple(row.provider_ids or ()))
    return Head(row.incident_id, binding, row.seq, row.event_mac, row.mac)


class SqlHeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, incident_id: str) -> Head | None:
        found = await self._session.execute(statements.head_of(), {"b_id": incident_id})
        row = found.first()
        return _head(row) if row else None

    async def all(self) -> Sequence[Head]:
        rows = (await self._session.execute(select(TimelineHeadRow))).scalars()
        return [_head(r) for r in rows]

    async def put(self, head: Head) -> None:
        """Insert or move on the head, in the caller's transaction (the one adding events)."""
        dialect = dialect_of(self._session)
        params = {
            "b_incident_id": head.incident_id,
            "b_reference": head.binding.reference,
            "b_council_id": head.binding.council_id,
            "b_provider_ids": list(head.binding.provider_ids),
            "b_seq": head.seq,
            "b_event_mac": head.event_mac,
            "b_mac": head.mac,
        }
        await self._session.execute(statements.upsert_head(dialect), params)

    async def counters(self) -> Sequence[tuple[int, int, str]]:
        rows = await self._session.execute(
            select(ReferenceCounterRow.year, ReferenceCounterRow.last, ReferenceCounterRow.mac)
        )
        return [(r[0], r[1], r[2]) for r in rows]
