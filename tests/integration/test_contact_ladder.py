"""The contact ladder firing through the real scheduler, a real database, the real Notify client
against the local Notify stand-in, and an in-memory chat: reminder, escalations, failures and
retries, and the status-update prompts that follow contact."""

from __future__ import annotations

from datetime import timedelta

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.policy.load import load_policy
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.views.actions import Action
from tests.factories import KPMG_RESPONDER
from tests.integration.ladder_rig import (
    DUTY_MANAGER,
    KPMG_ESCALATION,
    announced,
    deadlines,
    events_of,
    ladder_of,
)
from tests.integration.ladder_rig import rig as rig


async def test_reminder_at_20_minutes_then_escalation_on_every_route_at_30_and_45(
    uow_factory, ctx, clock, rig
):
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    clock.advance(minutes=19, seconds=59)
    assert await rig.fire_due() == 0
    assert rig.chat.sent == []

    clock.advance(seconds=1)
    assert await rig.fire_due() == 1
    [reminder] = rig.chat.to("C0KPMGPAGING")
    assert "The contact deadline is 09:30 UTC (09:30 GMT, London)" in reminder.text
    assert {b.action for b in reminder.buttons} == {Action.ACKNOWLEDGE_PAGE, Action.CONTACT_MADE}
    [sent] = await events_of(uow_factory, incident_id, "ContactReminderSent")
    assert sent["level"] == 0
    assert [d["ok"] for d in sent["deliveries"]] == [True]
    assert rig.api.sent == []

    clock.advance(minutes=10)
    assert await rig.fire_due() == 1
    for user, phone, email in (KPMG_ESCALATION, DUTY_MANAGER):
        [dm] = rig.chat.to(user)
        assert "Escalation level 1" in dm.text
        assert "09:30 UTC" in dm.text
        [sms] = rig.sms_to(phone)
        assert str(result.incident.reference) in sms
        assert "KPMG" in sms
        assert len(rig.emails_to(email)) == 1
    [in_channel] = rig.chat.to(f"incident:{incident_id}")
    assert Action.CONTACT_MADE in {b.action for b in in_channel.buttons}
    [level1] = await events_of(uow_factory, incident_id, "EscalationSent")
    assert level1["level"] == 1
    assert all(r["ok"] for r in level1["routes"])
    assert sorted({r["recipient_kind"] for r in level1["routes"]}) == [
        "duty_manager",
        "incident_channel",
        "provider_escalation",
    ]
    assert len(level1["routes"]) == 7  # 2 people x (chat, SMS, email) + the incident channel

    clock.advance(minutes=15)
    assert await rig.fire_due() == 1
    levels = [e["level"] for e in await events_of(uow_factory, incident_id, "EscalationSent")]
    assert levels == [1, 2]
    assert len(rig.sms_to(DUTY_MANAGER[1])) == 2

    await record_contact(
        RecordContact(KPMG_RESPONDER, incident_id, clock.now(), "phone"), uow_factory(), ctx
    )
    clock.advance(hours=3)
    assert await rig.fire_due() == 0
    assert len(rig.sms_to(DUTY_MANAGER[1])) == 2
    states = [d.state for d in await deadlines(uow_factory, result)]
    assert states == [DeadlineState.FIRED] * 3 + [DeadlineState.CANCELLED] * 2


async def test_with_notify_down_the_chat_routes_still_escalate_and_the_failure_is_recorded(
    uow_factory, ctx, clock, rig
):
    result = await announced(uow_factory, ctx, rig)
    rig.api.fail_next("sms", times=100)
    rig.api.fail_next("email", times=100)
    clock.advance(minutes=30)
    assert await rig.fire_due() == 2  # the reminder and level 1

    assert len(rig.chat.to(KPMG_ESCALATION[0])) == 1
    assert len(rig.chat.to(DUTY_MANAGER[0])) == 1
    [level1] = await events_of(uow_factory, result.incident.id, "EscalationSent")
    by_route = {(r["recipient_kind"], r["route"]): r for r in level1["routes"]}
    for kind in ("provider_escalation", "duty_manager"):
        assert by_route[(kind, "sms")]["ok"] is False
        assert by_route[(kind, "sms")]["error"].startswith("500")
        assert by_route[(kind, "email")]["ok"] is False
    assert [r["ok"] for r in level1["routes"] if r["route"].startswith("fake:")] == [True] * 3
    assert rig.api.requests_to("sms") == 4  # two people, two attempts each (backoff retry)


async def test_an_escalation_nobody_received_is_retried_with_backoff_until_delivered(
    uow_factory, ctx, clock, rig
):
    """Slack and Notify both down: the escalation is never given up, only tried less often,
    and goes out once a route is back."""
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    clock.advance(minutes=20)
    await rig.fire_due()  # the reminder gets through
    targets = (KPMG_ESCALATION[0], DUTY_MANAGER[0], f"incident:{incident_id}")
    for target in targets:
        rig.chat.fail(target, error="ratelimited")
    rig.api.fail_next("sms", times=1000)
    rig.api.fail_next("email", times=1000)
    clock.advance(minutes=10)

    waits = []
    for attempt in range(1, 7):  # 12 min 45 s of outage: still before level 2 at 45 min
        assert await rig.fire_due() == 0
        [level1] = [d for d in await deadlines(uow_factory, result) if d.level == 1]
        assert level1.state is DeadlineState.PENDING
        assert level1.attempts == attempt
        waits.append((level1.due_at - clock.now()).total_seconds())
        tried = len(rig.chat.failed)
        assert await rig.fire_due() == 0
        assert len(rig.chat.failed) == tried
        clock.advance(seconds=waits[-1])
    assert waits == [15, 30, 60, 120, 240, 300]
    assert await events_of(uow_factory, incident_id, "EscalationSent") == []
    assert rig.chat.sent[1:] == []

    rig.chat.heal(KPMG_ESCALATION[0])
    assert await rig.fire_due() == 1
    [level1] = [d for d in await deadlines(uow_factory, result) if d.level == 1]
    assert level1.state is DeadlineState.FIRED
    assert level1.attempts == 7
    due = result.notified_at + timedelta(minutes=30)
    assert level1.payload["first_due_at"] == due.isoformat()  # as evidence of the delay
    assert len(rig.chat.to(KPMG_ESCALATION[0])) == 1
    [event] = await events_of(uow_factory, incident_id, "EscalationSent")
    assert event["gave_up"] is False
    assert event["attempt"] == 7
    assert [r["route"] for r in event["routes"] if r["ok"]] == [f"fake:person:{KPMG_ESCALATION[0]}"]


async def test_an_escalation_stops_retrying_once_contact_is_recorded(uow_factory, ctx, clock, rig):
    result = await announced(uow_factory, ctx, rig)
    clock.advance(minutes=20)
    await rig.fire_due()
    for target in (KPMG_ESCALATION[0], DUTY_MANAGER[0], f"incident:{result.incident.id}"):
        rig.chat.fail(target)
    rig.api.fail_next("sms", times=1000)
    rig.api.fail_next("email", times=1000)
    clock.advance(minutes=10)
    assert await rig.fire_due() == 0
    await record_contact(
        RecordContact(KPMG_RESPONDER, result.incident.id, clock.now(), "phone"), uow_factory(), ctx
    )
    for target in (KPMG_ESCALATION[0], DUTY_MANAGER[0], f"incident:{result.incident.id}"):
        rig.chat.heal(target)
    clock.advance(hours=3)
    assert await rig.fire_due() == 0
    assert rig.chat.sent[1:] == []
    [level1] = [d for d in await deadlines(uow_factory, result) if d.level == 1]
    assert level1.state is DeadlineState.CANCELLED


async def test_the_last_escalation_repeats_every_15_minutes_until_contact(
    uow_factory, ctx, clock, rig
):
    result = await announced(uow_factory, ctx, rig)
    incident_id, start = result.incident.id, clock.now()

    async def levels_fired_at(minutes: int) -> list[int]:
        clock.advance(seconds=(start + timedelta(minutes=minutes) - clock.now()).total_seconds())
        await rig.fire_due()
        return [e["level"] for e in await events_of(uow_factory, incident_id, "EscalationSent")]

    assert await levels_fired_at(75) == [1, 2, 3, 4]
    assert await levels_fired_at(89) == [1, 2, 3, 4]
    assert await levels_fired_at(90) == [1, 2, 3, 4, 5]
    assert await levels_fired_at(104) == [1, 2, 3, 4, 5]
    assert await levels_fired_at(105) == [1, 2, 3, 4, 5, 6]
    assert len(rig.chat.to(DUTY_MANAGER[0])) == 6
    assert "Escalation level 6" in rig.chat.to(DUTY_MANAGER[0])[-1].text
    async with uow_factory() as uow:
        [next_one] = await uow.deadlines.pending_for(incident_id)
    assert next_one.level == 7
    assert next_one.due_at == start + timedelta(minutes=120)
    assert next_one.payload["repeat_after"] == 900.0

    clock.advance(minutes=5)
    contact = await record_contact(
        RecordContact(KPMG_RESPONDER, incident_id, clock.now(), "phone"), uow_factory(), ctx
    )
    assert contact.cancelled_deadlines == 1
    assert await levels_fired_at(600) == [1, 2, 3, 4, 5, 6]
    assert len(rig.chat.to(DUTY_MANAGER[0])) == 6
    async with uow_factory() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    assert [d.kind for d in pending] == [DeadlineKind.UPDATE_PROMPT]  # the ladder is over


async def test_a_delivery_that_recovers_is_sent_once_on_a_later_attempt(
    uow_factory, ctx, clock, rig
):
    result = await announced(uow_factory, ctx, rig)
    clock.advance(minutes=20)
    rig.chat.fail("C0KPMGPAGING", times=1, error="channel_not_found")
    assert await rig.fire_due() == 0
    clock.advance(seconds=15)  # the first retry's backoff
    assert await rig.fire_due() == 1
    assert len(rig.chat.to("C0KPMGPAGING")) == 1
    [sent] = await events_of(uow_factory, result.incident.id, "ContactReminderSent")
    assert sent["attempt"] == 2
    assert sent["gave_up"] is False


async def test_after_an_outage_a_reminder_past_its_deadline_is_skipped_not_sent(
    uow_factory, ctx, clock, rig
):
    """Back from an outage at 09:31, the 09:20 reminder ("contact is due by 09:30") would be
    wrong a moment before the escalation says it rightly: it is recorded as skipped."""
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    clock.advance(minutes=31)  # the bot was down from before 09:20 until after 09:30
    assert await rig.fire_due() == 2  # both rows are settled: the reminder, the escalation
    assert [m.text for m in rig.chat.to("C0KPMGPAGING") if "deadline is" in m.text] == []
    assert await events_of(uow_factory, incident_id, "ContactReminderSent") == []
    [skipped] = await events_of(uow_factory, incident_id, "ContactReminderSkipped")
    assert skipped["level"] == 0
    assert "passed" in skipped["reason"]
    [escalation] = await events_of(uow_factory, incident_id, "EscalationSent")
    assert escalation["level"] == 1


async def test_contact_stored_before_the_deadline_means_no_escalation(uow_factory, ctx, clock, rig):
    result = await announced(uow_factory, ctx, rig)
    clock.advance(minutes=20)
    assert await rig.fire_due() == 1
    clock.advance(minutes=9, seconds=59)
    await record_contact(
        RecordContact(KPMG_RESPONDER, result.incident.id, clock.now(), "video"), uow_factory(), ctx
    )
    clock.advance(hours=2)
    assert await rig.fire_due() == 0
    assert [s.target for s in rig.chat.sent] == ["C0KPMGPAGING"]
    assert rig.api.sent == []
    [recorded] = await events_of(uow_factory, result.incident.id, "ContactRecorded")
    assert recorded["met_deadline"] is True
    assert recorded["cancelled_deadlines"] == 4


async def test_after_contact_the_provider_is_prompted_for_an_update_every_four_hours(
    uow_factory, ctx, clock, rig
):
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    clock.advance(minutes=12)
    done = await record_contact(
        RecordContact(KPMG_RESPONDER, incident_id, clock.now(), "phone"), uow_factory(), ctx
    )
    [prompt] = done.deadlines
    assert prompt.kind is DeadlineKind.UPDATE_PROMPT
    assert prompt.due_at == clock.now() + timedelta(hours=4)

    clock.advance(hours=3, minutes=59)
    assert await rig.fire_due() == 0
    assert rig.chat.sent == []
    clock.advance(minutes=1)
    assert await rig.fire_due() == 1
    [message] = rig.chat.to(f"incident:{incident_id}")
    assert "No status update" in message.text
    assert "/cir update" in message.text
    [sent] = await events_of(uow_factory, incident_id, "UpdatePromptSent")
    assert [d["ok"] for d in sent["deliveries"]] == [True]
    clock.advance(hours=4)  # still no update: prompted again
    assert await rig.fire_due() == 1
    assert len(await events_of(uow_factory, incident_id, "UpdatePromptSent")) == 2


async def test_a_short_contact_deadline_scales_every_step(uow_factory, clock, rig):
    short = CoreContext(clock=clock, policy=load_policy(DEFAULT_CONFIG_DIR, contact_deadline="90s"))
    rig.deps = FiringDeps(short, rig.chat, rig.deps.notifier)
    result = await announced(uow_factory, short, rig)
    start = clock.now()
    assert result.deadline_at == start + timedelta(seconds=90)
    assert [d.due_at - start for d in ladder_of(result)] == [
        timedelta(seconds=s) for s in (60, 90, 135, 180, 225)
    ]
    clock.advance(seconds=60)
    assert await rig.fire_due() == 1
    assert len(rig.chat.to("C0KPMGPAGING")) == 1
    clock.advance(seconds=30)
    assert await rig.fire_due() == 1
    assert len(rig.chat.to(DUTY_MANAGER[0])) == 1
    assert "09:01 UTC" in rig.chat.to(DUTY_MANAGER[0])[0].text
