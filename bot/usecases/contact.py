"""The provider's side of the 30-minute contact: acknowledge the page, then record contact made.

Only people of an assigned provider may do either: a page is a promise between MHCLG and that
provider. Recording contact stops the ladder in the same transaction that stores it, under the
incident's lock, so an escalation firing at that moment either went out before (and is on the
timeline before the contact) or sees the incident in containment and stays silent. The same
transaction starts the status-update cadence, so silence after contact is noticed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.engagement import Engagement, parse_method
from bot.domain.errors import DomainError, NotFound
from bot.domain.events import ContactRecorded, PageAcknowledged
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.domain.uk_time import clock_time
from bot.ports import UnitOfWork
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.participants import is_incident_provider
from bot.usecases.status_updates import start_response_followups

LADDER = frozenset(
    {
        DeadlineKind.CONTACT_REMINDER,
        DeadlineKind.CONTACT_ESCALATION,
        DeadlineKind.ESCALATION_RETRY,  # routes still owed an escalation: owed no longer
    }
)


NOT_ASSIGNED = (
    "Only people from the provider assigned to the incident can acknowledge its page or "
    "record contact."
)


def is_assigned_provider(actor: Actor, incident: Incident, ctx: CoreContext) -> bool:
    """A page goes to assigned providers only, so nobody else can answer it."""
    return bool(incident.provider_ids) and is_incident_provider(actor, incident, ctx)


async def _engagement(uow: UnitOfWork, incident: Incident, provider_id: str) -> Engagement:
    engagement = await uow.engagements.get(incident.id, provider_id)
    if engagement is None:
        raise NotFound(f"{provider_id} was not paged for {incident.reference}.")
    return engagement


async def _contact_already(uow: UnitOfWork, incident: Incident) -> str:
    made = [e for e in await uow.engagements.for_incident(incident.id) if e.contact_at]
    if made:
        e = made[0]
        assert e.contact_at is not None
        return (
            f"Contact with the council was already recorded at {clock_time(e.contact_at)} by "
            f"{e.contact_by_name} ({e.provider_id}); nothing changed."
        )
    if not incident.is_open:
        return f"{incident.reference} is {incident.state.label.lower()}; nothing can change."
    return (
        f"{incident.reference} is {incident.state.label.lower()}: contact is recorded only "
        "while the incident is activated and awaiting provider contact."
    )


@dataclass(frozen=True)
class AcknowledgePage:
    actor: Actor
    incident: str


async def acknowledge_page(cmd: AcknowledgePage, uow: UnitOfWork, ctx: CoreContext) -> Engagement:
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.ACKNOWLEDGE_PAGE, Who.PROVIDER, NOT_ASSIGNED
        )
        if incident.state is not State.ACTIVATED:
            raise DomainError(await _contact_already(uow, incident))
        engagement = await _engagement(uow, incident, cmd.actor.org_id)
        now = ctx.clock.now()
        engagement.acknowledge(cmd.actor, now)
        await uow.engagements.save(engagement)
        acknowledged = PageAcknowledged(
            provider_id=engagement.provider_id,
            minutes_since_page=round((now - engagement.notified_at).total_seconds() / 60, 1),
        )
        incident.note(acknowledged, cmd.actor, now)
        await uow.commit()
    return engagement


@dataclass(frozen=True)
class RecordContact:
    actor: Actor
    incident: str
    contact_at: datetime
    method: str  # phone | video | on_site | email
    notes: str = ""


@dataclass
class ContactResult:
    incident: Incident
    engagement: Engagement
    cancelled_deadlines: int
    deadlines: list[Deadline] = field(default_factory=list)  # created: the edge wakes for them
    recorded: ContactRecorded | None = None  # what the timeline says (mirrored elsewhere)


async def record_contact(cmd: RecordContact, uow: UnitOfWork, ctx: CoreContext) -> ContactResult:
    method = parse_method(cmd.method)
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.RECORD_CONTACT, Who.PROVIDER, NOT_ASSIGNED
        )
        if incident.state is not State.ACTIVATED:
            raise DomainError(await _contact_already(uow, incident))
        engagement = await _engagement(uow, incident, cmd.actor.org_id)
        now = ctx.clock.now()
        engagement.record_contact(cmd.actor, cmd.contact_at, method, now)
        cancelled = await uow.deadlines.cancel_pending(incident.id, LADDER)
        await uow.engagements.save(engagement)
        contact = ContactRecorded(
            provider_id=engagement.provider_id,
            contact_at=cmd.contact_at.isoformat(),
            method=method.value,
            by=cmd.actor.name,
            notes=cmd.notes.strip(),
            minutes_to_contact=engagement.minutes_to_contact,
            met_deadline=engagement.met_deadline,
            deadline_at=engagement.deadline_at.isoformat(),
            cancelled_deadlines=cancelled,
        )
        incident.note(contact, cmd.actor, now)
        incident.move_to(State.CONTAINMENT, cmd.actor, now, summary="Provider contact made")
        prompt = await start_response_followups(incident, uow, ctx, ctx.policy.followups)
        await uow.commit()
    if engagement.contact_at is not None:  # after the commit: counted once, and only if stored
        waited = (engagement.contact_at - engagement.notified_at).total_seconds()
        ctx.metrics.contact_recorded(engagement.provider_id, waited)
    return ContactResult(incident, engagement, cancelled, [prompt], contact)
