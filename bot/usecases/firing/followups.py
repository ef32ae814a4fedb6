"""The follow-up reminders: a status update overdue, the ICO's 72 hours running out, lessons
learned not yet given.

Each firing locks the incident and re-checks that the reminder still matters, because the thing
it chases may have happened since it was scheduled: an update was posted (the prompt was then
replaced, so a stale one never fires), the ICO item was recorded, everyone answered. A reminder
that no longer matters is cancelled, with the rest of its kind, instead of sent.

A reminder nobody received is retried with the scheduler's backoff, and after MAX_ATTEMPTS
(about 4 minutes) it is recorded as given up: unlike an escalation, each of these is repeated
by its own series (the next status prompt) or by the incident channel's checklist, so trying
for ever would only keep a failing route busy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.actors import SYSTEM
from bot.domain.checklist import ItemKind, ItemStatus
from bot.domain.deadline_payloads import IcoReminderDue, LessonsReminderDue, UpdatePromptDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.events import IcoReminderSent, LessonsReminderSent, UpdatePromptSent
from bot.domain.incident import Incident
from bot.domain.states import ACTIVE_RESPONSE_STATES, State
from bot.domain.uk_time import clock_time
from bot.ports import UnitOfWork
from bot.ports.chat import OutboundMessage
from bot.usecases.firing.outcomes import (
    Outcome,
    attempt_chat,
    attempt_notify,
    failed,
    gave_up,
    outcome,
)
from bot.usecases.participants import organisation_name

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps


async def _cancel(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    await uow.deadlines.mark_cancelled(deadline, deps.ctx.clock.now())
    await uow.deadlines.cancel_pending(deadline.incident_id, [deadline.kind])


async def _to_incident(incident: Incident, deps: FiringDeps, message: OutboundMessage) -> Outcome:
    d = await attempt_chat(deps.chat.to_incident(incident.id, message), "incident")
    return outcome("incident_channel", "incident channel", d)


async def fire_update_prompt(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await uow.incidents.get_for_update(deadline.incident_id)
    if incident is None or incident.state not in ACTIVE_RESPONSE_STATES:
        await _cancel(deadline, uow, deps)
        return
    now = deps.ctx.clock.now()
    since = deadline.created_at or deadline.due_at
    message = OutboundMessage(
        title=f"Status update due: {incident.reference}",
        text=(
            f"No status update on {incident.reference} since {clock_time(since)}. Provider: "
            "please post one with /cir update (what changed, current impact, next steps)."
        ),
        marking=incident.marking.value,
    )
    outcomes = [await _to_incident(incident, deps, message)]
    given_up = gave_up(deadline, outcomes)
    sent = UpdatePromptSent(deliveries=tuple(outcomes), attempt=deadline.attempts, gave_up=given_up)
    incident.note(sent, SYSTEM, now)
    every = UpdatePromptDue.of(deadline).cadence_seconds
    cadence = timedelta(seconds=int(every if every is not None else 4 * 3600))
    await uow.deadlines.add(
        Deadline(
            id=deps.ctx.new_id(),
            incident_id=incident.id,
            kind=DeadlineKind.UPDATE_PROMPT,
            due_at=now + cadence,
            payload=dict(deadline.payload),
            created_at=now,
        )
    )


def _ico_text(incident: Incident, hours: int, ico_deadline: datetime, now: datetime) -> str:
    if now >= ico_deadline:
        return (
            f"The ICO's 72 hours for {incident.reference} ran out at {clock_time(ico_deadline)}. "
            "If personal data was breached, report it to the ICO now and give the reasons for "
            "the delay; then record it on the notifications checklist, or mark it not needed "
            "with the reason."
        )
    return (
        f"{hours} hours since the council became aware of {incident.reference}. If personal "
        f"data was breached the ICO must be told by {clock_time(ico_deadline)}. Record it on "
        "the notifications checklist when done, or mark it not needed with the reason."
    )


async def fire_ico_reminder(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await uow.incidents.get_for_update(deadline.incident_id)
    items = await uow.checklist.for_incident(deadline.incident_id) if incident else []
    ico = next((i for i in items if i.item is ItemKind.ICO), None)
    if (
        incident is None
        or incident.state is State.WITHDRAWN
        or not incident.referral.personal_data_involved
        or (ico is not None and ico.status is not ItemStatus.OUTSTANDING)
    ):
        await _cancel(deadline, uow, deps)
        return
    now = deps.ctx.clock.now()
    due = IcoReminderDue.of(deadline)
    hours = int(due.hours if due.hours is not None else deadline.level)
    ico_deadline = datetime.fromisoformat(str(due.ico_deadline))
    text = _ico_text(incident, hours, ico_deadline, now)
    message = OutboundMessage(
        title=f"ICO reminder: {incident.reference}",
        text=text,
        marking=incident.marking.value,
        urgent=now >= ico_deadline,
    )
    outcomes = [await _to_incident(incident, deps, message)]
    # The council's own mail may be in the attacker's hands: the referral's contact is the
    # out-of-band address it gave for exactly this.
    to = incident.referral.contact_email
    if to:
        d = await attempt_notify(
            deps.notifier.send_email(
                to,
                f"[{incident.marking.value}] ICO 72-hour reminder: {incident.reference}",
                text,
                reference=str(incident.reference),
            ),
            "email",
            to,
        )
        outcomes.append(outcome("council_contact", incident.referral.contact_name, d))
    else:
        outcomes.append(failed("council_contact", "", "email", "no contact email on referral"))
    given_up = gave_up(deadline, outcomes)
    reminded = IcoReminderSent(
        hours=hours,
        ico_deadline=ico_deadline.isoformat(),
        deliveries=tuple(outcomes),
        attempt=deadline.attempts,
        gave_up=given_up,
    )
    incident.note(reminded, SYSTEM, now)


async def fire_lessons_reminder(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await uow.incidents.get_for_update(deadline.incident_id)
    collection = await uow.lessons.collection(deadline.incident_id) if incident else None
    missing = (
        collection.outstanding(await uow.lessons.submissions(deadline.incident_id))
        if collection and not collection.is_closed
        else []
    )
    if incident is None or not missing:
        await _cancel(deadline, uow, deps)
        return
    now = deps.ctx.clock.now()
    names = ", ".join(organisation_name(o, deps.ctx.policy) for o in missing)
    message = OutboundMessage(
        title=f"Lessons learned outstanding: {incident.reference}",
        text=(
            f"Lessons learned on {incident.reference} are still awaited from: {names}. Please "
            "answer with /cir lessons; the post-incident report is written from them."
        ),
        marking=incident.marking.value,
    )
    outcomes = [await _to_incident(incident, deps, message)]
    given_up = gave_up(deadline, outcomes)
    reminded = LessonsReminderSent(
        organisations=tuple(missing),
        working_days=LessonsReminderDue.of(deadline).working_days,
        deliveries=tuple(outcomes),
        attempt=deadline.attempts,
        gave_up=given_up,
    )
    incident.note(reminded, SYSTEM, now)


HANDLERS: dict[DeadlineKind, FireFn] = {
    DeadlineKind.UPDATE_PROMPT: fire_update_prompt,
    DeadlineKind.ICO_REMINDER: fire_ico_reminder,
    DeadlineKind.LESSONS_REMINDER: fire_lessons_reminder,
}
