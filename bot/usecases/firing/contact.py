"""The contact ladder firing: the reminder before the 30-minute deadline, the escalations after.

Each firing first locks the incident and checks it is still awaiting contact: "contact made"
takes the same lock, so either it committed first (the ladder's rows are cancelled, or this
firing sees the incident in containment and cancels itself) or it waits until this firing has
committed. No escalation is ever sent after the contact was stored.

A firing's routes are tried at the same time, whatever happens to each, and each outcome is on
the timeline: the incident's lock is held while they are tried, so the slowest route, not the
sum of them, is how long "contact made" may have to wait. If nothing at all got through the
firing raises, so its transaction rolls back and the scheduler tries again after a backoff (the
deadline's `attempts` shows it). An escalation is retried until one route delivers or the
incident leaves ACTIVATED: nobody being told is never an outcome to settle for. Only the
reminder gives up, once the contact deadline has passed, since the escalations have then taken
over. A retry never duplicates a message because one that got through stops the retries.

The last escalation step repeats: its payload carries `repeat_after`, and each delivered firing
of it adds the next level, so escalation goes on until contact is recorded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.chat_port import ChatDelivery, OutboundMessage
from bot.domain.actors import SYSTEM
from bot.domain.deadline_payloads import (
    ContactEscalationDue,
    ContactStepDue,
    ReviewReminderDue,
    payload_of,
)
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.events import ContactReminderSent, ContactReminderSkipped, EscalationSent
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.notify_port import Delivery, Route
from bot.policy.model import Contact, Provider
from bot.ports import UnitOfWork
from bot.views.page import (
    escalation_email,
    escalation_message,
    escalation_sms,
    escalation_text,
    reminder_message,
)

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps

log = logging.getLogger(__name__)

Outcome = dict[str, Any]
# The follow-up and assessors' reminders give up after this many attempts: with the scheduler's
# backoff (15 s, 30 s, 1 min, 2 min) that is about 4 minutes of trying. Escalations never do.
MAX_ATTEMPTS = 5


class Undelivered(RuntimeError):
    """No route of a firing got through; raised so the transaction rolls back and it retries."""


async def attempt_chat(call: Awaitable[ChatDelivery], route: str) -> ChatDelivery:
    """Adapters report failures as values; this also turns an adapter's bug into one, so one
    broken route never stops the others."""
    try:
        return await call
    except Exception as exc:
        log.warning("chat route %s raised %s", route, type(exc).__name__)
        return ChatDelivery(False, route, f"unexpected {type(exc).__name__}")


async def attempt_notify(call: Awaitable[Delivery], route: Route, to: str) -> Delivery:
    try:
        return await call
    except Exception as exc:
        log.warning("notify %s raised %s", route, type(exc).__name__)
        return Delivery(False, route, to, error=f"unexpected {type(exc).__name__}", attempts=0)


def outcome(kind: str, recipient: str, delivery: ChatDelivery | Delivery) -> Outcome:
    return {
        "route": delivery.route,
        "recipient_kind": kind,
        "recipient": recipient,
        "ok": delivery.ok,
        "error": delivery.error,
    }


def failed(kind: str, recipient: str, route: str, error: str) -> Outcome:
    return {
        "route": route,
        "recipient_kind": kind,
        "recipient": recipient,
        "ok": False,
        "error": error,
    }


def gave_up(
    deadline: Deadline, outcomes: Sequence[Outcome], *, give_up: bool | None = None
) -> bool:
    """Raise Undelivered while nothing got through and it is not yet time to `give_up`;
    True once given up. The caller decides when (never, for an escalation); by default, once
    the deadline has had MAX_ATTEMPTS."""
    if give_up is None:
        give_up = deadline.attempts >= MAX_ATTEMPTS
    if not outcomes or any(o["ok"] for o in outcomes):
        return False
    if not give_up:
        raise Undelivered(
            f"deadline {deadline.id}: none of {len(outcomes)} routes delivered "
            f"(attempt {deadline.attempts})"
        )
    return True


async def locked_in(
    deadline: Deadline, uow: UnitOfWork, deps: FiringDeps, state: State
) -> Incident | None:
    """The incident, locked, if it is still in `state`; otherwise the deadline is cancelled."""
    incident = await uow.incidents.get_for_update(deadline.incident_id)
    if incident is None or incident.state is not state:
        await uow.deadlines.mark_cancelled(deadline, deps.ctx.clock.now())
        return None
    return incident


class _Sender:
    """Sends one firing's messages to the recipient kinds a ladder step names, every route at
    once; the outcomes keep the order the routes are listed in, whatever order they finish."""

    def __init__(self, incident: Incident, deps: FiringDeps) -> None:
        self.incident, self.deps = incident, deps
        policy = deps.ctx.policy
        self.providers = [
            policy.providers[p] for p in incident.provider_ids if p in policy.providers
        ]
        self.reference = str(incident.reference)
        self.outcomes: list[Outcome] = []

    def provider_channels(
        self, message: Callable[[Provider], OutboundMessage]
    ) -> list[Awaitable[Outcome]]:
        chat = self.deps.chat
        return [
            _chat(
                "provider_channel",
                p.name,
                chat.to_channel(p.paging_channel, message(p)),
                p.paging_channel,
            )
            for p in self.providers
        ]

    def person(
        self, kind: str, who: Contact, chat: OutboundMessage, text: str
    ) -> list[Awaitable[Outcome]]:
        chat_port, notifier = self.deps.chat, self.deps.notifier
        sends: list[Awaitable[Outcome]] = []
        if who.slack_user:
            route = f"dm:{who.slack_user}"
            sends.append(_chat(kind, who.name, chat_port.to_person(who.slack_user, chat), route))
        else:
            sends.append(_done(failed(kind, who.name, "chat", "no chat user configured")))
        if who.phone:
            sms = escalation_sms(text, self.incident)
            call = notifier.send_sms(who.phone, sms, reference=self.reference)
            sends.append(_notify(kind, who.name, call, "sms", who.phone))
        else:
            sends.append(_done(failed(kind, who.name, "sms", "no phone number configured")))
        if who.email:
            subject, body = escalation_email(text, self.incident)
            call = notifier.send_email(who.email, subject, body, reference=self.reference)
            sends.append(_notify(kind, who.name, call, "email", who.email))
        else:
            sends.append(_done(failed(kind, who.name, "email", "no email address configured")))
        return sends

    async def send(
        self,
        kinds: Sequence[str],
        channel_message: Callable[[Provider], OutboundMessage],
        person_message: OutboundMessage,
        incident_message: OutboundMessage,
    ) -> None:
        text, now = person_message.text, self.deps.ctx.clock.now()
        sends: list[Awaitable[Outcome]] = []
        for kind in kinds:
            if kind == "provider_channel":
                sends += self.provider_channels(channel_message)
            elif kind == "provider_escalation":
                for p in self.providers:
                    for who in p.escalation_contacts:
                        sends += self.person(kind, who, person_message, text)
            elif kind == "duty_manager":
                manager = self.deps.ctx.policy.mhclg.duty_manager(now)
                if manager is None:
                    sends.append(_done(failed(kind, "", "any", "no duty manager on the rota")))
                else:
                    sends += self.person(kind, manager, person_message, text)
            elif kind == "incident_channel":
                call = self.deps.chat.to_incident(self.incident.id, incident_message)
                sends.append(_chat(kind, "incident channel", call, "incident"))
            else:
                sends.append(_done(failed(kind, "", "none", "unknown recipient kind")))
        self.outcomes += await asyncio.gather(*sends)


async def _done(result: Outcome) -> Outcome:
    return result


async def _chat(kind: str, recipient: str, call: Awaitable[ChatDelivery], route: str) -> Outcome:
    return outcome(kind, recipient, await attempt_chat(call, route))


async def _notify(
    kind: str, recipient: str, call: Awaitable[Delivery], route: Route, to: str
) -> Outcome:
    return outcome(kind, recipient, await attempt_notify(call, route, to))


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
    sender = _Sender(incident, deps)
    names = " and ".join(p.name for p in sender.providers) or "The provider"
    general = reminder_message(incident, council, names, deadline_at)
    await sender.send(
        due.notify if due.notify is not None else ["provider_channel"],
        lambda p: reminder_message(incident, council, p.name, deadline_at),
        general,
        general,
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


async def fire_escalation(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.ACTIVATED)
    if incident is None:
        return
    ctx = deps.ctx
    due = ContactEscalationDue.of(deadline)
    now, deadline_at = ctx.clock.now(), _deadline_at(due)
    council = ctx.policy.councils.get(incident.council_id)
    sender = _Sender(incident, deps)
    args = (incident, council, sender.providers, deadline_at, deadline.level, now)
    with_buttons = escalation_message(*args, with_buttons=True)
    await sender.send(
        due.notify or [],
        lambda p: with_buttons,
        escalation_message(*args),
        with_buttons,
    )
    gave_up(deadline, sender.outcomes, give_up=False)
    escalation = EscalationSent(
        level=deadline.level,
        step=due.step,
        deadline_at=deadline_at.isoformat(),
        summary=escalation_text(*args),
        routes=tuple(sender.outcomes),
        attempt=deadline.attempts,
        gave_up=False,
    )
    incident.note(escalation, SYSTEM, now)
    repeat = repeat_deadline(deadline, now, ctx.new_id)
    if repeat is not None:
        await uow.deadlines.add(repeat)


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
}
