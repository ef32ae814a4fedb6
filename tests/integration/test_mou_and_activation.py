"""The MoU gate and the activation on a real database: the provider sends the MoU and its own
council signs it, an override needs an assessor and a reason, and the provider follows the rota
or the assessor's choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.states import State
from bot.usecases.activation import ActivateIncident, activate_incident
from bot.usecases.mou import OverrideMou, RecordMou, override_mou, record_mou
from tests.factories import ACCENTURE_RESPONDER, ASSESSOR, COUNCIL_USER, KPMG_RESPONDER, MHCLG_OTHER
from tests.integration.activation_steps import (
    LADDER,
    LEEDS_USER,
    activated,
    awaiting_mou,
    kinds,
    snapshot,
    timeline,
)


async def test_mou_is_sent_by_the_provider_and_signed_by_its_own_council(uow_factory, ctx):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=False)
    for actor, status in [
        (COUNCIL_USER, "sent"),
        (ACCENTURE_RESPONDER, "sent"),  # not on duty on 23 Nov 2026, not assigned
        (LEEDS_USER, "signed"),  # another council
        (ASSESSOR, "signed"),
    ]:
        with pytest.raises(NotAuthorised):
            await record_mou(RecordMou(actor, incident_id, status), uow_factory(), ctx)
    await record_mou(RecordMou(KPMG_RESPONDER, incident_id, "sent"), uow_factory(), ctx)
    await record_mou(RecordMou(COUNCIL_USER, incident_id, "signed"), uow_factory(), ctx)
    with pytest.raises(DomainError, match="already signed"):
        await record_mou(RecordMou(KPMG_RESPONDER, incident_id, "sent"), uow_factory(), ctx)

    events = await timeline(uow_factory, incident_id)
    assert kinds(events).count("ActionRefused") == 4
    recorded = [(e.actor_id, e.data["status"]) for e in events if e.kind == "MouStatusRecorded"]
    assert recorded == [(KPMG_RESPONDER.user_id, "sent"), (COUNCIL_USER.user_id, "signed")]


async def test_mou_override_needs_an_assessor_and_a_reason(uow_factory, ctx):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=False)
    with pytest.raises(NotAuthorised):
        await override_mou(OverrideMou(MHCLG_OTHER, incident_id, "urgent"), uow_factory(), ctx)
    with pytest.raises(InvalidInput):
        await override_mou(OverrideMou(ASSESSOR, incident_id, "   "), uow_factory(), ctx)
    reason = "Council's legal team unreachable; benefits payments due tomorrow"
    await override_mou(OverrideMou(ASSESSOR, incident_id, reason), uow_factory(), ctx)
    result = await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)

    assert result.incident.state is State.ACTIVATED
    [override] = [e for e in await timeline(uow_factory, incident_id) if e.kind == "MouOverridden"]
    assert override.data["reason"] == reason
    assert override.actor_id == ASSESSOR.user_id


async def test_activation_without_the_mou_is_refused_saying_why_and_stores_nothing(
    uow_factory, ctx
):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=False)
    await record_mou(RecordMou(KPMG_RESPONDER, incident_id, "sent"), uow_factory(), ctx)
    before = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="not signed the Memorandum of Understanding"):
        await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before
    assert before[0] is State.AWAITING_MOU
    assert before[2] == []
    assert before[3] == []


async def test_only_an_assessor_activates_and_only_once(uow_factory, ctx):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=True)
    with pytest.raises(NotAuthorised):
        await activate_incident(ActivateIncident(KPMG_RESPONDER, incident_id), uow_factory(), ctx)
    await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)
    before = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="already activated"):
        await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before


@pytest.mark.parametrize(
    ("day", "choice", "expected"),
    [
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "on_duty", ("kpmg",)),
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "other", ("accenture",)),
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "both", ("accenture", "kpmg")),
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "accenture", ("accenture",)),
        (datetime(2025, 8, 1, 9, tzinfo=UTC), "on_duty", ("accenture",)),
        # 23:30 UTC on 31 August is 00:30 on 1 September in London: KPMG's period has begun.
        (datetime(2025, 8, 31, 23, 30, tzinfo=UTC), "on_duty", ("kpmg",)),
    ],
)
async def test_the_provider_follows_the_rota_or_the_assessors_choice(
    uow_factory, ctx, clock, day, choice, expected
):
    clock.set(day)
    result = await activated(uow_factory, ctx, choice)

    assert result.incident.provider_ids == expected
    assert result.deadline_at == day + timedelta(minutes=30)
    async with uow_factory() as uow:
        incident = await uow.incidents.get(result.incident.id)
        engagements = await uow.engagements.for_incident(result.incident.id)
        pending = await uow.deadlines.pending_for(result.incident.id)
    assert incident is not None
    assert incident.state is State.ACTIVATED
    assert incident.provider_ids == expected
    assert [(e.provider_id, e.notified_at, e.deadline_at) for e in engagements] == [
        (p, day, day + timedelta(minutes=30)) for p in sorted(expected)
    ]
    announced = [d for d in pending if d.kind not in LADDER]
    assert sorted((d.kind, d.payload.get("provider_id"), d.due_at) for d in announced) == sorted(
        [(DeadlineKind.ACTIVATION_EMAIL, None, day)]
        + [(DeadlineKind.PROVIDER_PAGE, p, day) for p in expected]
    )
    assert [(d.kind, d.due_at - day) for d in pending if d.kind in LADDER] == [
        (DeadlineKind.CONTACT_REMINDER, timedelta(minutes=20)),
        *[(DeadlineKind.CONTACT_ESCALATION, timedelta(minutes=m)) for m in (30, 45, 60, 75)],
    ]
    [paged] = [
        e for e in await timeline(uow_factory, result.incident.id) if e.kind == "ProviderPaged"
    ]
    assert paged.data["provider_ids"] == list(expected)
    assert paged.data["deadline_at"] == (day + timedelta(minutes=30)).isoformat()
