"""The Slack side of the core's ChatPort: how pages, reminders and escalations reach people."""

from __future__ import annotations

import uuid

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.bindings import Invite, InviteStatus, Platform
from bot.ports import UnitOfWorkFactory
from bot.ports.chat import ChatDelivery, OutboundMessage
from bot.usecases import presence as uc
from bot.usecases.context import CoreContext
from handlers.slack.refusals import slack_error, unreachable
from handlers.slack.render.outbound import outbound_blocks, outbound_fallback
from handlers.slack.room import SlackRoom


class SlackChat:
    def __init__(
        self, client: AsyncWebClient, uow: UnitOfWorkFactory, ctx: CoreContext, room: SlackRoom
    ) -> None:
        self.client, self.uow, self.ctx, self.room = client, uow, ctx, room

    async def _post(self, channel: str, message: OutboundMessage, route: str) -> ChatDelivery:
        try:
            await self.client.chat_postMessage(
                channel=channel, text=outbound_fallback(message), blocks=outbound_blocks(message)
            )
        except SlackApiError as exc:
            return ChatDelivery(False, route, slack_error(exc))
        except Exception as exc:  # network failure after the client's retries
            return ChatDelivery(False, route, unreachable(exc))
        return ChatDelivery(True, route)

    async def to_incident(self, incident_id: str, message: OutboundMessage) -> ChatDelivery:
        channel = await self.room.channel(incident_id)
        if channel is None:
            return ChatDelivery(False, "slack:incident", "the incident has no Slack channel")
        return await self._post(channel.channel_id, message, f"slack:{channel.channel_id}")

    async def to_channel(self, channel: str, message: OutboundMessage) -> ChatDelivery:
        return await self._post(channel, message, f"slack:{channel}")

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        if not user:
            return ChatDelivery(False, "slack:dm", "no Slack user configured", final=True)
        return await self._post(user, message, f"slack:dm:{user}")

    async def invite_provider(self, incident_id: str, provider_id: str) -> ChatDelivery:
        """Invite the provider's escalation contacts by Slack Connect, one email per call (the
        API's rule); each invitation is tracked until accepted."""
        provider = self.ctx.policy.providers.get(provider_id)
        channel = await self.room.channel(incident_id)
        if provider is None or channel is None:
            return ChatDelivery(False, "slack:invite", "no provider or no incident channel")
        invites = await uc.invites_of(self.uow(), incident_id, Platform.SLACK)
        results = []
        for contact in provider.escalation_contacts:
            previous = next((i for i in invites if i.email == contact.email), None)
            if not contact.email or (previous and previous.status is not InviteStatus.FAILED):
                continue  # a failed invitation is tried again, reusing its row
            status, invite_id, error = InviteStatus.SENT, "", ""
            try:
                response = await self.client.conversations_inviteShared(
                    channel=channel.channel_id, emails=[contact.email]
                )
                invite_id = str(response.get("invite_id", ""))
            except SlackApiError as exc:
                status, error = InviteStatus.FAILED, slack_error(exc)
            invite = Invite(
                previous.id if previous else uuid.uuid4().hex,
                incident_id,
                Platform.SLACK,
                contact.email,
                "provider",
                provider_id,
                status,
                invite_id,
                error,
                self.ctx.clock.now(),
            )
            await uc.record_invite(self.uow(), self.ctx, invite)
            results.append(status is InviteStatus.SENT)
        ok = all(results) if results else True
        return ChatDelivery(ok, f"slack:invite:{provider_id}", "" if ok else "an invitation failed")

    async def refresh_incident(self, incident_id: str) -> None:
        # the composite chat port redraws the other platforms itself
        await self.room.refresh(incident_id, elsewhere=False)
