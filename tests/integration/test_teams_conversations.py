"""Stored Teams conversation references: a row each, read back by conversation and by
organisation, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.conversations import ConversationRef, ConversationType
from storage.uow import SqlUnitOfWorkFactory

AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def ref(conversation: str, **changes: object) -> ConversationRef:
    fields: dict[str, object] = {
        "org_kind": "council",
        "org_id": "hackney",
        "tenant_id": "11111111-1111-1111-1111-111111111111",
        "conversation_id": conversation,
        "service_url": "https://smba.trafficmanager.net/uk/",
        "conversation_type": ConversationType.CHANNEL,
        "bot_id": "28:app",
        "updated_at": AT,
    }
    return ConversationRef(**{**fields, **changes})  # type: ignore[arg-type]


async def test_saved_references_are_read_back_after_commit(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    channel = ref("19:general@thread.tacv2")
    personal = ref("a:1on1", conversation_type=ConversationType.PERSONAL, user_id="aad-1",
                   updated_at=AT + timedelta(hours=1))  # fmt: skip
    async with uow_factory() as uow:
        await uow.conversations.save(channel)
        await uow.conversations.save(personal)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.by_id("19:general@thread.tacv2") == channel
        assert await uow.conversations.by_id("a:1on1") == personal
        # the organisation's conversation is its channel, never someone's personal chat
        assert await uow.conversations.of_org("council", "hackney") == channel
        assert await uow.conversations.of_org("provider", "hackney") is None
        assert await uow.conversations.by_id("19:other") is None


async def test_saving_again_updates_in_place_and_the_latest_channel_wins(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.conversations.save(ref("19:a"))
        await uow.conversations.save(ref("19:b", updated_at=AT + timedelta(minutes=5)))
        await uow.commit()
    moved = ref("19:a", service_url="https://smba.trafficmanager.net/emea/",
                updated_at=AT + timedelta(minutes=10))  # fmt: skip
    async with uow_factory() as uow:
        await uow.conversations.save(moved)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.of_org("council", "hackney") == moved
