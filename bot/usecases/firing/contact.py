"""The contact ladder firing: the reminder before the 30-minute deadline, the escalations after.

Each firing first locks the incident and checks it is still awaiting contact: "contact made"
takes the same lock, so either it committed first (the ladder's rows are cancelled, or this
firing sees the incident in containment and cancels itself) or it waits until this firing has
committed. No escalation is ever sent after the contact was stored.

Every route is tried whatever happened to the others, and each outcome is on the timeline. If
nothing at all got through the firing raises, so its transaction rolls back and the next sweep
tries again (the deadline's `attempts` shows it); after MAX_ATTEMPTS it records the failures and
gives up, since the next level of the ladder follows anyway. A retry never duplicates a message
because one that got through stops the retries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.chat_port import ChatDelivery, OutboundMessage
from bot.domain.actors import SYSTEM
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.notify_port import Delivery, Route
from bot.policy.model import Contact, Provider
from bot.ports import UnitOfWork
from bot.views.page import (
    LONDON,
    escalation_email,
    escalation_message,
    escalation_sms,
    escalation_text,
    reminder_message,
)

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
Outcome = dict[str, Any]


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


def gave_up(deadline: Deadline, outcomes: Sequence[Outcome]) -> bool:
    """Raise Undelivered while retries are left and nothing got through; True once given up."""
    if not outcomes or any(o["ok"] for o in outcomes):
        return False
    if deadline.attempts < MAX_ATTEMPTS:
        raise Undelivered(
            f"deadline {deadline.id}: none of {len(outcomes)} routes delivered "
            f"(attempt {deadline.attempts} of {MAX_ATTEMPTS})"
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
    """Sends one firing's messages to the recipient kinds a ladder step names."""

    def __init__(self, incident: Incident, deps: FiringDeps) -> None:
        self.incident, self.deps = incident, deps
        policy = deps.ctx.policy
        self.providers = [
            policy.providers[p] for p in incident.provider_ids if p in policy.providers
        ]
        self.reference = str(incident.reference)
        self.outcomes: list[Outcome] = []

    async def provider_channels(self, message: Callable[[Provider], OutboundMessage]) -> None:
        for p in self.providers:
            d = await attempt_chat(
                self.deps.chat.to_channel(p.paging_channel, message(p)), p.paging_channel
            )
            self.outcomes.append(outcome("provider_channel", p.name, d))

    async def person(self, kind: str, who: Contact, chat: OutboundMessage, text: str) -> None:
        chat_port, notifier = self.deps.chat, self.deps.notifier
        if who.slack_user:
            d: ChatDelivery | Delivery = await attempt_chat(
                chat_port.to_person(who.slack_user, chat), f"dm:{who.slack_user}"
            )
            self.outcomes.append(outcome(kind, who.name, d))
        else:
            self.outcomes.append(failed(kind, who.name, "chat", "no chat user configured"))
        if who.phone:
            sms = escalation_sms(text, self.incident)
            d = await attempt_notify(
                notifier.send_sms(who.phone, sms, reference=self.reference), "sms", who.phone
            )
            self.outcomes.append(outcome(kind, who.name, d))
        else:
            self.outcomes.append(failed(kind, who.name, "sms", "no phone number configured"))
        if who.email:
            subject, body = escalation_email(text, self.incident)
            d = await attempt_notify(
                notifier.send_email(who.email, subject, body, reference=self.reference),
                "email",
                who.email,
            )
            self.outcomes.append(outcome(kind, who.name, d))
        else:
            self.outcomes.append(failed(kind, who.name, "email", "no email address configured"))

    async def send(
        self,
        kinds: Sequence[str],
        channel_message: Callable[[Provider], OutboundMessage],
        person_message: OutboundMessage,
        incident_message: OutboundMessage,
    ) -> None:
        text, now = person_message.text, self.deps.ctx.clock.now()
        for kind in kinds:
            if kind == "provider_channel":
                await self.provider_channels(channel_message)
            elif kind == "provider_escalation":
                for p in self.providers:
                    for who in p.escalation_contacts:
                        await self.person(kind, who, person_message, text)
            elif kind == "duty_manager":
                manager = self.deps.ctx.policy.mhclg.duty_manager(now.astimezone(LONDON).date())
                if manager is None:
                    self.outcomes.append(failed(kind, "", "any", "no duty manager on the rota"))
                else:
                    await self.person(kind, manager, person_message, text)
            elif kind == "incident_channel":
                d = await attempt_chat(
                    self.deps.chat.to_incident(self.incident.id, incident_message), "incident"
                )
                self.outcomes.append(outcome(kind, "incident channel", d))
            else:
                self.outcomes.append(failed(kind, "", "none", "unknown recipient kind"))


def _deadline_at(deadline: Deadline) -> datetime:
    return datetime.fromisoformat(deadline.payload["deadline_at"])


async def fire_reminder(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.ACTIVATED)
    if incident is None:
        return
    council = deps.ctx.policy.councils.get(incident.council_id)
    deadline_at = _deadline_at(deadline)
    sender = _Sender(incident, deps)
    names = " and ".join(p.name for p in sender.providers) or "The provider"
    general = reminder_message(incident, council, names, deadline_at)
    await sender.send(
        deadline.payload.get("notify", ["provider_channel"]),
        lambda p: reminder_message(incident, council, p.name, deadline_at),
        general,
        general,
    )
    given_up = gave_up(deadline, sender.outcomes)
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


async def fire_escalation(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await locked_in(deadline, uow, deps, State.ACTIVATED)
    if incident is None:
        return
    ctx = deps.ctx
    now, deadline_at = ctx.clock.now(), _deadline_at(deadline)
    council = ctx.policy.councils.get(incident.council_id)
    sender = _Sender(incident, deps)
    args = (incident, council, sender.providers, deadline_at, deadline.level, now)
    with_buttons = escalation_message(*args, with_buttons=True)
    await sender.send(
        deadline.payload.get("notify", []),
        lambda p: with_buttons,
        escalation_message(*args),
        with_buttons,
    )
    given_up = gave_up(deadline, sender.outcomes)
    incident.note(
        "EscalationSent",
        SYSTEM,
        now,
        level=deadline.level,
        step=deadline.payload.get("step"),
        deadline_at=deadline_at.isoformat(),
        summary=escalation_text(*args),
        routes=sender.outcomes,
        attempt=deadline.attempts,
        gave_up=given_up,
    )


HANDLERS: dict[DeadlineKind, FireFn] = {
    DeadlineKind.CONTACT_REMINDER: fire_reminder,
    DeadlineKind.CONTACT_ESCALATION: fire_escalation,
}
