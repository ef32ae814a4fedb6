"""Refusals in the use cases: every provider action is held to "assigned to it, or before that
put to it by MHCLG"; people outside an incident hear the same words as for an incident that does
not exist; and repeated refusals do not flood the record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.domain.actors import Actor
from bot.domain.errors import NotAuthorised
from bot.domain.incident import Incident
from bot.domain.report_shares import ReportFormat
from bot.domain.states import State
from bot.ports.notify import Notifier
from bot.usecases.authz import NOT_YOURS, refusal_count
from bot.usecases.checklist import UpdateChecklistItem, update_checklist_item
from bot.usecases.contact import AcknowledgePage, RecordContact, acknowledge_page, record_contact
from bot.usecases.context import CoreContext
from bot.usecases.lessons import SubmitLessons, submit_lessons
from bot.usecases.mou import RecordMou, record_mou
from bot.usecases.notes import AddNote, NoteSource, add_note
from bot.usecases.phases import ChangePhase, change_phase
from bot.usecases.referral import open_referral
from bot.usecases.sharing import ReportFile, ShareReport, authorise_report_view, share_report
from bot.usecases.status_updates import PostStatusUpdate, post_status_update
from storage.models import IncidentRow
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ACCENTURE_RESPONDER, KPMG_RESPONDER, referral_cmd

Call = Callable[[Actor, str, SqlUnitOfWorkFactory, CoreContext], Awaitable[Any]]


async def incident_in(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, state: State, providers: list[str]
) -> Incident:
    incident = await open_referral(referral_cmd(ctx.clock), uows(), ctx)
    async with uows() as uow:
        await uow.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident.id)
            .values(state=state.value, provider_ids=providers)
        )
        await uow.commit()
    return incident


async def record(uows: SqlUnitOfWorkFactory, incident_id: str) -> tuple[Any, ...]:
    async with uows() as uow:
        incident = await uow.incidents.get(incident_id)
        events = [e.kind for e in await uow.timeline.for_incident(incident_id)]
        checklist = [(i.item, i.status) for i in await uow.checklist.for_incident(incident_id)]
        engagements = await uow.engagements.for_incident(incident_id)
    assert incident is not None
    state = (incident.state, incident.mou_status, incident.provider_ids)
    return state, events, checklist, [(e.acknowledged_at, e.contact_at) for e in engagements]


def followups(ctx: CoreContext) -> Any:
    return ctx.policy.followups


class NoSending:
    """Sharing's deps for a refusal: reaching the notifier would mean the refusal came too late."""

    @property
    def notifier(self) -> Notifier:
        raise AssertionError("a refused share reached the notifier")


# Every action a provider takes on an incident, as the use cases offer them.
PROVIDER_ACTIONS: dict[str, Call] = {
    "mou_sent": lambda a, i, u, c: record_mou(RecordMou(a, i, "sent"), u(), c),
    "mou_signed": lambda a, i, u, c: record_mou(RecordMou(a, i, "signed"), u(), c),
    "acknowledge": lambda a, i, u, c: acknowledge_page(AcknowledgePage(a, i), u(), c),
    "contact_made": lambda a, i, u, c: record_contact(
        RecordContact(a, i, c.clock.now(), "phone"), u(), c
    ),
    "phase": lambda a, i, u, c: change_phase(
        ChangePhase(a, i, State.ERADICATION, "Isolated."), u(), c, followups(c)
    ),
    "status_update": lambda a, i, u, c: post_status_update(
        PostStatusUpdate(a, i, "Changed", "Impact", "Next"), u(), c, followups(c)
    ),
    "checklist": lambda a, i, u, c: update_checklist_item(
        UpdateChecklistItem(a, i, "ico", "done", reference="ICO-1"), u(), c, followups(c)
    ),
    "note": lambda a, i, u, c: add_note(AddNote(a, i, "Hello", NoteSource.SLASH), u(), c),
    "lessons": lambda a, i, u, c: submit_lessons(SubmitLessons(a, i, {"what": "x"}), u(), c),
    "view_report": lambda a, i, u, c: authorise_report_view(a, i, u(), c),
    # not a provider action, but its answer must not tell whether a report exists
    "share_report": lambda a, i, u, c: share_report(
        ShareReport(a, i, "ncsc", ReportFile(1, ReportFormat.PDF, b"", "r.pdf")),
        u(),
        c,
        followups(c),
        NoSending(),
    ),
}


@pytest.mark.parametrize("action", sorted(PROVIDER_ACTIONS))
@pytest.mark.parametrize(
    ("state", "assigned", "provider"),
    [
        # KPMG is on duty on the fake clock's day, but Accenture was assigned
        (State.CONTAINMENT, ["accenture"], KPMG_RESPONDER),
        (State.ACTIVATED, ["accenture"], KPMG_RESPONDER),
        # before assignment: put to KPMG (on duty), not to Accenture
        (State.AWAITING_MOU, [], ACCENTURE_RESPONDER),
        # still being assessed: put to no provider at all
        (State.THRESHOLD_CHECK, [], KPMG_RESPONDER),
    ],
)
async def test_a_provider_acts_only_on_incidents_put_to_it(
    uow_factory, ctx, action: str, state: State, assigned: list[str], provider: Actor
) -> None:
    incident = await incident_in(uow_factory, ctx, state, assigned)
    before = await record(uow_factory, incident.id)
    with pytest.raises(NotAuthorised) as refused:
        await PROVIDER_ACTIONS[action](provider, incident.id, uow_factory, ctx)
    assert str(refused.value) == NOT_YOURS  # no names, no hint the incident exists
    after = await record(uow_factory, incident.id)
    assert after[0] == before[0]
    assert after[2:] == before[2:]
    assert after[1][: len(before[1])] == before[1]
    assert after[1][len(before[1]) :] == ["ActionRefused"]


async def test_the_provider_put_to_sends_the_mou_before_assignment(uow_factory, ctx) -> None:
    incident = await incident_in(uow_factory, ctx, State.AWAITING_MOU, [])
    done = await record_mou(RecordMou(KPMG_RESPONDER, incident.id, "sent"), uow_factory(), ctx)
    assert done.mou_status.value == "sent"


async def test_missing_and_not_yours_read_the_same(uow_factory, ctx) -> None:
    incident = await incident_in(uow_factory, ctx, State.CONTAINMENT, ["accenture"])
    answers = []
    for key in (incident.id, str(incident.reference), "CIR-2026-9999", "no-such-id"):
        with pytest.raises(NotAuthorised) as refused:
            await add_note(AddNote(KPMG_RESPONDER, key, "x", NoteSource.SLASH), uow_factory(), ctx)
        answers.append(str(refused.value))
    assert set(answers) == {NOT_YOURS}


async def test_repeated_refusals_within_an_hour_are_one_event_with_a_count(
    uow_factory, ctx, clock
) -> None:
    incident = await incident_in(uow_factory, ctx, State.CONTAINMENT, ["accenture"])
    note = PROVIDER_ACTIONS["note"]
    for _ in range(25):
        with pytest.raises(NotAuthorised):
            await note(KPMG_RESPONDER, incident.id, uow_factory, ctx)
        clock.advance(minutes=2)  # 25 tries over 50 minutes
    with pytest.raises(NotAuthorised):  # another action is its own event
        await PROVIDER_ACTIONS["phase"](KPMG_RESPONDER, incident.id, uow_factory, ctx)
    async with uow_factory() as uow:
        loaded = await uow.incidents.get(incident.id)
        assert loaded is not None
        assert await refusal_count(uow, loaded, KPMG_RESPONDER, "add_note") == 25
        events = [e for e in await uow.timeline.for_incident(incident.id)]
    refused = [e.data for e in events if e.kind == "ActionRefused"]
    assert refused == [
        {"action": "add_note", "count": 1, "earlier_repeats": 0},
        {"action": "change_phase", "count": 1, "earlier_repeats": 0},
    ]
    clock.advance(timedelta(minutes=15))  # the window has closed: the next one is recorded,
    with pytest.raises(NotAuthorised):  # carrying the count of the one before
        await note(KPMG_RESPONDER, incident.id, uow_factory, ctx)
    async with uow_factory() as uow:
        last = [e for e in await uow.timeline.for_incident(incident.id)][-1]
    assert last.kind == "ActionRefused"
    assert last.data == {"action": "add_note", "count": 1, "earlier_repeats": 24}
