"""Provider engagements: one row per (incident, provider), updated in the same transaction as
the incident's state and timeline."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.engagement import Engagement
from storage.engagement_models import EngagementRow

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


def _engagement(row: EngagementRow) -> Engagement:
    return Engagement(
        incident_id=row.incident_id,
        provider_id=row.provider_id,
        **{name: getattr(row, name) for name in _FIELDS},
    )


class SqlEngagementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, engagement: Engagement) -> None:
        row = await self._session.get(
            EngagementRow, (engagement.incident_id, engagement.provider_id)
        )
        if row is None:
            row = EngagementRow(
                incident_id=engagement.incident_id, provider_id=engagement.provider_id
            )
            self._session.add(row)
        for name in _FIELDS:
            setattr(row, name, getattr(engagement, name))
        await self._session.flush()

    async def get(self, incident_id: str, provider_id: str) -> Engagement | None:
        row = await self._session.get(EngagementRow, (incident_id, provider_id))
        return _engagement(row) if row else None

    async def for_incident(self, incident_id: str) -> Sequence[Engagement]:
        rows = (
            await self._session.execute(
                select(EngagementRow)
                .where(EngagementRow.incident_id == incident_id)
                .order_by(EngagementRow.notified_at, EngagementRow.provider_id)
            )
        ).scalars()
        return [_engagement(r) for r in rows]
