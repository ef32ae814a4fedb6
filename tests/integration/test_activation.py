"""Activation end to end on a real database: the MoU gate, choosing the provider, the page with
its buttons and clock time, the council's email, and who may acknowledge or record contact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.actors import Actor, OrgKind
from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from bot.usecases.activation import (
    ActivateIncident,
    ActivationResult,
    activate_incident,
    announce_activation,
)
from bot.usecases.contact import AcknowledgePage, RecordContact, acknowledge_page, record_contact
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.mou import OverrideMou, RecordMou, override_mou, record_mou
from bot.usecases.referral import open_referral
from bot.usecases.threshold import (
    RecordDecision,
    StartThresholdCheck,
    SubmitAnswers,
    record_decision,
    start_threshold_check,
    submit_answers,
)
from bot.views.actions import Action
from handlers.notify import NotifyNotifier
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import (
    ACCENTURE_RESPONDER,
    ASSESSOR,
    COUNCIL_USER,
    KPMG_RESPONDER,
    MHCLG_OTHER,
    referral_cmd,
)
from tests.fakes.chat import RecordingChat
from tests.fakes.notify_api import FakeNotifyApi

ANSWERS = {
    "status": ["confirmed"],
    "critical_services": ["benefits"],
    "scope": ["several_systems"],
    "attack_type": ["ransomware"],
    "personal_data": ["yes"],
    "attacker_active": ["unknown"],
    "backups": ["destroyed"],
    "capability": ["no"],
    "spread": ["yes"],
    "restore_time": ["over_3_days"],
    "ncsc_category": ["c3"],
    "reported_to_ncsc": ["yes"],
}
LEEDS_USER = Actor("slack:T0LEEDS:U0LD1", "Lee Leeds", OrgKind.COUNCIL, "leeds")


# --- helpers shared with test_contact_ladder ----------------------------------------------------


async def assessed(uows: SqlUnitOfWorkFactory, ctx: CoreContext, decision: str) -> tuple[str, str]:
    """An incident through the threshold check; returns (incident id, assessment id)."""
    incident = await open_referral(referral_cmd(ctx.clock), uows(), ctx)
    await start_threshold_check(StartThresholdCheck(ASSESSOR, incident.id), uows(), ctx)
    assessment, _ = await submit_answers(SubmitAnswers(ASSESSOR, incident.id, ANSWERS), uows(), ctx)
    missing = "Whether backups survived" if decision == "need_more_info" else ""
    await record_decision(
        RecordDecision(ASSESSOR, assessment.id, decision, "Benefits down", missing), uows(), ctx
    )
    return incident.id, assessment.id


async def awaiting_mou(uows: SqlUnitOfWorkFactory, ctx: CoreContext, *, signed: bool) -> str:
    incident_id, _ = await assessed(uows, ctx, "activate")
    if signed:  # the provider's "sent" is covered by the MoU tests; the rota varies here
        await record_mou(RecordMou(COUNCIL_USER, incident_id, "signed"), uows(), ctx)
    return incident_id


async def activated(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, choice: str = "on_duty"
) -> ActivationResult:
    incident_id = await awaiting_mou(uows, ctx, signed=True)
    return await activate_incident(ActivateIncident(ASSESSOR, incident_id, choice), uows(), ctx)


async def timeline(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[TimelineEvent]:
    async with uows() as uow:
        return list(await uow.timeline.for_incident(incident_id))


def kinds(events: list[TimelineEvent]) -> list[str]:
    return [e.kind for e in events]


async def snapshot(uows: SqlUnitOfWorkFactory, incident_id: str) -> tuple[object, ...]:
    """Everything a refused command must leave as it was."""
    async with uows() as uow:
        incident = await uow.incidents.get(incident_id)
        assert incident is not None
        pending = await uow.deadlines.pending_for(incident_id)
        engagements = await uow.engagements.for_incident(incident_id)
        events = await uow.timeline.for_incident(incident_id)
    return (
        incident.state,
        incident.provider_ids,
        sorted(d.id for d in pending),
        engagements,
        len([e for e in events if e.kind != "ActionRefused"]),
    )


# --- MoU ---------------------------------------------------------------------------------------


async def test_mou_is_sent_by_the_provider_and_signed_by_its_own_council(uow_factory, ctx):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=False)
    for actor, status in [
        (COUNCIL_USER, "sent"),
        (ACCENTURE_RESPONDER, "sent"),  # not on duty on 23 Nov 2026, not assigned
        (LEEDS_USER, "signed"),  # another council
        (ASSESSOR, "signed"),
    ]:
        with pytest.raises(NotAuthorised):
            await record_mou(RecordMou(actor, incident_id, status), uow_factory(), ctx)
    await record_mou(RecordMou(KPMG_RESPONDER, incident_id, "sent"), uow_factory(), ctx)
    await record_mou(RecordMou(COUNCIL_USER, incident_id, "signed"), uow_factory(), ctx)
    with pytest.raises(DomainError, match="already signed"):
        await record_mou(RecordMou(KPMG_RESPONDER, incident_id, "sent"), uow_factory(), ctx)

    events = await timeline(uow_factory, incident_id)
    assert kinds(events).count("ActionRefused") == 4
    recorded = [(e.actor_id, e.data["status"]) for e in events if e.kind == "MouStatusRecorded"]
    assert recorded == [(KPMG_RESPONDER.user_id, "sent"), (COUNCIL_USER.user_id, "signed")]


async def test_mou_override_needs_an_assessor_and_a_reason(uow_factory, ctx):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=False)
    with pytest.raises(NotAuthorised):
        await override_mou(OverrideMou(MHCLG_OTHER, incident_id, "urgent"), uow_factory(), ctx)
    with pytest.raises(InvalidInput):
        await override_mou(OverrideMou(ASSESSOR, incident_id, "   "), uow_factory(), ctx)
    reason = "Council's legal team unreachable; benefits payments due tomorrow"
    await override_mou(OverrideMou(ASSESSOR, incident_id, reason), uow_factory(), ctx)
    result = await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)

    assert result.incident.state is State.ACTIVATED
    [override] = [e for e in await timeline(uow_factory, incident_id) if e.kind == "MouOverridden"]
    assert override.data["reason"] == reason and override.actor_id == ASSESSOR.user_id


async def test_activation_without_the_mou_is_refused_saying_why_and_stores_nothing(
    uow_factory, ctx
):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=False)
    await record_mou(RecordMou(KPMG_RESPONDER, incident_id, "sent"), uow_factory(), ctx)
    before = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="not signed the Memorandum of Understanding"):
        await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before
    assert before[0] is State.AWAITING_MOU and before[2] == [] and before[3] == []


async def test_only_an_assessor_activates_and_only_once(uow_factory, ctx):
    incident_id = await awaiting_mou(uow_factory, ctx, signed=True)
    with pytest.raises(NotAuthorised):
        await activate_incident(ActivateIncident(KPMG_RESPONDER, incident_id), uow_factory(), ctx)
    await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)
    before = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="already activated"):
        await activate_incident(ActivateIncident(ASSESSOR, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before


@pytest.mark.parametrize(
    ("day", "choice", "expected"),
    [
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "on_duty", ("kpmg",)),
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "other", ("accenture",)),
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "both", ("accenture", "kpmg")),
        (datetime(2026, 11, 23, 9, tzinfo=UTC), "accenture", ("accenture",)),
        (datetime(2025, 8, 1, 9, tzinfo=UTC), "on_duty", ("accenture",)),
        # 23:30 UTC on 31 August is 00:30 on 1 September in London: KPMG's period has begun.
        (datetime(2025, 8, 31, 23, 30, tzinfo=UTC), "on_duty", ("kpmg",)),
    ],
)
async def test_the_provider_follows_the_rota_or_the_assessors_choice(
    uow_factory, ctx, clock, day, choice, expected
):
    clock.set(day)
    result = await activated(uow_factory, ctx, choice)

    assert result.incident.provider_ids == expected
    assert result.deadline_at == day + timedelta(minutes=30)
    async with uow_factory() as uow:
        incident = await uow.incidents.get(result.incident.id)
        engagements = await uow.engagements.for_incident(result.incident.id)
        pending = await uow.deadlines.pending_for(result.incident.id)
    assert incident is not None and incident.state is State.ACTIVATED
    assert incident.provider_ids == expected
    assert [(e.provider_id, e.notified_at, e.deadline_at) for e in engagements] == [
        (p, day, day + timedelta(minutes=30)) for p in sorted(expected)
    ]
    assert [(d.kind, d.due_at - day) for d in pending] == [
        (DeadlineKind.CONTACT_REMINDER, timedelta(minutes=20)),
        *[(DeadlineKind.CONTACT_ESCALATION, timedelta(minutes=m)) for m in (30, 45, 60, 75)],
    ]
    [paged] = [
        e for e in await timeline(uow_factory, result.incident.id) if e.kind == "ProviderPaged"
    ]
    assert paged.data["provider_ids"] == list(expected)
    assert paged.data["deadline_at"] == (day + timedelta(minutes=30)).isoformat()


# --- the announcement --------------------------------------------------------------------------


@pytest.fixture
async def notify() -> AsyncIterator[tuple[FakeNotifyApi, NotifyNotifier]]:
    async with FakeNotifyApi() as api:
        yield (
            api,
            NotifyNotifier(
                api.api_key,
                api.base_url,
                api.email_template_id,
                api.sms_template_id,
                max_attempts=2,
                base_delay=0.001,
            ),
        )


async def test_activation_emails_the_council_and_pages_the_provider_with_both_buttons(
    uow_factory, ctx, notify
):
    api, notifier = notify
    chat = RecordingChat()
    result = await activated(uow_factory, ctx, "both")
    await announce_activation(result, FiringDeps(ctx, chat, notifier), uow_factory)

    incident = result.incident
    [email] = api.sent
    assert email["to"] == "hana@hackney.example" and email["reference"] == str(incident.reference)
    assert str(incident.reference) in email["content"]["subject"]
    assert "Accenture and KPMG will contact you by 09:30 UTC" in email["content"]["body"]
    for provider, channel, other in [
        ("kpmg", "C0KPMGPAGING", "Accenture"),
        ("accenture", "C0ACCPAGING", "KPMG"),
    ]:
        [page] = chat.to(channel)
        assert page.urgent and str(incident.reference) in page.title
        assert "Contact the council by 09:30 UTC (09:30 GMT, London)" in page.text
        assert [(b.action, b.value) for b in page.buttons] == [
            (Action.ACKNOWLEDGE_PAGE, incident.id),
            (Action.CONTACT_MADE, incident.id),
        ]
        facts = {f.label: f.value for f in page.facts}
        assert facts["Also assigned"] == other
        assert facts["What happened"] == incident.referral.description
        assert chat.to(f"invite:{provider}") == [] and any(
            s.target == f"invite:{provider}" for s in chat.sent
        )
    assert chat.refreshed == [incident.id]
    events = await timeline(uow_factory, incident.id)
    [sent] = [e for e in events if e.kind == "ActivationEmailSent"]
    assert sent.data == {"to": "hana@hackney.example", "ok": True, "error": ""}
    pages = {e.data["provider_id"]: e.data["ok"] for e in events if e.kind == "PageDelivered"}
    assert pages == {"kpmg": True, "accenture": True}


async def test_a_failed_page_and_a_failed_email_are_on_the_timeline(uow_factory, ctx, notify):
    api, notifier = notify
    api.fail_next("email", times=5)
    chat = RecordingChat()
    chat.fail("C0KPMGPAGING", error="not_in_channel")
    result = await activated(uow_factory, ctx)
    outcome = await announce_activation(result, FiringDeps(ctx, chat, notifier), uow_factory)

    assert not outcome.email.ok and not outcome.pages["kpmg"].ok
    assert outcome.invites["kpmg"].ok  # one failure does not stop the other routes
    events = await timeline(uow_factory, result.incident.id)
    [email] = [e for e in events if e.kind == "ActivationEmailSent"]
    assert email.data["ok"] is False and email.data["error"].startswith("500")
    [page] = [e for e in events if e.kind == "PageDelivered"]
    assert page.data["ok"] is False and page.data["error"] == "not_in_channel"


# --- acknowledge and contact made --------------------------------------------------------------


async def test_only_the_assigned_provider_acknowledges_and_only_once(uow_factory, ctx, clock):
    result = await activated(uow_factory, ctx)
    incident_id = result.incident.id
    for actor in (ACCENTURE_RESPONDER, COUNCIL_USER, ASSESSOR):
        with pytest.raises(NotAuthorised, match="kpmg"):
            await acknowledge_page(AcknowledgePage(actor, incident_id), uow_factory(), ctx)
    clock.advance(minutes=3)
    engagement = await acknowledge_page(
        AcknowledgePage(KPMG_RESPONDER, incident_id), uow_factory(), ctx
    )
    assert engagement.acknowledged_at == clock.now()
    before = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="already acknowledged by Kim Responder at 09:03"):
        await acknowledge_page(AcknowledgePage(KPMG_RESPONDER, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before
    [ack] = [e for e in await timeline(uow_factory, incident_id) if e.kind == "PageAcknowledged"]
    assert ack.data == {"provider_id": "kpmg", "minutes_since_page": 3.0}


def contact(actor: Actor, incident_id: str, at: datetime, method: str = "phone") -> RecordContact:
    return RecordContact(actor, incident_id, at, method, notes="Spoke to the CISO")


async def test_contact_made_is_refused_to_outsiders_and_bad_input_changes_nothing(
    uow_factory, ctx, clock
):
    result = await activated(uow_factory, ctx)
    incident_id, paged_at = result.incident.id, clock.now()
    clock.advance(minutes=12)
    before = await snapshot(uow_factory, incident_id)
    for actor in (ACCENTURE_RESPONDER, COUNCIL_USER, ASSESSOR):
        with pytest.raises(NotAuthorised):
            await record_contact(contact(actor, incident_id, clock.now()), uow_factory(), ctx)
    bad = [
        contact(KPMG_RESPONDER, incident_id, clock.now() + timedelta(minutes=1)),
        contact(KPMG_RESPONDER, incident_id, paged_at - timedelta(minutes=1)),
        contact(KPMG_RESPONDER, incident_id, clock.now(), method="carrier pigeon"),
    ]
    for cmd in bad:
        with pytest.raises(InvalidInput):
            await record_contact(cmd, uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before
    events = await timeline(uow_factory, incident_id)
    assert kinds(events).count("ActionRefused") == 3


async def test_contact_made_moves_to_containment_and_cancels_the_ladder(uow_factory, ctx, clock):
    result = await activated(uow_factory, ctx)
    incident_id, paged_at = result.incident.id, clock.now()
    clock.advance(minutes=34)
    done = await record_contact(
        contact(KPMG_RESPONDER, incident_id, paged_at + timedelta(minutes=25), "on_site"),
        uow_factory(),
        ctx,
    )

    assert done.incident.state is State.CONTAINMENT and done.cancelled_deadlines == 5
    async with uow_factory() as uow:
        assert await uow.deadlines.pending_for(incident_id) == []
        engagement = await uow.engagements.get(incident_id, "kpmg")
    assert engagement is not None
    assert engagement.contact_at == paged_at + timedelta(minutes=25)
    assert (engagement.contact_by, engagement.contact_method) == (KPMG_RESPONDER.user_id, "on_site")
    events = await timeline(uow_factory, incident_id)
    [recorded] = [e for e in events if e.kind == "ContactRecorded"]
    assert recorded.data["minutes_to_contact"] == 25.0 and recorded.data["met_deadline"] is True
    assert recorded.data["by"] == "Kim Responder" and recorded.data["method"] == "on_site"
    assert events[-1].kind == "StateChanged" and events[-1].data["to_state"] == "containment"
    assert events[-1].data["summary"] == "Provider contact made"


async def test_contact_twice_or_on_a_closed_incident_says_who_already_recorded_it(
    uow_factory, ctx, clock
):
    result = await activated(uow_factory, ctx, "both")
    incident_id = result.incident.id
    clock.advance(minutes=40)
    await record_contact(contact(ACCENTURE_RESPONDER, incident_id, clock.now()), uow_factory(), ctx)
    before = await snapshot(uow_factory, incident_id)
    for actor in (ACCENTURE_RESPONDER, KPMG_RESPONDER):
        with pytest.raises(DomainError, match="already recorded at 09:40 UTC .* by Al Responder"):
            await record_contact(contact(actor, incident_id, clock.now()), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == before

    async with uow_factory() as uow:  # the response runs its course and the incident closes
        incident = await uow.incidents.get_for_update(incident_id)
        assert incident is not None
        incident.move_to(State.ERADICATION, ASSESSOR, clock.now())
        incident.move_to(State.CLOSED, ASSESSOR, clock.now())
        await uow.commit()
    closed = await snapshot(uow_factory, incident_id)
    with pytest.raises(DomainError, match="already recorded"):
        await record_contact(contact(KPMG_RESPONDER, incident_id, clock.now()), uow_factory(), ctx)
    with pytest.raises(DomainError):
        await acknowledge_page(AcknowledgePage(KPMG_RESPONDER, incident_id), uow_factory(), ctx)
    assert await snapshot(uow_factory, incident_id) == closed
    assert closed[0] is State.CLOSED
