"""The response's phases: who may move an incident on, the summary each move needs, recovery only
after the council's opt-in, and closing by MHCLG alone, which asks for lessons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.domain.actors import Actor
from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.states import State
from bot.usecases.phases import (
    ChangePhase,
    RecordRecoveryOptIn,
    change_phase,
    record_recovery_opt_in,
)
from bot.usecases.validation import LIMITS
from tests.factories import ACCENTURE_RESPONDER, ASSESSOR, COUNCIL_USER, KPMG_RESPONDER
from tests.integration.response_steps import (
    CAMDEN_USER,
    FOLLOWUPS,
    events,
    pending,
    refused,
    reload,
    responding,
    start_response_followups_for,
)


async def test_the_provider_moves_to_eradication_with_a_summary(uow_factory, ctx, clock) -> None:
    incident = await responding(uow_factory, ctx)
    result = await change_phase(
        ChangePhase(KPMG_RESPONDER, incident.id, State.ERADICATION, "Isolated 40 servers."),
        uow_factory(),
        ctx,
        FOLLOWUPS,
    )
    assert result.previous is State.CONTAINMENT
    assert (await reload(uow_factory, incident.id)).state is State.ERADICATION
    [changed] = await events(uow_factory, incident.id, "StateChanged")
    assert changed.actor_id == KPMG_RESPONDER.user_id
    assert changed.at == clock.now()
    assert changed.data == {
        "from_state": "containment",
        "to_state": "eradication",
        "summary": "Isolated 40 servers.",
    }
    [prompt] = await pending(uow_factory, incident.id, DeadlineKind.UPDATE_PROMPT)
    assert prompt.due_at == clock.now() + timedelta(hours=4)


@pytest.mark.parametrize("outsider", [ACCENTURE_RESPONDER, COUNCIL_USER, CAMDEN_USER])
async def test_only_the_incidents_provider_or_mhclg_changes_phase(
    uow_factory, ctx, outsider: Actor
) -> None:
    incident = await responding(uow_factory, ctx)
    # a council inside the incident hears the rule; outsiders only "not found, or not yours"
    words = "provider or MHCLG" if outsider is COUNCIL_USER else "not found, or it is not yours"
    with pytest.raises(NotAuthorised, match=words):
        await change_phase(
            ChangePhase(outsider, incident.id, State.ERADICATION, "Done."),
            uow_factory(),
            ctx,
            FOLLOWUPS,
        )
    assert (await reload(uow_factory, incident.id)).state is State.CONTAINMENT
    assert await refused(uow_factory, incident.id) == [(outsider.user_id, "change_phase")]


async def test_only_mhclg_closes_and_closing_asks_for_lessons(uow_factory, ctx, clock) -> None:
    incident = await responding(uow_factory, ctx, State.ERADICATION)
    await start_response_followups_for(uow_factory, ctx, incident.id)
    close = ChangePhase(KPMG_RESPONDER, incident.id, State.CLOSED, "Service restored.")
    with pytest.raises(NotAuthorised, match="Only MHCLG can close"):
        await change_phase(close, uow_factory(), ctx, FOLLOWUPS)
    assert await refused(uow_factory, incident.id) == [(KPMG_RESPONDER.user_id, "close_incident")]

    # FakeClock starts on Monday 23 November 2026: 2 and 5 working days are Wed and Mon.
    result = await change_phase(
        ChangePhase(ASSESSOR, incident.id, State.CLOSED, "Service restored."),
        uow_factory(),
        ctx,
        FOLLOWUPS,
    )
    assert (await reload(uow_factory, incident.id)).state is State.CLOSED
    [requested] = await events(uow_factory, incident.id, "LessonsRequested")
    assert requested.data == {"organisations": ["mhclg:mhclg", "provider:kpmg", "council:hackney"]}
    reminders = await pending(uow_factory, incident.id, DeadlineKind.LESSONS_REMINDER)
    assert [d.due_at for d in reminders] == [
        datetime(2026, 11, 25, 9, 0, tzinfo=clock.now().tzinfo),
        datetime(2026, 11, 30, 9, 0, tzinfo=clock.now().tzinfo),
    ]
    assert sorted(d.id for d in result.deadlines) == sorted(d.id for d in reminders)
    assert await pending(uow_factory, incident.id, DeadlineKind.UPDATE_PROMPT) == []


async def test_recovery_needs_the_councils_opt_in(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx, State.ERADICATION)
    to_recovery = ChangePhase(KPMG_RESPONDER, incident.id, State.RECOVERY, "Rebuilding.")
    with pytest.raises(DomainError, match="council has not opted in"):
        await change_phase(to_recovery, uow_factory(), ctx, FOLLOWUPS)
    assert (await reload(uow_factory, incident.id)).state is State.ERADICATION

    with pytest.raises(NotAuthorised, match="Only the affected council"):
        await record_recovery_opt_in(
            RecordRecoveryOptIn(KPMG_RESPONDER, incident.id), uow_factory(), ctx
        )
    with pytest.raises(NotAuthorised):
        await record_recovery_opt_in(
            RecordRecoveryOptIn(CAMDEN_USER, incident.id), uow_factory(), ctx
        )
    await record_recovery_opt_in(RecordRecoveryOptIn(COUNCIL_USER, incident.id), uow_factory(), ctx)
    [opt_in] = await events(uow_factory, incident.id, "RecoveryOptInRecorded")
    assert opt_in.organisation == "council:hackney"

    await change_phase(to_recovery, uow_factory(), ctx, FOLLOWUPS)
    await change_phase(
        ChangePhase(ASSESSOR, incident.id, State.CLOSED, "Recovered."),
        uow_factory(),
        ctx,
        FOLLOWUPS,
    )
    moves = [
        (e.data["from_state"], e.data["to_state"])
        for e in await events(uow_factory, incident.id, "StateChanged")
    ]
    assert moves == [("eradication", "recovery"), ("recovery", "closed")]
    assert await refused(uow_factory, incident.id) == [
        (KPMG_RESPONDER.user_id, "recovery_opt_in"),
        (CAMDEN_USER.user_id, "recovery_opt_in"),
    ]


async def test_a_phase_change_needs_a_summary_within_the_limit(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    limit = LIMITS.get("summary", 3000)
    for summary, message in [
        ("  ", "is required"),
        ("x" * (limit + 1), f"{limit + 1} characters; the limit is {limit}"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            await change_phase(
                ChangePhase(KPMG_RESPONDER, incident.id, State.ERADICATION, summary),
                uow_factory(),
                ctx,
                FOLLOWUPS,
            )
        assert message in caught.value.field_errors["summary"]
    await change_phase(
        ChangePhase(KPMG_RESPONDER, incident.id, State.ERADICATION, "x" * limit),
        uow_factory(),
        ctx,
        FOLLOWUPS,
    )
    with pytest.raises(DomainError, match="already in eradication; nothing changed"):
        await change_phase(
            ChangePhase(KPMG_RESPONDER, incident.id, State.ERADICATION, "Again."),
            uow_factory(),
            ctx,
            FOLLOWUPS,
        )
    assert len(await events(uow_factory, incident.id, "StateChanged")) == 1
