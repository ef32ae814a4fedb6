"""The chat port the service uses when an incident may span Slack and Teams.

`to_incident` and `refresh_incident` reach every platform the incident is on (Slack always,
since MHCLG is there; Teams when the council or an assigned provider is on it, by config), at
the same time, each platform's failure apart from the others'. `except_platform` leaves one out:
the platform a change was made on has already been told. A configured channel or person
(`to_channel`, `to_person`) is Slack's, as before; what must reach Teams names it through `on`.
With Teams not configured this is Slack's port and nothing more: no incident is read.
"""

from __future__ import annotations

import asyncio
import logging

from bot.domain.bindings import Platform
from bot.domain.errors import NotFound
from bot.policy.model import Policy
from bot.ports import UnitOfWorkFactory
from bot.ports.chat import ChatDelivery, ChatPort, OutboundMessage
from bot.usecases.loading import load_incident
from bot.usecases.platforms import platforms_of

log = logging.getLogger(__name__)
NO_PLATFORM = "no chat platform is configured"
NOT_CONFIGURED = "Slack is not configured (the channels and people in config/ are Slack's)"


def combined(deliveries: list[ChatDelivery], route: str) -> ChatDelivery:
    """One delivery for several platforms: delivered if it reached any of them (a firing that
    retries an undelivered message would otherwise post it again where it did arrive), with
    the other platforms' failures named in `error`; final only if every failure was final. What
    must reach each platform for sure (an escalation) is sent per platform instead
    (`bot.usecases.firing.recipients`)."""
    if len(deliveries) == 1:
        return deliveries[0]
    if not deliveries:
        return ChatDelivery(False, route, NO_PLATFORM, final=True)
    failed = [d for d in deliveries if not d.ok]
    return ChatDelivery(
        ok=len(failed) < len(deliveries),
        route="+".join(d.route for d in deliveries),
        error="; ".join(f"{d.route}: {d.error}" for d in failed),
        final=bool(failed) and all(d.final for d in failed),
    )


class Chats:
    def __init__(
        self,
        ports: dict[Platform, ChatPort],
        uow: UnitOfWorkFactory,
        policy: Policy,
    ) -> None:
        self._ports, self._uow, self.policy = dict(ports), uow, policy

    def attach(self, platform: Platform, port: ChatPort) -> None:
        """A platform whose edge is built after the runtime (Teams, once mounted)."""
        self._ports[platform] = port

    def on(self, platform: Platform) -> ChatPort | None:
        return self._ports.get(platform)

    async def platforms(
        self, incident_id: str, except_platform: Platform | None = None
    ) -> list[tuple[Platform, ChatPort]]:
        """The configured ports of the platforms the incident is on."""
        if set(self._ports) <= {Platform.SLACK}:
            wanted: tuple[Platform, ...] = (Platform.SLACK,)  # one platform: nothing to read
        else:
            try:
                async with self._uow() as uow:
                    incident = await load_incident(uow, incident_id)  # an id or a CIR reference
                wanted = platforms_of(incident, self.policy)
            except NotFound:  # Slack's port says so in its own words
                wanted = (Platform.SLACK,)
        return [
            (p, self._ports[p]) for p in wanted if p in self._ports and p is not except_platform
        ]

    async def to_incident(
        self,
        incident_id: str,
        message: OutboundMessage,
        *,
        except_platform: Platform | None = None,
    ) -> ChatDelivery:
        targets = await self.platforms(incident_id, except_platform)
        deliveries = await asyncio.gather(
            *(port.to_incident(incident_id, message) for _, port in targets)
        )
        return combined(list(deliveries), "chat:incident")

    async def refresh_incident(
        self, incident_id: str, *, except_platform: Platform | None = None
    ) -> None:
        targets = await self.platforms(incident_id, except_platform)
        results = await asyncio.gather(
            *(port.refresh_incident(incident_id) for _, port in targets), return_exceptions=True
        )
        for (platform, _), result in zip(targets, results, strict=True):
            if isinstance(result, BaseException):  # one platform's failure stops no other
                log.warning(
                    "%s cards not redrawn: %s",
                    platform.value,
                    type(result).__name__,
                    exc_info=result,
                )

    def _default(self) -> ChatPort | None:
        return self._ports.get(Platform.SLACK)

    async def to_channel(self, channel: str, message: OutboundMessage) -> ChatDelivery:
        port = self._default()
        if port is None:
            return ChatDelivery(False, f"chat:{channel}", NOT_CONFIGURED, final=True)
        return await port.to_channel(channel, message)

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        port = self._default()
        if port is None:
            return ChatDelivery(False, f"chat:dm:{user}", NOT_CONFIGURED, final=True)
        return await port.to_person(user, message)

    async def invite_provider(self, incident_id: str, provider_id: str) -> ChatDelivery:
        """A provider on Teams is brought in by its own card in its own conversation; one on
        Slack by Slack Connect."""
        provider = self.policy.providers.get(provider_id)
        platform = provider.platform if provider is not None else Platform.SLACK
        port = self._ports.get(platform)
        if port is None:
            route = f"{platform.value}:invite:{provider_id}"
            return ChatDelivery(False, route, f"{platform.value} is not configured", final=True)
        return await port.invite_provider(incident_id, provider_id)
