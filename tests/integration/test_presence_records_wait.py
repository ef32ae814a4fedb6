"""An invitation or a channel recorded while a firing holds the incident's lock waits its turn:
the invitation went out, so losing its record to a version conflict would leave the card and
the timeline saying nobody was invited."""

import asyncio

from bot.domain.actors import SYSTEM
from bot.domain.bindings import ChannelBinding, ChannelStatus, Invite, InviteStatus, Platform
from bot.domain.events import PageDelivered
from bot.usecases.presence import record_channel, record_invite
from bot.usecases.referral import open_referral
from tests.factories import referral_cmd
from tests.integration.waiting import waiting_on_a_lock


async def test_records_wait_for_a_firing_holding_the_incident(pg_uows, ctx, clock) -> None:
    uows = pg_uows
    incident = await open_referral(referral_cmd(clock), uows(), ctx)
    invite = Invite(
        "inv-1", incident.id, Platform.SLACK, "soc@provider.example", "provider", "kpmg",
        InviteStatus.SENT, "I123", "", clock.now(),
    )  # fmt: skip
    channel = ChannelBinding(
        incident.id, Platform.SLACK, "C1", "cir-x", ChannelStatus.CREATED, "", clock.now()
    )
    async with uows() as firing:  # as a page firing does: lock, note, commit a moment later
        locked = await firing.incidents.get_for_update(incident.id)
        assert locked is not None
        pending = [
            asyncio.create_task(record_invite(uows(), ctx, invite)),
            asyncio.create_task(record_channel(uows(), ctx, channel)),
        ]
        await waiting_on_a_lock(uows, n=2)
        assert not any(t.done() for t in pending), "they must wait for the lock"
        delivered = PageDelivered(
            provider_id="kpmg", route="slack:C0KPMG", ok=True, error="", deadline="10:30",
            attempt=1, gave_up=False,
        )  # fmt: skip
        locked.note(delivered, SYSTEM, clock.now())
        await firing.commit()
    await asyncio.gather(*pending)  # no ConcurrencyConflict

    async with uows() as uow:
        kinds = [e.kind for e in await uow.timeline.for_incident(incident.id)]
        stored = await uow.invites.for_incident(incident.id)
        binding = await uow.channels.for_incident(incident.id, Platform.SLACK)
    assert "PageDelivered" in kinds
    assert "InvitationUpdated" in kinds
    assert "ChannelOpened" in kinds
    assert [i.invite_id for i in stored] == ["I123"]
    assert binding is not None
    assert binding.channel_id == "C1"
