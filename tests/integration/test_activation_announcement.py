"""The announcement of an activation: the page with its buttons and clock time and the council's
email are deadlines the scheduler sends, retries and never loses, and stops once contact is made."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.states import State
from bot.usecases.activation import invite_providers
from bot.usecases.contact import record_contact
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
from bot.views.actions import Action
from handlers.notify import NotifyNotifier
from sandbox.notify.api import FakeNotifyApi
from storage.models import DeadlineRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, KPMG_RESPONDER
from tests.fakes.chat import RecordingChat
from tests.integration.activation_steps import (
    ANNOUNCEMENTS,
    activated,
    contact,
    kinds,
    quick_notifier,
    timeline,
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
    assert email["to"] == "hana@hackney.example"
    assert email["reference"] == str(incident.reference)
    assert str(incident.reference) in email["content"]["subject"]
    assert "Accenture and KPMG will contact you by 09:30 UTC" in email["content"]["body"]
    for channel, other in [("C0KPMGPAGING", "Accenture"), ("C0ACCPAGING", "KPMG")]:
        [page] = chat.to(channel)
        assert page.urgent
        assert str(incident.reference) in page.title
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
    assert len(chat.sent) == 2
    assert len(api.sent) == 1


async def test_the_providers_are_invited_and_a_failed_invitation_is_on_the_timeline(
    uow_factory, ctx, notify
):
    _, notifier = notify
    chat = RecordingChat()
    chat.fail("invite:accenture", error="not_allowed")
    result = await activated(uow_factory, ctx, "both")
    invites = await invite_providers(result, FiringDeps(ctx, chat, notifier), uow_factory)

    assert invites["kpmg"].ok
    assert not invites["accenture"].ok
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
    assert chat.sent == []
    assert len(chat.failed) == 1
    rows = await announcement_rows(uow_factory, result.incident.id)
    assert {(d.state, d.attempts) for d in rows} == {(DeadlineState.PENDING, 1)}
    events = await timeline(uow_factory, result.incident.id)
    assert "PageDelivered" not in kinds(events)
    assert "ActivationEmailSent" not in kinds(events)

    clock.advance(minutes=2)  # past any back-off, before the 20-minute reminder
    assert await announcer.fire_due() == 2
    assert len(chat.to("C0KPMGPAGING")) == 1
    assert len(api.sent) == 1
    events = await timeline(uow_factory, result.incident.id)
    [page] = [e.data for e in events if e.kind == "PageDelivered"]
    assert page["ok"] is True
    assert page["attempt"] == 2
    assert page["gave_up"] is False
    [email] = [e.data for e in events if e.kind == "ActivationEmailSent"]
    assert email["ok"] is True
    assert email["attempt"] == 2


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
    assert row.state is DeadlineState.FIRED
    assert row.attempts == 3
    [page] = [
        e.data for e in await timeline(uow_factory, result.incident.id) if e.kind == "PageDelivered"
    ]
    assert page["ok"] is False
    assert page["error"] == "channel_not_found"
    assert page["gave_up"] is True
    assert page["attempt"] == 3
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
