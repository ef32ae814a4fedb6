"""The retention purge in the database: one incident per transaction, every table that holds
what people typed or names a person, and the timeline rewritten through the one door the
append-only guard leaves open (migration 0008).

It sits beside `audit` rather than behind a core port: it reaches every table of an incident,
and it checks the incident's chain before it touches it (a purge must never vouch for content
someone already changed). The rules of what goes and what stays are the core's
(bot.domain.purge); this module only applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, text, update

from bot.domain.actors import SYSTEM
from bot.domain.events import PersonalDataPurged
from bot.domain.incident import Incident
from bot.domain.purge import (
    PURGED,
    closed_at,
    plan,
    redact_referral,
    redact_value,
)
from bot.domain.seal import Binding, check_incident
from bot.domain.states import OPEN_STATES
from bot.policy.retention import Retention
from storage.followup_models import LessonsSubmissionRow
from storage.models import DeadlineRow, ExternalInviteRow, IncidentRow, TimelineEventRow
from storage.retention_models import IncidentPurgeRow
from storage.uow import SqlUnitOfWork


class Verdict(StrEnum):
    PURGED = "purged"
    WOULD_PURGE = "would purge"  # --dry-run
    NOT_DUE = "not due"
    STILL_OPEN = "still open"
    ALREADY_PURGED = "already purged"
    TAMPERED = "record broken"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    reference: str
    verdict: Verdict
    message: str
    events: int = 0  # events whose content changed (or would)
    incident_id: str = ""

    @property
    def refused(self) -> bool:
        return self.verdict in {Verdict.NOT_DUE, Verdict.STILL_OPEN, Verdict.TAMPERED}


# Columns that name a person or hold what one typed, per table keyed by incident_id.
_PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "assessments": ("assessor_id", "rationale", "confirmed_by"),
    "checklist_items": ("reference", "reason", "updated_by"),
    "lessons_collections": ("closed_by", "closed_by_name"),
    "provider_engagements": (
        "acknowledged_by", "acknowledged_by_name", "contact_by", "contact_by_name",
    ),
    "learnt_org_bindings": ("learnt_from_user", "decided_by", "decided_by_name"),
}  # fmt: skip


def _on(day: datetime) -> str:
    return f"{day:%d %B %Y}"


async def _purged(uow: SqlUnitOfWork, incident_id: str) -> IncidentPurgeRow | None:
    return await uow.session.get(IncidentPurgeRow, incident_id)


async def closed_incidents(uow: SqlUnitOfWork) -> list[str]:
    """References of closed incidents not yet purged, oldest first."""
    purged = select(IncidentPurgeRow.incident_id)
    rows = await uow.session.execute(
        select(IncidentRow.reference)
        .where(IncidentRow.state.not_in([s.value for s in OPEN_STATES]))
        .where(IncidentRow.id.not_in(purged))
        .order_by(IncidentRow.opened_at)
    )
    return list(rows.scalars())


async def purge_incident(
    uow: SqlUnitOfWork,
    reference: str,
    retention: Retention,
    now: datetime,
    *,
    dry_run: bool = False,
    commit: bool = True,
) -> Outcome:
    """Purge one incident past retention, in `uow`'s transaction: committed here (unless
    `dry_run`), or left to the caller with `commit=False` (the daily purge's firing, whose
    transaction holds its deadline row). Refuses, changing nothing, an incident open, not yet
    due or already broken."""
    row = (
        await uow.session.execute(select(IncidentRow.id).where(IncidentRow.reference == reference))
    ).scalar_one_or_none()
    if row is None:
        return Outcome(reference, Verdict.UNKNOWN, f"{reference}: no such incident")
    incident = await uow.incidents.get_for_update(row)
    assert incident is not None
    if (done := await _purged(uow, incident.id)) is not None:
        message = f"{reference}: personal data already purged on {_on(done.purged_at)}"
        return Outcome(reference, Verdict.ALREADY_PURGED, message)
    events = list(await uow.timeline.for_incident(incident.id))
    closed = closed_at(events)
    if incident.is_open:
        message = f"{reference} is {incident.state.label.lower()}: only closed incidents are purged"
        return Outcome(reference, Verdict.STILL_OPEN, message)
    if closed is None:  # closed outside the service: nothing says since when
        message = f"{reference}: its timeline records no closure, so no retention period runs"
        return Outcome(reference, Verdict.STILL_OPEN, message)
    due = retention.due_at(closed)
    if now < due:
        message = (
            f"{reference} closed on {_on(closed)}; its personal data is kept "
            f"{retention.keep_after_closure} after closure, until {_on(due)}: not purged"
        )
        return Outcome(reference, Verdict.NOT_DUE, message)
    binding = Binding(str(incident.reference), incident.council_id, incident.provider_ids)
    breaks = check_incident(uow.key, incident.id, binding, events, await uow.heads.get(incident.id))
    if breaks:
        message = (
            f"{reference}: its record fails the integrity check ({breaks[0].kind.value}); not "
            "purged, so the purge cannot vouch for changed content. Run verify-timeline."
        )
        return Outcome(reference, Verdict.TAMPERED, message)
    changed, record = plan(uow.key, events)
    if dry_run:
        message = (
            f"{reference}: would purge ({len(changed)} of {len(events)} events; closed "
            f"{_on(closed)}, due {_on(due)})"
        )
        return Outcome(reference, Verdict.WOULD_PURGE, message, len(changed))
    purge_seq = events[-1].seq + 1
    uow.session.add(
        IncidentPurgeRow(
            incident_id=incident.id, reference=reference, closed_at=closed, purged_at=now,
            purge_seq=purge_seq, status="purging", events=len(changed),
        )
    )  # fmt: skip
    await uow.session.flush()
    for event in changed:
        await uow.session.execute(
            update(TimelineEventRow)
            .where(TimelineEventRow.incident_id == incident.id, TimelineEventRow.seq == event.seq)
            .values(actor_id=event.actor_id, actor_name=event.actor_name, data=event.data)
        )
    await _other_tables(uow, incident)
    incident.referral = redact_referral(incident.referral)
    if incident.mou_override_reason:
        incident.mou_override_reason = PURGED
    purged = PersonalDataPurged(
        closed_at=closed.isoformat(),
        kept_for=str(retention.keep_after_closure),
        redacted=tuple(r.as_dict() for r in record),
    )
    incident.note(purged, SYSTEM, now)
    await uow.session.execute(
        update(IncidentPurgeRow)
        .where(IncidentPurgeRow.incident_id == incident.id)
        .values(status="done")
    )
    if commit:
        await uow.commit()
    message = f"{reference}: personal data purged ({len(changed)} of {len(events)} events)"
    return Outcome(reference, Verdict.PURGED, message, len(changed), incident.id)


async def _other_tables(uow: SqlUnitOfWork, incident: Incident) -> None:
    session, ident = uow.session, {"i": incident.id, "p": PURGED}
    for table, columns in _PERSON_COLUMNS.items():
        for column in columns:
            await session.execute(
                text(f"UPDATE {table} SET {column} = :p WHERE incident_id = :i AND {column} <> ''"),  # noqa: S608 (names from the table above)
                ident,
            )
    submissions = (
        await session.execute(
            select(LessonsSubmissionRow).where(LessonsSubmissionRow.incident_id == incident.id)
        )
    ).scalars()
    for submission in submissions:
        submission.answers = {k: PURGED for k in submission.answers}
        submission.recommendations = [
            {"text": PURGED, "owner": PURGED} for _ in submission.recommendations
        ]
        submission.submitted_by = submission.submitted_by_name = PURGED
    invites = (
        await session.execute(
            select(ExternalInviteRow).where(ExternalInviteRow.incident_id == incident.id)
        )
    ).scalars()
    for n, invite in enumerate(invites, 1):
        invite.email = f"{PURGED} {n}"  # unique per incident and platform
    deadlines = (
        await session.execute(select(DeadlineRow).where(DeadlineRow.incident_id == incident.id))
    ).scalars()
    for deadline in deadlines:
        payload: dict[str, Any] = redact_value(deadline.payload or {})
        deadline.payload = payload
    await session.flush()


async def purged_at(uow: SqlUnitOfWork, incident_id: str) -> datetime | None:
    found = await _purged(uow, incident_id)
    return found.purged_at if found is not None else None
