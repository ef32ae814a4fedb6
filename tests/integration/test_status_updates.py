"""Status updates: recorded, posted and restarting the four-hour cadence, from the response only,
and a prompt to the provider when none came within four hours."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.actors import Actor
from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.states import State
from bot.usecases.phases import ChangePhase, change_phase
from bot.usecases.status_updates import PostStatusUpdate, post_status_update
from storage.deadlines import SqlDeadlineRepository
from tests.factories import ASSESSOR, COUNCIL_USER, KPMG_RESPONDER
from tests.fakes.chat import RecordingChat
from tests.integration.response_steps import (
    FOLLOWUPS,
    RecordingNotifier,
    events,
    pending,
    refused,
    responding,
    scheduler,
    start_response_followups_for,
)


def status_update(
    actor: Actor,
    incident_id: str,
    key: str = "",
    *,
    what_changed: str = "Backups verified clean.",
    impact: str = "Benefits still offline.",
    next_steps: str = "Restore benefits tonight.",
) -> PostStatusUpdate:
    return PostStatusUpdate(
        actor, incident_id, what_changed, impact, next_steps, idempotency_key=key
    )


async def test_a_status_update_is_recorded_posted_and_restarts_the_cadence(
    uow_factory, ctx, clock
) -> None:
    incident = await responding(uow_factory, ctx)
    first = await start_response_followups_for(uow_factory, ctx, incident.id)
    clock.advance(hours=1)
    result = await post_status_update(
        status_update(KPMG_RESPONDER, incident.id, key="form-1"), uow_factory(), ctx, FOLLOWUPS
    )
    [posted] = await events(uow_factory, incident.id, "StatusUpdatePosted")
    assert posted.data == {
        "what_changed": "Backups verified clean.",
        "impact": "Benefits still offline.",
        "next_steps": "Restore benefits tonight.",
    }
    facts = {f.label: f.value for f in result.message.facts}
    assert facts["Current impact"] == "Benefits still offline."
    assert all(f.user_text for f in result.message.facts)
    assert result.triage_channel == ctx.policy.mhclg.triage_channel
    [prompt] = await pending(uow_factory, incident.id, DeadlineKind.UPDATE_PROMPT)
    assert prompt.id != first.id
    assert prompt.due_at == clock.now() + timedelta(hours=4)

    with pytest.raises(DomainError, match="already posted"):
        await post_status_update(
            status_update(KPMG_RESPONDER, incident.id, key="form-1"), uow_factory(), ctx, FOLLOWUPS
        )
    assert len(await events(uow_factory, incident.id, "StatusUpdatePosted")) == 1


async def test_status_updates_come_from_the_response_only(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    with pytest.raises(NotAuthorised):
        await post_status_update(
            status_update(COUNCIL_USER, incident.id), uow_factory(), ctx, FOLLOWUPS
        )
    assert await refused(uow_factory, incident.id) == [(COUNCIL_USER.user_id, "post_status_update")]
    with pytest.raises(InvalidInput) as caught:
        await post_status_update(
            status_update(KPMG_RESPONDER, incident.id, impact="", next_steps="n" * 3001),
            uow_factory(),
            ctx,
            FOLLOWUPS,
        )
    assert caught.value.field_errors == {
        "impact": "Current impact is required.",
        "next_steps": "Next steps is 3001 characters; the limit is 3000.",
    }
    assert await events(uow_factory, incident.id, "StatusUpdatePosted") == []


async def test_the_provider_is_prompted_when_no_update_came_within_four_hours(
    uow_factory, ctx, clock
) -> None:
    incident = await responding(uow_factory, ctx)
    await start_response_followups_for(uow_factory, ctx, incident.id)
    chat, notifier = RecordingChat(), RecordingNotifier()
    sweep = scheduler(uow_factory, ctx, chat, notifier)

    clock.advance(hours=3, minutes=59)
    assert await sweep.fire_due() == 0
    clock.advance(minutes=1)
    assert await sweep.fire_due() == 1
    [prompt] = chat.to(f"incident:{incident.id}")
    assert "No status update" in prompt.text
    assert "/cir update" in prompt.text
    assert len(await events(uow_factory, incident.id, "UpdatePromptSent")) == 1
    [following] = await pending(uow_factory, incident.id, DeadlineKind.UPDATE_PROMPT)
    assert following.due_at == clock.now() + timedelta(hours=4)

    # An update an hour later moves the next prompt to four hours after it.
    clock.advance(hours=1)
    await post_status_update(
        status_update(KPMG_RESPONDER, incident.id), uow_factory(), ctx, FOLLOWUPS
    )
    clock.advance(hours=3, minutes=30)
    assert await sweep.fire_due() == 0
    assert len(chat.sent) == 1

    # Once closed, no prompt is sent, even one that was somehow left pending.
    await change_phase(
        ChangePhase(ASSESSOR, incident.id, State.ERADICATION, "Contained."),
        uow_factory(),
        ctx,
        FOLLOWUPS,
    )
    await change_phase(
        ChangePhase(ASSESSOR, incident.id, State.CLOSED, "Restored."), uow_factory(), ctx, FOLLOWUPS
    )
    stray = await start_response_followups_for(uow_factory, ctx, incident.id)
    clock.advance(hours=5)
    await sweep.fire_due()
    assert len(chat.sent) == 1
    async with uow_factory() as uow:
        stored = await SqlDeadlineRepository(uow.session).get(stray.id)
    assert stored is not None
    assert stored.state.value == "cancelled"
