"""An escalation whose routes are slow holds the incident's lock while it sends; "contact made"
at that moment waits for it, on SQLite as on PostgreSQL, and is then stored on fresh state: no
ConcurrencyConflict, stored after the escalation on the timeline, and nothing sent after it.
The same on PostgreSQL with the firing held inside the scheduler's own claim."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import Deadline
from bot.ports.chat import ChatDelivery, OutboundMessage
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.firing import FiringDeps, fire
from sandbox.notify.api import FakeNotifyApi
from storage.uow import SqlUnitOfWork
from tests.factories import KPMG_RESPONDER
from tests.fakes.chat import RecordingChat
from tests.integration.activation_steps import timeline
from tests.integration.ladder_rig import DUTY_MANAGER, announced, rig_for
from tests.integration.waiting import LockRequests, waiting_on_a_lock, within


@dataclass
class SlowChat(RecordingChat):
    """Direct messages hang, as Slack's do when it is struggling, until `release` is set."""

    dm_started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        self.dm_started.set()
        await self.release.wait()
        return await super().to_person(user, message)


async def test_contact_made_during_a_slow_escalation_waits_then_is_stored(
    uow_factory, ctx, clock, monkeypatch
) -> None:
    async with FakeNotifyApi() as api:
        rig = rig_for(api, uow_factory, ctx)
        chat = SlowChat()
        rig.chat, rig.deps = chat, FiringDeps(ctx, chat, rig.deps.notifier)
        result = await announced(uow_factory, ctx, rig)
        incident_id = result.incident.id
        clock.advance(minutes=20)
        assert await rig.fire_due() == 1  # the reminder, to the provider's channel
        clock.advance(minutes=10)

        locks = LockRequests().install(monkeypatch)
        firing = asyncio.create_task(rig.fire_due())
        await within(chat.dm_started.wait(), "the escalation's direct message to start")
        asked_before = locks.count
        pending = asyncio.create_task(
            record_contact(
                RecordContact(KPMG_RESPONDER, incident_id, clock.now(), "phone"), uow_factory(), ctx
            )
        )
        await locks.reach(asked_before + 1, "contact made to ask for the incident's lock")
        await waiting_on_a_lock(uow_factory)
        assert not pending.done(), "contact made must wait while the escalation holds the lock"
        chat.release.set()
        assert await within(firing, "the escalation to commit") == 1
        contact = await within(pending, "contact made to be stored after the escalation")
        sent_at_contact = len(chat.sent) + len(api.sent)

        assert contact.cancelled_deadlines == 3  # levels 2 to 4; level 1 had fired
        assert len(chat.to(DUTY_MANAGER[0])) == 1
        events = [e.kind for e in await timeline(uow_factory, incident_id)]
        ladder = [k for k in events if k in {"EscalationSent", "ContactRecorded"}]
        assert ladder == ["EscalationSent", "ContactRecorded"]

        clock.advance(hours=3)
        await rig.fire_due()
        assert len(chat.sent) + len(api.sent) == sent_at_contact


async def test_contact_made_while_an_escalation_fires_waits_and_nothing_is_sent_after(
    pg_uows, ctx, clock
):
    async with FakeNotifyApi() as api:
        rig = rig_for(api, pg_uows, ctx)
        result = await announced(pg_uows, ctx, rig)
        incident_id = result.incident.id
        clock.advance(minutes=20)
        await rig.fire_due()
        clock.advance(minutes=10)
        inside, release = asyncio.Event(), asyncio.Event()

        async def held(deadline: Deadline, uow: SqlUnitOfWork) -> None:
            inside.set()
            await release.wait()
            await fire(deadline, uow, rig.deps)

        firing = asyncio.create_task(
            DeadlineScheduler(pg_uows, clock, held, worker_id="w2").fire_due()
        )
        await within(inside.wait(), "the escalation to start firing")
        contact = asyncio.create_task(
            record_contact(
                RecordContact(KPMG_RESPONDER, incident_id, clock.now(), "phone"), pg_uows(), ctx
            )
        )
        await waiting_on_a_lock(pg_uows)
        assert not contact.done()  # it waits for the incident's lock
        release.set()
        assert await firing == 1
        done = await within(contact, "contact made once the escalation committed")
        messages_at_contact = len(rig.chat.sent) + len(api.sent)

        assert done.cancelled_deadlines == 3
        events = await timeline(pg_uows, incident_id)
        order = [e.kind for e in events if e.kind in {"EscalationSent", "ContactRecorded"}]
        assert order == ["EscalationSent", "ContactRecorded"]
        clock.advance(hours=2)
        assert await rig.fire_due() == 0
        assert len(rig.chat.sent) + len(api.sent) == messages_at_contact
