"""Provider engagements: one row per (incident, provider), updated in the same transaction as
the incident's state and timeline."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.engagement import Engagement
from storage.database import dialect_of
from storage.engagement_models import EngagementRow
from storage.upserts import params, upsert

_FIELDS = (
    "notified_at",
    "deadline_at",
    "acknowledged_at",
    "acknowledged_by",
    "acknowledged_by_name",
    "contact_at",
    "contact_by",
    "contact_by_name",
    "contact_method",
    "contact_recorded_at",
)


_KEYS = ("incident_id", "provider_id")
_TABLE = cast(Table, EngagementRow.__table__)


@functools.cache
def _one() -> Any:
    return select(_TABLE).where(
        _TABLE.c.incident_id == bindparam("b_i"), _TABLE.c.provider_id == bindparam("b_p")
    )


@functools.cache
def _of_incident() -> Any:
    return (
        select(_TABLE)
        .where(_TABLE.c.incident_id == bindparam("b_i"))
        .order_by(_TABLE.c.notified_at, _TABLE.c.provider_id)
    )


def _engagement(row: EngagementRow | Row[Any]) -> Engagement:
    return Engagement(
        incident_id=row.incident_id,
        provider_id=row.provider_id,
        **{name: getattr(row, name) for name in _FIELDS},
    )


class SqlEngagementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, engagement: Engagement) -> None:
        """One upsert (Core): a page and a contact each write one engagement, and reading
        the ORM row first to set its fields cost a round trip and the ORM's flush."""
        stmt = upsert(_TABLE, _KEYS, _FIELDS, dialect_of(self._session))
        values = {name: getattr(engagement, name) for name in (*_KEYS, *_FIELDS)}
        await self._session.execute(stmt, params(values))

    async def get(self, incident_id: str, provider_id: str) -> Engagement | None:
        found = await self._session.execute(_one(), {"b_i": incident_id, "b_p": provider_id})
        row = found.first()
        return _engagement(row) if row else None

    async def for_incident(self, incident_id: str) -> Sequence[Engagement]:
        rows = await self._session.execute(_of_incident(), {"b_i": incident_id})
        return [_engagement(r) for r in rows]
