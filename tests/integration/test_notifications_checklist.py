"""The notifications checklist: it starts outstanding with the ICO deadline shown, reminds the
council of the ICO at 48 and 66 hours until the report is recorded, and each entry needs its
evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.actors import Actor
from bot.domain.checklist import ItemKind, ItemStatus
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.usecases.checklist import (
    UpdateChecklistItem,
    checklist_view,
    init_checklist,
    update_checklist_item,
)
from bot.usecases.context import CoreContext
from bot.usecases.validation import LIMITS
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import COUNCIL_USER, KPMG_RESPONDER
from tests.fakes.chat import RecordingChat
from tests.integration.response_steps import (
    CAMDEN_USER,
    FOLLOWUPS,
    RecordingNotifier,
    events,
    pending,
    refused,
    responding,
    scheduler,
)


async def checklist_ready(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, incident_id: str
) -> list[Deadline]:
    """The checklist is created with the referral (the ICO clock runs from detection); a second
    init changes nothing. Returns the ICO reminders it scheduled."""
    async with uows() as uow:
        incident = await uow.incidents.get_for_update(incident_id)
        assert incident is not None
        assert await init_checklist(incident, uow, ctx, FOLLOWUPS) == []
        await uow.commit()
    async with uows() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    ico = [d for d in pending if d.kind is DeadlineKind.ICO_REMINDER]
    return sorted(ico, key=lambda d: d.due_at)


async def test_the_checklist_starts_outstanding_and_shows_the_ico_deadline(
    uow_factory, ctx, clock
) -> None:
    incident = await responding(uow_factory, ctx)
    assert await checklist_ready(uow_factory, ctx, incident.id) == []  # no personal data
    assert await checklist_ready(uow_factory, ctx, incident.id) == []  # idempotent
    view = await checklist_view(uow_factory(), incident.id, FOLLOWUPS)
    assert [r.item for r in view.rows] == list(ItemKind)
    # the NCSC referred it (the referral carries its reference): done, and says so
    ncsc = next(r for r in view.rows if r.item is ItemKind.NCSC)
    assert (ncsc.status, ncsc.reference, ncsc.reason) == (
        ItemStatus.DONE,
        "NCSC-12345",
        "referred by the NCSC",
    )
    assert {r.status for r in view.rows if r is not ncsc} == {ItemStatus.OUTSTANDING}
    fraud = next(r for r in view.rows if r.item is ItemKind.ACTION_FRAUD)
    assert fraud.phone == "0300 123 2040"
    assert view.ico_deadline == incident.referral.detected_at + timedelta(hours=72)
    assert await pending(uow_factory, incident.id, DeadlineKind.ICO_REMINDER) == []


async def test_the_council_is_reminded_of_the_ico_at_48_and_66_hours(
    uow_factory, ctx, clock
) -> None:
    incident = await responding(uow_factory, ctx, personal_data_involved=True)
    detected = incident.referral.detected_at  # two hours before now
    reminders = await checklist_ready(uow_factory, ctx, incident.id)
    assert [d.due_at for d in reminders] == [
        detected + timedelta(hours=48),
        detected + timedelta(hours=66),
    ]
    chat, notifier = RecordingChat(), RecordingNotifier()
    sweep = scheduler(uow_factory, ctx, chat, notifier)

    clock.set(detected + timedelta(hours=47, minutes=59))
    assert await sweep.fire_due() == 0
    clock.set(detected + timedelta(hours=48))
    assert await sweep.fire_due() == 1
    [first] = chat.to(f"incident:{incident.id}")
    assert "48 hours" in first.text
    assert "ICO" in first.text
    assert [to for to, _, _ in notifier.sent] == ["hana@hackney.example"]

    clock.set(detected + timedelta(hours=66))
    assert await sweep.fire_due() == 1
    sent = await events(uow_factory, incident.id, "IcoReminderSent")
    assert [e.data["hours"] for e in sent] == [48, 66]
    assert len(chat.to(f"incident:{incident.id}")) == 2
    assert len(notifier.sent) == 2


async def test_recording_the_ico_report_stops_the_reminders(uow_factory, ctx, clock) -> None:
    incident = await responding(uow_factory, ctx, personal_data_involved=True)
    await checklist_ready(uow_factory, ctx, incident.id)
    chat, notifier = RecordingChat(), RecordingNotifier()
    sweep = scheduler(uow_factory, ctx, chat, notifier)
    clock.set(incident.referral.detected_at + timedelta(hours=50))
    assert await sweep.fire_due() == 1  # the 48-hour reminder

    told = clock.now() - timedelta(minutes=30)
    await update_checklist_item(
        UpdateChecklistItem(COUNCIL_USER, incident.id, "ico", "done", "ICO-00123456", done_at=told),
        uow_factory(),
        ctx,
        FOLLOWUPS,
    )
    assert await pending(uow_factory, incident.id, DeadlineKind.ICO_REMINDER) == []
    clock.advance(hours=30)
    assert await sweep.fire_due() == 0
    assert len(chat.sent) == 1
    [recorded] = [
        e
        for e in await events(uow_factory, incident.id, "NotificationItemUpdated")
        if e.data["item"] == "ico"
    ]
    assert recorded.data == {
        "item": "ico",
        "status": "done",
        "reference": "ICO-00123456",
        "done_at": told.isoformat(),
        "reason": "",
    }


async def test_a_late_referral_gets_one_ico_reminder_at_once(uow_factory, ctx, clock) -> None:
    incident = await responding(
        uow_factory,
        ctx,
        personal_data_involved=True,
        detected_at=clock.now() - timedelta(hours=60),
    )
    reminders = await checklist_ready(uow_factory, ctx, incident.id)
    assert [(d.level, d.due_at) for d in reminders] == [
        (48, clock.now()),
        (66, incident.referral.detected_at + timedelta(hours=66)),
    ]
    chat = RecordingChat()
    assert await scheduler(uow_factory, ctx, chat, RecordingNotifier()).fire_due() == 1
    assert len(chat.sent) == 1


async def test_checklist_entries_need_their_evidence(uow_factory, ctx, clock) -> None:
    incident = await responding(uow_factory, ctx)

    async def record(actor: Actor = COUNCIL_USER, **kw) -> None:
        cmd = UpdateChecklistItem(actor, incident.id, **kw)
        await update_checklist_item(cmd, uow_factory(), ctx, FOLLOWUPS)

    with pytest.raises(InvalidInput) as caught:
        await record(item="action_fraud", status="done")
    assert caught.value.field_errors == {"reference": "The reference they gave is required."}
    with pytest.raises(InvalidInput) as caught:
        await record(item="warp", status="not_needed")
    assert "reason" in caught.value.field_errors
    limit = LIMITS["reason"]
    with pytest.raises(InvalidInput) as caught:
        await record(item="warp", status="not_needed", reason="r" * (limit + 1))
    assert f"the limit is {limit}" in caught.value.field_errors["reason"]
    with pytest.raises(InvalidInput, match="future"):
        await record(item="ncsc", status="done", done_at=clock.now() + timedelta(hours=1))
    with pytest.raises(NotAuthorised):
        await record(CAMDEN_USER, item="ncsc", status="done")
    assert await refused(uow_factory, incident.id) == [(CAMDEN_USER.user_id, "update_checklist")]

    await record(KPMG_RESPONDER, item="ncsc", status="done")  # no reference needed
    await record(item="warp", status="not_needed", reason="The WARP was told by the NCSC.")
    with pytest.raises(DomainError, match="already recorded as not_needed"):
        await record(item="warp", status="not_needed", reason="The WARP was told by the NCSC.")
    view = await checklist_view(uow_factory(), incident.reference.__str__(), FOLLOWUPS)
    status = {r.item: (r.status, r.done_at) for r in view.rows}
    assert status[ItemKind.NCSC] == (ItemStatus.DONE, clock.now())
    assert status[ItemKind.WARP] == (ItemStatus.NOT_NEEDED, None)
    by_people = [
        e
        for e in await events(uow_factory, incident.id, "NotificationItemUpdated")
        if e.actor_id != "system"  # not the NCSC's referral, ticked by the bot
    ]
    assert len(by_people) == 2
