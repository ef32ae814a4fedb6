"""Each route of an escalation is retried on its own: chat down while SMS and email go out,
then chat back. Exactly once per route, superseded by a later level to the same route, never
after contact is recorded, and the timeline shows each route's outcome as it settles."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.app.wiring import NoChat
from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.firing import FiringDeps
from sandbox.notify.api import FakeNotifyApi
from storage.models import DeadlineRow
from tests.factories import KPMG_RESPONDER
from tests.integration.ladder_rig import (
    DUTY_MANAGER,
    KPMG_ESCALATION,
    Rig,
    announced,
    events_of,
    rig_for,
)

CHAT_TARGETS = (KPMG_ESCALATION[0], DUTY_MANAGER[0])


@pytest.fixture
async def rig(uow_factory, ctx) -> AsyncIterator[Rig]:
    async with FakeNotifyApi() as api:
        made = rig_for(api, uow_factory, ctx)
        yield made
        await made.deps.notifier.close()  # type: ignore[attr-defined]


async def retries_pending(uows, incident_id: str):
    async with uows() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    return [d for d in pending if d.kind is DeadlineKind.ESCALATION_RETRY]


def chat_down(rig, incident_id: str) -> None:
    for target in (*CHAT_TARGETS, f"incident:{incident_id}"):
        rig.chat.fail(target, error="Slack answered 503")


def chat_up(rig, incident_id: str) -> None:
    for target in (*CHAT_TARGETS, f"incident:{incident_id}"):
        rig.chat.heal(target)


async def test_chat_down_across_the_deadline_every_route_gets_its_escalation_once(
    uow_factory, ctx, clock, rig
):
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    clock.advance(minutes=20)
    assert await rig.fire_due() == 1  # the reminder, before the outage
    chat_down(rig, incident_id)
    clock.advance(minutes=10)
    assert await rig.fire_due() == 1  # level 1: SMS and email delivered, chat refused

    [level1] = await events_of(uow_factory, incident_id, "EscalationSent")
    chat_routes = [r for r in level1["routes"] if r["route"].startswith("fake:")]
    assert [r["ok"] for r in chat_routes] == [False] * 3
    assert {r["error"] for r in chat_routes} == {"Slack answered 503"}
    assert all(r["ok"] for r in level1["routes"] if r["route"] in ("sms", "email"))
    [retry] = await retries_pending(uow_factory, incident_id)
    assert retry.level == 1
    assert (retry.due_at - clock.now()).total_seconds() == 15
    owed = retry.payload["retry_routes"]
    assert [k.split(":")[0] for k in owed] == [
        "provider_escalation",
        "duty_manager",
        "incident_channel",
    ]
    assert all(k.endswith(":chat") for k in owed[:2])

    # still down: the retry backs off on its own row, nothing is sent twice
    for wait in (15, 15, 30):
        clock.advance(seconds=wait)
        assert await rig.fire_due() == 0
    assert rig.chat.to(DUTY_MANAGER[0]) == []

    chat_up(rig, incident_id)
    clock.advance(minutes=2)
    assert await rig.fire_due() == 1
    for target in (*CHAT_TARGETS, f"incident:{incident_id}"):
        [message] = rig.chat.to(target)
        assert "Escalation level 1" in message.text
    for phone in (KPMG_ESCALATION[1], DUTY_MANAGER[1]):
        assert len(rig.sms_to(phone)) == 1  # the SMS is not sent again
    [again] = await events_of(uow_factory, incident_id, "EscalationRetried")
    assert again["level"] == 1
    assert [r["ok"] for r in again["routes"]] == [True] * 3
    assert await retries_pending(uow_factory, incident_id) == []

    clock.advance(hours=1)
    await rig.fire_due()
    # each later level once per route; level 1 never again
    texts = Counter(m.text.split(":")[0] for m in rig.chat.to(DUTY_MANAGER[0]))
    assert all(n == 1 for n in texts.values())
    levels = [m.text for m in rig.chat.to(DUTY_MANAGER[0]) if "Escalation level 1" in m.text]
    assert len(levels) == 1


async def test_a_later_level_supersedes_a_route_still_owed_an_earlier_one(
    uow_factory, ctx, clock, rig
):
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    clock.advance(minutes=20)
    await rig.fire_due()
    rig.chat.fail(DUTY_MANAGER[0], error="Slack answered 503")
    clock.advance(minutes=10)
    assert await rig.fire_due() == 1
    [retry] = await retries_pending(uow_factory, incident_id)
    assert [k.rsplit(":", 1)[1] for k in retry.payload["retry_routes"]] == ["chat"]

    # Slack stays down and the retry's backoff grows past level 2 (as it does after a few
    # failed tries: 5 minutes at most); then Slack is back just as level 2 falls due.
    async with uow_factory() as uow:
        await uow.session.execute(
            update(DeadlineRow)
            .where(DeadlineRow.id == retry.id)
            .values(due_at=clock.now() + timedelta(minutes=16))
        )
        await uow.commit()
    rig.chat.heal(DUTY_MANAGER[0])
    clock.advance(minutes=15)
    assert await rig.fire_due() == 1  # level 2 alone
    dm = [m.text for m in rig.chat.to(DUTY_MANAGER[0])]
    assert len(dm) == 1
    assert "Escalation level 2" in dm[0]
    sent = await events_of(uow_factory, incident_id, "EscalationSent")
    assert [e["level"] for e in sent] == [1, 2]
    assert [s["level"] for s in sent[1]["superseded"]] == [1]
    async with uow_factory() as uow:
        stored = await uow.deadlines.get(retry.id)
    assert stored is not None
    assert stored.state is DeadlineState.CANCELLED
    clock.advance(minutes=2)
    await rig.fire_due()
    assert len(rig.chat.to(DUTY_MANAGER[0])) == 1


async def test_no_retry_goes_out_once_contact_is_recorded(uow_factory, ctx, clock, rig):
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    clock.advance(minutes=20)
    await rig.fire_due()
    chat_down(rig, incident_id)
    clock.advance(minutes=10)
    assert await rig.fire_due() == 1
    [retry] = await retries_pending(uow_factory, incident_id)
    contact = await record_contact(
        RecordContact(KPMG_RESPONDER, incident_id, clock.now(), "phone"), uow_factory(), ctx
    )
    assert contact.cancelled_deadlines >= 2  # the retry and the levels still to come
    chat_up(rig, incident_id)
    clock.advance(hours=2)
    await rig.fire_due()
    assert rig.chat.to(DUTY_MANAGER[0]) == []
    assert await events_of(uow_factory, incident_id, "EscalationRetried") == []
    async with uow_factory() as uow:
        stored = await uow.deadlines.get(retry.id)
    assert stored is not None
    assert stored.state is DeadlineState.CANCELLED


async def test_texts_notify_refused_are_retried_alone(uow_factory, ctx, clock, rig):
    result = await announced(uow_factory, ctx, rig)
    incident_id = result.incident.id
    rig.api.fail_next("sms", times=4)  # two people, the rig's notifier tries twice
    clock.advance(minutes=30)
    assert await rig.fire_due() == 2
    [retry] = await retries_pending(uow_factory, incident_id)
    assert sorted(k.rsplit(":", 1)[1] for k in retry.payload["retry_routes"]) == ["sms", "sms"]
    clock.advance(seconds=15)
    assert await rig.fire_due() == 1
    for phone in (KPMG_ESCALATION[1], DUTY_MANAGER[1]):
        assert len(rig.sms_to(phone)) == 1
    assert len(rig.emails_to(DUTY_MANAGER[2])) == 1
    assert await retries_pending(uow_factory, incident_id) == []


async def test_without_a_chat_platform_nothing_is_retried_for_chat(uow_factory, ctx, clock, rig):
    """No chat platform configured: no retry can help, so the chat routes are recorded as
    failed and never retried; texts and emails go out as usual."""
    result = await announced(uow_factory, ctx, rig)
    rig.deps = FiringDeps(ctx, NoChat(), rig.deps.notifier)
    clock.advance(minutes=30)
    await rig.fire_due()
    [level1] = await events_of(uow_factory, result.incident.id, "EscalationSent")
    chat = [r for r in level1["routes"] if r["route"].startswith("chat:")]
    assert chat
    assert not any(r["ok"] for r in chat)
    assert await retries_pending(uow_factory, result.incident.id) == []
