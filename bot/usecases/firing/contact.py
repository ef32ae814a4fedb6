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
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.ports import UnitOfWork
from bot.usecases.firing import retries
from bot.usecases.firing.outcomes import gave_up, locked_in
from bot.usecases.firing.recipients import Messages, Sender
from bot.views.page import escalation_message, escalation_text, reminder_message

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps


def _deadline_at(deadline: Deadline) -> datetime:
    return datetime.fromisoformat(deadline.payload["deadline_at"])


async def fire_reminder(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.ACTIVATED)
    if incident is None:
        return
    council = deps.ctx.policy.councils.get(incident.council_id)
    deadline_at, now = _deadline_at(deadline), deps.ctx.clock.now()
    if now >= deadline_at:
        # Late (the bot was down, or it kept failing): "contact is due by 14:30" at 14:31 is
        # wrong, and the escalation is about to say it rightly. On the record, not sent.
        incident.note(
            "ContactReminderSkipped",
            SYSTEM,
            now,
            level=deadline.level,
            step=deadline.payload.get("step"),
            deadline_at=deadline_at.isoformat(),
            reason="the contact deadline had passed; the escalations have taken over",
        )
        return
    sender = Sender(incident, deps)
    names = " and ".join(p.name for p in sender.providers) or "The provider"
    general = reminder_message(incident, council, names, deadline_at)
    await sender.send(
        deadline.payload.get("notify", ["provider_channel"]),
        Messages(
            lambda p: reminder_message(incident, council, p.name, deadline_at), general, general
        ),
    )
    # Once the contact deadline has passed the escalations have taken over.
    given_up = gave_up(deadline, sender.outcomes, give_up=deps.ctx.clock.now() >= deadline_at)
    incident.note(
        "ContactReminderSent",
        SYSTEM,
        deps.ctx.clock.now(),
        level=deadline.level,
        step=deadline.payload.get("step"),
        deliveries=sender.outcomes,
        attempt=deadline.attempts,
        gave_up=given_up,
    )


async def _send_escalation(
    deadline: Deadline, incident: Incident, deps: FiringDeps, sender: Sender
) -> str:
    """Send this level's escalation through `sender`; its one-line summary."""
    ctx = deps.ctx
    now, deadline_at = ctx.clock.now(), _deadline_at(deadline)
    council = ctx.policy.councils.get(incident.council_id)
    args = (incident, council, sender.providers, deadline_at, deadline.level, now)
    with_buttons = escalation_message(*args, with_buttons=True)
    await sender.send(
        deadline.payload.get("notify", []),
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
    incident.note(
        "EscalationSent",
        SYSTEM,
        now,
        level=deadline.level,
        step=deadline.payload.get("step"),
        deadline_at=_deadline_at(deadline).isoformat(),
        summary=summary,
        routes=sender.outcomes,
        attempt=deadline.attempts,
        gave_up=False,
        **({"superseded": superseded} if superseded else {}),
    )
    await retries.retry_undelivered(uow, deadline, sender.outcomes, now, deps.ctx.new_id)
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
    incident.note(
        "EscalationRetried",
        SYSTEM,
        now,
        level=deadline.level,
        step=deadline.payload.get("step"),
        deadline_at=_deadline_at(deadline).isoformat(),
        routes=sender.outcomes + retries.gone(wanted, sender.keys),
        attempt=deadline.attempts,
        retry=retries.count_of(deadline),
    )
    await retries.retry_undelivered(uow, deadline, sender.outcomes, now, deps.ctx.new_id)


# Bookkeeping of one row's own firing, not to be copied onto the next level.
_OWN_KEYS = frozenset({"first_due_at", "cancelled_at"})


def repeat_deadline(
    deadline: Deadline, now: datetime, new_id: Callable[[], str]
) -> Deadline | None:
    """The next level of a repeating step, `repeat_after` after this one was due; if this one
    went out so late (an outage) that the next would already be due, `repeat_after` from now,
    so people are not sent two escalations back to back."""
    seconds = deadline.payload.get("repeat_after")
    if not seconds:
        return None
    every = timedelta(seconds=float(seconds))
    first_due = deadline.payload.get("first_due_at")
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
        payload={k: v for k, v in deadline.payload.items() if k not in _OWN_KEYS},
        created_at=now,
    )


HANDLERS: dict[DeadlineKind, FireFn] = {
    DeadlineKind.CONTACT_REMINDER: fire_reminder,
    DeadlineKind.CONTACT_ESCALATION: fire_escalation,
    DeadlineKind.ESCALATION_RETRY: fire_escalation_retry,
}
