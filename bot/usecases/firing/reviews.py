"""The assessors' reminders after a threshold decision: review a monitored incident, chase the
information that was missing. Each goes to the deciding assessor directly and to the incident
channel, so the reminder survives the assessor being off shift.

A reminder only fires while the incident is still where the decision left it; and a review
reminder is superseded by a newer one (the incident was re-assessed and monitored again), so an
assessor gets one series of reviews per decision, not one per decision ever made. A review
repeats at the configured interval (`repeat_after`, as the last escalation step does) until the
incident is re-assessed or its monitoring is ended: a monitored incident is never forgotten.

A reminder nobody received is retried with the scheduler's backoff and given up on record after
MAX_ATTEMPTS (about 4 minutes), as the follow-up reminders are.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.actors import SYSTEM
from bot.domain.deadline_payloads import InfoReminderDue, ReviewReminderDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.events import InformationReminderSent, ReviewReminderSent
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.ports import UnitOfWork
from bot.ports.chat import OutboundMessage
from bot.usecases.firing.contact import repeat_deadline
from bot.usecases.firing.outcomes import (
    Outcome,
    attempt_chat,
    failed,
    gave_up,
    locked_in,
    outcome,
)
from bot.views.page import info_reminder, review_reminder

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps


def platform_user(user_id: str) -> str:
    """'slack:T0MHCLG:U0ASSESSOR1' -> 'U0ASSESSOR1': the ChatPort takes the platform's own id."""
    return user_id.rsplit(":", 1)[-1]


async def _superseded(deadline: Deadline, uow: UnitOfWork) -> bool:
    newer = [
        d
        for d in await uow.deadlines.pending_for(deadline.incident_id)
        if d.kind is deadline.kind
        and d.id != deadline.id
        and (d.created_at or deadline.due_at) > (deadline.created_at or deadline.due_at)
    ]
    return bool(newer)


async def _remind(
    deadline: Deadline, incident: Incident, deps: FiringDeps, message: OutboundMessage
) -> list[Outcome]:
    assessor = str(_due(deadline).assessor)
    outcomes: list[Outcome] = []
    if assessor:
        user = platform_user(assessor)
        d = await attempt_chat(deps.chat.to_person(user, message), f"dm:{user}")
        outcomes.append(outcome("assessor", assessor, d))
    else:
        outcomes.append(failed("assessor", "", "chat", "no assessor on the deadline"))
    d = await attempt_chat(deps.chat.to_incident(incident.id, message), "incident")
    outcomes.append(outcome("incident_channel", "incident channel", d))
    return outcomes


async def fire_review_reminder(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.MONITORING)
    if incident is None:
        return
    now = deps.ctx.clock.now()
    if await _superseded(deadline, uow):
        await uow.deadlines.mark_cancelled(deadline, now)
        return
    council = deps.ctx.policy.councils.get(incident.council_id)
    every = deps.ctx.policy.mhclg.review_reminder
    due = ReviewReminderDue.of(deadline)
    if due.repeat_after is None:
        # rows made before reviews repeated carry no interval: the configured one applies
        deadline.payload = replace(due, repeat_after=every.total_seconds()).data()
    message = review_reminder(incident, council, every)
    outcomes = await _remind(deadline, incident, deps, message)
    given_up = gave_up(deadline, outcomes)
    sent = ReviewReminderSent(
        assessor=due.assessor,
        deliveries=tuple(outcomes),
        attempt=deadline.attempts,
        gave_up=given_up,
        review=deadline.level + 1,
    )
    incident.note(sent, SYSTEM, now)
    repeat = repeat_deadline(deadline, now, deps.ctx.new_id)
    if repeat is not None:
        await uow.deadlines.add(repeat)


async def fire_info_reminder(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.THRESHOLD_CHECK)
    if incident is None:
        return
    now = deps.ctx.clock.now()
    council = deps.ctx.policy.councils.get(incident.council_id)
    due = InfoReminderDue.of(deadline)
    missing = str(due.missing)
    asked: datetime | None = deadline.created_at
    message = info_reminder(incident, council, missing, asked)
    outcomes = await _remind(deadline, incident, deps, message)
    given_up = gave_up(deadline, outcomes)
    sent = InformationReminderSent(
        assessor=due.assessor,
        missing=missing,
        deliveries=tuple(outcomes),
        attempt=deadline.attempts,
        gave_up=given_up,
    )
    incident.note(sent, SYSTEM, now)


def _due(deadline: Deadline) -> InfoReminderDue:
    """Both reminders name the assessor; a review's payload also says how often it repeats."""
    if deadline.kind is DeadlineKind.REVIEW_REMINDER:
        return ReviewReminderDue.of(deadline)
    return InfoReminderDue.of(deadline)


HANDLERS: dict[DeadlineKind, FireFn] = {
    DeadlineKind.REVIEW_REMINDER: fire_review_reminder,
    DeadlineKind.INFO_REMINDER: fire_info_reminder,
}
