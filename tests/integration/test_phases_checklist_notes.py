"""Response phases, status updates and their prompts, the notifications checklist with the ICO's
72-hour reminders, and timeline notes, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot.app.scheduler import DeadlineScheduler
from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import Actor, OrgKind
from bot.domain.checklist import ItemKind, ItemStatus
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from bot.policy.followups import load_followups
from bot.ports.notify import Delivery
from bot.usecases.checklist import (
    UpdateChecklistItem,
    checklist_view,
    init_checklist,
    update_checklist_item,
)
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
from bot.usecases.notes import AddNote, NoteSource, add_note
from bot.usecases.phases import (
    ChangePhase,
    RecordRecoveryOptIn,
    change_phase,
    record_recovery_opt_in,
)
from bot.usecases.referral import open_referral
from bot.usecases.status_updates import (
    PostStatusUpdate,
    post_status_update,
    start_response_followups,
)
from bot.usecases.validation import LIMITS
from storage.deadlines import SqlDeadlineRepository
from storage.models import IncidentRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import (
    ACCENTURE_RESPONDER,
    ASSESSOR,
    COUNCIL_USER,
    KPMG_RESPONDER,
    referral_cmd,
)
from tests.fakes.chat import RecordingChat

FOLLOWUPS = load_followups(DEFAULT_CONFIG_DIR)
CAMDEN_USER = Actor("slack:T0CAMDEN:U0CM1", "Cam Camden", OrgKind.COUNCIL, "camden")


# --- helpers, shared with test_lessons ---------------------------------------------------------


@dataclass
class RecordingNotifier:
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    error: str = ""

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        if self.error:
            return Delivery(False, "email", to, error=self.error)
        self.sent.append((to, subject, body))
        return Delivery(True, "email", to, notification_id=f"n{len(self.sent)}")

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return Delivery(False, "sms", to, error="not used here")


async def responding(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, state: State = State.CONTAINMENT, **referral
) -> Incident:
    """An incident KPMG is responding to. Activation is built elsewhere, so the state and the
    provider are set on the row directly."""
    incident = await open_referral(referral_cmd(ctx.clock, **referral), uows(), ctx)
    async with uows() as uow:
        await uow.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident.id)
            .values(state=state.value, provider_ids=["kpmg"])
        )
        await uow.commit()
    return await reload(uows, incident.id)


async def reload(uows: SqlUnitOfWorkFactory, incident_id: str) -> Incident:
    async with uows() as uow:
        incident = await uow.incidents.get(incident_id)
    assert incident is not None
    return incident


async def timeline(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[TimelineEvent]:
    async with uows() as uow:
        return list(await uow.timeline.for_incident(incident_id))


async def events(uows: SqlUnitOfWorkFactory, incident_id: str, kind: str) -> list[TimelineEvent]:
    return [e for e in await timeline(uows, incident_id) if e.kind == kind]


async def pending(
    uows: SqlUnitOfWorkFactory, incident_id: str, kind: DeadlineKind
) -> list[Deadline]:
    async with uows() as uow:
        return [d for d in await uow.deadlines.pending_for(incident_id) if d.kind is kind]


def scheduler(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, chat: RecordingChat, notifier: RecordingNotifier
) -> DeadlineScheduler:
    deps = FiringDeps(ctx=ctx, chat=chat, notifier=notifier)

    async def handler(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    return DeadlineScheduler(uows, ctx.clock, handler, worker_id="test")


async def refused(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[tuple[str, str]]:
    return [
        (e.actor_id, e.data["action"]) for e in await events(uows, incident_id, "ActionRefused")
    ]


# --- phases -------------------------------------------------------------------------------------


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
    assert changed.actor_id == KPMG_RESPONDER.user_id and changed.at == clock.now()
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


async def start_response_followups_for(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, incident_id: str
) -> Deadline:
    async with uows() as uow:
        incident = await uow.incidents.get_for_update(incident_id)
        assert incident is not None
        deadline = await start_response_followups(incident, uow, ctx, FOLLOWUPS)
        await uow.commit()
    return deadline


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


# --- status updates and their prompts ------------------------------------------------------------


def status_update(actor: Actor, incident_id: str, key: str = "", **fields: str) -> PostStatusUpdate:
    values = {
        "what_changed": "Backups verified clean.",
        "impact": "Benefits still offline.",
        "next_steps": "Restore benefits tonight.",
        **fields,
    }
    return PostStatusUpdate(actor, incident_id, idempotency_key=key, **values)


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
    assert prompt.id != first.id and prompt.due_at == clock.now() + timedelta(hours=4)

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
    assert "No status update" in prompt.text and "/cir update" in prompt.text
    assert len(await events(uow_factory, incident.id, "UpdatePromptSent")) == 1
    [following] = await pending(uow_factory, incident.id, DeadlineKind.UPDATE_PROMPT)
    assert following.due_at == clock.now() + timedelta(hours=4)

    # An update an hour later moves the next prompt to four hours after it.
    clock.advance(hours=1)
    await post_status_update(
        status_update(KPMG_RESPONDER, incident.id), uow_factory(), ctx, FOLLOWUPS
    )
    clock.advance(hours=3, minutes=30)
    assert await sweep.fire_due() == 0 and len(chat.sent) == 1

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
    assert stored is not None and stored.state.value == "cancelled"


# --- the notifications checklist ------------------------------------------------------------------


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
    assert "48 hours" in first.text and "ICO" in first.text
    assert [to for to, _, _ in notifier.sent] == ["hana@hackney.example"]

    clock.set(detected + timedelta(hours=66))
    assert await sweep.fire_due() == 1
    sent = await events(uow_factory, incident.id, "IcoReminderSent")
    assert [e.data["hours"] for e in sent] == [48, 66]
    assert len(chat.to(f"incident:{incident.id}")) == 2 and len(notifier.sent) == 2


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


# --- timeline notes --------------------------------------------------------------------------


async def test_anyone_in_the_incident_may_add_a_note(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    await add_note(
        AddNote(COUNCIL_USER, incident.id, "Payroll run moved to Friday.", NoteSource.SLASH),
        uow_factory(),
        ctx,
    )
    await add_note(
        AddNote(
            KPMG_RESPONDER,
            incident.id,
            "Found the initial access.",
            NoteSource.MESSAGE_SHORTCUT,
            "ts-1",
        ),
        uow_factory(),
        ctx,
    )
    with pytest.raises(DomainError, match="already on the timeline"):
        await add_note(
            AddNote(
                KPMG_RESPONDER,
                incident.id,
                "Found the initial access.",
                NoteSource.MESSAGE_SHORTCUT,
                "ts-1",
            ),
            uow_factory(),
            ctx,
        )
    notes = await events(uow_factory, incident.id, "NoteAdded")
    assert [(n.organisation, n.data) for n in notes] == [
        ("council:hackney", {"text": "Payroll run moved to Friday.", "source": "slash"}),
        ("provider:kpmg", {"text": "Found the initial access.", "source": "message_shortcut"}),
    ]


async def test_a_note_from_outside_the_incident_is_refused_and_recorded(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    for outsider in (CAMDEN_USER, ACCENTURE_RESPONDER):
        with pytest.raises(NotAuthorised, match="not found, or it is not yours"):
            await add_note(
                AddNote(outsider, incident.id, "Hello", NoteSource.SLASH), uow_factory(), ctx
            )
    assert await events(uow_factory, incident.id, "NoteAdded") == []
    assert await refused(uow_factory, incident.id) == [
        (CAMDEN_USER.user_id, "add_note"),
        (ACCENTURE_RESPONDER.user_id, "add_note"),
    ]


async def test_an_over_long_note_is_refused_naming_the_limit(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    with pytest.raises(InvalidInput) as caught:
        await add_note(
            AddNote(ASSESSOR, incident.id, "n" * 3001, NoteSource.SLASH), uow_factory(), ctx
        )
    assert caught.value.field_errors == {"note": "The note is 3001 characters; the limit is 3000."}
    await add_note(AddNote(ASSESSOR, incident.id, "n" * 3000, NoteSource.SLASH), uow_factory(), ctx)
    [note] = await events(uow_factory, incident.id, "NoteAdded")
    assert len(note.data["text"]) == 3000
