"""Learnt workspace bindings: saved in the same transaction as the timeline note about them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.bindings import Platform
from bot.domain.org_bindings import BindingStatus, TeamBinding
from storage.org_binding_models import OrgBindingRow

_FIELDS = (
    "org_kind",
    "org_id",
    "incident_id",
    "learnt_from_user",
    "learnt_at",
    "decided_by",
    "decided_by_name",
    "decided_at",
)


class SqlOrgBindingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, platform: Platform, team_id: str) -> TeamBinding | None:
        row = await self._session.get(OrgBindingRow, (platform.value, team_id))
        if row is None:
            return None
        return TeamBinding(
            platform=Platform(row.platform),
            team_id=row.team_id,
            status=BindingStatus(row.status),
            **{name: getattr(row, name) for name in _FIELDS},
        )

    async def save(self, binding: TeamBinding) -> None:
        key = (binding.platform.value, binding.team_id)
        row = await self._session.get(OrgBindingRow, key)
        if row is None:
            row = OrgBindingRow(platform=key[0], team_id=key[1])
            self._session.add(row)
        row.status = binding.status.value
        for name in _FIELDS:
            setattr(row, name, getattr(binding, name))
        await self._session.flush()

    async def teams(self, platform: Platform, status: BindingStatus) -> dict[str, str]:
        rows = await self._session.execute(
            select(OrgBindingRow.team_id, OrgBindingRow.org_id).where(
                OrgBindingRow.platform == platform.value, OrgBindingRow.status == status.value
            )
        )
        return {str(team): str(org) for team, org in rows}
