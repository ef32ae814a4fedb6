"""The notifications checklist: ICO, Action Fraud / NCA, the regional WARP and the NCSC.

Anyone in the incident may record what the council has done (the provider or MHCLG often does it
for them on a call). The ICO's 72 hours run from the council's awareness; while that item is
outstanding the council is reminded at the configured hours, and recording it as done or not
needed stops the reminders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.checklist import (
    REFERENCE_REQUIRED,
    ChecklistItem,
    ItemKind,
    ItemStatus,
    ico_deadline,
    ico_reminder_times,
    new_checklist,
)
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.incident import Incident
from bot.policy.followups import Followups
from bot.ports import UnitOfWork
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.loading import load_incident
from bot.usecases.validation import FieldErrors

PARTICIPANTS_ONLY = "Only MHCLG, the incident's provider and its council can update the checklist."


async def init_checklist(
    incident: Incident, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> list[Deadline]:
    """Create the four items as outstanding (inside the caller's transaction); does nothing if
    they exist. With personal data involved, schedule the ICO reminders; those already past
    (a late referral) are collapsed into one due now, which the next sweep sends."""
    if await uow.checklist.for_incident(incident.id):
        return []
    now = ctx.clock.now()
    for item in new_checklist(incident.id, now):
        await uow.checklist.save(item)
    if not incident.referral.personal_data_involved:
        return []
    return await _schedule_ico_reminders(incident, uow, ctx, followups)


async def _schedule_ico_reminders(
    incident: Incident, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> list[Deadline]:
    now = ctx.clock.now()
    detected = incident.referral.detected_at
    deadlines = [
        Deadline(
            id=ctx.new_id(),
            incident_id=incident.id,
            kind=DeadlineKind.ICO_REMINDER,
            due_at=due,
            level=hours,
            payload={
                "hours": hours,
                "ico_deadline": ico_deadline(detected, followups.ico_deadline).isoformat(),
            },
            created_at=now,
        )
        for hours, due in ico_reminder_times(detected, followups.ico_reminder_hours, now)
    ]
    for deadline in deadlines:
        await uow.deadlines.add(deadline)
    return deadlines


@dataclass(frozen=True)
class UpdateChecklistItem:
    actor: Actor
    incident: str  # id or CIR reference
    item: str
    status: str
    reference: str = ""
    reason: str = ""
    done_at: datetime | None = None  # when the body was told; defaults to now


@dataclass
class ChecklistResult:
    incident: Incident
    item: ChecklistItem
    deadlines: list[Deadline]


def _validated(cmd: UpdateChecklistItem, now: datetime) -> tuple[ItemKind, ChecklistItem]:
    errors = FieldErrors()
    try:
        kind = ItemKind(cmd.item)
    except ValueError:
        raise InvalidInput(
            f"Unknown checklist item {cmd.item!r}; use {', '.join(k.value for k in ItemKind)}.",
            {"item": "Choose a checklist item."},
        ) from None
    try:
        status = ItemStatus(cmd.status)
    except ValueError:
        raise InvalidInput(
            f"Unknown status {cmd.status!r}; use outstanding, done or not_needed.",
            {"status": "Choose outstanding, done or not needed."},
        ) from None
    item = ChecklistItem(incident_id="", item=kind, status=status, updated_at=now)
    if status is ItemStatus.DONE:
        item.reference = errors.text(
            "reference",
            cmd.reference,
            label="The reference they gave",
            required=kind in REFERENCE_REQUIRED,
        )
        item.done_at = cmd.done_at or now
        if item.done_at > now:
            errors.errors["done_at"] = "The time they were told is in the future."
    elif status is ItemStatus.NOT_NEEDED:
        item.reason = errors.text("reason", cmd.reason, label="Why it is not needed")
    errors.raise_if_any()
    return kind, item


async def update_checklist_item(
    cmd: UpdateChecklistItem, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> ChecklistResult:
    async with uow:
        incident = await authorised(
            uow,
            ctx,
            cmd.actor,
            cmd.incident,
            Act.UPDATE_CHECKLIST,
            Who.PARTICIPANT,
            PARTICIPANTS_ONLY,
        )
        now = ctx.clock.now()
        kind, item = _validated(cmd, now)
        deadlines = await init_checklist(incident, uow, ctx, followups)
        current = next(i for i in await uow.checklist.for_incident(incident.id) if i.item is kind)
        if _same(current, item, cmd.done_at):
            raise DomainError(
                f"{kind.value} is already recorded as {current.status.value} on "
                f"{incident.reference}; nothing changed."
            )
        item.incident_id, item.updated_by = incident.id, cmd.actor.user_id
        await uow.checklist.save(item)
        incident.note("NotificationItemUpdated", cmd.actor, now, **item.event_data())
        if kind is ItemKind.ICO:
            deadlines = await _ico_reminders_after(incident, item, current, uow, ctx, followups)
        await uow.commit()
    return ChecklistResult(incident=incident, item=item, deadlines=deadlines)


async def _ico_reminders_after(
    incident: Incident,
    item: ChecklistItem,
    previous: ChecklistItem,
    uow: UnitOfWork,
    ctx: CoreContext,
    followups: Followups,
) -> list[Deadline]:
    """Done or not needed stops the reminders; set back to outstanding (a mistake undone)
    restarts them, a mark already passed collapsed into one reminder due now."""
    if item.status is not ItemStatus.OUTSTANDING:
        await uow.deadlines.cancel_pending(incident.id, [DeadlineKind.ICO_REMINDER])
        return []
    if previous.status is ItemStatus.OUTSTANDING or not incident.referral.personal_data_involved:
        return []
    return await _schedule_ico_reminders(incident, uow, ctx, followups)


def _same(current: ChecklistItem, item: ChecklistItem, done_at: datetime | None) -> bool:
    """A repeated click or form (no new time given) records nothing a second time."""
    return (current.status, current.reference, current.reason) == (
        item.status,
        item.reference,
        item.reason,
    ) and (done_at is None or done_at == current.done_at)


@dataclass(frozen=True)
class ChecklistRow:
    item: ItemKind
    label: str
    detail: str
    phone: str
    status: ItemStatus
    reference: str
    reason: str
    done_at: datetime | None


@dataclass(frozen=True)
class ChecklistView:
    """The checklist as the incident card shows it."""

    rows: tuple[ChecklistRow, ...]
    personal_data_involved: bool
    ico_deadline: datetime  # when the council became aware + 72 hours


async def checklist_view(uow: UnitOfWork, key: str, followups: Followups) -> ChecklistView:
    async with uow:
        incident = await load_incident(uow, key)
        stored = await uow.checklist.for_incident(incident.id)
    return build_checklist_view(incident, stored, followups)


def build_checklist_view(
    incident: Incident, items: Iterable[ChecklistItem], followups: Followups
) -> ChecklistView:
    """Every item the service tracks, stored or not yet touched (then outstanding)."""
    stored = {i.item: i for i in items}
    rows = []
    for kind in ItemKind:
        item = stored.get(kind) or ChecklistItem(incident.id, kind)
        label = followups.checklist[kind.value]
        rows.append(
            ChecklistRow(
                item=kind,
                label=label.label,
                detail=label.detail,
                phone=label.phone,
                status=item.status,
                reference=item.reference,
                reason=item.reason,
                done_at=item.done_at,
            )
        )
    return ChecklistView(
        rows=tuple(rows),
        personal_data_involved=incident.referral.personal_data_involved,
        ico_deadline=ico_deadline(incident.referral.detected_at, followups.ico_deadline),
    )
