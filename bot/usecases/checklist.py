"""The notifications checklist: ICO, Action Fraud / NCA, the regional WARP and the NCSC.

Anyone in the incident may record what the council has done (the provider or MHCLG often does it
for them on a call). The ICO's 72 hours run from the council's awareness; while that item is
outstanding the council is reminded at the configured hours, and recording it as done or not
needed stops the reminders.

What the referral already says is ticked when the checklist is made: the bodies the council had
told ("told at referral") and the NCSC when it referred the incident itself (its reference is the
evidence). The NCSC is never "not needed": the guidance is to report every cyber incident to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.actors import SYSTEM, Actor
from bot.domain.checklist import (
    REFERENCE_REQUIRED,
    ChecklistItem,
    ItemKind,
    ItemStatus,
    ico_deadline,
    ico_reminder_times,
    new_checklist,
)
from bot.domain.deadline_payloads import IcoReminderDue
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
TOLD_AT_REFERRAL = "told at referral"
REFERRED_BY_NCSC = "referred by the NCSC"
NCSC_ALWAYS = (
    "The NCSC cannot be marked not needed: the guidance is to report every cyber incident to "
    "the NCSC. Record it as done once reported (it is done already when the NCSC referred the "
    "incident), or leave it outstanding."
)


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
        if _known_at_referral(incident, item):
            incident.note(item.event(), SYSTEM, now)
        await uow.checklist.save(item)
    if not incident.referral.personal_data_involved or "ico" in incident.referral.bodies_told:
        return []
    return await _schedule_ico_reminders(incident, uow, ctx, followups)


def _known_at_referral(incident: Incident, item: ChecklistItem) -> bool:
    """Tick `item` as done if the referral says so; True if it did. The bodies' names in
    `bodies_told` are the checklist's item names (the referral form offers the same four).
    When the body was told is not known, only that it was before the referral: no time is
    given rather than the referral's, which would read as when it was told."""
    referral = incident.referral
    if item.item is ItemKind.NCSC and referral.ncsc_reference:
        item.reference, item.reason = referral.ncsc_reference, REFERRED_BY_NCSC
    elif item.item.value in referral.bodies_told:
        item.reason = TOLD_AT_REFERRAL
    else:
        return False
    item.status, item.done_at, item.updated_by = ItemStatus.DONE, None, SYSTEM.user_id
    return True


async def start_ico_reminders(
    incident: Incident, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> list[Deadline]:
    """Personal data was learnt to be involved after the referral: remind as a referral that
    said so would have, counted from the detection time, unless the ICO item is already done
    or not needed, or reminders are already pending. Inside the caller's transaction."""
    created = await init_checklist(incident, uow, ctx, followups)
    if created:
        return created
    items = await uow.checklist.for_incident(incident.id)
    ico = next((i for i in items if i.item is ItemKind.ICO), None)
    if ico is not None and ico.status is not ItemStatus.OUTSTANDING:
        return []
    pending = await uow.deadlines.pending_for(incident.id)
    if any(d.kind is DeadlineKind.ICO_REMINDER for d in pending):
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
            payload=IcoReminderDue(
                hours=hours,
                ico_deadline=ico_deadline(detected, followups.ico_deadline).isoformat(),
            ).data(),
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
    elif status is ItemStatus.NOT_NEEDED and kind is ItemKind.NCSC:
        raise InvalidInput(NCSC_ALWAYS, {"status": NCSC_ALWAYS})
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
        incident.note(item.event(), cmd.actor, now)
        if kind is ItemKind.ICO and item.status is ItemStatus.DONE:
            # A breach reported to the ICO is personal data involved: the marking follows.
            incident.learn_personal_data("ico_reported", cmd.actor, now)
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
