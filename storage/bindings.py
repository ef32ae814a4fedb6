"""Repositories for an incident's platform presence: channels, invites, posted messages."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.bindings import (
    ChannelBinding,
    ChannelStatus,
    Invite,
    InviteStatus,
    MessagePurpose,
    Platform,
    PostedMessage,
)
from storage.database import dialect_of
from storage.models import ExternalInviteRow, IncidentChannelRow, PostedMessageRow
from storage.upserts import params, upsert


class SqlChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, binding: ChannelBinding) -> None:
        row = await self._session.get(
            IncidentChannelRow, (binding.incident_id, binding.platform.value)
        )
        if row is None:
            row = IncidentChannelRow(
                incident_id=binding.incident_id, platform=binding.platform.value
            )
            self._session.add(row)
        row.channel_id = binding.channel_id
        row.channel_name = binding.channel_name
        row.status = binding.status.value
        row.error = binding.error
        row.updated_at = binding.updated_at
        await self._session.flush()

    async def for_incident(self, incident_id: str, platform: Platform) -> ChannelBinding | None:
        params = {"b_i": incident_id, "b_p": platform.value}
        row = (await self._session.execute(_channel_of(), params)).first()
        return _binding(row) if row else None

    async def by_channel(self, platform: Platform, channel_id: str) -> ChannelBinding | None:
        row = (
            await self._session.execute(
                select(IncidentChannelRow).where(
                    IncidentChannelRow.platform == platform.value,
                    IncidentChannelRow.channel_id == channel_id,
                )
            )
        ).scalar_one_or_none()
        return _binding(row) if row else None

    async def names_in_use(self, platform: Platform, prefix: str) -> set[str]:
        rows = await self._session.execute(
            select(IncidentChannelRow.channel_name).where(
                IncidentChannelRow.platform == platform.value,
                IncidentChannelRow.channel_name.startswith(prefix),
            )
        )
        return set(rows.scalars())


# Core reads of what every card refresh, escalation and channel line looks up: no ORM object
# to build and track for rows nobody changes through the session.
_CHANNELS = cast(Table, IncidentChannelRow.__table__)
_INVITES = cast(Table, ExternalInviteRow.__table__)
_MESSAGES = cast(Table, PostedMessageRow.__table__)
_MESSAGE_KEYS = ("incident_id", "platform", "purpose")
_MESSAGE_FIELDS = ("channel_id", "message_ts", "updated_at")


@functools.cache
def _channel_of() -> Any:
    c = _CHANNELS.c
    return select(_CHANNELS).where(
        c.incident_id == bindparam("b_i"), c.platform == bindparam("b_p")
    )


@functools.cache
def _invites_of() -> Any:
    c = _INVITES.c
    return select(_INVITES).where(c.incident_id == bindparam("b_i")).order_by(c.updated_at)


@functools.cache
def _message_of() -> Any:
    c = _MESSAGES.c
    return select(_MESSAGES).where(
        c.incident_id == bindparam("b_i"),
        c.platform == bindparam("b_p"),
        c.purpose == bindparam("b_purpose"),
    )


@functools.cache
def _messages_of() -> Any:
    c = _MESSAGES.c
    return select(_MESSAGES).where(
        c.incident_id == bindparam("b_i"), c.platform == bindparam("b_p")
    )


def _binding(row: IncidentChannelRow | Row[Any]) -> ChannelBinding:
    return ChannelBinding(
        incident_id=row.incident_id,
        platform=Platform(row.platform),
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        status=ChannelStatus(row.status),
        error=row.error,
        updated_at=row.updated_at,
    )


class SqlInviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, invite: Invite) -> None:
        row = await self._session.get(ExternalInviteRow, invite.id)
        if row is None:
            row = ExternalInviteRow(id=invite.id)
            self._session.add(row)
        row.incident_id = invite.incident_id
        row.platform = invite.platform.value
        row.email = invite.email
        row.org_kind = invite.org_kind
        row.org_id = invite.org_id
        row.status = invite.status.value
        row.invite_id = invite.invite_id
        row.error = invite.error
        row.updated_at = invite.updated_at
        await self._session.flush()

    async def for_incident(self, incident_id: str) -> Sequence[Invite]:
        rows = await self._session.execute(_invites_of(), {"b_i": incident_id})
        return [_invite(r) for r in rows]

    async def by_invite_id(self, platform: Platform, invite_id: str) -> Invite | None:
        row = (
            await self._session.execute(
                select(ExternalInviteRow).where(
                    ExternalInviteRow.platform == platform.value,
                    ExternalInviteRow.invite_id == invite_id,
                )
            )
        ).scalar_one_or_none()
        return _invite(row) if row else None


def _invite(row: ExternalInviteRow | Row[Any]) -> Invite:
    return Invite(
        id=row.id,
        incident_id=row.incident_id,
        platform=Platform(row.platform),
        email=row.email,
        org_kind=row.org_kind,
        org_id=row.org_id,
        status=InviteStatus(row.status),
        invite_id=row.invite_id,
        error=row.error,
        updated_at=row.updated_at,
    )


class SqlMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, message: PostedMessage, now: datetime) -> None:
        stmt = upsert(_MESSAGES, _MESSAGE_KEYS, _MESSAGE_FIELDS, dialect_of(self._session))
        values = {
            "incident_id": message.incident_id,
            "platform": message.platform.value,
            "purpose": message.purpose.value,
            "channel_id": message.channel_id,
            "message_ts": message.message_ts,
            "updated_at": now,
        }
        await self._session.execute(stmt, params(values))

    async def for_incident(
        self, incident_id: str, platform: Platform
    ) -> dict[MessagePurpose, PostedMessage]:
        rows = await self._session.execute(
            _messages_of(), {"b_i": incident_id, "b_p": platform.value}
        )
        return {MessagePurpose(r.purpose): _message(r) for r in rows}

    async def get(
        self, incident_id: str, platform: Platform, purpose: MessagePurpose
    ) -> PostedMessage | None:
        params = {"b_i": incident_id, "b_p": platform.value, "b_purpose": purpose.value}
        row = (await self._session.execute(_message_of(), params)).first()
        return _message(row) if row else None


def _message(row: PostedMessageRow | Row[Any]) -> PostedMessage:
    return PostedMessage(
        incident_id=row.incident_id,
        platform=Platform(row.platform),
        purpose=MessagePurpose(row.purpose),
        channel_id=row.channel_id,
        message_ts=row.message_ts,
    )
