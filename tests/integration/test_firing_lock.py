"""An escalation whose routes are slow holds the incident's lock while it sends; "contact made"
at that moment waits for it, on SQLite as on PostgreSQL, and is then stored on fresh state: no
ConcurrencyConflict, stored after the escalation on the timeline, and nothing sent after it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bot.ports.chat import ChatDelivery, OutboundMessage
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.firing import FiringDeps
from sandbox.notify.api import FakeNotifyApi
from tests.factories import KPMG_RESPONDER
from tests.fakes.chat import RecordingChat
from tests.integration.test_activation import timeline
from tests.integration.test_contact_ladder import DUTY_MANAGER, announced, rig_for

DM_SECONDS = 1.0


@dataclass
class SlowChat(RecordingChat):
    """Direct messages take `delay` seconds, as Slack does when it is struggling."""

    delay: float = 0.0
    dm_started: asyncio.Event = field(default_factory=asyncio.Event)

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        self.dm_started.set()
        await asyncio.sleep(self.delay)
        return await super().to_person(user, message)


async def test_contact_made_during_a_slow_escalation_waits_then_is_stored(
    uow_factory, ctx, clock
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
        chat.delay = DM_SECONDS

        firing = asyncio.create_task(rig.fire_due())
        await asyncio.wait_for(chat.dm_started.wait(), 5)
        started = time.monotonic()
        contact = await asyncio.wait_for(
            record_contact(
                RecordContact(KPMG_RESPONDER, incident_id, clock.now(), "phone"), uow_factory(), ctx
            ),
            10,
        )
        waited = time.monotonic() - started
        assert await firing == 1
        sent_at_contact = len(chat.sent) + len(api.sent)

        assert waited > DM_SECONDS / 2  # it queued behind the firing, which then committed
        assert contact.cancelled_deadlines == 3  # levels 2 to 4; level 1 had fired
        assert len(chat.to(DUTY_MANAGER[0])) == 1
        events = [e.kind for e in await timeline(uow_factory, incident_id)]
        ladder = [k for k in events if k in {"EscalationSent", "ContactRecorded"}]
        assert ladder == ["EscalationSent", "ContactRecorded"]

        chat.delay = 0.0
        clock.advance(hours=3)
        await rig.fire_due()
        assert len(chat.sent) + len(api.sent) == sent_at_contact
