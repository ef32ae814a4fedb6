"""Teams conversation references: one row per conversation the bot was installed in or
addressed from, so a proactive message reaches it after a restart and from any replica."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.conversations import ConversationRef, ConversationType
from storage.conversation_models import ConversationRow

_FIELDS = ("org_kind", "org_id", "tenant_id", "service_url", "bot_id", "user_id", "updated_at")


def _ref(row: ConversationRow) -> ConversationRef:
    return ConversationRef(
        conversation_id=row.conversation_id,
        conversation_type=ConversationType(row.conversation_type),
        **{name: getattr(row, name) for name in _FIELDS},
    )


class SqlConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, ref: ConversationRef) -> None:
        """Insert or bring up to date (Teams may move a conversation to another serviceUrl)."""
        row = await self._session.get(ConversationRow, ref.conversation_id)
        if row is None:
            row = ConversationRow(conversation_id=ref.conversation_id)
            self._session.add(row)
        row.conversation_type = ref.conversation_type.value
        for name in _FIELDS:
            setattr(row, name, getattr(ref, name))
        await self._session.flush()

    async def of_org(self, org_kind: str, org_id: str) -> ConversationRef | None:
        """The organisation's conversation (its team channel or group chat, never a personal
        chat): the one it last installed the app in or spoke to the bot from."""
        row = await self._session.scalar(
            select(ConversationRow)
            .where(
                ConversationRow.org_kind == org_kind,
                ConversationRow.org_id == org_id,
                ConversationRow.conversation_type != ConversationType.PERSONAL.value,
            )
            .order_by(ConversationRow.updated_at.desc(), ConversationRow.conversation_id)
            .limit(1)
        )
        return None if row is None else _ref(row)

    async def by_id(self, conversation_id: str) -> ConversationRef | None:
        row = await self._session.get(ConversationRow, conversation_id)
        return None if row is None else _ref(row)
