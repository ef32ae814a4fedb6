"""Repositories for the notifications checklist and lessons learned."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.checklist import ChecklistItem, ItemKind, ItemStatus
from bot.domain.lessons import LessonsCollection, LessonsSubmission, Recommendation
from storage.database import dialect_of
from storage.followup_models import ChecklistItemRow, LessonsCollectionRow, LessonsSubmissionRow
from storage.upserts import params, upsert

_ORDER = {kind: i for i, kind in enumerate(ItemKind)}


_ITEMS = cast(Table, ChecklistItemRow.__table__)
_ITEM_KEYS = ("incident_id", "item")
_ITEM_FIELDS = ("status", "reference", "reason", "done_at", "updated_at", "updated_by")


@functools.cache
def _items_of() -> Any:
    """An incident's checklist as Core rows, built once: every card refresh reads it, and ORM
    objects would be tracked by the session for nothing."""
    return select(_ITEMS).where(_ITEMS.c.incident_id == bindparam("b_i"))


class SqlChecklistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_incident(self, incident_id: str) -> list[ChecklistItem]:
        rows = await self._session.execute(_items_of(), {"b_i": incident_id})
        items = [
            ChecklistItem(
                incident_id=r.incident_id,
                item=ItemKind(r.item),
                status=ItemStatus(r.status),
                reference=r.reference,
                reason=r.reason,
                done_at=r.done_at,
                updated_at=r.updated_at,
                updated_by=r.updated_by,
            )
            for r in rows
        ]
        return sorted(items, key=lambda i: _ORDER[i.item])

    async def save(self, item: ChecklistItem) -> None:
        if item.updated_at is None:
            raise ValueError(f"checklist item {item.item} has no updated_at; set the clock's now")
        stmt = upsert(_ITEMS, _ITEM_KEYS, _ITEM_FIELDS, dialect_of(self._session))
        values = {
            "incident_id": item.incident_id,
            "item": item.item.value,
            "status": item.status.value,
            "reference": item.reference,
            "reason": item.reason,
            "done_at": item.done_at,
            "updated_at": item.updated_at,
            "updated_by": item.updated_by,
        }
        await self._session.execute(stmt, params(values))


class SqlLessonsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def collection(self, incident_id: str) -> LessonsCollection | None:
        row = await self._session.get(LessonsCollectionRow, incident_id)
        if row is None:
            return None
        return LessonsCollection(
            incident_id=row.incident_id,
            organisations=tuple(row.organisations),
            requested_at=row.requested_at,
            closed_at=row.closed_at,
            closed_by=row.closed_by,
            closed_by_name=row.closed_by_name,
        )

    async def save_collection(self, collection: LessonsCollection) -> None:
        row = await self._session.get(LessonsCollectionRow, collection.incident_id)
        if row is None:
            row = LessonsCollectionRow(incident_id=collection.incident_id)
            self._session.add(row)
        row.organisations = list(collection.organisations)
        row.requested_at = collection.requested_at
        row.closed_at = collection.closed_at
        row.closed_by = collection.closed_by
        row.closed_by_name = collection.closed_by_name
        await self._session.flush()

    async def submissions(self, incident_id: str) -> list[LessonsSubmission]:
        rows = (
            await self._session.execute(
                select(LessonsSubmissionRow)
                .where(LessonsSubmissionRow.incident_id == incident_id)
                .order_by(LessonsSubmissionRow.submitted_at, LessonsSubmissionRow.id)
            )
        ).scalars()
        return [
            LessonsSubmission(
                id=r.id,
                incident_id=r.incident_id,
                organisation=r.organisation,
                answers=dict(r.answers),
                recommendations=tuple(
                    Recommendation(text=x["text"], owner=x["owner"]) for x in r.recommendations
                ),
                submitted_by=r.submitted_by,
                submitted_by_name=r.submitted_by_name,
                submitted_at=r.submitted_at,
            )
            for r in rows
        ]

    async def add_submission(self, submission: LessonsSubmission) -> None:
        """Flushed at commit: a concurrent duplicate fails there on the unique constraint."""
        self._session.add(
            LessonsSubmissionRow(
                id=submission.id,
                incident_id=submission.incident_id,
                organisation=submission.organisation,
                answers=dict(submission.answers),
                recommendations=[r.as_dict() for r in submission.recommendations],
                submitted_by=submission.submitted_by,
                submitted_by_name=submission.submitted_by_name,
                submitted_at=submission.submitted_at,
            )
        )
