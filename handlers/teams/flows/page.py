"""The provider's page on Teams: "Acknowledge", and "Contact made" (its form in place of the card,
then the form's submit)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.states import State
from bot.domain.uk_time import LONDON
from bot.usecases.contact import (
    NOT_ASSIGNED,
    AcknowledgePage,
    RecordContact,
    acknowledge_page,
    is_assigned_provider,
    record_contact,
)
from bot.views.actions import Action, Form
from handlers.acting import Asker, acting
from handlers.teams import mirroring
from handlers.teams.flows.common import card_of, changed, viewable
from handlers.teams.identity import TeamsEdge
from handlers.teams.invoke import Flow
from handlers.teams.render.inputs import ContactInput

GIVE_TIME = "Give the date and time contact was made."
# also read: one ISO 8601 instant (UTC when it names no zone), for a client that sends one
CONTACT_AT = "contact_at"


@acting
async def acknowledge(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    engagement = await acknowledge_page(AcknowledgePage(actor, key), edge.deps.uow(), edge.deps.ctx)
    changed(edge, engagement.incident_id)
    await card_of(edge, engagement.incident_id)


@acting
async def contact_form(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    """The form, only for someone whose submit can succeed; the use case decides on submit."""
    incident = await viewable(edge, actor, key)
    if not is_assigned_provider(actor, incident, edge.deps.ctx):
        raise NotAuthorised(NOT_ASSIGNED)
    if incident.state is not State.ACTIVATED:
        raise DomainError(
            f"{incident.reference} is {incident.state.label.lower()}: contact is recorded "
            "while the incident is activated and waiting for it."
        )
    edge.answer = edge.deps.cards.contact_form(incident, edge.deps.ctx.clock.now())


def contact_time(data: dict[str, str]) -> datetime:
    """`contact_at` as ISO 8601 (UTC if it names no zone), or a date and a UK time."""
    try:
        if data.get(CONTACT_AT):
            at = datetime.fromisoformat(data[CONTACT_AT].replace("Z", "+00:00"))
            return at if at.tzinfo else at.replace(tzinfo=UTC)
        day, time = data.get(ContactInput.DATE, ""), data.get(ContactInput.TIME, "")
        if day and time:
            return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON).astimezone(UTC)
    except ValueError:
        pass
    raise InvalidInput(GIVE_TIME, {CONTACT_AT: GIVE_TIME})


@acting
async def contact_submitted(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    cmd = RecordContact(
        actor,
        key,
        contact_time(data),
        data.get(ContactInput.METHOD, ""),
        data.get(ContactInput.NOTES, ""),
    )
    result = await record_contact(cmd, edge.deps.uow(), edge.deps.ctx)
    changed(edge, result.incident.id, (d.due_at for d in result.deadlines))
    mirroring.contact_made(edge.deps, result)
    await card_of(edge, result.incident.id)


FLOWS: dict[str, Flow] = {
    Action.ACKNOWLEDGE_PAGE: acknowledge,
    Action.CONTACT_MADE: contact_form,
    Form.CONTACT: contact_submitted,
}
