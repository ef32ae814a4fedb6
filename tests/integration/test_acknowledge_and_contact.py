"""Who may acknowledge the page or record "contact made", once only, and what contact made does:
the incident moves to containment and the ladder is cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.states import State
from bot.usecases.contact import AcknowledgePage, acknowledge_page, record_contact
from tests.factories import ACCENTURE_RESPONDER, ASSESSOR, COUNCIL_USER, KPMG_RESPONDER
from tests.integration.activation_steps import (
    ANNOUNCEMENTS,
    LADDER,
    activated,
    contact,
    kinds,
    snapshot,
    timeline,
)


async def test_only_the_assigned_provider_acknowledges_and_only_once(uow_factory, ctx, clock):
    result = await activated(uow_factory, ctx)
    incident_id = result.incident.id
    # the other provider is outside the incident: it hears nothing, not even who is assigned
    with pytest.raises(NotAuthorised, match=r"^That incident was not found, or it is not yours"):
        await acknowledge_page(
            AcknowledgePage(ACCENTURE_RESPONDER, incident_id), uow_factory(), ctx
        )
    for actor in (COUNCIL_USER, ASSESSOR):  # inside it, but not the provider
        with pytest.raises(NotAuthorised, match="Only people from the provider assigned"):
            await acknowledge_page(AcknowledgePage(actor, incident_id), uow_factory(), ctx)
    clock.advance(minutes=3)
    engagement = await acknowledge_page(
        AcknowledgePage(KPMG_RESPONDER, incident_id), uow_factory(), ctx
    )
    assert engagement.acknowledged_at == clock.now()
    before = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="already acknowledged by Kim Responder at 09:03"):
        await acknowledge_page(AcknowledgePage(KPMG_RESPONDER, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before
    [ack] = [e for e in await timeline(uow_factory, incident_id) if e.kind == "PageAcknowledged"]
    assert ack.data == {"provider_id": "kpmg", "minutes_since_page": 3.0}


async def test_contact_made_is_refused_to_outsiders_and_bad_input_changes_nothing(
    uow_factory, ctx, clock
):
    result = await activated(uow_factory, ctx)
    incident_id, paged_at = result.incident.id, clock.now()
    clock.advance(minutes=12)
    before = await snapshot(uow_factory, incident_id)
    for actor in (ACCENTURE_RESPONDER, COUNCIL_USER, ASSESSOR):
        with pytest.raises(NotAuthorised):
            await record_contact(contact(actor, incident_id, clock.now()), uow_factory(), ctx)
    bad = [
        contact(KPMG_RESPONDER, incident_id, clock.now() + timedelta(minutes=1)),
        contact(KPMG_RESPONDER, incident_id, paged_at - timedelta(minutes=1)),
        contact(KPMG_RESPONDER, incident_id, clock.now(), method="carrier pigeon"),
    ]
    for cmd in bad:
        with pytest.raises(InvalidInput):
            await record_contact(cmd, uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before
    events = await timeline(uow_factory, incident_id)
    assert kinds(events).count("ActionRefused") == 3


async def test_contact_made_moves_to_containment_and_cancels_the_ladder(uow_factory, ctx, clock):
    result = await activated(uow_factory, ctx)
    incident_id, paged_at = result.incident.id, clock.now()
    clock.advance(minutes=34)
    done = await record_contact(
        contact(KPMG_RESPONDER, incident_id, paged_at + timedelta(minutes=25), "on_site"),
        uow_factory(),
        ctx,
    )

    assert done.incident.state is State.CONTAINMENT
    assert done.cancelled_deadlines == 5
    async with uow_factory() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    [prompt] = [d for d in pending if d.kind not in {*LADDER, *ANNOUNCEMENTS}]
    assert prompt.kind is DeadlineKind.UPDATE_PROMPT
    assert done.deadlines == [prompt]
    assert prompt.due_at == clock.now() + timedelta(hours=4)
    async with uow_factory() as uow:
        engagement = await uow.engagements.get(incident_id, "kpmg")
    assert engagement is not None
    assert engagement.contact_at == paged_at + timedelta(minutes=25)
    assert (engagement.contact_by, engagement.contact_method) == (KPMG_RESPONDER.user_id, "on_site")
    events = await timeline(uow_factory, incident_id)
    [recorded] = [e for e in events if e.kind == "ContactRecorded"]
    assert recorded.data["minutes_to_contact"] == 25.0
    assert recorded.data["met_deadline"] is True
    assert recorded.data["by"] == "Kim Responder"
    assert recorded.data["method"] == "on_site"
    assert events[-1].kind == "StateChanged"
    assert events[-1].data["to_state"] == "containment"
    assert events[-1].data["summary"] == "Provider contact made"


async def test_contact_twice_or_on_a_closed_incident_says_who_already_recorded_it(
    uow_factory, ctx, clock
):
    result = await activated(uow_factory, ctx, "both")
    incident_id = result.incident.id
    clock.advance(minutes=40)
    await record_contact(contact(ACCENTURE_RESPONDER, incident_id, clock.now()), uow_factory(), ctx)
    before = await snapshot(uow_factory, incident_id)
    for actor in (ACCENTURE_RESPONDER, KPMG_RESPONDER):
        with pytest.raises(DomainError, match="already recorded at 09:40 UTC .* by Al Responder"):
            await record_contact(contact(actor, incident_id, clock.now()), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before

    async with uow_factory() as uow:  # the response runs its course and the incident closes
        incident = await uow.incidents.get_for_update(incident_id)
        assert incident is not None
        incident.move_to(State.ERADICATION, ASSESSOR, clock.now())
        incident.move_to(State.CLOSED, ASSESSOR, clock.now())
        await uow.commit()
    closed = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="already recorded"):
        await record_contact(contact(KPMG_RESPONDER, incident_id, clock.now()), uow_factory(), ctx)
    with pytest.raises(DomainError):
        await acknowledge_page(AcknowledgePage(KPMG_RESPONDER, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == closed
    assert closed[0] is State.CLOSED
