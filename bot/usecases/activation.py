"""Activation: an assessor sends a provider; the 30-minute contact clock starts.

`activate_incident` is the decision and its rows, in one transaction: the state, the assigned
providers, an engagement per provider and the contact ladder. `announce_activation` runs after
the commit and reaches the outside world (the council's email, the provider's paging channel);
a slow or failing Slack or Notify can then never undo or hold up the decision, and every
delivery outcome lands on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.chat_port import ChatDelivery
from bot.domain.actors import SYSTEM, Actor
from bot.domain.deadlines import Deadline
from bot.domain.engagement import Engagement
from bot.domain.errors import DomainError, InvalidInput, NotFound
from bot.domain.incident import Incident
from bot.domain.ladder import contact_deadline_at, contact_ladder
from bot.domain.states import State
from bot.notify_port import Delivery
from bot.policy.model import Policy, Provider
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.usecases.authz import is_assessor, refuse
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.firing.contact import attempt_chat, attempt_notify
from bot.usecases.mou import lock_incident
from bot.views.page import LONDON, activation_email, clock_time, page_message

ASSESSORS_ONLY = "Only MHCLG's configured CIR assessors can activate an incident."
CHOICES = ("on_duty", "other", "both")


def choose_providers(policy: Policy, choice: str, day: date) -> tuple[Provider, ...]:
    """ "on_duty" follows the rota for `day`; "other" is whoever is not on duty; "both" sends
    every configured provider (a mass event); a provider id picks that provider."""
    choice = choice.strip().lower()
    on_duty = policy.providers_on_duty(day)
    if choice == "on_duty":
        if not on_duty:
            raise DomainError(f"No provider is on the rota for {day:%d %b %Y}; choose one.")
        return on_duty
    if choice == "other":
        others = tuple(p for p in policy.providers.values() if p not in on_duty)
        if len(others) != 1:
            raise DomainError("There is no single other provider to send; choose one by name.")
        return others
    if choice == "both":
        return tuple(policy.providers.values())
    if choice in policy.providers:
        return (policy.providers[choice],)
    known = ", ".join([*CHOICES, *policy.providers])
    raise InvalidInput(f"Unknown provider choice {choice!r}.", {"provider": f"Choose {known}."})


@dataclass(frozen=True)
class ActivateIncident:
    actor: Actor
    incident: str  # id or CIR reference
    choice: str = "on_duty"  # "on_duty" | "other" | "both" | a provider id


@dataclass
class ActivationResult:
    incident: Incident
    providers: tuple[Provider, ...]
    notified_at: datetime
    deadline_at: datetime
    deadlines: list[Deadline] = field(default_factory=list)


async def activate_incident(
    cmd: ActivateIncident, uow: UnitOfWork, ctx: CoreContext
) -> ActivationResult:
    """One contact ladder per incident, however many providers are sent: the contract is met
    when the council is contacted, so contact recorded by any assigned provider stops it.
    Each provider still gets its own engagement (who acknowledged, who made contact)."""
    async with uow:
        incident = await lock_incident(uow, cmd.incident)
        if not is_assessor(cmd.actor, ctx):
            raise await refuse(uow, incident, cmd.actor, "activate", ASSESSORS_ONLY, ctx)
        if incident.provider_ids:
            names = ", ".join(incident.provider_ids)
            raise DomainError(
                f"{incident.reference} is already activated ({names} paged); "
                "it cannot be activated twice."
            )
        if incident.state is not State.AWAITING_MOU:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: only an incident "
                "awaiting its MoU after an 'activate' decision can be activated."
            )
        now = ctx.clock.now()
        # The aggregate refuses first if the MoU is neither signed nor overridden, saying why.
        incident.move_to(State.ACTIVATED, cmd.actor, now, choice=cmd.choice)
        providers = choose_providers(ctx.policy, cmd.choice, now.astimezone(LONDON).date())
        ids = [p.id for p in providers]
        incident.provider_ids = tuple(ids)
        deadline_at = contact_deadline_at(now, ctx.policy.ladder)
        for provider in providers:
            await uow.engagements.save(Engagement(incident.id, provider.id, now, deadline_at))
        deadlines = contact_ladder(incident.id, now, ctx.policy.ladder, ctx.new_id)
        for deadline in deadlines:
            await uow.deadlines.add(deadline)
        incident.note(
            "ProviderPaged",
            cmd.actor,
            now,
            provider_ids=ids,
            notified_at=now.isoformat(),
            deadline_at=deadline_at.isoformat(),
        )
        await uow.commit()
    return ActivationResult(incident, providers, now, deadline_at, deadlines)


@dataclass
class Announcement:
    email: Delivery
    invites: dict[str, ChatDelivery]
    pages: dict[str, ChatDelivery]


async def announce_activation(
    result: ActivationResult, deps: FiringDeps, uow_factory: UnitOfWorkFactory
) -> Announcement:
    """Run after the activation committed. Each route is tried whatever happened to the others;
    the outcomes are recorded in one short transaction at the end, so no lock is held while
    Slack or Notify is slow."""
    incident, ctx = result.incident, deps.ctx
    council = ctx.policy.councils.get(incident.council_id)
    to = incident.referral.contact_email
    subject, body = activation_email(incident, council, result.providers, result.deadline_at)
    email = await attempt_notify(
        deps.notifier.send_email(to, subject, body, reference=str(incident.reference)), "email", to
    )
    invites: dict[str, ChatDelivery] = {}
    pages: dict[str, ChatDelivery] = {}
    for provider in result.providers:
        invites[provider.id] = await attempt_chat(
            deps.chat.invite_provider(incident.id, provider.id), f"invite:{provider.id}"
        )
        message = page_message(incident, council, provider, result.providers, result.deadline_at)
        pages[provider.id] = await attempt_chat(
            deps.chat.to_channel(provider.paging_channel, message), provider.paging_channel
        )
    await _record(uow_factory(), ctx, incident.id, email, invites, pages, result.deadline_at)
    await attempt_chat(_refresh(deps, incident.id), "refresh")
    return Announcement(email, invites, pages)


async def _refresh(deps: FiringDeps, incident_id: str) -> ChatDelivery:
    await deps.chat.refresh_incident(incident_id)
    return ChatDelivery(True, "refresh")


async def _record(
    uow: UnitOfWork,
    ctx: CoreContext,
    incident_id: str,
    email: Delivery,
    invites: dict[str, ChatDelivery],
    pages: dict[str, ChatDelivery],
    deadline_at: datetime,
) -> None:
    async with uow:
        incident = await uow.incidents.get_for_update(incident_id)
        if incident is None:
            raise NotFound(f"No incident {incident_id!r} was found.")
        now = ctx.clock.now()
        incident.note(
            "ActivationEmailSent", SYSTEM, now, to=email.recipient, ok=email.ok, error=email.error
        )
        for provider_id, invite in invites.items():
            incident.note(
                "ProviderInvited",
                SYSTEM,
                now,
                provider_id=provider_id,
                ok=invite.ok,
                error=invite.error,
            )
        for provider_id, page in pages.items():
            incident.note(
                "PageDelivered",
                SYSTEM,
                now,
                provider_id=provider_id,
                route=page.route,
                ok=page.ok,
                error=page.error,
                deadline=clock_time(deadline_at),
            )
        await uow.commit()
