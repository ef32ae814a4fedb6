"""Repository of the incident cards posted in Teams conversations (bot.domain.teams_cards)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.teams_cards import TeamsCard
from storage.teams_card_models import TeamsCardRow

_FIELDS = ("activity_id", "org_kind", "org_id", "updated_at")


def _card(row: TeamsCardRow) -> TeamsCard:
    return TeamsCard(
        incident_id=row.incident_id,
        conversation_id=row.conversation_id,
        **{name: getattr(row, name) for name in _FIELDS},
    )


class SqlTeamsCardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, card: TeamsCard) -> None:
        """Insert, or point at a new activity (a card deleted in Teams is posted again)."""
        row = await self._session.get(TeamsCardRow, (card.incident_id, card.conversation_id))
        if row is None:
            row = TeamsCardRow(incident_id=card.incident_id, conversation_id=card.conversation_id)
            self._session.add(row)
        for name in _FIELDS:
            setattr(row, name, getattr(card, name))
        await self._session.flush()

    async def get(self, incident_id: str, conversation_id: str) -> TeamsCard | None:
        row = await self._session.get(TeamsCardRow, (incident_id, conversation_id))
        return None if row is None else _card(row)

    async def for_incident(self, incident_id: str) -> list[TeamsCard]:
        rows = await self._session.scalars(
            select(TeamsCardRow)
            .where(TeamsCardRow.incident_id == incident_id)
            .order_by(TeamsCardRow.conversation_id)
        )
        return [_card(r) for r in rows]
