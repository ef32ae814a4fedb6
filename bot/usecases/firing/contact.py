"""The contact ladder firing: the reminder before the 30-minute deadline, the escalations after.

Each firing first locks the incident and checks it is still awaiting contact: "contact made"
takes the same lock, so either it committed first (the ladder's rows are cancelled, or this
firing sees the incident in containment and cancels itself) or it waits until this firing has
committed. No escalation is ever sent after the contact was stored.

A firing's routes are tried at the same time, whatever happens to each, and each outcome is on
the timeline: the incident's lock is held while they are tried, so the slowest route, not the
sum of them, is how long "contact made" may have to wait. If nothing at all got through the
firing raises, so its transaction rolls back and the scheduler tries again after a backoff (the
deadline's `attempts` shows it). Only the reminder gives up, once the contact deadline has
passed, since the escalations have then taken over.

When some routes of an escalation got through and others did not (Slack down, SMS and email
fine), the firing commits what was delivered and adds an `ESCALATION_RETRY` row for the others
alone, due after the backoff (see `bot.usecases.firing.retries`): each route is tried again on
its own until it is delivered or a later level sent to the same route supersedes it, and the
timeline shows each route's outcome as it settles (`EscalationSent`, then `EscalationRetried`).
A route is never sent twice by the ladder's own retries: a delivered one is never in a retry.

The last escalation step repeats: its payload carries `repeat_after`, and each delivered firing
of it adds the next level, so escalation goes on until contact is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.actors import SYSTEM
from bot.domain.deadline_payloads import (
    ContactEscalationDue,
    ContactStepDue,
    EscalationRetryDue,
    ReviewReminderDue,
    payload_of,
)
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.events import (
    ContactReminderSent,
    ContactReminderSkipped,
    EscalationRetried,
    EscalationSent,
)
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.ports import UnitOfWork
from bot.usecases.firing import retries
from bot.usecases.firing.outcomes import gave_up, locked_in
from bot.usecases.firing.recipients import KEY, Messages, Sender
from bot.usecases.firing.tell_mhclg import tell_mhclg
from bot.views.page import escalation_message, escalation_text, reminder_message
from bot.views.undelivered import undelivered_on_teams

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps


def _deadline_at(due: ContactStepDue) -> datetime:
    return datetime.fromisoformat(due.deadline_at)


async def fire_reminder(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.ACTIVATED)
    if incident is None:
        return
    council = deps.ctx.policy.councils.get(incident.council_id)
    due = ContactStepDue.of(deadline)
    deadline_at, now = _deadline_at(due), deps.ctx.clock.now()
    if now >= deadline_at:
        # Late (the bot was down, or it kept failing): "contact is due by 14:30" at 14:31 is
        # wrong, and the escalation is about to say it rightly. On the record, not sent.
        skipped = ContactReminderSkipped(
            level=deadline.level,
            step=due.step,
            deadline_at=deadline_at.isoformat(),
            reason="the contact deadline had passed; the escalations have taken over",
        )
        incident.note(skipped, SYSTEM, now)
        return
    sender = Sender(incident, deps)
    names = " and ".join(p.name for p in sender.providers) or "The provider"
    general = reminder_message(incident, council, names, deadline_at)
    await sender.send(
        due.notify if due.notify is not None else ["provider_channel"],
        Messages(
            lambda p: reminder_message(incident, council, p.name, deadline_at), general, general
        ),
    )
    # Once the contact deadline has passed the escalations have taken over.
    given_up = gave_up(deadline, sender.outcomes, give_up=deps.ctx.clock.now() >= deadline_at)
    sent = ContactReminderSent(
        level=deadline.level,
        step=due.step,
        deliveries=tuple(sender.outcomes),
        attempt=deadline.attempts,
        gave_up=given_up,
    )
    incident.note(sent, SYSTEM, deps.ctx.clock.now())
    await _tell_if_not_on_teams(incident, deps, sender, "The contact reminder", retrying=False)


async def _tell_if_not_on_teams(
    incident: Incident, deps: FiringDeps, sender: Sender, what: str, *, retrying: bool
) -> None:
    """MHCLG told once, in triage, that this step did not reach Teams (its retries are on the
    timeline); only once the firing is to commit, so a rolled-back attempt tells nobody."""
    if sender.teams_failures:
        council = deps.ctx.policy.councils.get(incident.council_id)
        told = undelivered_on_teams(
            incident, council, what, sender.teams_failures, retrying=retrying
        )
        await tell_mhclg(deps, told)


async def _send_escalation(
    deadline: Deadline, incident: Incident, deps: FiringDeps, sender: Sender
) -> str:
    """Send this level's escalation through `sender`; its one-line summary."""
    ctx = deps.ctx
    due = _escalation_step(deadline)
    now, deadline_at = ctx.clock.now(), _deadline_at(due)
    council = ctx.policy.councils.get(incident.council_id)
    args = (incident, council, sender.providers, deadline_at, deadline.level, now)
    with_buttons = escalation_message(*args, with_buttons=True)
    await sender.send(
        due.notify or [],
        Messages(lambda p: with_buttons, escalation_message(*args), with_buttons),
    )
    return escalation_text(*args)


async def fire_escalation(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.ACTIVATED)
    if incident is None:
        return
    now = deps.ctx.clock.now()
    sender = Sender(incident, deps)
    summary = await _send_escalation(deadline, incident, deps, sender)
    gave_up(deadline, sender.outcomes, give_up=False)
    superseded = await retries.supersede(uow, deadline, sender.keys, now)
    due = ContactEscalationDue.of(deadline)
    escalation = EscalationSent(
        level=deadline.level,
        step=due.step,
        deadline_at=_deadline_at(due).isoformat(),
        summary=summary,
        routes=tuple(sender.outcomes),
        attempt=deadline.attempts,
        gave_up=False,
        superseded=tuple(superseded) if superseded else None,
    )
    incident.note(escalation, SYSTEM, now)
    retry = await retries.retry_undelivered(uow, deadline, sender.outcomes, now, deps.ctx.new_id)
    what = f"Escalation level {deadline.level}"
    retrying = retry is not None and any(o.get(KEY) for o in sender.teams_failures)
    await _tell_if_not_on_teams(incident, deps, sender, what, retrying=retrying)
    repeat = repeat_deadline(deadline, now, deps.ctx.new_id)
    if repeat is not None:
        await uow.deadlines.add(repeat)


async def fire_escalation_retry(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    """The routes of an escalation that did not get through, tried again on their own."""
    incident = await locked_in(deadline, uow, deps, State.ACTIVATED)
    if incident is None:
        return
    now = deps.ctx.clock.now()
    wanted = retries.routes_of(deadline)
    sender = Sender(incident, deps, only=wanted)
    await _send_escalation(deadline, incident, deps, sender)
    gave_up(deadline, sender.outcomes, give_up=False)
    due = EscalationRetryDue.of(deadline)
    retried = EscalationRetried(
        level=deadline.level,
        step=due.step,
        deadline_at=_deadline_at(due).isoformat(),
        routes=tuple(sender.outcomes + retries.gone(wanted, sender.keys)),
        attempt=deadline.attempts,
        retry=retries.count_of(deadline),
    )
    incident.note(retried, SYSTEM, now)
    await retries.retry_undelivered(uow, deadline, sender.outcomes, now, deps.ctx.new_id)


def _escalation_step(deadline: Deadline) -> ContactStepDue:
    """An escalation's step, whether the ladder's own row or a retry of its undelivered routes."""
    if deadline.kind is DeadlineKind.ESCALATION_RETRY:
        return EscalationRetryDue.of(deadline)
    return ContactEscalationDue.of(deadline)


def repeat_deadline(
    deadline: Deadline, now: datetime, new_id: Callable[[], str]
) -> Deadline | None:
    """The next level of a repeating step, `repeat_after` after this one was due; if this one
    went out so late (an outage) that the next would already be due, `repeat_after` from now,
    so people are not sent two escalations back to back."""
    due = payload_of(deadline)
    if not isinstance(due, ContactStepDue | ReviewReminderDue) or not due.repeat_after:
        return None
    every = timedelta(seconds=float(due.repeat_after))
    first_due = due.first_due_at  # a late firing repeats on its schedule, not from its lateness
    scheduled = datetime.fromisoformat(first_due) if first_due else deadline.due_at
    due_at = scheduled + every
    if due_at <= now:
        due_at = now + every
    return Deadline(
        id=new_id(),
        incident_id=deadline.incident_id,
        kind=deadline.kind,
        due_at=due_at,
        level=deadline.level + 1,
        payload=due.for_next_level().data(),
        created_at=now,
    )


HANDLERS: dict[DeadlineKind, FireFn] = {
    DeadlineKind.CONTACT_REMINDER: fire_reminder,
    DeadlineKind.CONTACT_ESCALATION: fire_escalation,
    DeadlineKind.ESCALATION_RETRY: fire_escalation_retry,
}
