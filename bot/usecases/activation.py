"""Activation: an assessor sends a provider; the 30-minute contact clock starts.

`activate_incident` is the decision and its rows, in one transaction: the state, the assigned
providers, an engagement per provider, the contact ladder, and the announcements (a page per
provider, the council's email) as deadlines due at once. The scheduler sends those and retries
them until they get through (`bot.usecases.firing.announce`), so a crash right after the commit
cannot lose a page, and a slow or failing Slack or Notify never holds up the decision.

`invite_providers` runs at the edge after the commit: the chat adapter records each invitation
in its own transaction, which must not run inside a firing that holds the incident's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.actors import SYSTEM, Actor
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.engagement import Engagement
from bot.domain.errors import DomainError, InvalidInput, NotFound
from bot.domain.events import ProviderInvited, ProviderPaged
from bot.domain.incident import Incident
from bot.domain.ladder import contact_deadline_at, contact_ladder
from bot.domain.states import State
from bot.domain.uk_time import LONDON
from bot.policy.model import Policy, Provider
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.ports.chat import ChatDelivery
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.firing.announce import announcements
from bot.usecases.firing.outcomes import attempt_chat

ASSESSORS_ONLY = "Only MHCLG's configured CIR assessors can activate an incident."
CHOICES = ("on_duty", "other", "both")


def choose_providers(policy: Policy, choice: str, at: datetime) -> tuple[Provider, ...]:
    """ "on_duty" follows the rota at the instant `at` (rotas hand over by the minute); "other"
    is whoever is not on duty; "both" sends every configured provider (a mass event); a
    provider id picks that provider."""
    choice = choice.strip().lower()
    on_duty = policy.providers_on_duty(at)
    if choice == "on_duty":
        if not on_duty:
            when = at.astimezone(LONDON)
            raise DomainError(
                f"No provider is on the rota at {when:%H:%M %Z} on {when:%d %b %Y}; choose one."
            )
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
    deadlines: list[Deadline] = field(default_factory=list)  # announcements, then the ladder

    @property
    def page_ids(self) -> list[str]:
        """The pages to the providers: what a person is waiting on first."""
        return [d.id for d in self.deadlines if d.kind is DeadlineKind.PROVIDER_PAGE]


async def activate_incident(
    cmd: ActivateIncident, uow: UnitOfWork, ctx: CoreContext
) -> ActivationResult:
    """One contact ladder per incident, however many providers are sent: the contract is met
    when the council is contacted, so contact recorded by any assigned provider stops it.
    Each provider still gets its own engagement (who acknowledged, who made contact)."""
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.ACTIVATE, Who.ASSESSOR, ASSESSORS_ONLY
        )
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
        providers = choose_providers(ctx.policy, cmd.choice, now)
        ids = [p.id for p in providers]
        incident.provider_ids = tuple(ids)
        deadline_at = contact_deadline_at(now, ctx.policy.ladder)
        for provider in providers:
            await uow.engagements.save(Engagement(incident.id, provider.id, now, deadline_at))
        deadlines = [
            *announcements(incident.id, ids, now, deadline_at, ctx.new_id),
            *contact_ladder(incident.id, now, ctx.policy.ladder, ctx.new_id),
        ]
        await uow.deadlines.add_all(deadlines)
        paged = ProviderPaged(
            provider_ids=tuple(ids),
            notified_at=now.isoformat(),
            deadline_at=deadline_at.isoformat(),
        )
        incident.note(paged, cmd.actor, now)
        await uow.commit()
    return ActivationResult(incident, providers, now, deadline_at, deadlines)


async def invite_providers(
    result: ActivationResult, deps: FiringDeps, uow_factory: UnitOfWorkFactory
) -> dict[str, ChatDelivery]:
    """Bring each assigned provider into the incident's channel. The outcome goes on the
    timeline; a failure never stands in the page's way, which the scheduler sends on its own."""
    invites = {
        p.id: await attempt_chat(
            deps.chat.invite_provider(result.incident.id, p.id), f"invite:{p.id}"
        )
        for p in result.providers
    }
    async with uow_factory() as uow:
        incident = await uow.incidents.get_for_update(result.incident.id)
        if incident is None:
            raise NotFound(f"No incident {result.incident.id!r} was found.")
        now = deps.ctx.clock.now()
        for provider_id, invite in invites.items():
            invited = ProviderInvited(provider_id=provider_id, ok=invite.ok, error=invite.error)
            incident.note(invited, SYSTEM, now)
        await uow.commit()
    return invites
