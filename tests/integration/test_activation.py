"""Activation end to end on a real database: the MoU gate, choosing the provider, the page with
its buttons and clock time and the council's email (deadlines the scheduler sends, retries and
never loses), and who may acknowledge or record contact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app.scheduler import DeadlineScheduler
from bot.domain.actors import Actor, OrgKind
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from bot.usecases.activation import (
    ActivateIncident,
    ActivationResult,
    activate_incident,
    invite_providers,
)
from bot.usecases.contact import AcknowledgePage, RecordContact, acknowledge_page, record_contact
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
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
from sandbox.notify.api import FakeNotifyApi
from storage.models import DeadlineRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import (
    ACCENTURE_RESPONDER,
    ASSESSOR,
    COUNCIL_USER,
    KPMG_RESPONDER,
    MHCLG_OTHER,
    referral_cmd,
)
from tests.fakes.chat import RecordingChat

ANSWERS = {
    "status": ["confirmed"],
    "critical_services": ["benefits"],
    "scope": ["several_systems"],
    "attack_type": ["ransomware"],
    # "no": a "yes" starts the ICO reminders (test_personal_data_learnt), which these tests of
    # activation and the contact ladder would otherwise have to step around
    "personal_data": ["no"],
    "attacker_active": ["unknown"],
    "backups": ["destroyed"],
    "capability": ["no"],
    "spread": ["yes"],
    "restore_time": ["over_3_days"],
    "ncsc_category": ["c3"],
    "reported_to_ncsc": ["yes"],
}
LEEDS_USER = Actor("slack:T0LEEDS:U0LD1", "Lee Leeds", OrgKind.COUNCIL, "leeds")
LADDER = {DeadlineKind.CONTACT_REMINDER, DeadlineKind.CONTACT_ESCALATION}
ANNOUNCEMENTS = {DeadlineKind.PROVIDER_PAGE, DeadlineKind.ACTIVATION_EMAIL}


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
    announced = [d for d in pending if d.kind not in LADDER]
    assert sorted((d.kind, d.payload.get("provider_id"), d.due_at) for d in announced) == sorted(
        [(DeadlineKind.ACTIVATION_EMAIL, None, day)]
        + [(DeadlineKind.PROVIDER_PAGE, p, day) for p in expected]
    )
    assert [(d.kind, d.due_at - day) for d in pending if d.kind in LADDER] == [
        (DeadlineKind.CONTACT_REMINDER, timedelta(minutes=20)),
        *[(DeadlineKind.CONTACT_ESCALATION, timedelta(minutes=m)) for m in (30, 45, 60, 75)],
    ]
    [paged] = [
        e for e in await timeline(uow_factory, result.incident.id) if e.kind == "ProviderPaged"
    ]
    assert paged.data["provider_ids"] == list(expected)
    assert paged.data["deadline_at"] == (day + timedelta(minutes=30)).isoformat()


# --- the announcement ---------------------------------------------------------------------------


def quick_notifier(api: FakeNotifyApi) -> NotifyNotifier:
    """The real adapter on the stand-in, retrying once without waiting."""
    return NotifyNotifier(
        api.api_key,
        api.base_url,
        api.email_template_id,
        api.sms_template_id,
        max_attempts=2,
        base_delay=0.001,
    )


@pytest.fixture
async def notify() -> AsyncIterator[tuple[FakeNotifyApi, NotifyNotifier]]:
    async with FakeNotifyApi() as api:
        notifier = quick_notifier(api)
        yield api, notifier
        await notifier.close()


def scheduler(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, chat: RecordingChat, notifier: NotifyNotifier
) -> DeadlineScheduler:
    """A scheduler as a freshly started process would run one: it knows only the rows."""
    deps = FiringDeps(ctx, chat, notifier)

    async def handler(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    return DeadlineScheduler(uows, ctx.clock, handler, worker_id="announcer")


async def announcement_rows(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[Deadline]:
    """Every page and activation email of the incident, whatever state it is in."""
    query = select(DeadlineRow.id).where(
        DeadlineRow.incident_id == incident_id,
        DeadlineRow.kind.in_([k.value for k in ANNOUNCEMENTS]),
    )
    async with uows() as uow:
        ids = list((await uow.session.execute(query)).scalars())
        rows = [await uow.deadlines.get(i) for i in ids]
    return [d for d in rows if d is not None]


async def test_activation_emails_the_council_and_pages_the_provider_with_both_buttons(
    uow_factory, ctx, notify
):
    api, notifier = notify
    chat = RecordingChat()
    result = await activated(uow_factory, ctx, "both")
    assert await scheduler(uow_factory, ctx, chat, notifier).fire_due() == 3  # 2 pages, 1 email

    incident = result.incident
    [email] = api.sent
    assert email["to"] == "hana@hackney.example" and email["reference"] == str(incident.reference)
    assert str(incident.reference) in email["content"]["subject"]
    assert "Accenture and KPMG will contact you by 09:30 UTC" in email["content"]["body"]
    for channel, other in [("C0KPMGPAGING", "Accenture"), ("C0ACCPAGING", "KPMG")]:
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
    events = await timeline(uow_factory, incident.id)
    [sent] = [e for e in events if e.kind == "ActivationEmailSent"]
    assert sent.data == {
        "to": "hana@hackney.example",
        "ok": True,
        "error": "",
        "attempt": 1,
        "gave_up": False,
    }
    pages = {e.data["provider_id"]: e.data["ok"] for e in events if e.kind == "PageDelivered"}
    assert pages == {"kpmg": True, "accenture": True}
    assert {d.state for d in await announcement_rows(uow_factory, incident.id)} == {
        DeadlineState.FIRED
    }
    assert await scheduler(uow_factory, ctx, chat, notifier).fire_due() == 0  # sent once only
    assert len(chat.sent) == 2 and len(api.sent) == 1


async def test_the_providers_are_invited_and_a_failed_invitation_is_on_the_timeline(
    uow_factory, ctx, notify
):
    _, notifier = notify
    chat = RecordingChat()
    chat.fail("invite:accenture", error="not_allowed")
    result = await activated(uow_factory, ctx, "both")
    invites = await invite_providers(result, FiringDeps(ctx, chat, notifier), uow_factory)

    assert invites["kpmg"].ok and not invites["accenture"].ok
    assert [s.target for s in chat.sent] == ["invite:kpmg"]
    events = await timeline(uow_factory, result.incident.id)
    invited = {e.data["provider_id"]: e.data for e in events if e.kind == "ProviderInvited"}
    assert invited["kpmg"]["ok"] is True
    assert invited["accenture"] == {"provider_id": "accenture", "ok": False, "error": "not_allowed"}


async def test_a_crash_after_the_activation_still_pages_at_the_next_sweep(
    uow_factory, ctx, clock, notify
):
    """Nothing runs after the commit (the process died): the rows alone bring the page."""
    api, notifier = notify
    result = await activated(uow_factory, ctx)
    rows = await announcement_rows(uow_factory, result.incident.id)
    assert sorted(d.kind for d in rows) == [
        DeadlineKind.ACTIVATION_EMAIL,
        DeadlineKind.PROVIDER_PAGE,
    ]
    assert all(d.state is DeadlineState.PENDING and d.due_at == clock.now() for d in rows)

    clock.advance(seconds=40)  # the time a restart takes
    chat = RecordingChat()
    assert await scheduler(uow_factory, ctx, chat, notifier).fire_due() == 2
    [page] = chat.to("C0KPMGPAGING")
    assert "Contact the council by 09:30 UTC" in page.text  # the deadline is the activation's
    assert [m["to"] for m in api.sent] == ["hana@hackney.example"]


async def test_a_page_that_fails_is_retried_and_delivered_once(uow_factory, ctx, clock, notify):
    api, notifier = notify
    chat = RecordingChat()
    chat.fail("C0KPMGPAGING", times=1, error="ratelimited")
    api.fail_next("email", times=2)  # both of the client's own attempts
    result = await activated(uow_factory, ctx)
    announcer = scheduler(uow_factory, ctx, chat, notifier)

    assert await announcer.fire_due() == 0
    assert chat.sent == [] and len(chat.failed) == 1
    rows = await announcement_rows(uow_factory, result.incident.id)
    assert {(d.state, d.attempts) for d in rows} == {(DeadlineState.PENDING, 1)}
    events = await timeline(uow_factory, result.incident.id)
    assert "PageDelivered" not in kinds(events) and "ActivationEmailSent" not in kinds(events)

    clock.advance(minutes=2)  # past any back-off, before the 20-minute reminder
    assert await announcer.fire_due() == 2
    assert len(chat.to("C0KPMGPAGING")) == 1 and len(api.sent) == 1
    events = await timeline(uow_factory, result.incident.id)
    [page] = [e.data for e in events if e.kind == "PageDelivered"]
    assert page["ok"] is True and page["attempt"] == 2 and page["gave_up"] is False
    [email] = [e.data for e in events if e.kind == "ActivationEmailSent"]
    assert email["ok"] is True and email["attempt"] == 2


async def test_a_page_is_tried_until_the_contact_deadline_then_given_up_on_record(
    uow_factory, ctx, clock, notify
):
    """By then the escalations, by chat, SMS and email, have taken over; the failure is
    evidence."""
    _, notifier = notify
    chat = RecordingChat()
    chat.fail("C0KPMGPAGING", error="channel_not_found")
    result = await activated(uow_factory, ctx)
    announcer = scheduler(uow_factory, ctx, chat, notifier)
    await announcer.fire_due()
    clock.advance(minutes=29)
    await announcer.fire_due()  # the page again, and the reminder: both fail
    assert "PageDelivered" not in kinds(await timeline(uow_factory, result.incident.id))

    clock.advance(minutes=2)
    await announcer.fire_due()
    [row] = [
        d
        for d in await announcement_rows(uow_factory, result.incident.id)
        if d.kind is DeadlineKind.PROVIDER_PAGE
    ]
    assert row.state is DeadlineState.FIRED and row.attempts == 3
    [page] = [
        e.data for e in await timeline(uow_factory, result.incident.id) if e.kind == "PageDelivered"
    ]
    assert page["ok"] is False and page["error"] == "channel_not_found"
    assert page["gave_up"] is True and page["attempt"] == 3
    assert chat.to("C0KPMGPAGING") == []


async def test_no_page_once_contact_is_made_and_nothing_once_the_incident_closed(
    uow_factory, ctx, clock, notify
):
    api, notifier = notify
    chat = RecordingChat()
    contacted = await activated(uow_factory, ctx)
    closed = await activated(uow_factory, ctx)
    clock.advance(minutes=1)
    for result in (contacted, closed):
        cmd = contact(KPMG_RESPONDER, result.incident.id, clock.now())
        await record_contact(cmd, uow_factory(), ctx)
    async with uow_factory() as uow:
        incident = await uow.incidents.get_for_update(closed.incident.id)
        assert incident is not None
        incident.move_to(State.ERADICATION, ASSESSOR, clock.now())
        incident.move_to(State.CLOSED, ASSESSOR, clock.now())
        await uow.commit()

    assert await announcer_fired(uow_factory, ctx, chat, notifier) == 4
    assert chat.sent == []  # neither incident's provider is paged
    # The council whose incident is in containment is still told its support was activated.
    assert [m["reference"] for m in api.sent] == [str(contacted.incident.reference)]
    for result, email_state in [
        (contacted, DeadlineState.FIRED),
        (closed, DeadlineState.CANCELLED),
    ]:
        states = {d.kind: d.state for d in await announcement_rows(uow_factory, result.incident.id)}
        assert states == {
            DeadlineKind.PROVIDER_PAGE: DeadlineState.CANCELLED,
            DeadlineKind.ACTIVATION_EMAIL: email_state,
        }


async def announcer_fired(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, chat: RecordingChat, notifier: NotifyNotifier
) -> int:
    return await scheduler(uows, ctx, chat, notifier).fire_due()


# --- acknowledge and contact made --------------------------------------------------------------


async def test_only_the_assigned_provider_acknowledges_and_only_once(uow_factory, ctx, clock):
    result = await activated(uow_factory, ctx)
    incident_id = result.incident.id
    # the other provider is outside the incident: it hears nothing, not even who is assigned
    with pytest.raises(NotAuthorised, match=r"^That incident was not found, or it is not yours"):
        await acknowledge_page(
            AcknowledgePage(ACCENTURE_RESPONDER, incident_id), uow_factory(), ctx
        )
    for actor in (COUNCIL_USER, ASSESSOR):  # inside it, but not the provider
        with pytest.raises(NotAuthorised, match="Only people from the provider assigned"):
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
        pending = await uow.deadlines.pending_for(incident_id)
    [prompt] = [d for d in pending if d.kind not in {*LADDER, *ANNOUNCEMENTS}]
    assert prompt.kind is DeadlineKind.UPDATE_PROMPT and done.deadlines == [prompt]
    assert prompt.due_at == clock.now() + timedelta(hours=4)
    async with uow_factory() as uow:
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
