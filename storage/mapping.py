"""Row <-> domain conversion, kept in one place so the core never sees ORM classes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from bot.domain.incident import Incident, Marking, MouStatus, Referral
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from storage.models import IncidentRow, TimelineEventRow


def incident_from_row(row: IncidentRow | Row[Any]) -> Incident:
    """From the ORM object or a Core row of the same table (read by attribute either way)."""
    return Incident(
        id=row.id,
        reference=Reference(row.year, row.number),
        council_id=row.council_id,
        state=State.parse(row.state),
        referral=Referral.from_dict(row.referral),
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        marking=Marking(row.marking),
        mou_status=MouStatus(row.mou_status),
        mou_override_reason=row.mou_override_reason,
        recovery_opt_in=row.recovery_opt_in,
        provider_ids=tuple(row.provider_ids or ()),
        version=row.version,
    )


def incident_values(incident: Incident) -> dict[str, object]:
    return {
        "council_id": incident.council_id,
        "state": incident.state.value,
        "marking": incident.marking.value,
        "mou_status": incident.mou_status.value,
        "mou_override_reason": incident.mou_override_reason,
        "recovery_opt_in": incident.recovery_opt_in,
        "provider_ids": list(incident.provider_ids),
        "referral": incident.referral.as_dict(),
        "updated_at": incident.updated_at,
    }


def event_from_row(row: TimelineEventRow) -> TimelineEvent:
    return TimelineEvent(
        incident_id=row.incident_id,
        seq=row.seq,
        kind=row.kind,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        organisation=row.organisation,
        at=row.at,
        data=row.data,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
