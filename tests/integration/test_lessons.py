"""Lessons learned after closure (once per organisation, reminders after working days, closed by
MHCLG) and who may see the post-incident report, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.actors import Actor, OrgKind
from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.incident import Incident
from bot.domain.lessons import Recommendation
from bot.domain.states import State
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.lessons import (
    CloseLessonsCollection,
    SubmitLessons,
    close_lessons_collection,
    submit_lessons,
)
from bot.usecases.phases import ChangePhase, change_phase
from bot.usecases.sharing import authorise_report_view
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ACCENTURE_RESPONDER, ASSESSOR, COUNCIL_USER, KPMG_RESPONDER
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
    timeline,
)

ANSWERS = {
    "what_happened": "Ransomware detected 07:10 on 23 Nov; benefits encrypted.",
    "went_well": "Provider on site within the hour.",
    "hindered": "Admin passwords were on the encrypted share.",
    "info_sooner": "The network diagram.",
    "differently": "Keep offline copies of the runbooks.",
}
RECS = [Recommendation("Immutable backups for benefits", "Head of IT, Hackney")]
URL = "https://reports.cir.example/CIR-2026-0001.pdf"
NCSC_USER = Actor("slack:T0NCSC:U0NC1", "Nia NCSC", OrgKind.NCSC, "ncsc")


def via(ctx: CoreContext, notifier: RecordingNotifier) -> FiringDeps:
    return FiringDeps(ctx=ctx, chat=RecordingChat(), notifier=notifier)


async def closed(uows: SqlUnitOfWorkFactory, ctx: CoreContext) -> Incident:
    incident = await responding(uows, ctx, State.ERADICATION)
    await change_phase(
        ChangePhase(ASSESSOR, incident.id, State.CLOSED, "Services restored."),
        uows(),
        ctx,
        FOLLOWUPS,
    )
    return incident


async def give(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, actor: Actor, incident: Incident, **answers: str
) -> None:
    cmd = SubmitLessons(actor, incident.id, {**ANSWERS, **answers}, RECS)
    await submit_lessons(cmd, uows(), ctx)


async def test_each_organisation_answers_once(uow_factory, ctx, clock) -> None:
    incident = await closed(uow_factory, ctx)
    await give(uow_factory, ctx, COUNCIL_USER, incident)
    [submitted] = await events(uow_factory, incident.id, "LessonsSubmitted")
    assert submitted.data == {
        "organisation": "council:hackney",
        "answers": ANSWERS,
        "recommendations": [
            {"text": "Immutable backups for benefits", "owner": "Head of IT, Hackney"}
        ],
    }
    before = len(await timeline(uow_factory, incident.id))
    clock.advance(minutes=5)
    second = Actor("slack:T0HACKNEY:U0HK2", "Hugo Council", OrgKind.COUNCIL, "hackney")
    with pytest.raises(DomainError) as caught:
        await give(uow_factory, ctx, second, incident, went_well="Everything, on reflection.")
    assert "already submitted by Hana Council at 09:00 UTC on 23 Nov 2026" in str(caught.value)
    assert "nothing changed" in str(caught.value)
    assert len(await timeline(uow_factory, incident.id)) == before
    async with uow_factory() as uow:
        [stored] = await uow.lessons.submissions(incident.id)
    assert stored.answers["went_well"] == ANSWERS["went_well"]

    await give(uow_factory, ctx, KPMG_RESPONDER, incident)
    assert len(await pending(uow_factory, incident.id, DeadlineKind.LESSONS_REMINDER)) == 2
    await give(uow_factory, ctx, ASSESSOR, incident)
    assert await pending(uow_factory, incident.id, DeadlineKind.LESSONS_REMINDER) == []  # all in


async def test_lessons_are_asked_only_after_closure_and_only_of_participants(
    uow_factory, ctx
) -> None:
    incident = await responding(uow_factory, ctx, State.ERADICATION)
    with pytest.raises(DomainError, match="collected once it is closed"):
        await give(uow_factory, ctx, KPMG_RESPONDER, incident)
    await change_phase(
        ChangePhase(ASSESSOR, incident.id, State.CLOSED, "Done."), uow_factory(), ctx, FOLLOWUPS
    )
    for outsider in (ACCENTURE_RESPONDER, CAMDEN_USER, NCSC_USER):
        with pytest.raises(NotAuthorised):
            await give(uow_factory, ctx, outsider, incident)
    assert await refused(uow_factory, incident.id) == [
        (ACCENTURE_RESPONDER.user_id, "submit_lessons"),
        (CAMDEN_USER.user_id, "submit_lessons"),
        (NCSC_USER.user_id, "submit_lessons"),
    ]
    assert await events(uow_factory, incident.id, "LessonsSubmitted") == []


async def test_an_over_long_answer_is_refused_with_the_limit_named(uow_factory, ctx) -> None:
    incident = await closed(uow_factory, ctx)
    with pytest.raises(InvalidInput) as caught:
        await give(uow_factory, ctx, KPMG_RESPONDER, incident, hindered="h" * 3001)
    assert caught.value.field_errors == {
        "hindered": "What hindered the response is 3001 characters; the limit is 3000."
    }
    async with uow_factory() as uow:
        assert await uow.lessons.submissions(incident.id) == []
    await give(uow_factory, ctx, KPMG_RESPONDER, incident, hindered="h" * 3000)
    [submitted] = await events(uow_factory, incident.id, "LessonsSubmitted")
    assert submitted.data["answers"]["hindered"] == "h" * 3000


async def test_mhclg_closes_the_collection_and_later_answers_change_nothing(
    uow_factory, ctx, clock
) -> None:
    incident = await closed(uow_factory, ctx)
    await give(uow_factory, ctx, ASSESSOR, incident)
    with pytest.raises(NotAuthorised, match="Only MHCLG"):
        await close_lessons_collection(
            CloseLessonsCollection(KPMG_RESPONDER, incident.id), uow_factory(), ctx
        )
    missing = await close_lessons_collection(
        CloseLessonsCollection(ASSESSOR, incident.id), uow_factory(), ctx
    )
    assert missing == ["provider:kpmg", "council:hackney"]
    assert len(await events(uow_factory, incident.id, "LessonsCollectionClosed")) == 1
    assert await pending(uow_factory, incident.id, DeadlineKind.LESSONS_REMINDER) == []

    with pytest.raises(DomainError, match="was closed by Ada Assessor .* nothing was recorded"):
        await give(uow_factory, ctx, COUNCIL_USER, incident)
    with pytest.raises(DomainError, match="already closed"):
        await close_lessons_collection(
            CloseLessonsCollection(ASSESSOR, incident.id), uow_factory(), ctx
        )
    assert len(await events(uow_factory, incident.id, "LessonsSubmitted")) == 1
    assert await refused(uow_factory, incident.id) == [(KPMG_RESPONDER.user_id, "close_lessons")]


async def test_reminders_skip_christmas_and_name_who_has_not_answered(
    uow_factory, ctx, clock
) -> None:
    clock.set(datetime(2026, 12, 24, 10, 0, tzinfo=UTC))  # Thursday, Christmas Eve
    incident = await closed(uow_factory, ctx)
    reminders = await pending(uow_factory, incident.id, DeadlineKind.LESSONS_REMINDER)
    # 25 Dec (Fri), the weekend and 28 Dec (Mon, substitute) do not count.
    assert [d.due_at for d in reminders] == [
        datetime(2026, 12, 30, 10, 0, tzinfo=UTC),  # 2 working days: 29th, 30th
        datetime(2027, 1, 5, 10, 0, tzinfo=UTC),  # 5: 29th, 30th, 31st, (1 Jan) 4th, 5th
    ]
    await give(uow_factory, ctx, KPMG_RESPONDER, incident)
    chat = RecordingChat()
    sweep = scheduler(uow_factory, ctx, chat, RecordingNotifier())
    clock.set(datetime(2026, 12, 29, 10, 0, tzinfo=UTC))
    assert await sweep.fire_due() == 0
    clock.set(datetime(2026, 12, 30, 10, 0, tzinfo=UTC))
    assert await sweep.fire_due() == 1
    [message] = chat.to(f"incident:{incident.id}")
    assert "MHCLG, London Borough of Hackney" in message.text
    assert "KPMG" not in message.text
    [sent] = await events(uow_factory, incident.id, "LessonsReminderSent")
    assert sent.data["organisations"] == ["mhclg:mhclg", "council:hackney"]

    await give(uow_factory, ctx, COUNCIL_USER, incident)
    await give(uow_factory, ctx, ASSESSOR, incident)
    clock.set(datetime(2027, 1, 6, 10, 0, tzinfo=UTC))
    await sweep.fire_due()
    assert len(chat.sent) == 1


# --- who may see the post-incident report (sharing it: test_report_sharing) ---------------------


async def test_a_council_sees_its_own_report_only(uow_factory, ctx) -> None:
    incident = await closed(uow_factory, ctx)
    for reader in (COUNCIL_USER, NCSC_USER, ASSESSOR, KPMG_RESPONDER):
        assert (
            await authorise_report_view(reader, incident.id, uow_factory(), ctx)
        ).id == incident.id
    with pytest.raises(NotAuthorised, match="not found, or it is not yours"):
        await authorise_report_view(CAMDEN_USER, incident.id, uow_factory(), ctx)
    assert await refused(uow_factory, incident.id) == [(CAMDEN_USER.user_id, "view_report")]
