"""Threshold assessments and idempotency keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.assessment import Assessment, AssessmentStatus
from storage.models import AssessmentRow, ProcessedRequestRow


class SqlAssessmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, a: Assessment) -> None:
        row = await self._session.get(AssessmentRow, a.id)
        if row is None:
            row = AssessmentRow(id=a.id, incident_id=a.incident_id, created_at=a.created_at)
            self._session.add(row)
        row.assessor_id = a.assessor_id
        row.answers = a.answers
        row.recommendation = a.recommendation
        row.reasons = a.reasons
        row.status = a.status.value
        row.decision = a.decision
        row.rationale = a.rationale
        row.confirmed_by = a.confirmed_by
        row.decided_at = a.decided_at
        await self._session.flush()

    async def get(self, assessment_id: str) -> Assessment | None:
        row = await self._session.get(AssessmentRow, assessment_id)
        return _assessment(row) if row else None

    async def for_incident(self, incident_id: str) -> Sequence[Assessment]:
        rows = (
            await self._session.execute(
                select(AssessmentRow)
                .where(AssessmentRow.incident_id == incident_id)
                .order_by(AssessmentRow.created_at)
            )
        ).scalars()
        return [_assessment(r) for r in rows]


def _assessment(row: AssessmentRow) -> Assessment:
    return Assessment(
        id=row.id,
        incident_id=row.incident_id,
        assessor_id=row.assessor_id,
        answers=row.answers,
        recommendation=row.recommendation,
        reasons=row.reasons,
        status=AssessmentStatus(row.status),
        created_at=row.created_at,
        decision=row.decision,
        rationale=row.rationale,
        confirmed_by=row.confirmed_by,
        decided_at=row.decided_at,
    )


class SqlRequestLog:
    """Keys of requests already handled (Slack retries, double clicks, double submits).

    The key is inserted in the same transaction as the change it guards, so a duplicate either
    sees the key or fails on the primary key: never two incidents from one submission.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key: str) -> dict[str, Any] | None:
        row = await self._session.get(ProcessedRequestRow, key)
        return row.result if row else None

    async def remember(self, key: str, now: datetime, result: dict[str, Any]) -> None:
        # Flushed at commit: a duplicate fails there on the primary key (ConcurrencyConflict).
        self._session.add(ProcessedRequestRow(key=key, created_at=now, result=result))

    async def update(self, key: str, result: dict[str, Any]) -> None:
        """Replace a remembered key's result (a refusal window's running count); the caller
        holds the incident's lock or accepts a lost increment."""
        row = await self._session.get(ProcessedRequestRow, key)
        if row is not None:
            row.result = dict(result)
