"""An incident's presence on a chat platform: its channel, invitations and kept-up-to-date
messages. Platform edges call these so every fact about the presence is stored, and the ones
that matter to the record (channel opened, invitation sent or failed) land on the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.actors import SYSTEM
from bot.domain.bindings import (
    ChannelBinding,
    ChannelStatus,
    Invite,
    InviteStatus,
    MessagePurpose,
    Platform,
    PostedMessage,
)
from bot.domain.deadlines import Deadline
from bot.domain.engagement import Engagement
from bot.domain.events import (
    ChannelCreationFailed,
    ChannelOpened,
    InvitationUpdated,
    MessageRefused,
)
from bot.domain.incident import Incident
from bot.domain.report_shares import share_statuses
from bot.domain.states import State
from bot.policy.model import Council
from bot.ports import UnitOfWork
from bot.usecases.checklist import build_checklist_view
from bot.usecases.context import CoreContext
from bot.usecases.loading import load_incident
from bot.views.card import IncidentCard, build_card
from bot.views.card_sections import checklist_lines, report_share_lines

# Shares exist only after closure; only then is the timeline read for them.
_SHARED_STATES = frozenset({State.CLOSED, State.REPORT_ISSUED})


@dataclass
class IncidentPresence:
    incident: Incident
    council: Council | None
    channel: ChannelBinding | None
    invites: list[Invite] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    card_message: PostedMessage | None = None
    triage_message: PostedMessage | None = None
    engagements: list[Engagement] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)
    provider_names: dict[str, str] = field(default_factory=dict)
    now: datetime | None = None
    report_shares: list[str] = field(default_factory=list)

    def card(self) -> IncidentCard:
        return build_card(
            self.incident,
            self.council,
            channel=self.channel,
            invites=self.invites,
            deadlines=self.deadlines,
            engagements=self.engagements,
            provider_names=self.provider_names,
            checklist=self.checklist,
            now=self.now,
            report_shares=self.report_shares,
        )


async def presence(
    uow: UnitOfWork, ctx: CoreContext, key: str, platform: Platform
) -> IncidentPresence:
    async with uow.read_only():
        incident = await load_incident(uow, key)
        messages = await uow.messages.for_incident(incident.id, platform)
        result = IncidentPresence(
            incident=incident,
            council=ctx.policy.councils.get(incident.council_id),
            channel=await uow.channels.for_incident(incident.id, platform),
            invites=[
                i for i in await uow.invites.for_incident(incident.id) if i.platform is platform
            ],
            deadlines=await uow.deadlines.pending_for(incident.id),
            card_message=messages.get(MessagePurpose.CARD),
            triage_message=messages.get(MessagePurpose.TRIAGE_CARD),
            engagements=list(await uow.engagements.for_incident(incident.id)),
            provider_names={p.id: p.name for p in ctx.policy.providers.values()},
            now=ctx.clock.now(),
        )
        items = await uow.checklist.for_incident(incident.id)
        if incident.state in _SHARED_STATES:
            shares = share_statuses(await uow.timeline.for_incident(incident.id))
            name = result.council.name if result.council else incident.council_id
            result.report_shares = report_share_lines(shares, name)
    view = build_checklist_view(incident, items, ctx.policy.followups)
    result.checklist = checklist_lines(view)
    return result


async def channel_of(
    uow: UnitOfWork, incident_id: str, platform: Platform
) -> ChannelBinding | None:
    async with uow.read_only():
        return await uow.channels.for_incident(incident_id, platform)


async def invites_of(uow: UnitOfWork, incident_id: str, platform: Platform) -> list[Invite]:
    async with uow.read_only():
        return [i for i in await uow.invites.for_incident(incident_id) if i.platform is platform]


async def incident_for_channel(
    uow: UnitOfWork, platform: Platform, channel_id: str
) -> Incident | None:
    async with uow:
        binding = await uow.channels.by_channel(platform, channel_id)
        return await uow.incidents.get(binding.incident_id) if binding else None


async def record_channel(uow: UnitOfWork, ctx: CoreContext, binding: ChannelBinding) -> None:
    """Store the channel's state; creation and failure are on the timeline as evidence. The
    incident is locked, so the note waits its turn behind a firing instead of failing the
    version check (and losing the record of a channel that exists)."""
    async with uow:
        incident = await load_incident(uow, binding.incident_id, for_update=True)
        await uow.channels.save(binding)
        now = ctx.clock.now()
        if binding.status is ChannelStatus.CREATED:
            opened = ChannelOpened(platform=binding.platform.value, channel=binding.channel_name)
            incident.note(opened, SYSTEM, now)
        elif binding.status is ChannelStatus.FAILED:
            failed = ChannelCreationFailed(platform=binding.platform.value, error=binding.error)
            incident.note(failed, SYSTEM, now)
        await uow.commit()


async def record_invite(uow: UnitOfWork, ctx: CoreContext, invite: Invite) -> None:
    """Locks the incident, as `record_channel` does: an invitation that went out is recorded
    even while the incident's page or ladder is firing."""
    async with uow:
        incident = await load_incident(uow, invite.incident_id, for_update=True)
        await uow.invites.save(invite)
        updated = InvitationUpdated(
            platform=invite.platform.value,
            organisation=f"{invite.org_kind}:{invite.org_id}",
            status=invite.status.value,
            error=invite.error,
        )
        incident.note(updated, SYSTEM, ctx.clock.now())
        await uow.commit()


async def update_invite_status(
    uow: UnitOfWork, ctx: CoreContext, platform: Platform, invite_id: str, status: InviteStatus
) -> Invite | None:
    """A Slack Connect invitation completes later (accepted, maybe approved by an admin)."""
    async with uow:
        invite = await uow.invites.by_invite_id(platform, invite_id)
        if invite is None or invite.status is status:
            return None
        invite.status, invite.updated_at = status, ctx.clock.now()
    await record_invite(uow, ctx, invite)
    return invite


async def remember_message(uow: UnitOfWork, ctx: CoreContext, message: PostedMessage) -> None:
    async with uow:
        await uow.messages.save(message, ctx.clock.now())
        await uow.commit()


async def record_message_refused(
    uow: UnitOfWork, ctx: CoreContext, incident_id: str, platform: Platform, what: str, error: str
) -> None:
    """A message the platform refused (a card, an announcement) is evidence too: without it the
    record would show a change that nobody in the channel was ever shown."""
    async with uow:
        incident = await load_incident(uow, incident_id, for_update=True)
        refused = MessageRefused(platform=platform.value, what=what, error=error)
        incident.note(refused, SYSTEM, ctx.clock.now())
        await uow.commit()
