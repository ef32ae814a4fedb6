"""The assessors' reminders: a monitored incident is reminded for review with a re-assess button
(none once re-assessed), "need more information" reminds what was missing, and a deadline kind
without a handler is cancelled rather than crashing the scheduler."""

from __future__ import annotations

from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.usecases.firing import HANDLERS
from bot.usecases.threshold import StartThresholdCheck, start_threshold_check
from bot.views.actions import Action
from tests.factories import ASSESSOR
from tests.integration.activation_steps import assessed
from tests.integration.ladder_rig import events_of
from tests.integration.ladder_rig import rig as rig


async def test_a_monitored_incident_reminds_the_assessor_with_a_reassess_button(
    uow_factory, ctx, clock, rig
):
    incident_id, _ = await assessed(uow_factory, ctx, "monitor")
    clock.advance(hours=24)
    assert await rig.fire_due() == 1

    [dm] = rig.chat.to("U0ASSESSOR1")
    assert [(b.action, b.value) for b in dm.buttons] == [
        (Action.REASSESS, incident_id),
        (Action.CLOSE_MONITORING, incident_id),
    ]
    assert "repeats every 24 hours" in dm.text
    assert rig.chat.to(f"incident:{incident_id}") == [dm]
    [sent] = await events_of(uow_factory, incident_id, "ReviewReminderSent")
    assert sent["assessor"] == ASSESSOR.user_id
    assert all(d["ok"] for d in sent["deliveries"])


async def test_a_reassessed_incident_gets_no_stale_review_reminder(uow_factory, ctx, clock, rig):
    incident_id, _ = await assessed(uow_factory, ctx, "monitor")
    clock.advance(hours=24)
    assert await rig.fire_due() == 1  # the first review; the next is 24 hours on
    await start_threshold_check(StartThresholdCheck(ASSESSOR, incident_id), uow_factory(), ctx)
    async with uow_factory() as uow:
        assert await uow.deadlines.pending_for(incident_id) == []  # re-assessing stops them
    clock.advance(hours=24)
    assert await rig.fire_due() == 0
    assert len(await events_of(uow_factory, incident_id, "ReviewReminderSent")) == 1


async def test_need_more_information_reminds_what_was_missing(uow_factory, ctx, clock, rig):
    incident_id, _ = await assessed(uow_factory, ctx, "need_more_info")
    clock.advance(hours=3, minutes=59)
    assert await rig.fire_due() == 0
    clock.advance(minutes=1)
    assert await rig.fire_due() == 1

    [dm] = rig.chat.to("U0ASSESSOR1")
    assert {f.label: f.value for f in dm.facts} == {"What is missing": "Whether backups survived"}
    assert all(f.user_text for f in dm.facts)
    assert "requested at 09:00 UTC (09:00 GMT, London)" in dm.text
    assert len(rig.chat.to(f"incident:{incident_id}")) == 1
    [sent] = await events_of(uow_factory, incident_id, "InformationReminderSent")
    assert sent["missing"] == "Whether backups survived"


async def test_a_deadline_kind_without_a_handler_is_cancelled_not_crashed(
    uow_factory, ctx, clock, rig, monkeypatch, caplog
):
    monkeypatch.delitem(HANDLERS, DeadlineKind.REVIEW_REMINDER)
    incident_id, _ = await assessed(uow_factory, ctx, "monitor")
    async with uow_factory() as uow:
        [review] = await uow.deadlines.pending_for(incident_id)
    clock.advance(hours=24)
    assert await rig.fire_due() == 1
    async with uow_factory() as uow:
        row = await uow.deadlines.get(review.id)
    assert row is not None
    assert row.state is DeadlineState.CANCELLED
    assert rig.chat.sent == []
    assert "no handler" in caplog.text
    assert "review_reminder" in caplog.text
