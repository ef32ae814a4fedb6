"""The marking and the council's obligations follow what is learnt after the referral: an answer
or an update that personal data is involved raises the marking (never lowers it) and starts the
ICO reminders from the detection time; what the referral said is already done is ticked; the
NCSC is never "not needed"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.checklist import ItemKind, ItemStatus
from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import InvalidInput
from bot.domain.incident import Incident, Marking
from bot.domain.timeline import TimelineEvent
from bot.usecases.checklist import (
    NCSC_ALWAYS,
    UpdateChecklistItem,
    checklist_view,
    update_checklist_item,
)
from bot.usecases.referral import open_referral
from bot.usecases.threshold import (
    StartThresholdCheck,
    SubmitAnswers,
    start_threshold_check,
    submit_answers,
)
from bot.views.card_sections import checklist_lines
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, COUNCIL_USER, referral_cmd
from tests.integration.activation_steps import ANSWERS

YES = {**ANSWERS, "personal_data": ["yes"]}


async def reload(uows: SqlUnitOfWorkFactory, incident_id: str) -> Incident:
    async with uows() as uow:
        incident = await uow.incidents.get(incident_id)
    assert incident is not None
    return incident


async def timeline(uows: SqlUnitOfWorkFactory, incident_id: str, kind: str) -> list[TimelineEvent]:
    async with uows() as uow:
        return [e for e in await uow.timeline.for_incident(incident_id) if e.kind == kind]


async def ico_reminders(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[tuple[int, object]]:
    async with uows() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    return sorted((d.level, d.due_at) for d in pending if d.kind is DeadlineKind.ICO_REMINDER)


async def answered(uows: SqlUnitOfWorkFactory, ctx, incident_id: str, answers: dict) -> None:
    await submit_answers(SubmitAnswers(ASSESSOR, incident_id, answers), uows(), ctx)


async def test_an_answer_that_personal_data_is_involved_raises_the_marking_and_starts_the_ico(
    uow_factory, ctx, clock
) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    detected = incident.referral.detected_at
    assert incident.marking is Marking.OFFICIAL
    assert await ico_reminders(uow_factory, incident.id) == []
    await start_threshold_check(StartThresholdCheck(ASSESSOR, incident.id), uow_factory(), ctx)

    await answered(uow_factory, ctx, incident.id, ANSWERS)  # "no": nothing changes
    assert (await reload(uow_factory, incident.id)).marking is Marking.OFFICIAL

    clock.advance(hours=1)
    await answered(uow_factory, ctx, incident.id, YES)
    now = await reload(uow_factory, incident.id)
    assert now.marking is Marking.OFFICIAL_SENSITIVE
    assert now.referral.personal_data_involved
    [raised] = await timeline(uow_factory, incident.id, "MarkingRaised")
    assert raised.data == {
        "from_marking": "OFFICIAL",
        "to_marking": "OFFICIAL-SENSITIVE",
        "reason": "personal data is involved",
    }
    assert raised.organisation == "mhclg:mhclg"
    [learnt] = await timeline(uow_factory, incident.id, "PersonalDataInvolved")
    assert learnt.data == {"source": "threshold_check"}
    # counted from when the council became aware, not from the answer
    assert await ico_reminders(uow_factory, incident.id) == [
        (48, detected + timedelta(hours=48)),
        (66, detected + timedelta(hours=66)),
    ]

    # A later "no" lowers nothing and records nothing; a second "yes" adds no reminders.
    await answered(uow_factory, ctx, incident.id, ANSWERS)
    await answered(uow_factory, ctx, incident.id, YES)
    assert (await reload(uow_factory, incident.id)).marking is Marking.OFFICIAL_SENSITIVE
    assert len(await timeline(uow_factory, incident.id, "MarkingRaised")) == 1
    assert len(await ico_reminders(uow_factory, incident.id)) == 2


async def test_learning_late_collapses_the_passed_ico_reminders_into_one_due_now(
    uow_factory, ctx, clock
) -> None:
    cmd = referral_cmd(clock, detected_at=clock.now() - timedelta(hours=50))
    incident = await open_referral(cmd, uow_factory(), ctx)
    await start_threshold_check(StartThresholdCheck(ASSESSOR, incident.id), uow_factory(), ctx)
    await answered(uow_factory, ctx, incident.id, YES)
    detected = incident.referral.detected_at
    assert await ico_reminders(uow_factory, incident.id) == [
        (48, clock.now()),
        (66, detected + timedelta(hours=66)),
    ]


async def test_no_ico_reminders_when_the_ico_was_already_told(uow_factory, ctx, clock) -> None:
    cmd = referral_cmd(clock, bodies_told=("ico",))
    incident = await open_referral(cmd, uow_factory(), ctx)
    await start_threshold_check(StartThresholdCheck(ASSESSOR, incident.id), uow_factory(), ctx)
    await answered(uow_factory, ctx, incident.id, YES)
    assert (await reload(uow_factory, incident.id)).marking is Marking.OFFICIAL_SENSITIVE
    assert await ico_reminders(uow_factory, incident.id) == []


async def test_recording_the_ico_as_told_raises_the_marking(uow_factory, ctx, clock) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    cmd = UpdateChecklistItem(COUNCIL_USER, incident.id, "ico", "done", reference="ICO-1")
    await update_checklist_item(cmd, uow_factory(), ctx, ctx.policy.followups)
    now = await reload(uow_factory, incident.id)
    assert now.marking is Marking.OFFICIAL_SENSITIVE
    [learnt] = await timeline(uow_factory, incident.id, "PersonalDataInvolved")
    assert learnt.data == {"source": "ico_reported"}
    assert learnt.organisation == "council:hackney"
    assert await ico_reminders(uow_factory, incident.id) == []  # told already: none to send


async def test_bodies_told_at_referral_are_ticked(uow_factory, ctx, clock) -> None:
    cmd = referral_cmd(clock, bodies_told=("ico", "warp"), ncsc_reference="NCSC-777")
    incident = await open_referral(cmd, uow_factory(), ctx)
    view = await checklist_view(uow_factory(), incident.id, ctx.policy.followups)
    rows = {r.item: (r.status, r.reference, r.reason, r.done_at) for r in view.rows}
    assert rows == {  # when each was told is not known, only that it was before the referral
        ItemKind.ICO: (ItemStatus.DONE, "", "told at referral", None),
        ItemKind.ACTION_FRAUD: (ItemStatus.OUTSTANDING, "", "", None),
        ItemKind.WARP: (ItemStatus.DONE, "", "told at referral", None),
        ItemKind.NCSC: (ItemStatus.DONE, "NCSC-777", "referred by the NCSC", None),
    }
    lines = checklist_lines(view)
    assert "Regional WARP: done (told at referral)" in lines
    assert "National Cyber Security Centre (NCSC): done, ref NCSC-777 (referred by the NCSC)" in (
        lines
    )
    ticked = await timeline(uow_factory, incident.id, "NotificationItemUpdated")
    assert sorted(e.data["item"] for e in ticked) == ["ico", "ncsc", "warp"]
    assert {e.actor_id for e in ticked} == {"system"}


async def test_the_ncsc_without_a_reference_stays_outstanding_and_is_never_not_needed(
    uow_factory, ctx, clock
) -> None:
    incident = await open_referral(
        referral_cmd(clock, ncsc_reference="", bodies_told=()), uow_factory(), ctx
    )
    cmd = UpdateChecklistItem(
        COUNCIL_USER, incident.id, "ncsc", "not_needed", reason="We told the police."
    )
    with pytest.raises(InvalidInput) as refused:
        await update_checklist_item(cmd, uow_factory(), ctx, ctx.policy.followups)
    assert str(refused.value) == NCSC_ALWAYS
    assert "every cyber incident" in refused.value.field_errors["status"]
    view = await checklist_view(uow_factory(), incident.id, ctx.policy.followups)
    [ncsc] = [r for r in view.rows if r.item is ItemKind.NCSC]
    assert ncsc.status is ItemStatus.OUTSTANDING
    assert await timeline(uow_factory, incident.id, "NotificationItemUpdated") == []
